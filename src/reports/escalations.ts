/**
 * The `escalations` report (interfaces.md, domain.md §6, §11): escalations raised from the audits of
 * the months asked for, by kind (immediate safety, drift and delay), month and service area, and the
 * time to a recorded response. Imported history gives the kind only, so it counts in the totals but
 * not in the response times.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { monthName } from '../domain/dates.ts';
import type { EscalationKind } from '../domain/escalations.ts';
import { monthRange } from '../domain/month-range.ts';
import { ENOUGH_TO_PUBLISH, type Keep, suppressGrid } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Count,
  FEWER_THAN,
  isSmall,
  PUBLICATION_NOTE,
  type ReportDocument,
  rangeWords,
} from './document.ts';
import { byName, groupBy, head, type ReportHead, type ReportParams, reportMonths } from './report-base.ts';

export interface EscalationCounts {
  total: Count;
  immediate: Count;
  drift_delay: Count;
  /** with a response recorded */
  responded: Count;
  /** raised in QA Loop and not yet answered */
  awaiting: Count;
  /** median hours from raising to the response, of those answered in QA Loop; null when none */
  medianHoursToResponse: number | null;
}

export interface EscalationsReport extends ReportHead<'escalations'> {
  total: Count;
  byKind: { immediate: Count; drift_delay: Count };
  months: (EscalationCounts & { month: string })[];
  totals: EscalationCounts;
  /** median hours to a response by kind */
  responseByKind: { immediate: number | null; drift_delay: number | null };
  byServiceArea: (EscalationCounts & { name: string | null })[];
}

interface EscalationRow {
  month: string;
  kind: EscalationKind;
  hours: number | null;
  answered: boolean | null;
  area_key: string | null;
  service_area: string | null;
}

async function escalationRows(db: Db, councilId: string, p: ReportParams): Promise<EscalationRow[]> {
  const { rows } = await sql<EscalationRow>`
    with facts as (select * from ${allocationFacts(councilId, monthRange(p.from, p.to), p.filters)} f)
    select f.month::text as month, e.kind,
      extract(epoch from (e.responded_at - e.raised_at)) / 3600.0 as hours,
      (e.responded_at is not null) as answered, f.area_key, f.service_area
    from facts f join escalations e on e.audit_id = f.audit_id
    where f.source = 'audits'
    union all
    select f.month::text, h.escalation, null, null, f.area_key, f.service_area
    from facts f join audit_history h on h.id = f.history_id
    where f.source = 'history' and h.escalation in ('immediate', 'drift_delay')`.execute(db);
  return rows.map((r) => ({
    ...r,
    month: r.month.slice(0, 7),
    hours: r.hours === null ? null : Number(r.hours),
  }));
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return Math.round(m * 10) / 10;
}

function counts(rows: readonly EscalationRow[]): EscalationCounts {
  const answered = rows.filter((r) => r.answered === true);
  return {
    total: rows.length,
    immediate: rows.filter((r) => r.kind === 'immediate').length,
    drift_delay: rows.filter((r) => r.kind === 'drift_delay').length,
    responded: answered.length,
    awaiting: rows.filter((r) => r.answered === false).length,
    medianHoursToResponse: median(answered.map((r) => r.hours as number)),
  };
}

export async function buildEscalationsReport(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<EscalationsReport> {
  const rows = await escalationRows(db, councilId, p);
  const byMonth = groupBy(rows, (r) => r.month);
  const totals = counts(rows);
  const hoursOf = (kind: EscalationKind) =>
    median(rows.filter((r) => r.kind === kind && r.answered).map((r) => r.hours as number));
  return {
    ...head('escalations', p),
    total: totals.total,
    byKind: { immediate: totals.immediate, drift_delay: totals.drift_delay },
    months: reportMonths(p).map((month) => ({ month, ...counts(byMonth.get(month) ?? []) })),
    totals,
    responseByKind: { immediate: hoursOf('immediate'), drift_delay: hoursOf('drift_delay') },
    byServiceArea: [...groupBy(rows, (r) => r.area_key).values()]
      .map((list) => ({ name: list[0].service_area, ...counts(list) }))
      .sort(byName),
  };
}

const COUNT_KEYS = ['immediate', 'drift_delay', 'responded', 'awaiting', 'total'] as const;

/**
 * Rows of escalation counts (with the total row they add up to, last) as published: hidden cells
 * along rows and columns (src/domain/suppression.ts), the median time withheld where the answered
 * are hidden or fewer than 5. `totalHidden` hides the total row as the table sharing its totals did.
 */
function publishRows<T extends EscalationCounts>(
  rows: T[],
  totalHidden?: readonly boolean[],
): { rows: T[]; totalHidden: boolean[] } {
  const grid = rows.map((r) => COUNT_KEYS.map((k) => Number(r[k])));
  const forced = rows.map((_, i) => (i === rows.length - 1 && totalHidden ? [...totalHidden] : []));
  // the escalations raised (the last column) are kept: the report's always, a row's from 10
  const keep = grid.map((row, i) =>
    row.map(
      (n, j): Keep =>
        j < row.length - 1
          ? 0
          : i === rows.length - 1
            ? isSmall(n)
              ? 0
              : 2
            : n >= ENOUGH_TO_PUBLISH
              ? 1
              : 0,
    ),
  );
  const hidden = suppressGrid(grid, forced, keep);
  const out = rows.map((r, i) => {
    const row = { ...r } as T;
    COUNT_KEYS.forEach((k, j) => {
      (row as EscalationCounts)[k] = hidden[i][j]
        ? isSmall(grid[i][j])
          ? FEWER_THAN
          : 'withheld'
        : grid[i][j];
    });
    // a median of fewer than five escalations could describe one child's case
    if (typeof row.responded !== 'number' || row.responded < 5) row.medianHoursToResponse = null;
    return row;
  });
  return { rows: out, totalHidden: hidden[hidden.length - 1] ?? [] };
}

export function publishEscalationsReport(r: EscalationsReport): EscalationsReport {
  const months = publishRows([...r.months, { ...r.totals, month: '' }]);
  const areas = publishRows([...r.byServiceArea, { ...r.totals, name: null }], months.totalHidden);
  const { month: _, ...totals } = months.rows[months.rows.length - 1];
  return {
    ...r,
    publication: true,
    total: totals.total,
    byKind: { immediate: totals.immediate, drift_delay: totals.drift_delay },
    months: months.rows.slice(0, -1),
    totals,
    responseByKind: {
      immediate:
        typeof totals.immediate === 'number' && totals.immediate >= 5 ? r.responseByKind.immediate : null,
      drift_delay:
        typeof totals.drift_delay === 'number' && totals.drift_delay >= 5
          ? r.responseByKind.drift_delay
          : null,
    },
    byServiceArea: areas.rows.slice(0, -1),
  };
}

const hoursText = (h: number | null) =>
  h === null ? '' : h < 48 ? `${h.toFixed(1)} hours` : `${(h / 24).toFixed(1)} days`;

export function escalationsDocument(r: EscalationsReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const columns = [
    { key: 'immediate', header: 'Immediate safety', kind: 'count' as const },
    { key: 'drift_delay', header: 'Drift and delay', kind: 'count' as const },
    { key: 'total', header: 'All', kind: 'count' as const },
    { key: 'responded', header: 'Answered', kind: 'count' as const },
    { key: 'awaiting', header: 'Awaiting a response', kind: 'count' as const },
    { key: 'median', header: 'Median time to a response', kind: 'text' as const },
  ];
  const cells = (c: EscalationCounts) => ({
    immediate: c.immediate,
    drift_delay: c.drift_delay,
    total: c.total,
    responded: c.responded,
    awaiting: c.awaiting,
    median: hoursText(c.medianHoursToResponse),
  });
  return {
    title: `Escalations, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary: [
      `Escalations raised: ${typeof r.total === 'number' ? r.total : r.total} (immediate safety ${r.byKind.immediate}, drift and delay ${r.byKind.drift_delay}).`,
      `Awaiting a response: ${r.totals.awaiting}.`,
      `Median time to a response: immediate safety ${hoursText(r.responseByKind.immediate) || 'none answered'}; drift and delay ${hoursText(r.responseByKind.drift_delay) || 'none answered'}.`,
    ],
    notes: [
      'An auditor escalates what suggests a child may be unsafe now (immediate safety) or that help is drifting (drift and delay), to the case’s line manager, the Head of Service and the Assistant Director for QA. Counted by the month of the audit. Times run from raising to the recorded response; imported history gives the kind only.',
      ...(r.publication ? [PUBLICATION_NOTE] : []),
    ],
    sections: [
      {
        id: 'escalations',
        heading: 'Escalations raised',
        // a chart would draw a hidden count as nothing: for publication, the table alone
        charts: r.publication
          ? []
          : [
              {
                kind: 'stacked',
                title: `Escalations by month, ${range}`,
                categories: ['Immediate safety', 'Drift and delay'],
                rows: r.months.flatMap((m) => [
                  {
                    group: monthName(`${m.month}-01`),
                    category: 'Immediate safety',
                    count: typeof m.immediate === 'number' ? m.immediate : 0,
                  },
                  {
                    group: monthName(`${m.month}-01`),
                    category: 'Drift and delay',
                    count: typeof m.drift_delay === 'number' ? m.drift_delay : 0,
                  },
                ]),
              },
            ],
        tables: [
          {
            id: 'escalations-by-month',
            title: 'By month',
            columns: [{ key: 'month', header: 'Month', kind: 'text' }, ...columns],
            rows: [
              ...r.months.map((m) => ({ cells: { month: monthName(`${m.month}-01`), ...cells(m) } })),
              { total: true, cells: { month: 'All months', ...cells(r.totals) } },
            ],
          },
          {
            id: 'escalations-by-service-area',
            title: 'By service area',
            columns: [{ key: 'serviceArea', header: 'Service area', kind: 'text' }, ...columns],
            rows: r.byServiceArea.map((s) => ({
              cells: { serviceArea: s.name ?? 'No service area recorded', ...cells(s) },
            })),
            empty: 'No escalations in these months.',
          },
        ],
      },
    ],
    publication: r.publication,
  };
}
