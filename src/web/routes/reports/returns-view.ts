import { percentText, returnRateText } from '../../../domain/returns.ts';
import type { returnsPage } from '../../../metrics/returns.ts';

/** A row's figures with its return rate written out: "3 of 6 (50%)". */
function withRateText<T extends { returned: number; scheduled: number }>(row: T) {
  return {
    ...row,
    rateText: returnRateText(row.returned, row.scheduled),
    percent: row.scheduled ? percentText(row.returned / row.scheduled) : null,
  };
}

type ReturnsPage = Extract<Awaited<ReturnType<typeof returnsPage>>, { cycle: unknown }>;

/** The returns page's figures of a cycle, each with its rate in words, and its year month by month. */
export function returnsView({ cycle, cycles, yearMonths, returns, history, targets }: ReturnsPage) {
  const monthOf = new Map(yearMonths.map((m) => [m.month, m]));
  return {
    pageTitle: `Returns, ${cycle.name}`,
    cycle,
    cycles,
    totals: withRateText(returns.totals),
    sources: returns.sources,
    byAuditor: returns.byAuditor.map(withRateText),
    byTeam: returns.byTeam.map(withRateText),
    byServiceArea: returns.byServiceArea.map(withRateText),
    byKind: returns.byKind.map(withRateText),
    targets,
    history: {
      yearName: cycle.yearName,
      months: history.months.map((m) => ({
        ...withRateText(m),
        id: monthOf.get(m.month)?.id,
        learningMonth: monthOf.get(m.month)?.learningMonth ?? false,
        current: m.month === cycle.month,
      })),
      total: withRateText(history.total),
      fromHistory: history.months.some((m) => m.source === 'history'),
    },
  };
}
