/**
 * The dashboards (domain.md §2, §6), counted from the stored audits as each opens, so an audit
 * submitted a minute ago is in them:
 *
 * - the QA lead's cycle dashboard: returns live by auditor, team and service area; escalations
 *   waiting for a response; how far the cycle's moderation has got;
 * - the quality dashboard: grades by service area, team, worker and locality, the section view, the
 *   practice themes most found in audits below good, and feedback — for the council, or held to a
 *   Head of Service's services or a team manager's team.
 *
 * Each part is a ReportDocument, so a dashboard's charts and tables are the reports' own.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { monthRange } from '../domain/month-range.ts';
import { proportion } from '../domain/statistics.ts';
import { auditsLeftOutBlind } from '../metrics/audit-facts.ts';
import { MODERATION_FIGURE_WORDS, moderationFigures } from '../metrics/moderation-figures.ts';
import { type ReturnCycle, returnsBreakdown } from '../metrics/returns.ts';
import { produceReport } from './catalogue.ts';
import type { ReportDocument, ReportTable } from './document.ts';
import type { ReportParams } from './report-base.ts';
import { returnsDocument, returnsReport } from './returns.ts';

/** The quality dashboard's parts: grades, sections, themes below good and feedback. */
export async function qualityDashboard(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<ReportDocument[]> {
  // the four parts cover the same months and filters: the audits left out of them as moderated
  // blind are counted once, not once a part
  const leftOut = await auditsLeftOutBlind(db, councilId, monthRange(p.from, p.to), p.filters);
  const [grades, sections, themes, feedback] = await Promise.all([
    produceReport(db, councilId, 'grades', p, undefined, leftOut),
    produceReport(db, councilId, 'sections', p, undefined, leftOut),
    produceReport(db, councilId, 'themes', p, undefined, leftOut),
    produceReport(db, councilId, 'feedback', p, undefined, leftOut),
  ]);
  // the dashboard shows feedback's figures and themes; the written answers are in the report
  const shortFeedback: ReportDocument = {
    ...feedback.document,
    sections: feedback.document.sections.map((s) => ({
      ...s,
      tables: s.tables.filter((t) => t.id !== 'practitioner-answers' && t.id !== 'family-comments'),
    })),
  };
  return [grades.document, sections.document, themes.document, shortFeedback];
}

export interface CycleDashboard {
  returns: ReportDocument;
  escalations: { waiting: number; immediate: number; driftDelay: number; oldestRaisedAt: Date | null };
  /** the cycle's moderation, counted as the consistency page and moderation report count it */
  moderation: {
    /** returned audits that can be moderated */
    returned: number;
    chosen: number;
    regraded: number;
    decided: number;
    table: ReportTable;
  };
}

/** The QA lead's dashboard of one cycle. */
export async function cycleDashboard(
  db: Db,
  councilId: string,
  cycle: ReturnCycle,
  p: ReportParams,
): Promise<CycleDashboard> {
  const month = cycle.month.slice(0, 7);
  const [returns, breakdown, waiting, moderation] = await Promise.all([
    returnsReport(db, councilId, month, month),
    returnsBreakdown(db, councilId, monthRange(month, month)),
    sql<{ kind: string; n: number; oldest: Date | null }>`
      select kind, count(*)::int as n, min(raised_at) as oldest from escalations
      where council_id = ${councilId} and responded_at is null group by kind`.execute(db),
    moderationFigures(db, councilId, { from: cycle.month.slice(0, 10), to: cycle.month.slice(0, 10) }),
  ]);
  const { returned, chosen, regraded, moderated: decided } = moderation.total;
  const words = MODERATION_FIGURE_WORDS;
  const oldest = waiting.rows.map((r) => r.oldest).filter((d): d is Date => d !== null);
  // every audit of the cycle is counted, not a sample: no interval
  const progress = (count: number, total: number) => ({ ...proportion(count, total), ci95: null });
  const document = returnsDocument(returns, breakdown, p.councilName, [], false);
  return {
    // one month: who returned what, without the month-by-month chart
    returns: { ...document, sections: document.sections.filter((s) => s.id !== 'returns-by-month') },
    escalations: {
      waiting: waiting.rows.reduce((a, r) => a + r.n, 0),
      immediate: waiting.rows.find((r) => r.kind === 'immediate')?.n ?? 0,
      driftDelay: waiting.rows.find((r) => r.kind === 'drift_delay')?.n ?? 0,
      oldestRaisedAt: oldest.length ? new Date(Math.min(...oldest.map((d) => new Date(d).getTime()))) : null,
    },
    moderation: {
      returned,
      chosen,
      regraded,
      decided,
      table: {
        id: 'moderation-progress',
        title: `Moderation of ${cycle.name}`,
        columns: [
          { key: 'stage', header: 'Stage', kind: 'text' },
          { key: 'share', header: `Of ${returned} ${words.returned.toLowerCase()}`, kind: 'share' },
        ],
        rows: [
          { cells: { stage: `${words.chosen} (${words.ofReturned})`, share: progress(chosen, returned) } },
          {
            cells: { stage: `${words.regraded} (${words.ofReturned})`, share: progress(regraded, returned) },
          },
          {
            cells: { stage: `${words.moderated} (${words.ofReturned})`, share: progress(decided, returned) },
          },
        ],
      },
    },
  };
}
