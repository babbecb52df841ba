import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_TODAY } from '../../../test/helpers/app.ts';
import { userOf } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import {
  buildMultiAgencyFixture,
  expiryFields,
  type MultiAgencyFixture,
  partnerAnswerFields,
} from '../../../test/helpers/multi-agency.ts';
import { builtinToolByKey } from '../../domain/builtin-tools.ts';
import { addDays } from '../../domain/dates.ts';
import { DEFAULT_INVITATION_DAYS } from '../../domain/multi-agency.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { saveDraftPart, submitAudit } from '../audits/audits.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { PartnerSectionRefused } from './access.ts';
import {
  auditInvitationsPage,
  collateInvitation,
  defaultExpiry,
  extendInvitation,
  invitePartner,
  partnerSectionPage,
  partnerSections,
  savePartnerSection,
  withdrawInvitation,
} from './invitations.ts';
import { addPartner, listPartners } from './partners.ts';

let t: TestDb;
let f: MultiAgencyFixture;
let qa: SignedInUser;
let health: SignedInUser;
let police: SignedInUser;
let otherHealth: SignedInUser;
const TODAY = TEST_TODAY;

before(async () => {
  t = await createTestDb();
  f = await buildMultiAgencyFixture(t.db);
  qa = await userOf(t.db, f.people.qaLead);
  health = await userOf(t.db, f.partners.health);
  police = await userOf(t.db, f.partners.police);
  otherHealth = await userOf(t.db, f.partners.otherHealth);
});
after(() => t.close());

async function refusal(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a refusal');
}

const invitations = () =>
  t.db
    .selectFrom('audit_invitations')
    .selectAll()
    .where('audit_id', '=', f.maAudit)
    .orderBy('invited_at')
    .execute();

test('a new council has the built-in multi-agency audit tool, with each agency’s section', async () => {
  const tool = builtinToolByKey('multi_agency_audit');
  assert.equal(tool?.kind, 'multi_agency');
  assert.deepEqual(
    tool?.sections.map((s) => s.title),
    ['Children’s social care', 'Health', 'Police', 'Education', 'Multi-agency working together'],
  );
  assert.ok(
    tool?.sections.every((s) => s.isJourneySection),
    'each section has a grade and evidence',
  );
  const installed = await t.db
    .selectFrom('audit_tools')
    .select(['name', 'kind'])
    .where('council_id', '=', f.councilId)
    .where('kind', '=', 'multi_agency')
    .execute();
  assert.deepEqual(installed, [{ name: 'Multi-agency audit', kind: 'multi_agency' }]);
});

describe('partner accounts', () => {
  test('a partner has the partner role only, no team, and their agency and organisation', async () => {
    const row = await t.db
      .selectFrom('staff')
      .select(['team_id', 'partner_agency', 'partner_organisation'])
      .where('id', '=', f.partners.police.staffId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, {
      team_id: null,
      partner_agency: 'police',
      partner_organisation: 'Westbrook Constabulary',
    });
    const roles = await t.db
      .selectFrom('staff_roles')
      .select('role')
      .where('staff_id', '=', f.partners.police.staffId)
      .execute();
    assert.deepEqual(roles, [{ role: 'partner_contributor' }]);
    const listed = await listPartners(t.db, f.councilId, TODAY);
    assert.deepEqual(listed.map((p) => p.name).sort(), ['Hana Nurse', 'Harriet Visitor', 'Paul Constable']);
  });

  test('a partner added with missing details is refused with every reason, and nothing is written', async () => {
    const before = await t.db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', f.councilId)
      .execute();
    const err = await refusal(() =>
      addPartner(
        t.db,
        null,
        qa,
        { name: '', email: 'not an email', jobTitle: '', agency: 'fire', organisation: '' },
        {
          sendLink: true,
        },
      ),
    );
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.errors.map((e) => e.field).sort(), [
      'agency',
      'email',
      'jobTitle',
      'name',
      'organisation',
    ]);
    const afterRows = await t.db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', f.councilId)
      .execute();
    assert.equal(afterRows.length, before.length);
  });

  test('a new partner is sent a link to sign in for the first time', async () => {
    const staffId = await addPartner(
      t.db,
      null,
      qa,
      {
        name: 'Ed Teacher',
        email: 'ed.teacher@school.example.org',
        jobTitle: 'Designated Safeguarding Lead',
        agency: 'education',
        organisation: 'Westbrook Primary School',
      },
      { sendLink: true },
    );
    const links = await t.db
      .selectFrom('sign_in_links as l')
      .innerJoin('user_accounts as u', 'u.id', 'l.user_id')
      .select('l.purpose')
      .where('u.staff_id', '=', staffId)
      .execute();
    assert.deepEqual(links, [{ purpose: 'first_sign_in' }]);
  });
});

describe('inviting a partner', () => {
  test('an invitation with nothing chosen is refused with each reason, and nothing is written', async () => {
    const err = await refusal(() => invitePartner(t.db, qa, f.maAudit, {}, TODAY));
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.errors.map((e) => e.field).sort(), ['expiresOn-day', 'partnerId', 'sectionKey']);
    assert.equal((await invitations()).length, 0);
  });

  test('an expiry date in the past, a person who is not a partner and a section of no tool are refused', async () => {
    const err = await refusal(() =>
      invitePartner(
        t.db,
        qa,
        f.maAudit,
        { partnerId: f.people.practitioner.staffId, sectionKey: 'nope', ...expiryFields(addDays(TODAY, -1)) },
        TODAY,
      ),
    );
    assert.ok(err instanceof ValidationError);
    assert.match(err.message, /Choose the partner to invite from the list/);
    assert.match(err.message, /Choose the section/);
    assert.match(err.message, /today or later/);
    assert.equal((await invitations()).length, 0);
    // an id of the right length that is not a uuid is not one of the council's people either
    for (const partnerId of ['0'.repeat(36), '-'.repeat(36)]) {
      const odd = await refusal(() =>
        invitePartner(
          t.db,
          qa,
          f.maAudit,
          { partnerId, sectionKey: 'health', ...expiryFields(addDays(TODAY, 5)) },
          TODAY,
        ),
      );
      assert.ok(odd instanceof ValidationError, partnerId);
      assert.match(odd.message, /Choose the partner to invite from the list/);
    }
    assert.equal((await invitations()).length, 0);
  });

  test('a partner invited to a section until a date; the same invitation twice is refused', async () => {
    assert.equal(defaultExpiry(TODAY), addDays(TODAY, DEFAULT_INVITATION_DAYS));
    const id = await invitePartner(
      t.db,
      qa,
      f.maAudit,
      { partnerId: f.partners.health.staffId, sectionKey: 'health', ...expiryFields(defaultExpiry(TODAY)) },
      TODAY,
    );
    const [inv] = await invitations();
    assert.equal(inv.id, id);
    assert.equal(inv.status, 'invited');
    assert.equal(inv.expires_on, addDays(TODAY, 21));
    const audit = await t.db
      .selectFrom('audits')
      .select('tool_version_id')
      .where('id', '=', f.maAudit)
      .executeTakeFirstOrThrow();
    assert.ok(
      audit.tool_version_id,
      'the tool version is fixed, so the partner answers the section the audit holds',
    );
    const again = await refusal(() =>
      invitePartner(
        t.db,
        qa,
        f.maAudit,
        { partnerId: f.partners.health.staffId, sectionKey: 'health', ...expiryFields(defaultExpiry(TODAY)) },
        TODAY,
      ),
    );
    assert.match(again.message, /already invited/);
    // the police partner, to their own section
    await invitePartner(
      t.db,
      qa,
      f.maAudit,
      { partnerId: f.partners.police.staffId, sectionKey: 'police', ...expiryFields(addDays(TODAY, 3)) },
      TODAY,
    );
    assert.equal((await invitations()).length, 2);
  });

  test('an audit of another kind is not a multi-agency audit', async () => {
    const err = await refusal(() => auditInvitationsPage(t.db, qa, f.audits.allocated, TODAY));
    assert.ok(err instanceof NotFoundError);
  });
});

describe('the partner’s own section', () => {
  const healthInvitation = async () =>
    (await invitations()).find((i) => i.section_key === 'health')?.id as string;
  const policeInvitation = async () =>
    (await invitations()).find((i) => i.section_key === 'police')?.id as string;

  test('a partner lists only their own invitations', async () => {
    const mine = await partnerSections(t.db, health, TODAY);
    assert.deepEqual(
      mine.map((r) => [r.sectionTitle, r.state]),
      [['Health', 'live']],
    );
    assert.equal((await partnerSections(t.db, otherHealth, TODAY)).length, 0);
  });

  test('a partner opens only their own section: another partner’s invitation is not found', async () => {
    const page = await partnerSectionPage(t.db, health, await healthInvitation(), TODAY);
    assert.equal(page.section.key, 'health');
    assert.ok(page.child.reference);
    const id = await healthInvitation();
    const err = await refusal(() => partnerSectionPage(t.db, police, id, TODAY));
    assert.ok(err instanceof NotFoundError);
    const err2 = await refusal(() => partnerSectionPage(t.db, otherHealth, id, TODAY));
    assert.ok(err2 instanceof NotFoundError);
  });

  test('a draft keeps what was typed; fields of other sections and actions are dropped', async () => {
    const id = await healthInvitation();
    await savePartnerSection(
      t.db,
      health,
      id,
      { evaluation: 'Half typed', 'action-1-text': 'Sneaky action', 'q-other': 'x', overallGrade: 'good' },
      TODAY,
      false,
    );
    const row = await t.db
      .selectFrom('audit_invitations')
      .select(['draft', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.draft, { evaluation: 'Half typed' });
    assert.equal(row.status, 'invited');
  });

  test('a grade no page offers is refused, and nothing is saved', async () => {
    const id = await healthInvitation();
    const err = await refusal(() => savePartnerSection(t.db, health, id, { grade: 'superb' }, TODAY, false));
    assert.ok(err instanceof ValidationError);
    const row = await t.db
      .selectFrom('audit_invitations')
      .select('draft')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.draft, { evaluation: 'Half typed' });
  });

  test('submitting without a grade and evidence is refused with each field, and nothing is saved', async () => {
    const id = await healthInvitation();
    const err = await refusal(() =>
      savePartnerSection(t.db, health, id, { evaluation: 'More text' }, TODAY, true),
    );
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.errors.map((e) => e.field).sort(), ['grade', 'impactStatement']);
    const row = await t.db
      .selectFrom('audit_invitations')
      .select(['draft', 'status', 'answers'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.draft, { evaluation: 'Half typed' });
    assert.equal(row.status, 'invited');
    assert.equal(row.answers, null);
  });

  test('a complete section is submitted, then read-only', async () => {
    const id = await healthInvitation();
    assert.deepEqual(await savePartnerSection(t.db, health, id, partnerAnswerFields('good'), TODAY, true), {
      submitted: true,
    });
    const row = await t.db
      .selectFrom('audit_invitations')
      .select(['status', 'answers', 'submitted_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'submitted');
    assert.equal((row.answers as { grade: string }).grade, 'good');
    const page = await partnerSectionPage(t.db, health, id, TODAY);
    assert.equal(page.readOnly, true);
    assert.ok(page.rows.some((r) => r.key === 'Grade' && r.value === 'Good'));
    const err = await refusal(() =>
      savePartnerSection(t.db, health, id, partnerAnswerFields('inadequate'), TODAY, true),
    );
    assert.ok(err instanceof PartnerSectionRefused);
  });

  test('an expired invitation is refused with a clear message, and can be extended', async () => {
    const id = await policeInvitation();
    const later = addDays(TODAY, 4);
    const err = await refusal(() => partnerSectionPage(t.db, police, id, later));
    assert.ok(err instanceof PartnerSectionRefused);
    assert.match(err.message, /expired on 25 November 2026/);
    const save = await refusal(() =>
      savePartnerSection(t.db, police, id, partnerAnswerFields(), later, true),
    );
    assert.ok(save instanceof PartnerSectionRefused);
    const listed = await partnerSections(t.db, police, later);
    assert.equal(listed[0].state, 'expired');
    assert.equal(listed[0].child, null, 'an expired invitation no longer shows the child');
    const bad = await refusal(() =>
      extendInvitation(t.db, qa, f.maAudit, id, expiryFields('2026-02-30'), later),
    );
    assert.ok(bad instanceof ValidationError);
    await extendInvitation(t.db, qa, f.maAudit, id, expiryFields(addDays(later, 7)), later);
    const page = await partnerSectionPage(t.db, police, id, later);
    assert.equal(page.invitation.state, 'live');
  });

  test('a withdrawn invitation is refused, and drops out of the partner’s list', async () => {
    const id = await policeInvitation();
    const wrongAudit = await refusal(() => withdrawInvitation(t.db, qa, f.audits.allocated, id));
    assert.ok(wrongAudit instanceof NotFoundError);
    await withdrawInvitation(t.db, qa, f.maAudit, id);
    const err = await refusal(() => partnerSectionPage(t.db, police, id, TODAY));
    assert.ok(err instanceof PartnerSectionRefused);
    assert.match(err.message, /withdrawn/);
    assert.equal((await partnerSections(t.db, police, TODAY)).length, 0);
  });
});

describe('collating and submitting', () => {
  test('the QA lead reads the answers, copies them into the audit’s draft, and submits the audit', async () => {
    const page = await auditInvitationsPage(t.db, qa, f.maAudit, TODAY);
    const healthSection = page.sections.find((s) => s.key === 'health');
    assert.equal(healthSection?.invitations[0].state, 'answered');
    assert.ok(healthSection?.invitations[0].rows.some((r) => r.key === 'Evaluation and evidence'));
    const id = healthSection?.invitations[0].id as string;

    // not before it is answered
    const police = page.sections.find((s) => s.key === 'police')?.invitations[0].id as string;
    assert.ok(
      (await refusal(() => collateInvitation(t.db, qa, f.maAudit, police))) instanceof ValidationError,
    );

    assert.equal(await collateInvitation(t.db, qa, f.maAudit, id), f.maAudit);
    const draft = await t.db
      .selectFrom('audit_drafts')
      .select(['fields', 'revision', 'saved_by'])
      .where('audit_id', '=', f.maAudit)
      .where('part', '=', 'health')
      .executeTakeFirstOrThrow();
    assert.deepEqual(draft.fields, partnerAnswerFields('good'));
    assert.equal(draft.revision, 1);
    assert.equal(draft.saved_by, f.people.qaLead.staffId);
    const inv = await t.db
      .selectFrom('audit_invitations')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(inv.status, 'collated');
    assert.ok((await refusal(() => collateInvitation(t.db, qa, f.maAudit, id))) instanceof ValidationError);

    // answers are never copied over what is already in the section: another partner's answers to
    // Health wait, and the draft keeps what was collated first
    await t.db
      .updateTable('audit_invitations')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where('id', '=', id)
      .execute();
    const over = await refusal(() => collateInvitation(t.db, qa, f.maAudit, id));
    assert.ok(over instanceof ValidationError);
    assert.match(over.message, /already has answers, so nothing was copied/);
    const kept = await t.db
      .selectFrom('audit_drafts')
      .select(['fields', 'revision'])
      .where('audit_id', '=', f.maAudit)
      .where('part', '=', 'health')
      .executeTakeFirstOrThrow();
    assert.equal(kept.revision, 1);
    await t.db.updateTable('audit_invitations').set({ status: 'collated' }).where('id', '=', id).execute();

    // the council's own sections and the overall grade, through the audit form, then submitted
    const owner = f.people.manager.staffId;
    for (const part of ['childrens_social_care', 'working_together']) {
      const saved = await saveDraftPart(
        t.db,
        qa,
        f.maAudit,
        part,
        {
          grade: 'requires_improvement',
          evaluation: 'Social care recorded the plan; partners joined the core groups.',
          impactStatement: 'The child is safer.',
          'action-1-text': 'Invite the GP to the next conference',
          'action-1-owner': owner,
          'action-1-due-day': '18',
          'action-1-due-month': '12',
          'action-1-due-year': '2026',
        },
        0,
      );
      assert.equal(saved.ok, true, part);
    }
    await saveDraftPart(t.db, qa, f.maAudit, 'overall', { overallGrade: 'requires_improvement' }, 0);
    const result = await submitAudit(t.db, null, qa, f.maAudit, TODAY);
    assert.deepEqual(result, { ok: true });
    const results = await t.db
      .selectFrom('audit_section_results')
      .select(['section_key', 'grade'])
      .where('audit_id', '=', f.maAudit)
      .orderBy('position')
      .execute();
    assert.deepEqual(results, [
      { section_key: 'childrens_social_care', grade: 'requires_improvement' },
      { section_key: 'health', grade: 'good' },
      { section_key: 'police', grade: null },
      { section_key: 'education', grade: null },
      { section_key: 'working_together', grade: 'requires_improvement' },
    ]);
    // a submitted audit takes no more invitations
    const late = await refusal(() =>
      invitePartner(
        t.db,
        qa,
        f.maAudit,
        {
          partnerId: f.partners.otherHealth.staffId,
          sectionKey: 'education',
          ...expiryFields(addDays(TODAY, 5)),
        },
        TODAY,
      ),
    );
    assert.match(late.message, /submitted/);
    // and a partner still invited to it can no longer answer
    const live = await t.db
      .insertInto('audit_invitations')
      .values({
        council_id: f.councilId,
        audit_id: f.maAudit,
        section_key: 'education',
        partner_id: f.partners.otherHealth.staffId,
        expires_on: addDays(TODAY, 5),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const closed = await refusal(() =>
      savePartnerSection(t.db, otherHealth, live.id, partnerAnswerFields(), TODAY, true),
    );
    assert.ok(closed instanceof PartnerSectionRefused);
    assert.match(closed.message, /finished this audit without your answers/);
    // nor open it, and their list no longer shows the child
    const opened = await refusal(() => partnerSectionPage(t.db, otherHealth, live.id, TODAY));
    assert.ok(opened instanceof PartnerSectionRefused);
    const listed = (await partnerSections(t.db, otherHealth, TODAY)).find((r) => r.id === live.id);
    assert.equal(listed?.state, 'closed');
    assert.equal(listed?.child, null);
  });
});
