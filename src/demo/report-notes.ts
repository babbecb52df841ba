import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { IsoDate } from '../domain/dates.ts';
import { saveCycleNotes } from '../reports/monthly.ts';

/**
 * What the demo's QA lead wrote for each finished cycle's monthly report: the strengths and areas
 * for development the month's audits showed, on the cycle's own theme, saved through the same
 * service the monthly report page uses. The cycle under way has none yet.
 */
export async function recordDemoReportNotes(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const { rows } = await sql<{ id: string; theme: string | null }>`
    select pm.id, (select t.theme from month_themes t where t.month_id = pm.id order by t.position limit 1) as theme
    from programme_months pm
    where pm.council_id = ${councilId} and not pm.learning_month
      and pm.month < date_trunc('month', ${today}::date)
      and exists (select 1 from audits a where a.month_id = pm.id and a.status = 'submitted')
    order by pm.month`.execute(db);
  const lead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  for (const [i, month] of rows.entries()) {
    const theme = (month.theme ?? 'the month’s theme').toLowerCase();
    await saveCycleNotes(db, councilId, month.id, lead.id, {
      revision: 0,
      strengths: [
        `Auditors found ${theme} evidenced well in most of the children’s records this month, with clear, recent recording of what practitioners had done and why.`,
        STRENGTHS[i % STRENGTHS.length],
      ].join('\n\n'),
      areasForDevelopment: [
        `Where ${theme} was not yet good, the record did not show what difference our involvement had made for the child; plans described tasks rather than outcomes.`,
        AREAS[i % AREAS.length],
      ].join('\n\n'),
    });
  }
  return rows.length;
}

const STRENGTHS = [
  'Children were seen, and seen alone, within the timescales of their plans, and their words were recorded in their own voice.',
  'Practitioners who took part in the audit conversation described the child’s lived experience vividly; most of them said the audit had helped their practice.',
  'Management oversight was recorded at the key decision points on most cases, with the reasons for decisions.',
  'Multi-agency working was strong: partners’ information was shared and used in planning.',
];

const AREAS = [
  'Contingency plans were missing or generic on a third of the plans audited: each plan should say what happens if things do not change.',
  'Fathers and significant males were not consistently identified or involved: the learning session in the next cycle will take this up.',
  'Chronologies were out of date on several cases; team managers will check them in supervision this month.',
  'Actions from earlier audits were not always followed up: owners will be reminded of overdue actions every week.',
];
