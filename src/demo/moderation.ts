/**
 * The demo council's moderation, done through the services QA use: each finished cycle's
 * moderation sample (a fifth at random, plus every inadequate and escalated audit), the blind
 * re-grades by QA officers with realistic disagreement (more often a grade lower than higher), and
 * the panel's decisions, except for the latest cycle, whose panel has not met yet.
 */
import type { Db } from '../data/db.ts';
import type { AuditQuality } from '../data/schema.ts';
import type { CyclePhase } from '../domain/cycle-phases.ts';
import type { IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import { confirmPlan } from '../services/moderation/moderation-plans.ts';
import { decidePanel, sectionGradeField, submitModeration } from '../services/moderation/moderations.ts';
import { asDemoPerson } from './audits.ts';

const COMMENTS: Record<AuditQuality, string[]> = {
  good: [
    'A clear audit: the evaluations cite the record and the impact statements say what it meant for the child.',
    'Well evidenced, and the actions are specific. The grade for the plan was generous.',
  ],
  requires_improvement: [
    'The evaluations describe the work but say little about its impact on the child; two actions have no clear outcome.',
    'Several sections repeat the case summary instead of judging the practice.',
  ],
  inadequate: [
    'The grades are not supported by the evaluations, and risks in the record were not picked up.',
  ],
};

/** One grade away, more often worse than better, most often the same. */
function nearby(rnd: Random, index: number, count: number): number {
  const roll = rnd.next();
  const shift = roll < 0.62 ? 0 : roll < 0.88 ? 1 : -1;
  return Math.min(count - 1, Math.max(0, index + shift));
}

export async function runDemoModeration(
  db: Db,
  councilId: string,
  today: IsoDate,
  rnd: Random,
): Promise<number> {
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const qa = await asDemoPerson(db, councilId, qaLead.id);
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'phases'])
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .orderBy('month')
    .execute();
  const finished = months.filter((m) => {
    const auditing = ((m.phases as CyclePhase[] | null) ?? []).find((p) => p.key === 'auditing');
    return auditing !== undefined && auditing.end < today;
  });
  let moderated = 0;
  for (const [i, month] of finished.entries()) {
    await confirmPlan(db, qa, month.id, {
      percent: '20',
      seed: String(20261000 + i),
      rules: ['inadequate', 'escalated'],
    });
    const moderations = await db
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .innerJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
      .innerJoin('grade_scales as g', 'g.id', 'v.scale_id')
      .select(['m.id', 'm.moderator_id', 'a.id as audit_id', 'a.auditor_id', 'a.overall_grade', 'g.grades'])
      .where('a.month_id', '=', month.id)
      .where('m.status', '=', 'allocated')
      .execute();
    const lastCycle = i === finished.length - 1;
    for (const m of moderations) {
      if (!m.moderator_id) continue;
      const grades = (m.grades as { key: string; order: number }[]).slice().sort((a, b) => a.order - b.order);
      const keys = grades.map((g) => g.key);
      const sections = await db
        .selectFrom('audit_section_results')
        .select(['section_key', 'grade'])
        .where('audit_id', '=', m.audit_id)
        .where('grade', 'is not', null)
        .execute();
      const fields: Record<string, string> = {};
      for (const s of sections) {
        fields[sectionGradeField(s.section_key)] =
          keys[nearby(rnd, keys.indexOf(s.grade as string), keys.length)];
      }
      const overall = keys[nearby(rnd, keys.indexOf(m.overall_grade ?? keys[1]), keys.length)];
      const quality: AuditQuality = rnd.pick([
        'good',
        'good',
        'requires_improvement',
        'requires_improvement',
        'inadequate',
      ]);
      fields.overallGrade = overall;
      fields.quality = quality;
      fields.qualityComments = rnd.pick(COMMENTS[quality]);
      const moderator = await asDemoPerson(db, councilId, m.moderator_id);
      await submitModeration(db, moderator, m.id, fields);
      moderated++;
      if (lastCycle) continue;
      // the panel mostly agrees with the moderator, sometimes keeps the auditor's grade
      const final = rnd.chance(0.8) ? overall : (m.overall_grade ?? overall);
      // the QA lead chairs the panel, except on an audit of their own
      const chair = m.auditor_id === qa.staffId ? moderator : qa;
      await decidePanel(db, null, chair, m.id, {
        finalGrade: final,
        reason:
          final === m.overall_grade
            ? 'The evidence in the evaluations supports the auditor’s grade.'
            : 'The panel agreed with the moderator: the record does not show the impact the grade needs.',
      });
    }
  }
  return moderated;
}
