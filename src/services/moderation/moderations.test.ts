import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuditFixture, buildAuditFixture, userOf } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import {
  addModerator,
  EVIDENCE,
  moderationOf,
  regradeForm,
  SECTION_KEYS,
  submittedAudit,
} from '../../../test/helpers/moderations.ts';
import { ValidationError } from '../../domain/validation.ts';
import { AuditAccessError, auditAccess } from '../audits/audit-access.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  ALREADY_DECIDED,
  decidePanel,
  loadModerationWork,
  moderationPanel,
  myModerations,
  NOT_SUBMITTED,
  NOT_YOURS,
  OWN_AUDIT,
  PANEL_ONLY,
  panelForMonth,
  saveModerationDraft,
  submitModeration,
} from './moderations.ts';

let t: TestDb;
let f: AuditFixture;
let moderator: SignedInUser;
let qa: SignedInUser;
let auditor: SignedInUser;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  moderator = await userOf(t.db, await addModerator(t.db, f));
  qa = await userOf(t.db, f.people.qaLead);
  auditor = await userOf(t.db, f.people.auditor);
});
after(async () => {
  await t.close();
});

const row = (id: string) =>
  t.db.selectFrom('moderations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function refused(p: Promise<unknown>, message: string | RegExp) {
  await assert.rejects(p, (err: Error) => {
    assert.ok(err instanceof AuditAccessError, `expected a refusal, got ${err}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('the re-grade is blind: the evidence is there, none of the auditor’s grades are', async () => {
  const auditId = await submittedAudit(t.db, f, { overall: 'requires_improvement', sectionGrade: 'good' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  const work = await loadModerationWork(t.db, moderator, id);
  assert.equal(work.evidence.sections.length, 12);
  assert.match(work.evidence.sections[0].rows[0].value, new RegExp(EVIDENCE));
  assert.equal(work.evidence.sections[0].rows[1].key, 'Impact statement');
  assert.equal(work.evidence.conversation?.withText, 'The practitioner who holds the case');
  // nothing the moderator is shown holds a grade: no grade row, no grade key
  const shown = JSON.stringify({ evidence: work.evidence, details: work.details, draft: work.draft });
  assert.doesNotMatch(
    shown,
    /"Grade"|grade"|inadequate|requires_improvement|"good"|Requires improvement|Inadequate/,
  );
});

test('only the allocated moderator may open it, and only while allocated', async () => {
  const auditId = await submittedAudit(t.db, f);
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await refused(loadModerationWork(t.db, qa, id), NOT_YOURS);
  await refused(saveModerationDraft(t.db, qa, id, { overallGrade: 'good' }), NOT_YOURS);
  await refused(submitModeration(t.db, qa, id, regradeForm('good', 'good')), NOT_YOURS);
  const unallocated = await moderationOf(t.db, f, await submittedAudit(t.db, f), null, 'unallocated');
  await refused(loadModerationWork(t.db, moderator, unallocated), NOT_YOURS);
});

test('a moderator who did the audit is refused', async () => {
  const auditId = await submittedAudit(t.db, f);
  const id = await moderationOf(t.db, f, auditId, auditor.staffId);
  await refused(loadModerationWork(t.db, auditor, id), OWN_AUDIT);
  await refused(submitModeration(t.db, auditor, id, regradeForm('good', 'good')), OWN_AUDIT);
  assert.equal((await row(id)).status, 'allocated');
});

test('an audit not yet submitted cannot be moderated', async () => {
  const auditId = await submittedAudit(t.db, f, { status: 'in_progress' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await refused(loadModerationWork(t.db, moderator, id), NOT_SUBMITTED);
  await refused(submitModeration(t.db, moderator, id, regradeForm('good', 'good')), NOT_SUBMITTED);
  assert.equal((await row(id)).status, 'allocated');
});

test('a draft keeps what was typed; submitting with grades or comments missing names each field and changes nothing', async () => {
  const id = await moderationOf(t.db, f, await submittedAudit(t.db, f), moderator.staffId);
  const typed = { [`grade-${SECTION_KEYS[0]}`]: 'good', qualityComments: 'Half written', other: 'dropped' };
  await saveModerationDraft(t.db, moderator, id, typed);
  assert.deepEqual((await row(id)).draft, {
    [`grade-${SECTION_KEYS[0]}`]: 'good',
    qualityComments: 'Half written',
  });
  assert.deepEqual((await loadModerationWork(t.db, moderator, id)).draft.qualityComments, 'Half written');

  const form = regradeForm('good', 'good');
  delete form[`grade-${SECTION_KEYS[2]}`];
  form[`grade-${SECTION_KEYS[3]}`] = 'met_good'; // not on the four-point scale
  form.qualityComments = '   ';
  delete form.quality;
  await assert.rejects(submitModeration(t.db, moderator, id, form), (err: ValidationError) => {
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(
      err.errors.map((e) => e.field),
      [`grade-${SECTION_KEYS[2]}`, `grade-${SECTION_KEYS[3]}`, 'quality', 'qualityComments'],
    );
    assert.equal(
      err.errors[0].message,
      'Choose a grade for Assessment: analysis, history and each child individually',
    );
    assert.equal(err.errors[2].message, 'Choose how good the audit itself was');
    return true;
  });
  const long = { ...regradeForm('good', ''), qualityComments: 'x'.repeat(5001) };
  await assert.rejects(submitModeration(t.db, moderator, id, long), (err: ValidationError) => {
    assert.deepEqual(
      err.errors.map((e) => e.message),
      ['Choose an overall grade', 'Comments must be 5,000 characters or fewer'],
    );
    return true;
  });
  const after = await row(id);
  assert.equal(after.status, 'allocated');
  assert.equal(after.section_grades, null);
  assert.equal(after.quality_comments, null);
  assert.deepEqual(after.draft, { [`grade-${SECTION_KEYS[0]}`]: 'good', qualityComments: 'Half written' });
});

async function moderated(overall: string, moderatorOverall: string, sectionGrade = 'good') {
  const auditId = await submittedAudit(t.db, f, { overall });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await submitModeration(t.db, moderator, id, regradeForm(sectionGrade, moderatorOverall));
  return { auditId, id };
}

test('a submitted re-grade is stored, leaves My moderations to do and waits for the panel', async () => {
  const { id } = await moderated('requires_improvement', 'good');
  const r = await row(id);
  assert.equal(r.status, 'submitted');
  assert.equal(r.overall_grade, 'good');
  assert.equal(r.quality, 'requires_improvement');
  assert.equal(Object.keys(r.section_grades ?? {}).length, 12);
  assert.equal(r.draft, null);
  await refused(loadModerationWork(t.db, moderator, id), NOT_YOURS);
  const mine = await myModerations(t.db, moderator);
  assert.ok(!mine.waiting.some((m) => m.id === id));
  assert.ok(mine.awaitingPanel.some((m) => m.id === id));
  assert.ok(mine.panels.some((p) => p.monthId === f.monthId && p.waiting >= 1));
});

test('the panel sees both sets of grades side by side with the moderator’s judgement', async () => {
  const { id } = await moderated('requires_improvement', 'good', 'requires_improvement');
  const panel = await panelForMonth(t.db, f.councilId, f.monthId);
  const entry = panel.rows.find((r) => r.id === id);
  assert.ok(entry);
  assert.equal(entry.auditorOverall.label, 'Requires improvement');
  assert.equal(entry.moderatorOverall.label, 'Good');
  // the auditor graded the first section inadequate, the rest requires improvement, as the moderator did
  assert.equal(entry.differences, 1);
  assert.deepEqual(
    { a: entry.sections[0].auditorGrade, m: entry.sections[0].moderatorGrade, d: entry.sections[0].differs },
    { a: 'Inadequate', m: 'Requires improvement', d: true },
  );
  assert.equal(entry.quality, 'Requires improvement');
  assert.match(entry.qualityComments ?? '', /impact statements rarely/);
  assert.equal(entry.decision, null);
});

test('the decision needs a grade and a reason; without them nothing changes', async () => {
  const { id, auditId } = await moderated('requires_improvement', 'good');
  await assert.rejects(
    decidePanel(t.db, null, qa, id, { finalGrade: 'good', reason: '  ' }),
    (err: ValidationError) => {
      assert.deepEqual(err.errors, [{ field: 'reason', message: 'Say why the panel reached this grade' }]);
      return true;
    },
  );
  await assert.rejects(
    decidePanel(t.db, null, qa, id, { finalGrade: 'met_good', reason: 'Because' }),
    (err: ValidationError) => {
      assert.deepEqual(
        err.errors.map((e) => e.field),
        ['finalGrade'],
      );
      return true;
    },
  );
  assert.equal((await row(id)).status, 'submitted');
  const audit = await t.db
    .selectFrom('audits')
    .select('final_grade')
    .where('id', '=', auditId)
    .executeTakeFirstOrThrow();
  assert.equal(audit.final_grade, 'requires_improvement');
  const told = await t.db.selectFrom('notifications').select('id').where('about_id', '=', id).execute();
  assert.equal(told.length, 0);
});

test('only QA may decide, only a submitted re-grade, and only once', async () => {
  const { id } = await moderated('good', 'good');
  await refused(decidePanel(t.db, null, auditor, id, { finalGrade: 'good', reason: 'Agreed' }), PANEL_ONLY);
  const notYet = await moderationOf(t.db, f, await submittedAudit(t.db, f), moderator.staffId);
  await refused(
    decidePanel(t.db, null, qa, notYet, { finalGrade: 'good', reason: 'Agreed' }),
    /has not submitted/,
  );
  assert.equal(await decidePanel(t.db, null, qa, id, { finalGrade: 'good', reason: 'Agreed' }), 'supported');
  await refused(
    decidePanel(t.db, null, qa, id, { finalGrade: 'outstanding', reason: 'Again' }),
    ALREADY_DECIDED,
  );
  assert.equal((await row(id)).final_grade, 'good');
});

test('the decision sets the audit’s final grade, the outcome, and tells the auditor', async () => {
  const cases: [string, string, string, boolean][] = [
    ['requires_improvement', 'requires_improvement', 'supported', false],
    ['requires_improvement', 'good', 'upgraded', true],
    ['good', 'inadequate', 'downgraded', false],
  ];
  for (const [auditorGrade, finalGrade, outcome, goodOrBetter] of cases) {
    const { id, auditId } = await moderated(auditorGrade, 'good');
    const result = await decidePanel(t.db, null, qa, id, {
      finalGrade,
      reason: `The panel agreed ${finalGrade}.`,
    });
    assert.equal(result, outcome);
    const r = await row(id);
    assert.deepEqual(
      [r.status, r.outcome, r.final_grade, r.panel_reason, r.decided_by],
      ['decided', outcome, finalGrade, `The panel agreed ${finalGrade}.`, qa.staffId],
    );
    const audit = await t.db
      .selectFrom('audits')
      .select(['final_grade', 'final_good_or_better', 'overall_grade'])
      .where('id', '=', auditId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(audit, {
      final_grade: finalGrade,
      final_good_or_better: goodOrBetter,
      overall_grade: auditorGrade,
    });
    const told = await t.db
      .selectFrom('notifications')
      .select(['staff_id', 'kind', 'audit_id'])
      .where('about_id', '=', id)
      .execute();
    assert.deepEqual(told, [{ staff_id: auditor.staffId, kind: 'moderation_outcome', audit_id: auditId }]);
  }
});

test('two panel decisions at once: one wins, the other is refused', async () => {
  const { id } = await moderated('good', 'good');
  const results = await Promise.allSettled([
    decidePanel(t.db, null, qa, id, { finalGrade: 'good', reason: 'First' }),
    decidePanel(t.db, null, qa, id, { finalGrade: 'outstanding', reason: 'Second' }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const notes = await t.db.selectFrom('notifications').select('id').where('about_id', '=', id).execute();
  assert.equal(notes.length, 1);
});

test('the submitted audit’s page shows the decision to those who may read the audit, the judgement of the audit to its auditor and QA, and nothing before it', async () => {
  const { id, auditId } = await moderated('requires_improvement', 'good');
  const practitioner = await userOf(t.db, f.people.practitioner);
  assert.equal(await moderationPanel(t.db, await auditAccess(t.db, practitioner, auditId)), null);
  await decidePanel(t.db, null, qa, id, {
    finalGrade: 'inadequate',
    reason: 'The child was not seen alone.',
  });
  const shown = await moderationPanel(t.db, await auditAccess(t.db, practitioner, auditId));
  assert.deepEqual(
    { ...shown, decidedAt: undefined },
    {
      outcome: 'downgraded',
      outcomeLabel: 'Downgraded',
      finalGrade: 'Inadequate',
      reason: 'The child was not seen alone.',
      // the moderator's judgement of the auditor's work is for the auditor and QA only
      quality: null,
      qualityComments: null,
      decidedAt: undefined,
    },
  );
  const forAuditor = await moderationPanel(t.db, await auditAccess(t.db, auditor, auditId));
  assert.equal(forAuditor?.quality, 'Requires improvement');
  assert.equal(forAuditor?.qualityComments, regradeForm('good', 'good').qualityComments);
  const stranger = await userOf(t.db, f.people.otherPractitioner);
  assert.equal(await moderationPanel(t.db, await auditAccess(t.db, stranger, auditId)), null);
});

test('blind means blind: the moderator cannot open the audit itself until their re-grade is in', async () => {
  const { MODERATING_BLIND } = await import('../audits/audit-access.ts');
  const { loadAuditWork, auditsToRead } = await import('../audits/audits.ts');
  const auditId = await submittedAudit(t.db, f, { overall: 'inadequate', sectionGrade: 'good' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  assert.equal((await auditAccess(t.db, moderator, auditId)).mayRead, false);
  await refused(loadAuditWork(t.db, moderator, auditId, '2026-11-22'), MODERATING_BLIND);
  const listed = (await auditsToRead(t.db, moderator)).find((a) => a.id === auditId);
  assert.equal(listed?.grade, 'Hidden while you moderate it');
  await submitModeration(t.db, moderator, id, regradeForm('good', 'good'));
  assert.equal(
    (await auditAccess(t.db, moderator, auditId)).mayRead,
    true,
    'once submitted, QA read it again',
  );
});

test('a QA lead who did the audit cannot record the panel’s decision on it', async () => {
  const auditorQa = { ...auditor, roles: [...auditor.roles, 'qa_lead' as const] };
  const auditId = await submittedAudit(t.db, f);
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await submitModeration(t.db, moderator, id, regradeForm('good', 'good'));
  await refused(
    decidePanel(t.db, null, auditorQa, id, { finalGrade: 'good', reason: 'Mine' }),
    /another QA lead/,
  );
  assert.equal((await row(id)).status, 'submitted');
});
