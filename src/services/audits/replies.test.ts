import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fillSubmittedAudit } from '../../../test/helpers/audit-document.ts';
import { type AuditFixture, buildAuditFixture, userOf } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { moderationOf, submittedAudit } from '../../../test/helpers/moderations.ts';
import { ValidationError } from '../../domain/validation.ts';
import { previewPlan } from '../moderation/moderation-plans.ts';
import { auditAccess } from './audit-access.ts';
import {
  disputedAuditsOfMonth,
  ONLY_CASE_HOLDER,
  repliesOf,
  repliesPanel,
  replyFormPage,
  saveReplies,
} from './replies.ts';

let t: TestDb;
let f: AuditFixture;
const TODAY = '2026-11-25';

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'rps');
  await fillSubmittedAudit(t.db, f);
});
after(async () => t.close());

describe('replies to an audit’s findings', () => {
  test('the form lists the sections with findings; only the case holder and the named manager may reply', async () => {
    const practitioner = await userOf(t.db, f.people.practitioner);
    const page = await replyFormPage(t.db, practitioner, f.audits.submitted, TODAY);
    assert.equal(page.role, 'practitioner');
    assert.deepEqual(
      page.sections.map((s) => s.key),
      ['voice_and_lived_experience', 'the_plan', 'visits_check'],
    );
    // a case manager of the child's team who is not the named manager may read, not reply
    const east = await userOf(t.db, f.people.otherManager);
    await assert.rejects(replyFormPage(t.db, east, f.audits.submitted, TODAY), { statusCode: 403 });
    const qa = await userOf(t.db, f.people.qaLead);
    await assert.rejects(saveReplies(t.db, qa, f.audits.submitted, { 'reply-the_plan': 'agree' }), {
      message: ONLY_CASE_HOLDER,
    });
  });

  test('all the sections are saved in one go, or none', async () => {
    const practitioner = await userOf(t.db, f.people.practitioner);
    await assert.rejects(
      saveReplies(t.db, practitioner, f.audits.submitted, {
        'reply-voice_and_lived_experience': 'agree',
        'reply-the_plan': 'disagree',
      }),
      (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'reason-the_plan',
    );
    assert.equal((await repliesOf(t.db, f.councilId, f.audits.submitted)).length, 0);
    const saved = await saveReplies(t.db, practitioner, f.audits.submitted, {
      'reply-voice_and_lived_experience': 'agree',
      'reply-the_plan': 'disagree',
      'reason-the_plan': 'The plan was updated at the core group.',
    });
    assert.deepEqual(saved, { saved: 2, disagreed: 1 });
    // the same form sent twice (a double click) is refused whole
    await assert.rejects(
      saveReplies(t.db, practitioner, f.audits.submitted, {
        'reply-the_plan': 'agree',
        'reply-visits_check': 'agree',
      }),
      ValidationError,
    );
    assert.equal((await repliesOf(t.db, f.councilId, f.audits.submitted)).length, 2);
  });

  test('the panel, the cycle’s disputed audits and the moderation sample see the disagreement', async () => {
    const qa = await userOf(t.db, f.people.qaLead);
    const access = await auditAccess(t.db, qa, f.audits.submitted);
    const panel = await repliesPanel(t.db, access, qa, {}, { name: 'x', sections: [] } as never);
    assert.equal(panel?.summary.text, '2 replies: 1 agreement, 1 disagreement (1 section disputed)');
    assert.equal(panel?.mayAddToModeration, true);
    assert.equal(panel?.role, null);
    const disputed = await disputedAuditsOfMonth(t.db, f.councilId, f.monthId);
    assert.deepEqual(
      disputed.map((d) => [d.auditId, d.disagreements, d.inModeration]),
      [[f.audits.submitted, 1, false]],
    );
    const preview = await previewPlan(t.db, f.councilId, f.monthId, {
      percent: 0,
      seed: 3,
      rules: ['disputed'],
    });
    assert.deepEqual(
      preview.chosen.map((c) => [c.auditId, c.chosenBecause]),
      [[f.audits.submitted, 'disputed']],
    );
  });

  test('replies stay open while the audit is allocated for moderation, and close once it is moderated', async () => {
    const audit = await submittedAudit(t.db, f);
    const mid = await moderationOf(t.db, f, audit, f.qaLead);
    const manager = await userOf(t.db, f.people.manager);
    const open = await replyFormPage(t.db, manager, audit, TODAY);
    assert.equal(open.closed, null);
    assert.equal(open.role, 'manager');
    await t.db
      .updateTable('moderations')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where('id', '=', mid)
      .execute();
    const closed = await replyFormPage(t.db, manager, audit, TODAY);
    assert.match(closed.closed ?? '', /closed/);
    assert.deepEqual(closed.open, []);
    await assert.rejects(saveReplies(t.db, manager, audit, { 'reply-the_plan': 'agree' }), {
      statusCode: 403,
    });
    assert.equal((await repliesOf(t.db, f.councilId, audit)).length, 0);
  });
});

describe('the demo council', () => {
  let demo: TestDbWithDemo;
  before(async () => {
    demo = await createTestDb({ demo: true });
  });
  after(async () => demo.close());

  test('has a handful of replies, two of them disagreements on audits not yet moderated', async () => {
    const rows = await demo.db
      .selectFrom('audit_section_replies as r')
      .leftJoin('moderations as m', 'm.audit_id', 'r.audit_id')
      .select(['r.agrees', 'r.reason', 'r.audit_id', 'm.status'])
      .execute();
    assert.ok(rows.length >= 8 && rows.length <= 20, `${rows.length} replies`);
    const disagreements = rows.filter((r) => !r.agrees);
    assert.equal(disagreements.length, 3);
    assert.equal(new Set(disagreements.map((r) => r.audit_id)).size, 2);
    assert.ok(disagreements.every((r) => r.reason && r.status === null));
  });
});
