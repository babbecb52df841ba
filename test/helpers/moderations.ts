import type { Db } from '../../src/data/db.ts';
import { DEFAULT_JOURNEY_SECTIONS } from '../../src/domain/builtin-tools.ts';
import { hashPassword } from '../../src/services/organisation/passwords.ts';
import { AUDIT_PASSWORD, type AuditFixture, type FixturePerson } from './audits.ts';

/** The twelve section keys of the four-point case file audit, in order. */
export const SECTION_KEYS = DEFAULT_JOURNEY_SECTIONS.map((s) => s.key);

/**
 * A second QA lead who can sign in, to moderate the fixture's audits (the fixture's QA lead stays
 * free to hold the panel, and to try opening someone else's re-grade).
 */
export async function addModerator(db: Db, f: AuditFixture, name = 'Mona Moderator'): Promise<FixturePerson> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@example.gov.uk`;
  const s = await db
    .insertInto('staff')
    .values({ council_id: f.councilId, name, job_title: 'QA Officer', email })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('staff_roles')
    .values({ council_id: f.councilId, staff_id: s.id, role: 'qa_lead' })
    .execute();
  await db
    .insertInto('user_accounts')
    .values({
      council_id: f.councilId,
      staff_id: s.id,
      email,
      password_hash: await hashPassword(AUDIT_PASSWORD),
    })
    .execute();
  return { staffId: s.id, email };
}

/** Words in the submitted audit's evidence, to find on the re-grade page. */
export const EVIDENCE = 'Chronology kept up to date by the worker';

/**
 * A submitted four-point audit by the fixture's auditor, graded `overall`, every section graded
 * `sectionGrade` (the first `inadequate`), with an evaluation and impact statement in each section,
 * for another child of the fixture's council. `childRef` picks the child (default: a new one each call).
 */
export async function submittedAudit(
  db: Db,
  f: AuditFixture,
  options: {
    overall?: string;
    sectionGrade?: string;
    childRef?: string;
    status?: 'submitted' | 'in_progress';
  } = {},
): Promise<string> {
  const base = await db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  const used = await db
    .selectFrom('audits')
    .select('child_id')
    .where('council_id', '=', f.councilId)
    .execute();
  const child = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', f.councilId)
    .$if(!!options.childRef, (q) => q.where('external_id', '=', options.childRef as string))
    .$if(!options.childRef, (q) =>
      q.where(
        'id',
        'not in',
        used.map((u) => u.child_id),
      ),
    )
    .orderBy('external_id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const overall = options.overall ?? 'requires_improvement';
  const sectionGrade = options.sectionGrade ?? 'requires_improvement';
  const answers = Object.fromEntries(
    SECTION_KEYS.map((k, i) => [
      k,
      {
        grade: i === 0 ? 'inadequate' : sectionGrade,
        evaluation: i === 0 ? `${EVIDENCE}, but the plan has drifted.` : `Evaluation of ${k}.`,
        impactStatement: `For the child: impact of ${k}.`,
        practiceThemes: [],
        answers: {},
      },
    ]),
  );
  const status = options.status ?? 'submitted';
  const row = await db
    .insertInto('audits')
    .values({
      council_id: f.councilId,
      month_id: f.monthId,
      child_id: child.id,
      kind: 'full_audit',
      tool_id: base.tool_id,
      tool_version_id: base.tool_version_id,
      position: 10,
      team_id: base.team_id,
      service_area_id: base.service_area_id,
      locality_id: base.locality_id,
      practitioner_id: base.practitioner_id,
      practitioner_manager_id: base.practitioner_manager_id,
      auditor_id: base.auditor_id,
      status,
      allocated_at: base.allocated_at,
      started_at: base.started_at,
      submitted_at: status === 'submitted' ? base.submitted_at : null,
      submitted_by: status === 'submitted' ? base.submitted_by : null,
      overall_grade: status === 'submitted' ? overall : null,
      overall_good_or_better: status === 'submitted' ? ['outstanding', 'good'].includes(overall) : null,
      final_grade: status === 'submitted' ? overall : null,
      final_good_or_better: status === 'submitted' ? ['outstanding', 'good'].includes(overall) : null,
      conversation_on: '2026-11-13',
      conversation_with: 'practitioner',
      answers: status === 'submitted' ? JSON.stringify(answers) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A moderation of the audit, allocated to the moderator (or in another state). */
export async function moderationOf(
  db: Db,
  f: AuditFixture,
  auditId: string,
  moderatorId: string | null,
  status: 'unallocated' | 'allocated' = 'allocated',
): Promise<string> {
  const row = await db
    .insertInto('moderations')
    .values({
      council_id: f.councilId,
      audit_id: auditId,
      chosen_because: 'random',
      moderator_id: status === 'unallocated' ? null : moderatorId,
      status,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A complete re-grade form: every section `sectionGrade`, overall `overall`. */
export function regradeForm(sectionGrade: string, overall: string): Record<string, string> {
  return {
    ...Object.fromEntries(SECTION_KEYS.map((k) => [`grade-${k}`, sectionGrade])),
    overallGrade: overall,
    quality: 'requires_improvement',
    qualityComments:
      'Evaluations describe the record well; impact statements rarely say what it meant for the child.',
  };
}
