/**
 * The quality dashboard's panel "IRO and CP adviser footprint": what the service managers' footprint
 * dip samples found this quarter, per kind of reviewing officer, each question's "yes" share with its
 * count and interval; by the reviewing officer's team for the QA team.
 */
import type { Db } from '../data/db.ts';
import { formatDate } from '../domain/dates.ts';
import { REVIEWING_OFFICER_LABELS } from '../domain/reviewing-officers.ts';
import { quarterOf } from '../domain/service-qa.ts';
import { type FootprintKindFigures, footprintFigures } from '../metrics/footprint.ts';
import type { ReportDocument, ReportSection } from './document.ts';

export const FOOTPRINT_PANEL_TITLE = 'IRO and CP adviser footprint';

export interface FootprintPanelOptions {
  councilName: string;
  today: string;
  /** a Head of Service's service area: their children's audits and their officers' */
  serviceAreaId?: string;
  viewerId?: string;
  /** the figures by reviewing officer's team (the QA team's view) */
  byTeam: boolean;
}

function kindSection(f: FootprintKindFigures, byTeam: boolean): ReportSection {
  const label = REVIEWING_OFFICER_LABELS[f.kind];
  const plural = f.kind === 'iro' ? 'independent reviewing officers' : 'child protection advisers';
  const tables: ReportSection['tables'] = [
    {
      id: `footprint-${f.kind}-questions`,
      title: `${label}s: answered yes, this quarter`,
      columns: [
        { key: 'question', header: 'Question', kind: 'text' },
        { key: 'yes', header: 'Answered yes (of yes, no or partly)', kind: 'share' },
      ],
      rows: f.questions.map((q) => ({ cells: { question: q.text, yes: q.yes } })),
      empty: `No footprint dip sample of ${plural} has been returned this quarter.`,
    },
  ];
  if (byTeam)
    tables.push({
      id: `footprint-${f.kind}-teams`,
      title: `${label}s: by the officer’s team`,
      columns: [
        { key: 'team', header: 'Officer’s team', kind: 'text' },
        { key: 'returned', header: 'Returned', kind: 'count' },
        ...f.questions.map((q) => ({ key: q.key, header: q.text, kind: 'share' as const })),
      ],
      rows: f.byTeam.map((t) => ({
        cells: { team: t.team, returned: t.returned, ...t.yes },
      })),
      empty: 'None returned this quarter.',
    });
  return {
    id: `footprint-${f.kind}`,
    heading: `${label}s`,
    paragraphs: [
      `${f.returned} ${f.returned === 1 ? 'audit' : 'audits'} returned this quarter; ${f.owed} still with service managers.`,
    ],
    tables,
  };
}

/** The panel for the quarter `today` falls in. */
export async function footprintPanel(
  db: Db,
  councilId: string,
  options: FootprintPanelOptions,
): Promise<ReportDocument> {
  const quarter = quarterOf(options.today);
  const figures = await footprintFigures(db, councilId, {
    from: quarter.start,
    to: quarter.end,
    serviceAreaId: options.serviceAreaId,
    viewerId: options.viewerId,
  });
  return {
    title: FOOTPRINT_PANEL_TITLE,
    subtitle: [options.councilName, `${quarter.label} (${quarter.months})`],
    summary: figures.map(
      (f) =>
        `${REVIEWING_OFFICER_LABELS[f.kind]}s: ${f.returned} footprint ${f.returned === 1 ? 'audit' : 'audits'} returned this quarter`,
    ),
    notes: [
      `Footprint dip samples are done by each officer’s service manager. An audit counts in the quarter it was returned (${formatDate(quarter.start)} to ${formatDate(quarter.end)}). “Not applicable” answers are left out of each share; the range is the 95% confidence interval.`,
      ...(options.serviceAreaId
        ? ['Held to your services: audits of their children, and of reviewing officers in their teams.']
        : []),
    ],
    sections: figures.map((f) => kindSection(f, options.byTeam)),
    publication: false,
  };
}
