/**
 * The dashboard pages as they open: the quality dashboard (a Head of Service's services, or the
 * council), a team manager's team, and the QA lead's cycle dashboard. Each part's body is drawn here,
 * charts beside their tables, for the page to show as it is.
 */
import type { Db } from '../data/db.ts';
import { NotFoundError } from '../domain/validation.ts';
import { isLeftOutBlindNote } from '../metrics/audit-facts.ts';
import { filterOptions } from '../metrics/report-filters.ts';
import { type ReportScope, reportScope } from '../metrics/report-scope.ts';
import { chosenReturnCycle } from '../metrics/returns.ts';
import { produceReport, type ReportName } from './catalogue.ts';
import { cycleDashboard, qualityDashboard } from './dashboards.ts';
import type { ReportDocument } from './document.ts';
import { footprintPanel } from './footprint.ts';
import { documentBodyHtml } from './render.ts';
import type { ReportParams } from './report-base.ts';
import { type ReportQuery, readReportForm } from './report-form.ts';
import type { ReportReader } from './report-pages.ts';

/**
 * A dashboard of report documents under the months-and-filters form: the form and its lists, and
 * when the form holds, each document's body.
 */
async function documentsPage(
  db: Db,
  person: ReportReader,
  scope: ReportScope,
  query: ReportQuery,
  today: string,
  documents: (p: ReportParams) => Promise<ReportDocument[]>,
) {
  const form = await readReportForm(db, person, scope, query, today);
  const options = await filterOptions(db, person.councilId, scope);
  if (form.errors.length || !form.params) return { scope, form, options };
  const docs = await documents(form.params);
  // said once above the parts rather than in each: the audits left out while the person moderates them
  const leftOut = docs.flatMap((d) => d.notes).find(isLeftOutBlindNote);
  const bodies: string[] = [];
  for (const doc of docs) {
    const notes = doc.notes.filter((n) => !isLeftOutBlindNote(n));
    bodies.push(await documentBodyHtml({ ...doc, notes }, { headingLevel: 2, collapseOver: 12 }));
  }
  return { scope, form, options, bodies, leftOut };
}

/**
 * The quality dashboard: grades, sections, themes below good and feedback; for a Head of Service
 * (`services`) their services' returns and escalations too.
 */
export async function qualityDashboardPage(db: Db, person: ReportReader, query: ReportQuery, today: string) {
  const scope = reportScope(person);
  const services = scope.limitedTo === 'serviceArea';
  const page = await documentsPage(db, person, scope, query, today, async (p) => {
    const reports: ReportName[] = services ? ['returns'] : [];
    const extra = await Promise.all(reports.map((n) => produceReport(db, person.councilId, n, p)));
    const quality = await qualityDashboard(db, person.councilId, p);
    const escalations = services
      ? [(await produceReport(db, person.councilId, 'escalations', p)).document]
      : [];
    // the IRO and CP adviser footprint this quarter: for QA (by officer's team) and Heads of Service
    const qa = person.roles.includes('qa_lead');
    const footprint =
      qa || person.roles.includes('senior_leader')
        ? [
            await footprintPanel(db, person.councilId, {
              councilName: person.councilName,
              today: p.today,
              serviceAreaId: scope.fixed.serviceAreaId,
              viewerId: person.staffId,
              byTeam: qa,
            }),
          ]
        : [];
    return [...extra.map((r) => r.document), ...quality, ...escalations, ...footprint];
  });
  return { ...page, services };
}

/** A team manager's dashboard of their team: returns, grades, sections, themes and actions. */
export async function teamDashboardPage(
  db: Db,
  person: ReportReader,
  teamId: string,
  query: ReportQuery,
  today: string,
) {
  const scope: ReportScope = {
    publicationOnly: false,
    fixed: { teamId, viewerId: person.staffId },
    limitedTo: 'serviceArea',
  };
  return documentsPage(db, person, scope, query, today, async (p) => {
    const names: ReportName[] = ['returns', 'grades', 'sections', 'themes', 'actions'];
    return (await Promise.all(names.map((n) => produceReport(db, person.councilId, n, p)))).map(
      (r) => r.document,
    );
  });
}

/**
 * The QA lead's dashboard of the cycle an address asks for, else the current one: NotFoundError when
 * it names no cycle of the council; only the cycles when there is none yet.
 */
export async function cycleDashboardPage(
  db: Db,
  person: Pick<ReportReader, 'councilId' | 'councilName'>,
  monthId: string | undefined,
  today: string,
) {
  const { cycles, cycle } = await chosenReturnCycle(db, person.councilId, monthId, today);
  if (cycle === null) throw new NotFoundError('cycle');
  if (!cycle) return { cycles };
  const month = cycle.month.slice(0, 7);
  const dashboard = await cycleDashboard(db, person.councilId, cycle, {
    from: month,
    to: month,
    filters: {},
    filterWords: [],
    councilName: person.councilName,
    publication: false,
    today,
  });
  return {
    cycles,
    cycle,
    dashboard,
    returnsBody: await documentBodyHtml(dashboard.returns, { headingLevel: 2, collapseOver: 12 }),
    moderationBody: await documentBodyHtml(
      {
        title: 'Moderation progress',
        subtitle: [],
        summary: [],
        notes: [],
        sections: [
          {
            id: 'moderation-progress',
            heading: `${cycle.name} sample`,
            tables: [dashboard.moderation.table],
          },
        ],
        publication: false,
      },
      { headingLevel: 2 },
    ),
  };
}
