import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { percentText, returnRateText } from '../../../domain/returns.ts';
import { can } from '../../../domain/roles.ts';
import {
  currentCycle,
  listReturnCycles,
  monthlyReturns,
  owedAudits,
  returnsBreakdown,
} from '../../../metrics/returns.ts';
import { owedAuditsCsv, owedAuditsFileName } from '../../../reports/returns.ts';

const cycleQuery = z.object({ month: z.uuid().optional().catch(undefined) });

/** A row's figures with its return rate written out: "3 of 6 (50%)". */
function withRateText<T extends { returned: number; scheduled: number }>(row: T) {
  return {
    ...row,
    rateText: returnRateText(row.returned, row.scheduled),
    percent: row.scheduled ? percentText(row.returned / row.scheduled) : null,
  };
}

/**
 * Returns: planned, exempted, scheduled and returned audits of a cycle, by auditor, team, service
 * area and kind, and the programme year month by month. Computed on each request. Who owes what
 * (children by case reference) downloads as CSV for the QA lead only, and each download is in the
 * access log.
 */
export default async function returnsRoutes(app: FastifyInstance, { db }: { db: Db }) {
  /** The cycle the address asks for, else the current one; null when the address names no such cycle. */
  async function chosenCycle(request: FastifyRequest) {
    const councilId = request.user?.councilId as string;
    const query = cycleQuery.parse(request.query ?? {});
    const cycles = await listReturnCycles(db, councilId);
    if (query.month) return { cycles, cycle: cycles.find((c) => c.id === query.month) ?? null };
    return { cycles, cycle: currentCycle(cycles, app.today()) };
  }

  app.get('/returns', { config: { access: 'returns.read' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const { cycles, cycle } = await chosenCycle(request);
    if (cycle === null) return reply.callNotFound();
    const canManage = can(user.roles, 'sampling.manage');
    if (!cycle) {
      return reply.render('pages/returns.njk', { pageTitle: 'Returns', cycles, canManage });
    }
    const yearMonths = cycles
      .filter((c) => c.yearId === cycle.yearId)
      .sort((a, b) => a.month.localeCompare(b.month));
    const [returns, history] = await Promise.all([
      returnsBreakdown(db, user.councilId, { from: cycle.month, to: cycle.month }),
      monthlyReturns(db, user.councilId, {
        from: yearMonths[0].month,
        to: yearMonths[yearMonths.length - 1].month,
      }),
    ]);
    const monthOf = new Map(yearMonths.map((m) => [m.month, m]));
    return reply.render('pages/returns.njk', {
      pageTitle: `Returns, ${cycle.name}`,
      canManage,
      cycle,
      cycles,
      totals: withRateText(returns.totals),
      sources: returns.sources,
      byAuditor: returns.byAuditor.map(withRateText),
      byTeam: returns.byTeam.map(withRateText),
      byServiceArea: returns.byServiceArea.map(withRateText),
      byKind: returns.byKind.map(withRateText),
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
    });
  });

  // Child references: the QA lead's alone, and every child listed is written to the access log.
  app.get(
    '/returns.csv',
    { config: { access: 'sampling.manage', childRecord: true } },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const { cycle } = await chosenCycle(request);
      if (cycle === null) return reply.callNotFound();
      const owed = cycle ? await owedAudits(db, user.councilId, cycle.id, app.today()) : [];
      const what = cycle ? `audits owed in ${cycle.name}` : 'audits owed (no cycle yet)';
      for (const audit of owed) {
        await request.recordChildView({
          recordType: 'owed audits download',
          recordId: audit.auditId,
          childId: audit.childId,
          reason: `Listed by case reference in the CSV download of ${what}`,
        });
      }
      if (owed.length === 0) {
        await request.recordChildView({
          recordType: 'owed audits download',
          recordId: cycle?.id ?? user.councilId,
          childId: null,
          reason: `CSV download of ${what}: no child was listed`,
        });
      }
      reply.header(
        'content-disposition',
        `attachment; filename="${cycle ? owedAuditsFileName(cycle.month) : 'owed-audits.csv'}"`,
      );
      reply.header('cache-control', 'no-store');
      reply.type('text/csv; charset=utf-8');
      return owedAuditsCsv(owed);
    },
  );
}
