import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AuditFixture, buildAuditFixture, type FixturePerson } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { FAMILY_LINK_DAYS } from '../../domain/family-feedback.ts';
import { ValidationError } from '../../domain/validation.ts';
import { loadSignedInUser, type SignedInUser } from '../organisation/auth.ts';
import { AuditAccessError, auditAccess } from './audit-access.ts';
import {
  createFamilyFeedbackLink,
  FamilyLinkError,
  feedbackPanel,
  giveFamilyFeedback,
  givePractitionerFeedback,
  hashFamilyToken,
  openFamilyFeedbackLink,
  recordFamilyFeedback,
} from './feedback.ts';

let t: TestDb;
let f: AuditFixture;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
});
after(async () => {
  await t.close();
});

async function as(person: FixturePerson): Promise<SignedInUser> {
  const account = await t.db
    .selectFrom('user_accounts')
    .select('id')
    .where('staff_id', '=', person.staffId)
    .executeTakeFirstOrThrow();
  const user = await loadSignedInUser(t.db, account.id);
  assert.ok(user);
  return user;
}

const tokenOf = (path: string) => path.replace('/family-feedback/', '');

const good = {
  impact: '7',
  childChange: 'Visit her at school',
  processChange: 'Book the conversation sooner',
};
const familyAnswers = {
  respondent: 'parent',
  listened: 'yes',
  better: 'not_yet',
  helped: 'The family group conference',
  improve: '',
};

const practitionerRows = () =>
  t.db.selectFrom('practitioner_feedback').selectAll().where('audit_id', '=', f.audits.submitted).execute();
const familyRows = () =>
  t.db.selectFrom('family_feedback').selectAll().where('audit_id', '=', f.audits.submitted).execute();

describe('practitioner feedback', () => {
  test('nobody but the case holder may give it, whatever their role, and nothing is written', async () => {
    for (const who of ['manager', 'otherPractitioner', 'qaLead', 'auditor', 'headOfService'] as const) {
      await assert.rejects(
        givePractitionerFeedback(t.db, await as(f.people[who]), f.audits.submitted, good),
        (err: Error) => err instanceof AuditAccessError && /Only the case holder/.test(err.message),
        who,
      );
    }
    assert.equal((await practitionerRows()).length, 0);
  });

  test('not before the audit is submitted', async () => {
    await assert.rejects(
      givePractitionerFeedback(t.db, await as(f.people.practitioner), f.audits.allocated, good),
      (err: Error) => err instanceof AuditAccessError && /once it has been submitted/.test(err.message),
    );
    const rows = await t.db
      .selectFrom('practitioner_feedback')
      .select('audit_id')
      .where('audit_id', '=', f.audits.allocated)
      .execute();
    assert.equal(rows.length, 0);
  });

  test('an impact that is not a whole number from 1 to 10, or a blank answer, is refused and nothing is written', async () => {
    const user = await as(f.people.practitioner);
    for (const impact of [0, 11, '0', '11', 'ten', '7.5', 7.5, '', undefined]) {
      await assert.rejects(
        givePractitionerFeedback(t.db, user, f.audits.submitted, { ...good, impact }),
        (err: Error) =>
          err instanceof ValidationError &&
          err.errors.length === 1 &&
          err.errors[0].field === 'impact' &&
          err.errors[0].message === 'Choose how much the audit helped your practice, from 1 to 10',
        `impact ${String(impact)}`,
      );
    }
    await assert.rejects(
      givePractitionerFeedback(t.db, user, f.audits.submitted, {
        impact: '5',
        childChange: '   ',
        processChange: undefined,
      }),
      (err: Error) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(err.errors, [
          { field: 'childChange', message: 'Enter one thing you will change for the child' },
          { field: 'processChange', message: 'Enter one thing you would change about the audit process' },
        ]);
        return true;
      },
    );
    await assert.rejects(
      givePractitionerFeedback(t.db, user, f.audits.submitted, { ...good, childChange: 'x'.repeat(2001) }),
      /2,000 characters or fewer/,
    );
    assert.equal((await practitionerRows()).length, 0);
  });

  test('the case holder gives it once; a second time is refused and the first answers stand', async () => {
    const user = await as(f.people.practitioner);
    await givePractitionerFeedback(t.db, user, f.audits.submitted, {
      ...good,
      childChange: '  Visit her at school ',
    });
    const rows = await practitionerRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].impact, 7);
    assert.equal(rows[0].child_change, 'Visit her at school');
    assert.equal(rows[0].staff_id, f.people.practitioner.staffId);

    await assert.rejects(
      givePractitionerFeedback(t.db, user, f.audits.submitted, { ...good, impact: '2' }),
      (err: Error) =>
        err instanceof AuditAccessError && err.message === 'You have already given feedback on this audit',
    );
    // already given is said before any problem with the answers
    await assert.rejects(
      givePractitionerFeedback(t.db, user, f.audits.submitted, {}),
      /You have already given feedback on this audit/,
    );
    const after = await practitionerRows();
    assert.equal(after.length, 1);
    assert.equal(after[0].impact, 7);
  });
});

describe('family feedback recorded by QA', () => {
  test('only QA, only after submission, with a method of phone or visit', async () => {
    for (const who of ['auditor', 'manager', 'practitioner', 'headOfService'] as const) {
      await assert.rejects(
        recordFamilyFeedback(t.db, await as(f.people[who]), f.audits.submitted, {
          method: 'phone',
          ...familyAnswers,
        }),
        AuditAccessError,
        who,
      );
    }
    const qa = await as(f.people.qaLead);
    await assert.rejects(
      recordFamilyFeedback(t.db, qa, f.audits.allocated, { method: 'phone', ...familyAnswers }),
      /once the audit has been submitted/,
    );
    await assert.rejects(
      recordFamilyFeedback(t.db, qa, f.audits.submitted, { method: 'online', ...familyAnswers }),
      (err: Error) => err instanceof ValidationError && err.errors[0].field === 'method',
    );
    await assert.rejects(
      recordFamilyFeedback(t.db, qa, f.audits.submitted, { method: 'visit' }),
      (err: Error) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(
          err.errors.map((e) => e.field),
          ['respondent', 'listened', 'better'],
        );
        assert.equal(err.errors[1].message, 'Choose an answer for ‘Did your social worker listen to you?’');
        return true;
      },
    );
    assert.equal((await familyRows()).length, 0);

    await recordFamilyFeedback(t.db, qa, f.audits.submitted, {
      method: 'visit',
      ...familyAnswers,
      respondent: 'child',
    });
    const rows = await familyRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].method, 'visit');
    assert.equal(rows[0].respondent, 'child');
    assert.equal(rows[0].recorded_by, f.people.qaLead.staffId);
    assert.deepEqual(rows[0].answers, {
      listened: 'yes',
      better: 'not_yet',
      helped: 'The family group conference',
      improve: '',
    });
  });
});

describe('feedback links for the family', () => {
  test('only QA makes them, only after submission', async () => {
    for (const who of ['auditor', 'manager', 'practitioner'] as const) {
      await assert.rejects(
        createFamilyFeedbackLink(t.db, await as(f.people[who]), f.audits.submitted),
        AuditAccessError,
      );
    }
    await assert.rejects(
      createFamilyFeedbackLink(t.db, await as(f.people.qaLead), f.audits.allocated),
      AuditAccessError,
    );
    const links = await t.db.selectFrom('family_feedback_links').select('id').execute();
    assert.equal(links.length, 0);
  });

  test('a link keeps only its hash, lasts 14 days and works once', async () => {
    const qa = await as(f.people.qaLead);
    const made = new Date('2026-11-22T10:00:00Z');
    const link = await createFamilyFeedbackLink(t.db, qa, f.audits.submitted, made);
    assert.match(link.path, /^\/family-feedback\/[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(link.path);
    assert.equal(link.expiresAt.getTime() - made.getTime(), FAMILY_LINK_DAYS * 24 * 60 * 60 * 1000);

    const stored = await t.db.selectFrom('family_feedback_links').selectAll().execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].token_hash, hashFamilyToken(token));
    assert.ok(!JSON.stringify(stored).includes(token), 'the token itself is not stored');

    const later = new Date('2026-11-25T18:00:00Z');
    const open = await openFamilyFeedbackLink(t.db, token, later);
    assert.equal(open.councilName, (await as(f.people.qaLead)).councilName);

    const before = (await familyRows()).length;
    // answers with a problem: the link is still there to use
    await assert.rejects(
      giveFamilyFeedback(t.db, token, { ...familyAnswers, respondent: undefined }, later),
      (err: Error) => err instanceof ValidationError && err.errors[0].message === 'Choose who is answering',
    );
    await openFamilyFeedbackLink(t.db, token, later);

    await giveFamilyFeedback(t.db, token, familyAnswers, later);
    const rows = await familyRows();
    assert.equal(rows.length, before + 1);
    const sent = rows.find((r) => r.method === 'online');
    assert.ok(sent);
    assert.equal(sent.recorded_by, null);
    assert.equal(sent.respondent, 'parent');

    await assert.rejects(
      giveFamilyFeedback(t.db, token, familyAnswers, later),
      (err: Error) =>
        err instanceof FamilyLinkError &&
        err.problem === 'used' &&
        err.message === 'This link has already been used',
    );
    await assert.rejects(openFamilyFeedbackLink(t.db, token, later), /already been used/);
    assert.equal((await familyRows()).length, before + 1);
  });

  test('two answers sent at the same moment through one link: one counts', async () => {
    const qa = await as(f.people.qaLead);
    const now = new Date();
    const { path } = await createFamilyFeedbackLink(t.db, qa, f.audits.submitted, now);
    const before = (await familyRows()).length;
    const results = await Promise.allSettled([
      giveFamilyFeedback(t.db, tokenOf(path), familyAnswers, now),
      giveFamilyFeedback(t.db, tokenOf(path), { ...familyAnswers, respondent: 'child' }, now),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected');
    assert.ok(refused && refused.reason instanceof FamilyLinkError && refused.reason.problem === 'used');
    assert.equal((await familyRows()).length, before + 1);
  });

  test('an expired link is refused and writes nothing; an unknown one is not found', async () => {
    const qa = await as(f.people.qaLead);
    const made = new Date('2026-11-01T09:00:00Z');
    const { path, expiresAt } = await createFamilyFeedbackLink(t.db, qa, f.audits.submitted, made);
    const token = tokenOf(path);
    const before = (await familyRows()).length;
    // a moment before it ends, it works
    await openFamilyFeedbackLink(t.db, token, new Date(expiresAt.getTime() - 1000));
    await assert.rejects(
      giveFamilyFeedback(t.db, token, familyAnswers, expiresAt),
      (err: Error) =>
        err instanceof FamilyLinkError &&
        err.problem === 'expired' &&
        err.message === 'This link has expired: ask the person who sent it for a new one',
    );
    assert.equal((await familyRows()).length, before);
    const link = await t.db
      .selectFrom('family_feedback_links')
      .select('used_at')
      .where('token_hash', '=', hashFamilyToken(token))
      .executeTakeFirstOrThrow();
    assert.equal(link.used_at, null);

    for (const unknown of ['x'.repeat(43), 'short', `${token}x`, '']) {
      await assert.rejects(
        openFamilyFeedbackLink(t.db, unknown),
        (err: Error) => err instanceof FamilyLinkError && err.problem === 'unknown' && err.statusCode === 404,
      );
      await assert.rejects(giveFamilyFeedback(t.db, unknown, familyAnswers), FamilyLinkError);
    }
  });
});

describe('the audit page’s feedback panel', () => {
  test('shows each reader what was given, and offers QA the family’s buttons and links', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const qa = await as(f.people.qaLead);
    const qaPanel = await feedbackPanel(t.db, await auditAccess(t.db, qa, f.audits.submitted), qa, now);
    assert.equal(qaPanel.auditId, f.audits.submitted);
    assert.equal(qaPanel.practitioner.given, true);
    assert.equal(qaPanel.practitioner.mayGive, false);
    assert.equal(qaPanel.practitioner.answers?.impact, 7);
    assert.equal(qaPanel.mayRecordFamily, true);
    assert.ok(qaPanel.family.length >= 2);
    const visit = qaPanel.family.find((e) => e.method === 'visit');
    assert.ok(visit);
    assert.equal(visit.respondentText, 'A child or young person');
    assert.ok(visit.recordedBy);
    assert.deepEqual(visit.answers, [
      { question: 'Did your social worker listen to you?', answer: 'Yes' },
      { question: 'Has our help made things better for your family?', answer: 'Not yet' },
      { question: 'What has helped most?', answer: 'The family group conference' },
    ]);
    const online = qaPanel.family.find((e) => e.method === 'online');
    assert.equal(online?.recordedBy, null);
    assert.ok(qaPanel.links.some((l) => l.used));
    assert.ok(qaPanel.links.some((l) => l.expired));

    const manager = await as(f.people.manager);
    const managerPanel = await feedbackPanel(
      t.db,
      await auditAccess(t.db, manager, f.audits.submitted),
      manager,
      now,
    );
    assert.equal(managerPanel.mayRecordFamily, false);
    assert.deepEqual(managerPanel.links, [], 'only QA sees the links');
    assert.equal(managerPanel.family.length, qaPanel.family.length);

    // before submission: nothing to give, and the case holder may not read it at all
    const auditor = await as(f.people.auditor);
    const draft = await feedbackPanel(t.db, await auditAccess(t.db, auditor, f.audits.allocated), auditor);
    assert.equal(draft.practitioner.given, false);
    assert.equal(draft.practitioner.mayGive, false);
    assert.equal(draft.mayRecordFamily, false);
    const practitioner = await as(f.people.practitioner);
    await assert.rejects(
      feedbackPanel(t.db, await auditAccess(t.db, practitioner, f.audits.allocated), practitioner),
      AuditAccessError,
    );
  });
});
