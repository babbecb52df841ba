import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../data/db.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import { previousQuarter, type Quarter, quarterOf } from '../domain/service-qa.ts';
import { writeEntry } from '../services/service-qa/entries.ts';
import { applyServiceQaImport } from '../services/service-qa/entry-import.ts';
import { listQaServices } from '../services/service-qa/qa-services.ts';

interface DemoEntry {
  service: string;
  /** 0: this quarter, 1: last quarter */
  quartersAgo: 0 | 1;
  reviewed: string;
  count: number;
  strengths: string;
  development: string;
  themes: string[];
  /** outstanding, good, requires improvement, inadequate (services that grade) */
  grades?: [number, number, number, number];
  /** sent in the QA team's quarterly spreadsheet and imported, not entered in the form */
  imported?: boolean;
}

/**
 * QA from elsewhere in the demo council: this quarter's and last quarter's activity from five
 * services, with practice themes overlapping the audits' (chronologies, voice of the child,
 * management oversight, multi-agency working), so the quarter's collation has something to say.
 * The LADO service's entries are the demo LADO's own; the QA team entered the others for them, but
 * for two that came in its quarterly spreadsheet and were imported.
 */
const ENTRIES: readonly DemoEntry[] = [
  {
    service: 'lado',
    quartersAgo: 0,
    reviewed: 'LADO allegations closed in the quarter',
    count: 18,
    strengths:
      'Initial consideration meetings held within timescale in most cases; employers clear about outcomes.',
    development:
      'Chronologies of previous concerns about the same adult were missing or thin in several files; management oversight of decisions not to proceed was not always recorded.',
    themes: ['chronologies', 'management_oversight', 'multi_agency_working'],
  },
  {
    service: 'lado',
    quartersAgo: 1,
    reviewed: 'LADO allegations closed in the quarter',
    count: 15,
    strengths: 'Good liaison with the police on joint strategy discussions.',
    development: 'Outcome letters to employers late in a third of cases; chronologies not kept up to date.',
    themes: ['chronologies', 'recording_and_language'],
  },
  {
    service: 'sen',
    quartersAgo: 0,
    reviewed: 'New EHC plans quality assured',
    count: 24,
    strengths: 'Children’s own views recorded in their words in most plans; outcomes specific.',
    development:
      'Social care advice missing or generic in a quarter of plans; the child’s voice weaker for children who do not speak.',
    themes: ['voice_of_the_child', 'multi_agency_working', 'smart_planning'],
    grades: [2, 13, 7, 2],
  },
  {
    service: 'sen',
    quartersAgo: 1,
    reviewed: 'New EHC plans quality assured',
    count: 20,
    strengths: 'Plans issued within 20 weeks improved on the quarter before.',
    development: 'Social care contributions late or generic.',
    themes: ['multi_agency_working', 'voice_of_the_child'],
    grades: [1, 9, 8, 2],
  },
  {
    service: 'youth_justice',
    quartersAgo: 0,
    reviewed: 'Youth justice case file audits (AssetPlus and intervention plans)',
    count: 10,
    strengths: 'Strong direct work; exploitation risks identified early and shared.',
    development:
      'Chronologies rarely used to understand the child’s history; management oversight of risk reviews inconsistent.',
    themes: [
      'chronologies',
      'exploitation_and_contextual_safeguarding',
      'management_oversight',
      'direct_work',
    ],
    grades: [1, 5, 3, 1],
  },
  {
    service: 'youth_justice',
    quartersAgo: 1,
    reviewed: 'Youth justice case file audits',
    count: 8,
    strengths: 'Plans reflect the child’s views.',
    development: 'Contingency plans missing where risk increased.',
    themes: ['voice_of_the_child', 'contingency_and_safety_plans'],
    grades: [0, 4, 3, 1],
  },
  {
    service: 'iro_cpa',
    quartersAgo: 0,
    reviewed: 'Looked-after reviews and child protection conferences quality assured',
    count: 30,
    strengths: 'Children consulted before most reviews; recommendations clear.',
    development: 'Drift between reviews not escalated soon enough; plans not always SMART.',
    themes: ['drift_and_delay', 'smart_planning', 'voice_of_the_child', 'management_oversight'],
    grades: [3, 16, 9, 2],
  },
  {
    service: 'iro_cpa',
    quartersAgo: 1,
    reviewed: 'Looked-after reviews and child protection conferences quality assured',
    count: 28,
    strengths: 'Reviews held within timescale.',
    development: 'Midway checks not recorded; drift not escalated.',
    themes: ['drift_and_delay', 'smart_planning'],
    grades: [2, 14, 10, 2],
  },
  {
    service: 'partnership_audits',
    quartersAgo: 0,
    reviewed: 'Multi-agency audit: neglect',
    count: 8,
    strengths: 'Schools and health visitors shared information well at the front door.',
    development:
      'No shared chronology across agencies; the child’s daily lived experience not captured; management oversight across agencies weak.',
    themes: ['neglect', 'chronologies', 'voice_of_the_child', 'multi_agency_working', 'management_oversight'],
    grades: [0, 3, 4, 1],
  },
  {
    service: 'complaints',
    imported: true,
    quartersAgo: 1,
    reviewed: 'Complaints about children’s social care closed',
    count: 12,
    strengths: 'Most responded to within timescale.',
    development:
      'Families said they were not kept informed of changes of worker; recording language not always respectful.',
    themes: ['recording_and_language'],
  },
  {
    service: 'practice_reviews',
    imported: true,
    quartersAgo: 0,
    reviewed: 'Local child safeguarding practice review: learning briefing checked against practice',
    count: 1,
    strengths: 'Practitioners knew the review’s key messages.',
    development:
      'Management oversight of cumulative neglect and the use of chronologies, as the review found.',
    themes: ['neglect', 'chronologies', 'management_oversight'],
  },
];

/** The period an entry covers in a quarter: from its start to the day before today (or its end). */
function periodIn(quarter: Quarter, today: IsoDate): [IsoDate, IsoDate] {
  if (today > quarter.end) return [quarter.start, quarter.end];
  return [quarter.start, today > quarter.start ? addDays(today, -1) : quarter.start];
}

export async function recordDemoServiceQa(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const people = await db
    .selectFrom('staff')
    .select(['id', 'external_id'])
    .where('council_id', '=', councilId)
    .where('external_id', 'in', ['DEMO-qa_lead', 'DEMO-service_contributor'])
    .execute();
  const qaLead = people.find((p) => p.external_id === 'DEMO-qa_lead')?.id ?? null;
  const lado = people.find((p) => p.external_id === 'DEMO-service_contributor')?.id ?? qaLead;
  const services = await listQaServices(db, councilId);
  const themes = new Set(
    (
      await db
        .selectFrom('practice_themes')
        .select('key')
        .where('council_id', '=', councilId)
        .where('active', '=', true)
        .execute()
    ).map((t) => t.key),
  );
  const thisQuarter = quarterOf(today);
  const quarters = [thisQuarter, previousQuarter(thisQuarter)];
  let written = 0;
  for (const e of ENTRIES.filter((x) => !x.imported)) {
    const service = services.find((s) => s.key === e.service);
    if (!service) continue;
    const [periodStart, periodEnd] = periodIn(quarters[e.quartersAgo], today);
    const grades =
      service.grades && e.grades
        ? {
            outstanding: e.grades[0],
            good: e.grades[1],
            requires_improvement: e.grades[2],
            inadequate: e.grades[3],
          }
        : service.grades
          ? { outstanding: 0, good: 0, requires_improvement: 0, inadequate: 0 }
          : null;
    await writeEntry(
      db,
      councilId,
      {
        serviceId: service.id,
        periodStart,
        periodEnd,
        reviewed: e.reviewed,
        reviewedCount: e.count,
        strengths: e.strengths,
        development: e.development,
        themeKeys: e.themes.filter((k) => themes.has(k)),
        grades,
      },
      { contributorId: e.service === 'lado' ? lado : qaLead },
    );
    written++;
  }

  // The rest came in the QA team's spreadsheet, imported as a council's data team would.
  const cell = (v: string | number) => `"${String(v).replaceAll('"', '""')}"`;
  const lines = [
    'Service,Period start,Period end,What was reviewed,Number reviewed,Strengths,Areas for development,Practice themes,Outstanding,Good,Requires improvement,Inadequate',
  ];
  for (const e of ENTRIES.filter((x) => x.imported)) {
    const service = services.find((s) => s.key === e.service);
    if (!service) continue;
    const [periodStart, periodEnd] = periodIn(quarters[e.quartersAgo], today);
    const grades = service.grades ? (e.grades ?? [0, 0, 0, 0]) : ['', '', '', ''];
    lines.push(
      [
        service.name,
        periodStart,
        periodEnd,
        e.reviewed,
        e.count,
        e.strengths,
        e.development,
        e.themes.filter((k) => themes.has(k)).join('; '),
        ...grades,
      ]
        .map(cell)
        .join(','),
    );
  }
  if (lines.length > 1) {
    const folder = await mkdtemp(join(tmpdir(), 'qaloop-demo-service-qa-'));
    try {
      const path = join(folder, 'services-qa-return.csv');
      await writeFile(path, `${lines.join('\n')}\n`);
      const done = await applyServiceQaImport(db, councilId, path, 'services-qa-return.csv', {
        importedBy: qaLead,
        today,
      });
      written += done.entries;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
  return written;
}
