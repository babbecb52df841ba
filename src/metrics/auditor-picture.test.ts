import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuditFixture, buildAuditFixture } from '../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  buildModerationFigureFixture,
  type ModerationFigureFixture,
} from '../../test/helpers/moderation-figures.ts';
import { submittedAudit } from '../../test/helpers/moderations.ts';
import {
  agreementSummary,
  feedbackSummary,
  onTimeSummary,
  outcomeSummary,
} from '../domain/auditor-picture.ts';
import { proportion } from '../domain/statistics.ts';
import { NotFoundError } from '../domain/validation.ts';
import { auditorPicture } from './auditor-picture.ts';

let t: TestDb;
let f: AuditFixture;
/** a second council, with the hand-worked moderation figures */
let t2: TestDb;
let g: ModerationFigureFixture;
const ids: Record<string, string> = {};
const RANGE = { from: '2026-06-01', to: '2026-12-01' };
const TODAY = '2026-11-22';

before(async () => {
  t2 = await createTestDb();
  g = await buildModerationFigureFixture(t2.db, 'apic3');
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'apic');
  const db = t.db;
  // three submitted audits by the fixture's auditor (Manager south), each decided by the panel
  ids.supported = await submittedAudit(db, f, { overall: 'good' });
  ids.downgraded = await submittedAudit(db, f, { overall: 'requires_improvement' });
  ids.plain = await submittedAudit(db, f, { overall: 'good' });
  ids.open = await submittedAudit(db, f, { status: 'in_progress' });
  const decide = async (
    auditId: string,
    blind: string,
    final: string,
    outcome: 'supported' | 'downgraded',
    reason: string,
  ) =>
    db
      .insertInto('moderations')
      .values({
        council_id: f.councilId,
        audit_id: auditId,
        chosen_because: 'random',
        moderator_id: f.qaLead,
        status: 'decided',
        overall_grade: blind,
        final_grade: final,
        outcome,
        panel_reason: reason,
        decided_by: f.qaLead,
        decided_at: new Date('2026-11-21T10:00:00Z'),
      })
      .execute();
  await decide(ids.supported, 'good', 'good', 'supported', 'The evidence supports good.');
  await decide(ids.downgraded, 'inadequate', 'inadequate', 'downgraded', 'The plan had drifted for months.');
  await decide(ids.plain, 'good', 'good', 'supported', 'Agreed at panel.');
  // due dates: on time (submitted 20 November), late, none; one still open and overdue
  await db.updateTable('audits').set({ due_on: '2026-11-25' }).where('id', '=', ids.supported).execute();
  await db.updateTable('audits').set({ due_on: '2026-11-10' }).where('id', '=', ids.downgraded).execute();
  await db.updateTable('audits').set({ due_on: '2026-11-15' }).where('id', '=', ids.open).execute();
  // words counted on two of them; the third and the fixture's own submitted audit not counted
  await db
    .updateTable('audits')
    .set({ language_words: 800, language_suggestions: 4 })
    .where('id', '=', ids.supported)
    .execute();
  await db
    .updateTable('audits')
    .set({ language_words: 300, language_suggestions: 1 })
    .where('id', '=', ids.downgraded)
    .execute();
  for (const [auditId, impact] of [
    [ids.supported, 8],
    [ids.downgraded, 6],
  ] as const) {
    await db
      .insertInto('practitioner_feedback')
      .values({
        audit_id: auditId,
        council_id: f.councilId,
        staff_id: f.practitioners.north,
        impact,
        child_change: 'Visit more often',
        process_change: 'Nothing',
      })
      .execute();
  }
});
after(async () => {
  await t.close();
  await t2.close();
});

test('an auditor with few moderated audits: the outcomes, each audit with the panel’s reason, in words', async () => {
  const p = await auditorPicture(t.db, f.councilId, f.people.auditor.staffId, RANGE, TODAY);
  const m = p.moderation;
  assert.equal(p.auditor.staffId, f.people.auditor.staffId);
  assert.deepEqual([m.moderated, m.supported, m.upgraded, m.downgraded], [3, 2, 0, 1]);
  assert.equal(m.returned, 4, 'the three moderated and the fixture’s own submitted audit');
  assert.deepEqual(m.sameGrade, proportion(2, 3));
  assert.equal(
    outcomeSummary(m, 'your'),
    'Too few of your audits have been moderated to give a rate: 2 of 3 were supported, 1 downgraded.',
  );
  assert.equal(
    agreementSummary(m.sameGrade, 'your'),
    'Too few of your audits have been moderated to give a rate: the moderator gave the same grade in 2 of 3.',
  );
  assert.equal(m.audits.length, 3);
  const down = m.audits.find((a) => a.auditId === ids.downgraded);
  assert.ok(down);
  assert.equal(down.auditorGrade, 'Requires improvement');
  assert.equal(down.finalGrade, 'Inadequate');
  assert.equal(down.outcome, 'downgraded');
  assert.equal(down.panelReason, 'The plan had drifted for months.');
  assert.equal(down.monthName, 'November 2026');
  assert.ok(down.childReference);
  const q = m.byQuarter.find((x) => x.quarter === '2026-10-01');
  assert.ok(q);
  assert.deepEqual(q.sameGrade, proportion(2, 3));
  assert.deepEqual(q.councilSameGrade, proportion(2, 3), 'nobody else has been moderated');
});

test('feedback scores, returns on time and language suggestions per 1,000 words', async () => {
  const p = await auditorPicture(t.db, f.councilId, f.people.auditor.staffId, RANGE, TODAY);
  assert.equal(p.feedback.count, 2);
  assert.equal(p.feedback.average, null, 'two scores are too few for an average');
  assert.deepEqual(p.feedback.scores, [6, 8]);
  assert.equal(p.feedback.distribution.find((d) => d.score === 8)?.count, 1);
  assert.equal(p.feedback.distribution.length, 10);
  assert.equal(
    feedbackSummary(p.feedback, 'your', p.feedback.max),
    'Too few practitioners have given feedback to give an average: 2 gave 6 and 8 out of 10.',
  );
  // on time: the fixture's submitted audit (due 11 December) and ours due 25 November; late: due
  // 10 November; overdue: open and due 15 November; not yet due: the fixture's two allocated audits
  const r = p.returns;
  assert.deepEqual([r.onTime, r.late, r.overdue, r.notYetDue, r.due], [2, 1, 1, 2, 6]);
  assert.deepEqual(r.onTimeShare, proportion(2, 4));
  assert.match(onTimeSummary(r, 'your'), /^Too few of your audits have fallen due to give a rate: 2 of 4/);
  const nov = p.language.months.find((x) => x.month === '2026-11-01');
  assert.ok(nov);
  assert.deepEqual([nov.audits, nov.words, nov.suggestions, nov.perThousand], [2, 1100, 5, 4.5]);
  assert.equal(p.language.notCounted, 2, 'audits submitted without their words counted are left out');
  assert.equal(p.language.months.length, 7);
  assert.equal(p.language.months.find((x) => x.month === '2026-10-01')?.perThousand, null);
});

test('another auditor’s picture is their own; staff of no such council are not found', async () => {
  const other = await auditorPicture(t.db, f.councilId, f.people.otherManager.staffId, RANGE, TODAY);
  assert.equal(other.moderation.moderated, 0);
  assert.equal(other.moderation.audits.length, 0);
  assert.equal(other.feedback.count, 0);
  assert.equal(other.returns.due, 0);
  assert.equal(
    outcomeSummary(other.moderation, 'Manager east’s'),
    'None of Manager east’s audits has been moderated in these months.',
  );
  await assert.rejects(
    auditorPicture(t.db, f.councilId, '00000000-0000-4000-8000-000000000000', RANGE, TODAY),
    NotFoundError,
  );
  await assert.rejects(
    auditorPicture(t2.db, g.councilId, f.people.auditor.staffId, RANGE, TODAY),
    NotFoundError,
  );
});

test('with enough moderated audits, rates with their Wilson interval, and the council’s beside', async () => {
  const p = await auditorPicture(
    t2.db,
    g.councilId,
    g.managers.south,
    { from: '2026-10-01', to: '2026-11-01' },
    TODAY,
  );
  const m = p.moderation;
  // hand-worked in test/helpers/moderation-figures.ts: ten decided, 8 supported, 1 up, 1 down
  assert.deepEqual([m.moderated, m.supported, m.upgraded, m.downgraded], [10, 8, 1, 1]);
  assert.deepEqual(m.sameGrade, proportion(7, 10));
  assert.deepEqual(m.sameGrade.ci95, [0.397, 0.892]);
  assert.deepEqual(m.councilSameGrade, proportion(8, 12));
  assert.equal(
    agreementSummary(m.sameGrade, 'your'),
    'The moderator gave the same grade in 7 of 10 (70%, 95% interval 40% to 89%).',
  );
  assert.equal(
    outcomeSummary(m, 'your'),
    'The panel supported 8 of 10 (80%, 95% interval 49% to 94%) of your moderated audits; 1 upgraded; 1 downgraded.',
  );
  assert.equal(m.byQuarter.length, 1);
  assert.equal(m.byQuarter[0].name, 'October to December 2026');
  assert.deepEqual(m.byQuarter[0].sameGrade, proportion(7, 10));
  assert.equal(m.audits.length, 10);
  assert.ok(m.audits.every((a) => a.panelReason === 'Agreed at panel'));
});
