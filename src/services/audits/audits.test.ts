import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AuditFixture,
  buildAuditFixture,
  completeSectionFields,
  userOf,
} from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { DEFAULT_JOURNEY_SECTIONS } from '../../domain/builtin-tools.ts';
import { ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { AuditAccessError } from './audit-access.ts';
import { loadAuditWork, myAudits, saveDraftPart, submitAudit } from './audits.ts';

let t: TestDb;
let f: AuditFixture;
let auditor: SignedInUser;
let qa: SignedInUser;
const TODAY = '2026-11-22';

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  auditor = await userOf(t.db, f.people.auditor);
  qa = await userOf(t.db, f.people.qaLead);
});
after(() => t.close());

const draft = (auditId: string) =>
  t.db.selectFrom('audit_drafts').selectAll().where('audit_id', '=', auditId).orderBy('part').execute();

test('My audits lists the auditor’s open audits, overdue first, then by deadline', async () => {
  await t.db.updateTable('audits').set({ due_on: '2026-11-20' }).where('id', '=', f.audits.dip).execute();
  const mine = await myAudits(t.db, auditor, TODAY);
  assert.deepEqual(
    mine.waiting.map((a) => [a.childReference, a.kindName, a.overdue, a.deadline]),
    [
      ['F04C0', 'Dip sample', true, '2026-11-20'],
      ['F00C0', 'Full case file audit', false, '2026-12-11'],
    ],
  );
  assert.equal(mine.overdue, 1);
  assert.deepEqual(
    mine.submitted.map((s) => s.childReference),
    ['F08C0'],
  );
  await t.db.updateTable('audits').set({ due_on: '2026-12-11' }).where('id', '=', f.audits.dip).execute();
});

test('a full audit has the conversation, the twelve sections and the overall grade, on the tool’s version', async () => {
  const work = await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY);
  assert.equal(work.parts.length, 14);
  assert.equal(work.parts[0].key, 'conversation');
  assert.equal(work.parts[13].key, 'overall');
  assert.deepEqual(
    work.parts.slice(1, 13).map((p) => p.key),
    DEFAULT_JOURNEY_SECTIONS.map((s) => s.key),
  );
  const audit = await t.db
    .selectFrom('audits')
    .select(['tool_version_id', 'status'])
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.ok(audit.tool_version_id, 'opening it fixes the tool version');
  assert.equal(audit.status, 'allocated', 'opening it does not start it');
  // the case holder and their manager head the list of who may own an action
  assert.deepEqual(
    work.owners.slice(0, 2).map((o) => o.why),
    ['Case holder', 'Their manager'],
  );
});

test('a draft saves as typed, each save on the revision it was typed on', async () => {
  const first = await saveDraftPart(
    t.db,
    auditor,
    f.audits.allocated,
    'assessment',
    { grade: 'good', evaluation: 'Half a sent', 'action-1-due-day': '31', 'action-1-due-month': '2' },
    0,
  );
  assert.ok(first.ok);
  assert.equal(first.revision, 1);
  const [row] = await draft(f.audits.allocated);
  assert.deepEqual(row.fields, {
    grade: 'good',
    evaluation: 'Half a sent',
    'action-1-due-day': '31',
    'action-1-due-month': '2',
  });
  const status = await t.db
    .selectFrom('audits')
    .select('status')
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.equal(status.status, 'in_progress');

  const second = await saveDraftPart(
    t.db,
    auditor,
    f.audits.allocated,
    'assessment',
    { grade: 'good', evaluation: 'Half a sentence, now whole.' },
    1,
  );
  assert.ok(second.ok);
  assert.equal(second.revision, 2);
});

test('a save typed on an older revision is a conflict: theirs is returned and nothing changes', async () => {
  // QA saves on revision 2 …
  const qaSave = await saveDraftPart(
    t.db,
    qa,
    f.audits.allocated,
    'assessment',
    { grade: 'requires_improvement', evaluation: 'QA’s view' },
    2,
  );
  assert.ok(qaSave.ok);
  // … while the auditor's other window still shows revision 2
  const stale = await saveDraftPart(
    t.db,
    auditor,
    f.audits.allocated,
    'assessment',
    { grade: 'good', evaluation: 'Auditor’s view' },
    2,
  );
  assert.equal(stale.ok, false);
  if (stale.ok) return;
  assert.equal(stale.conflict.revision, 3);
  assert.equal(stale.conflict.theirs.evaluation, 'QA’s view');
  assert.equal(stale.conflict.savedBy, 'QA Lead');
  const [row] = await draft(f.audits.allocated);
  assert.equal(row.fields.evaluation, 'QA’s view');
  assert.equal(row.revision, 3);
  // saving deliberately over theirs, having seen both
  const resolved = await saveDraftPart(
    t.db,
    auditor,
    f.audits.allocated,
    'assessment',
    { grade: 'good', evaluation: 'Auditor’s view' },
    3,
  );
  assert.ok(resolved.ok);
});

test('a grade off the scale, a theme or owner not offered, or a part of another tool is refused and changes nothing', async () => {
  const before = await draft(f.audits.allocated);
  const refused = async (part: string, body: object, message: RegExp) => {
    await assert.rejects(
      saveDraftPart(t.db, auditor, f.audits.allocated, part, body, 4),
      (err: unknown) => err instanceof ValidationError && message.test(err.message),
    );
  };
  await refused('assessment', { grade: 'excellent' }, /Choose a grade on the Four-point/);
  await refused('assessment', { practiceThemes: ['not_a_theme'] }, /practice themes from the list/);
  await refused('assessment', { 'action-1-owner': f.people.scrutiny.staffId }, /who owns the action/);
  await refused('visits', { 'q-child_seen': 'yes' }, /not in this audit’s tool/);
  await refused('overall', { overallGrade: 'met_good' }, /overall grade on the Four-point/);
  assert.deepEqual(await draft(f.audits.allocated), before);
});

test('only the allocated auditor and QA may change a draft', async () => {
  for (const person of [
    f.people.practitioner,
    f.people.manager,
    f.people.headOfService,
    f.people.otherManager,
  ]) {
    const user = await userOf(t.db, person);
    await assert.rejects(
      saveDraftPart(t.db, user, f.audits.allocated, 'assessment', { grade: 'good' }, 4),
      AuditAccessError,
    );
  }
});

test('submitting with answers missing lists each one, linked to its page and field, and changes nothing', async () => {
  const result = await submitAudit(t.db, null, auditor, f.audits.allocated, TODAY);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const messages = result.errors.map((e) => e.message);
  assert.ok(messages.includes('Enter the date of the conversation'));
  assert.ok(messages.includes('Choose a grade for section "Case summary and chronology"'));
  assert.ok(messages.includes('Choose an overall grade for the audit'));
  const grade = result.errors.find((e) => e.message.includes('"Voice, wishes'));
  assert.equal(grade?.href, `/audits/${f.audits.allocated}/parts/voice_and_lived_experience#grade`);
  const audit = await t.db
    .selectFrom('audits')
    .select(['status', 'submitted_at'])
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.equal(audit.status, 'in_progress');
  assert.equal(audit.submitted_at, null);
});

test('an action without an owner or a due date stops submission', async () => {
  const work = await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY);
  const revision = work.drafts.assessment?.revision ?? 0;
  const saved = await saveDraftPart(
    t.db,
    auditor,
    f.audits.allocated,
    'assessment',
    {
      ...completeSectionFields('good', f.people.manager.staffId),
      'action-1-owner': '',
      'action-1-due-day': '',
    },
    revision,
  );
  assert.ok(saved.ok);
  const result = await submitAudit(t.db, null, auditor, f.audits.allocated, TODAY);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const about = result.errors.filter((e) => e.field.startsWith('assessment-')).map((e) => e.message);
  assert.deepEqual(about, [
    'Choose who owns action 1 in "Assessment: analysis, history and each child individually"',
    'The date action 1 in "Assessment: analysis, history and each child individually" is due must include a day',
  ]);
});

test('a complete audit is submitted: answers, section results, themes and actions stored, people told, drafts gone', async () => {
  const work = await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY);
  const save = async (part: string, fields: object) => {
    const rev = (await loadAuditWork(t.db, auditor, f.audits.allocated, TODAY)).drafts[part]?.revision ?? 0;
    const r = await saveDraftPart(t.db, auditor, f.audits.allocated, part, fields, rev);
    assert.ok(r.ok, part);
  };
  await save('conversation', {
    'conversationOn-day': '13',
    'conversationOn-month': '11',
    'conversationOn-year': '2026',
    conversationWith: 'manager',
    conversationNote: 'The practitioner was on leave',
  });
  for (const [i, s] of work.tool.definition.sections.entries()) {
    await save(s.key, completeSectionFields(i < 6 ? 'good' : 'inadequate', f.people.manager.staffId));
  }
  await save('overall', { overallGrade: 'requires_improvement' });
  const result = await submitAudit(t.db, null, auditor, f.audits.allocated, TODAY);
  assert.deepEqual(result, { ok: true });

  const audit = await t.db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.equal(audit.status, 'submitted');
  assert.equal(audit.overall_grade, 'requires_improvement');
  assert.equal(audit.overall_good_or_better, false);
  assert.equal(audit.conversation_with, 'manager');
  assert.equal(audit.conversation_on, '2026-11-13');
  const answers = audit.answers as Record<string, { grade: string; evaluation: string }>;
  assert.equal(answers.assessment.grade, 'good');
  const results = await t.db
    .selectFrom('audit_section_results')
    .select(['section_key', 'good_or_better', 'position'])
    .where('audit_id', '=', f.audits.allocated)
    .orderBy('position')
    .execute();
  assert.equal(results.length, 12);
  assert.equal(results.filter((r) => r.good_or_better).length, 6);
  const actions = await t.db
    .selectFrom('audit_actions')
    .select(['owner_id', 'due_on', 'status'])
    .where('audit_id', '=', f.audits.allocated)
    .execute();
  assert.equal(actions.length, 12);
  assert.ok(actions.every((a) => a.owner_id === f.people.manager.staffId && a.due_on === '2026-12-18'));
  const themes = await t.db
    .selectFrom('audit_practice_themes')
    .select('theme_key')
    .where('audit_id', '=', f.audits.allocated)
    .execute();
  assert.equal(themes.length, 12);
  const told = await t.db
    .selectFrom('notifications')
    .select('staff_id')
    .where('kind', '=', 'audit_returned')
    .where('audit_id', '=', f.audits.allocated)
    .execute();
  assert.deepEqual(
    told.map((n) => n.staff_id).sort(),
    [f.people.practitioner.staffId, f.people.manager.staffId].sort(),
  );
  assert.deepEqual(await draft(f.audits.allocated), []);

  // once submitted it cannot be changed or submitted again
  await assert.rejects(
    saveDraftPart(t.db, auditor, f.audits.allocated, 'assessment', { grade: 'good' }, 0),
    /submitted/,
  );
  await assert.rejects(submitAudit(t.db, null, auditor, f.audits.allocated, TODAY), /already been submitted/);
});

test('a dip sample is its questions, with no conversation or overall grade', async () => {
  const work = await loadAuditWork(t.db, auditor, f.audits.dip, TODAY);
  assert.deepEqual(
    work.parts.map((p) => p.key),
    ['visits'],
  );
  const bad = await saveDraftPart(
    t.db,
    auditor,
    f.audits.dip,
    'visits',
    {
      'q-plan_type': 'Child protection plan',
      'q-last_visit_date-day': '30',
      'q-last_visit_date-month': '2',
      'q-last_visit_date-year': '2026',
      'q-child_seen': 'yes',
      'q-seen_alone': 'no',
      'q-within_timescale': 'yes',
    },
    0,
  );
  assert.ok(bad.ok, 'a date that is not real is kept in the draft');
  const refused = await submitAudit(t.db, null, auditor, f.audits.dip, TODAY);
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.deepEqual(
      refused.errors.map((e) => [e.message, e.href]),
      [
        [
          'Enter "Date of the most recent visit" in section "Visits" as a real date, like 2026-03-31',
          `/audits/${f.audits.dip}/parts/visits#q-last_visit_date-day`,
        ],
      ],
    );
  }
  const fixed = await saveDraftPart(
    t.db,
    auditor,
    f.audits.dip,
    'visits',
    {
      'q-plan_type': 'Child protection plan',
      'q-last_visit_date-day': '16',
      'q-last_visit_date-month': '11',
      'q-last_visit_date-year': '2026',
      'q-child_seen': 'yes',
      'q-seen_alone': 'no',
      'q-within_timescale': 'yes',
    },
    1,
  );
  assert.ok(fixed.ok);
  assert.deepEqual(await submitAudit(t.db, null, auditor, f.audits.dip, TODAY), { ok: true });
  const audit = await t.db
    .selectFrom('audits')
    .select(['answers', 'overall_grade'])
    .where('id', '=', f.audits.dip)
    .executeTakeFirstOrThrow();
  assert.equal(audit.overall_grade, null);
  assert.deepEqual((audit.answers as Record<string, { answers: object }>).visits.answers, {
    plan_type: 'Child protection plan',
    last_visit_date: '2026-11-16',
    child_seen: 'yes',
    seen_alone: 'no',
    within_timescale: 'yes',
  });
});

test('an escalation can only go to the people the form offers', async () => {
  const { raiseEscalation } = await import('./escalations.ts');
  const before = await t.db.selectFrom('escalations').select('id').execute();
  await assert.rejects(
    raiseEscalation(t.db, null, qa, f.audits.submitted, {
      kind: 'drift_delay',
      found: 'Sent to someone who should not get it',
      recipients: [f.people.workforce.staffId],
    }),
    ValidationError,
  );
  assert.equal((await t.db.selectFrom('escalations').select('id').execute()).length, before.length);
});
