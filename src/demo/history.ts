import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Db } from '../data/db.ts';
import { addDays, addMonths, type IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import { importAuditHistory } from '../import/audit-history.ts';
import type { ImportSummary } from '../import/types.ts';
import type { DemoCaseData } from './extracts.ts';

/**
 * The demo council's previous programme year, as the council kept it before QA Loop: a spreadsheet
 * of every audit allocated from April to March, one row per allocation, read by the audit history
 * importer like any council's. Last year's practice was a little weaker than this year's, with
 * the plan, family and network, and management oversight the weakest sections, so the annual
 * report has an improvement to show and something still to work on.
 */

/** A team of the demo, with the locality the history records for it (none for borough-wide teams). */
export interface DemoHistoryTeam {
  ref: string;
  name: string;
  serviceArea: string;
  locality: string | null;
}

/** Last year's themes, month by month from April; null for the learning month. */
const LAST_YEAR_THEMES: (string | null)[] = [
  'Voice of the child',
  'Chronologies',
  'Neglect',
  'Domestic abuse',
  null,
  'Management oversight',
  'Contingency planning',
  'Exploitation',
  'Reflective supervision',
  'Visits: seen and seen alone',
  'Fathers and significant males',
  'Stepping down to early help',
];

const FOUR_POINT = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate'] as const;
/** Last year's full audits: a little weaker than this year's. */
const FULL_AUDIT_GRADES: [number, number][] = [
  [0, 3],
  [1, 35],
  [2, 48],
  [3, 14],
];
const DIP_SAMPLE_GRADES: [number, number][] = [
  [0, 6],
  [1, 44],
  [2, 40],
  [3, 10],
];
/** Sections that were clearly weaker last year: 6 the plan, 8 family and network, 10 oversight. */
const WEAKER_SECTIONS = new Set([6, 8, 10]);
const SECTION_SPREAD: [number, number][] = [
  [-1, 15],
  [0, 60],
  [1, 20],
  [2, 5],
];
const WEAKER_SPREAD: [number, number][] = [
  [-1, 4],
  [0, 44],
  [1, 42],
  [2, 10],
];
const EXEMPTIONS = [
  'Case closed before the audit',
  'Child moved to another authority',
  'Auditor absent',
  'Family in court proceedings this month',
];

const HEADERS = [
  'Audit ref',
  'Child ID',
  'Month',
  'Activity',
  'Theme',
  'Service area',
  'Team',
  'Locality',
  'Auditor',
  'Practitioner',
  'Status',
  'Exemption reason',
  'Completed on',
  'Scale',
  'Grade',
  'Moderated grade',
  'Escalation',
  'Feedback score',
  ...Array.from({ length: 12 }, (_, i) => `Section ${i + 1}`),
];

/** The programme year before the one containing `today`: its first month and its label ("2025-26"). */
export function demoHistoryYear(today: IsoDate): { start: IsoDate; label: string } {
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 4 ? 1 : 0) - 1;
  return { start: `${year}-04-01`, label: `${year}-${String(year + 1).slice(2)}` };
}

/** The name of the demo's audit history workbook for the year before the one containing `today`. */
export const demoHistoryFileName = (today: IsoDate) =>
  `Westbrook audit history ${demoHistoryYear(today).label}.xlsx`;

const clamp = (n: number) => Math.max(0, Math.min(3, n));
const clamp10 = (n: number) => Math.max(1, Math.min(10, n));
const utc = (d: IsoDate) => new Date(`${d}T00:00:00Z`);

/**
 * Writes last programme year's audits as the council's spreadsheet (a title row above the header,
 * grades in words, months and dates as Excel dates) into `folder`, and imports it through the audit
 * history importer, strictly, so the import is recorded like any other.
 */
export async function importDemoHistory(
  db: Db,
  councilId: string,
  data: DemoCaseData,
  teams: DemoHistoryTeam[],
  folder: string,
  today: IsoDate,
  rnd: Random,
): Promise<ImportSummary> {
  const { start, label } = demoHistoryYear(today);
  const teamOf = new Map(teams.map((t) => [t.ref, t]));
  const workerName = new Map(data.workers.map((w) => [w.ref, w.name]));
  // the council's auditors, with their team so nobody audits their own team's work
  const auditors = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.name', 's.started_on', 't.name as team'])
    .where('s.council_id', '=', councilId)
    .where('r.role', '=', 'auditor')
    .orderBy('s.external_id')
    .execute();

  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(`Audits ${label}`);
  sheet.addRow([`Westbrook Borough Council – audits ${label}`]).font = { bold: true, size: 14 };
  sheet.addRow([]);
  sheet.addRow(HEADERS).font = { bold: true };
  sheet.getColumn(3).numFmt = 'mmm yyyy';
  sheet.getColumn(13).numFmt = 'dd/mm/yyyy';

  let ref = 0;
  const fullyAudited = new Set<string>();
  for (const [m, theme] of LAST_YEAR_THEMES.entries()) {
    if (!theme) continue;
    const month = addMonths(start, m);
    const monthEnd = addDays(addMonths(month, 1), -1);
    const open = data.cases.filter((c) => c.allocatedSince <= monthEnd);
    const chosen = new Set<string>();
    // each child once a month, and a full audit once a year; a month with too few open cases has fewer
    const pickChild = (full: boolean) => {
      for (let tries = 0; tries < 1000 && open.length; tries++) {
        const c = rnd.pick(open);
        if (chosen.has(c.ref) || (full && fullyAudited.has(c.ref))) continue;
        chosen.add(c.ref);
        if (full) fullyAudited.add(c.ref);
        return c;
      }
      return undefined;
    };
    const plan = [
      ...Array.from({ length: rnd.int(22, 24) }, () => 'full' as const),
      ...Array.from({ length: rnd.int(30, 40) }, () => 'dip_sample' as const),
    ];
    for (const activity of plan) {
      const child = pickChild(activity === 'full');
      if (!child) break;
      const team = teamOf.get(child.teamRef) as DemoHistoryTeam;
      const eligible = auditors.filter((a) => a.team !== team.name && (a.started_on ?? '') <= month);
      const auditor = rnd.pick(eligible.length ? eligible : auditors).name;
      const roll = rnd.next();
      const status = roll < 0.06 ? 'Exempted' : roll < 0.09 ? 'Allocated' : 'Completed';
      const row: unknown[] = [
        `WB-${label.replace('-', '')}-${String(++ref).padStart(4, '0')}`,
        child.ref,
        utc(month),
        activity,
        theme,
        team.serviceArea,
        team.name,
        team.locality,
        auditor,
        workerName.get(child.workerRef) ?? null,
        status,
        status === 'Exempted' ? rnd.pick(EXEMPTIONS) : null,
        null,
        'four_point',
      ];
      if (status === 'Completed') {
        row[12] = utc(addDays(month, rnd.int(6, 38)));
        if (activity === 'full') {
          const grade = rnd.weighted(FULL_AUDIT_GRADES);
          // moderated: mostly supported, some downgraded, a few upgraded
          let moderated: number | null = null;
          if (rnd.chance(0.12)) {
            const change = rnd.next();
            moderated = clamp(change < 0.7 ? grade : change < 0.9 ? grade + 1 : grade - 1);
          }
          const escalation =
            grade === 3
              ? rnd.weighted([
                  ['none', 55],
                  ['immediate', 25],
                  ['drift_delay', 20],
                ] as const)
              : grade === 2 && rnd.chance(0.03)
                ? 'drift_delay'
                : 'none';
          const feedback = rnd.chance(0.6) ? clamp10(rnd.int(4, 10) - (grade === 3 ? 2 : 0)) : null;
          const sections = Array.from({ length: 12 }, (_, i) =>
            clamp(grade + rnd.weighted(WEAKER_SECTIONS.has(i + 1) ? WEAKER_SPREAD : SECTION_SPREAD)),
          );
          row.push(
            FOUR_POINT[grade],
            moderated === null ? null : FOUR_POINT[moderated],
            escalation,
            feedback,
            ...sections.map((s) => FOUR_POINT[s]),
          );
        } else {
          row.push(FOUR_POINT[rnd.weighted(DIP_SAMPLE_GRADES)]);
        }
      }
      sheet.addRow(row);
    }
  }
  const fileName = demoHistoryFileName(today);
  const path = join(folder, fileName);
  await book.xlsx.writeFile(path);
  return importAuditHistory(db, {
    councilId,
    path,
    fileName,
    asOf: addDays(addMonths(start, 12), -1),
    strict: true,
    source: 'command',
  });
}
