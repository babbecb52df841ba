import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../data/db.ts';
import { refreshPlannerStatistics } from '../data/planner-statistics.ts';
import type { Gender } from '../data/schema.ts';
import { inTransaction } from '../data/transaction.ts';
import type { EpisodeKind } from '../domain/child-status.ts';
import { addDays, addMonths, type IsoDate, todayInLondon } from '../domain/dates.ts';
import { type Random, seededRandom } from '../domain/random.ts';
import type { Role } from '../domain/roles.ts';
import { addQuestion, addSection } from '../domain/tool-editing.ts';
import { annexAReader } from '../import/annex-a.ts';
import { ssdReader } from '../import/ssd.ts';
import { importSnapshot } from '../services/case-data/snapshot-import.ts';
import {
  addLocality,
  addServiceArea,
  addTeam,
  countCouncils,
  createCouncil,
} from '../services/organisation/councils.ts';
import { hashPassword } from '../services/organisation/passwords.ts';
import { addPerson } from '../services/organisation/people.ts';
import { addClosureDay } from '../services/programme/cycles.ts';
import { createProgrammeYear, getProgrammeYear, updateMonth } from '../services/programme/programme.ts';
import { copyTool, editTool, listTools } from '../services/programme/tools.ts';
import { followUpDemoAudits } from './audits.ts';
import { recordDemoCheckChallenge } from './check-challenge.ts';
import { runDemoCycles } from './cycles.ts';
import { recordDemoExemplars } from './exemplars.ts';
import {
  type DemoCase,
  type DemoCaseData,
  type DemoEpisode,
  writeAnnexAWorkbook,
  writeSsdExtract,
} from './extracts.ts';
import { recordDemoFindings } from './findings.ts';
import { recordDemoFootprint } from './footprint.ts';
import { importDemoHistory } from './history.ts';
import { recordDemoImprovementPlan } from './improvement-plan.ts';
import { recordDemoLearning } from './learning.ts';
import { runDemoModeration } from './moderation.ts';
import { recordDemoMultiAgency } from './multi-agency.ts';
import { DEMO_PASSWORD } from './password.ts';
import { recordDemoReplies } from './replies.ts';
import { recordDemoReportNotes } from './report-notes.ts';
import { recordDemoReviews } from './reviews.ts';
import { recordDemoServiceQa } from './service-qa.ts';
import { recordDemoTraining } from './training.ts';
import { countDemoLanguage } from './writing.ts';

export { DEMO_PASSWORD };
export const DEMO_SEED = 20260401;

const FIRST_NAMES_F = [
  'Amelia',
  'Olivia',
  'Isla',
  'Ava',
  'Mia',
  'Ivy',
  'Lily',
  'Freya',
  'Grace',
  'Sophia',
  'Aisha',
  'Zara',
  'Maya',
  'Evie',
  'Ruby',
  'Poppy',
  'Chloe',
  'Layla',
  'Nia',
  'Hannah',
  'Fatima',
  'Amira',
  'Leah',
  'Ellie',
  'Jessica',
  'Sienna',
  'Maryam',
  'Priya',
  'Kayla',
  'Megan',
];
const FIRST_NAMES_M = [
  'Oliver',
  'George',
  'Noah',
  'Arthur',
  'Leo',
  'Harry',
  'Oscar',
  'Jack',
  'Charlie',
  'Jacob',
  'Mohammed',
  'Yusuf',
  'Kai',
  'Tyler',
  'Ethan',
  'Reuben',
  'Daniel',
  'Kwame',
  'Liam',
  'Callum',
  'Adam',
  'Ibrahim',
  'Jayden',
  'Riley',
  'Connor',
  'Dylan',
  'Samuel',
  'Tomasz',
  'Omar',
  'Ryan',
];
const LAST_NAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Khan',
  'Hussain',
  'Ahmed',
  'Lewis',
  'Harris',
  'Martin',
  'Cooper',
  'King',
  'Lee',
  'Baker',
  'Hill',
  'Kowalski',
  'Okafor',
  'Mensah',
  'Ali',
  'Begum',
  'Murphy',
  "O'Brien",
  'Nowak',
  'Campbell',
  'Mitchell',
  'Turner',
  'Ward',
  'Price',
  'Shah',
  'Edwards',
  'Hughes',
  'Morris',
  'Bennett',
];

/** Ethnicity codes as in Annex A / the CIN census, weighted roughly like an English borough. */
const ETHNICITY: [string, number][] = [
  ['WBRI', 62],
  ['WOTH', 6],
  ['WIRI', 1],
  ['WIRT', 1],
  ['MWBC', 4],
  ['MWBA', 2],
  ['MWAS', 2],
  ['MOTH', 3],
  ['AIND', 3],
  ['APKN', 4],
  ['ABAN', 2],
  ['AOTH', 1],
  ['BCRB', 2],
  ['BAFR', 4],
  ['BOTH', 1],
  ['CHNE', 1],
  ['OOTH', 1],
];

interface TeamPlan {
  name: string;
  area: string;
  locality: string | null;
  serves: EpisodeKind | 'front_door';
  workers: number;
}

export const DEMO_LOCALITIES = ['North', 'Central', 'South'];
const LOCALITIES = DEMO_LOCALITIES;
const SERVICE_AREAS = {
  frontDoor: 'Front Door and Assessment',
  safeguarding: 'Safeguarding and Family Help',
  care: 'Children in Care',
  leaving: 'Care Leavers',
  earlyHelp: 'Early Help and Family Support',
  disability: 'Children with Disabilities',
  quality: 'Quality, Standards and Performance',
} as const;

const TEAMS: TeamPlan[] = [
  {
    name: 'MASH and Assessment',
    area: SERVICE_AREAS.frontDoor,
    locality: 'Central',
    serves: 'front_door',
    workers: 9,
  },
  {
    name: 'Assessment North',
    area: SERVICE_AREAS.frontDoor,
    locality: 'North',
    serves: 'front_door',
    workers: 8,
  },
  {
    name: 'Safeguarding North',
    area: SERVICE_AREAS.safeguarding,
    locality: 'North',
    serves: 'cp_plan',
    workers: 9,
  },
  {
    name: 'Safeguarding Central',
    area: SERVICE_AREAS.safeguarding,
    locality: 'Central',
    serves: 'cp_plan',
    workers: 9,
  },
  {
    name: 'Safeguarding South',
    area: SERVICE_AREAS.safeguarding,
    locality: 'South',
    serves: 'cp_plan',
    workers: 9,
  },
  { name: 'Children in Care North', area: SERVICE_AREAS.care, locality: 'North', serves: 'cla', workers: 9 },
  { name: 'Children in Care South', area: SERVICE_AREAS.care, locality: 'South', serves: 'cla', workers: 9 },
  { name: 'Leaving Care', area: SERVICE_AREAS.leaving, locality: null, serves: 'care_leaver', workers: 8 },
  {
    name: 'Family Support North',
    area: SERVICE_AREAS.earlyHelp,
    locality: 'North',
    serves: 'early_help',
    workers: 8,
  },
  {
    name: 'Family Support Central',
    area: SERVICE_AREAS.earlyHelp,
    locality: 'Central',
    serves: 'early_help',
    workers: 8,
  },
  {
    name: 'Family Support South',
    area: SERVICE_AREAS.earlyHelp,
    locality: 'South',
    serves: 'early_help',
    workers: 8,
  },
  {
    name: 'Children with Disabilities',
    area: SERVICE_AREAS.disability,
    locality: null,
    serves: 'cin_plan',
    workers: 8,
  },
];

interface DemoPerson {
  role: Role;
  staffId: string;
  name: string;
  jobTitle: string;
}

export interface DemoSummary {
  councilId: string;
  localities: number;
  teams: number;
  staff: number;
  children: number;
  families: number;
  demoPeople: DemoPerson[];
}

export class DemoRefusedError extends Error {}

/**
 * Creates the demo council — Westbrook — through the same services the product uses, from a fixed
 * seed so every run produces the same people and children. Refuses a database that already holds a
 * council.
 */
export async function createDemoCouncil(
  db: Db,
  options: { seed?: number; today?: IsoDate } = {},
): Promise<DemoSummary> {
  const rnd = seededRandom(options.seed ?? DEMO_SEED);
  const today = options.today ?? todayInLondon();
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  const made = await inTransaction(db, async (trx) => {
    if ((await countCouncils(trx)) > 0) {
      throw new DemoRefusedError(
        'The database already holds a council; the demo council loads only into an empty database.',
      );
    }
    const council = await createCouncil(trx, {
      code: 'westbrook',
      name: 'Westbrook Borough Council',
      isDemo: true,
    });
    const localityIds = new Map<string, string>();
    for (const l of LOCALITIES) localityIds.set(l, await addLocality(trx, council.id, l));
    const areaIds = new Map<string, string>();
    for (const a of Object.values(SERVICE_AREAS)) areaIds.set(a, await addServiceArea(trx, council.id, a));

    const usedNames = new Set<string>();
    const personName = () => {
      for (;;) {
        const first = rnd.chance(0.8) ? rnd.pick(FIRST_NAMES_F) : rnd.pick(FIRST_NAMES_M);
        const name = `${first} ${rnd.pick(LAST_NAMES)}`;
        if (!usedNames.has(name)) {
          usedNames.add(name);
          return name;
        }
      }
    };
    const emailOf = (name: string) =>
      `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@westbrook.example.gov.uk`;
    let staffCount = 0;
    const demoPeople: DemoPerson[] = [];
    const workerOf = new Map<string, { ref: string; name: string; jobTitle: string }>();
    const add = async (p: {
      jobTitle: string;
      roles: Role[];
      teamId?: string | null;
      lineManagerId?: string | null;
      serviceAreaId?: string | null;
      demoRole?: Role;
      startedMonthsAgo?: number;
    }) => {
      const name = personName();
      const externalId = p.demoRole ? `DEMO-${p.demoRole}` : `W${String(1000 + staffCount)}`;
      const { staffId } = await addPerson(
        trx,
        council.id,
        {
          name,
          email: emailOf(name),
          jobTitle: p.jobTitle,
          teamId: p.teamId ?? undefined,
          lineManagerId: p.lineManagerId ?? undefined,
          roles: p.roles,
        },
        {
          externalId,
          serviceAreaId: p.serviceAreaId ?? null,
          startedOn: addMonths(today, -(p.startedMonthsAgo ?? rnd.int(3, 180))),
          passwordHash: p.demoRole ? passwordHash : null,
        },
      );
      staffCount++;
      workerOf.set(staffId, { ref: externalId, name, jobTitle: p.jobTitle });
      if (p.demoRole) demoPeople.push({ role: p.demoRole, staffId, name, jobTitle: p.jobTitle });
      return staffId;
    };

    // Senior leadership
    const dcs = await add({
      jobTitle: 'Director of Children’s Services',
      roles: ['senior_leader', 'auditor'],
    });
    const adSafeguarding = await add({
      jobTitle: 'Assistant Director, Safeguarding',
      roles: ['senior_leader', 'auditor'],
      lineManagerId: dcs,
      demoRole: 'senior_leader',
    });
    const adQuality = await add({
      jobTitle: 'Assistant Director, Quality and Practice',
      roles: ['senior_leader', 'auditor'],
      lineManagerId: dcs,
    });

    // Heads of service, one per service area
    const headOf = new Map<string, string>();
    for (const area of Object.values(SERVICE_AREAS)) {
      const isQuality = area === SERVICE_AREAS.quality;
      headOf.set(
        area,
        await add({
          jobTitle: isQuality ? 'Head of Quality Assurance' : `Head of Service, ${area}`,
          roles: isQuality ? ['qa_lead', 'auditor', 'senior_leader'] : ['senior_leader', 'auditor'],
          lineManagerId: isQuality ? adQuality : adSafeguarding,
          serviceAreaId: areaIds.get(area),
        }),
      );
    }

    // Quality team
    const qualityTeam = await addTeam(trx, council.id, {
      name: 'Quality Assurance',
      serviceAreaId: areaIds.get(SERVICE_AREAS.quality) as string,
      localityId: localityIds.get('Central'),
    });
    const qaManager = headOf.get(SERVICE_AREAS.quality) as string;
    await add({
      jobTitle: 'QA Lead',
      roles: ['qa_lead', 'auditor'],
      teamId: qualityTeam,
      lineManagerId: qaManager,
      demoRole: 'qa_lead',
    });
    for (let i = 0; i < 3; i++) {
      await add({
        jobTitle: 'QA Officer',
        roles: ['qa_lead'],
        teamId: qualityTeam,
        lineManagerId: qaManager,
      });
    }
    await add({
      jobTitle: 'Principal Social Worker',
      roles: ['qa_lead', 'auditor'],
      teamId: qualityTeam,
      lineManagerId: adQuality,
    });
    await add({
      jobTitle: 'Performance and Data Analyst',
      roles: ['qa_lead'],
      teamId: qualityTeam,
      lineManagerId: qaManager,
    });

    // Workforce development, administration, scrutiny
    const wfdTeam = await addTeam(trx, council.id, {
      name: 'Workforce Development',
      serviceAreaId: areaIds.get(SERVICE_AREAS.quality) as string,
      localityId: localityIds.get('Central'),
    });
    const wfdLead = await add({
      jobTitle: 'Workforce Development Manager',
      roles: ['workforce_development'],
      teamId: wfdTeam,
      lineManagerId: adQuality,
      demoRole: 'workforce_development',
    });
    await add({
      jobTitle: 'Learning and Development Officer',
      roles: ['workforce_development'],
      teamId: wfdTeam,
      lineManagerId: wfdLead,
    });
    await add({
      jobTitle: 'Learning and Development Officer',
      roles: ['workforce_development'],
      teamId: wfdTeam,
      lineManagerId: wfdLead,
    });
    await add({
      jobTitle: 'Systems Administrator',
      roles: ['administrator'],
      teamId: qualityTeam,
      lineManagerId: qaManager,
      demoRole: 'administrator',
    });
    await add({
      jobTitle: 'Councillor, Chair of Children’s Scrutiny Committee',
      roles: ['scrutiny_reader'],
      demoRole: 'scrutiny_reader',
    });
    await add({ jobTitle: 'Councillor, Lead Member for Children', roles: ['scrutiny_reader'] });

    // Case-holding teams: a team manager, an advanced practitioner and practitioners each
    const teams: DemoTeamPlan[] = [];
    for (const plan of TEAMS) {
      const ref = `T${String(teams.length + 1).padStart(2, '0')}`;
      const teamId = await addTeam(trx, council.id, {
        name: plan.name,
        serviceAreaId: areaIds.get(plan.area) as string,
        localityId: plan.locality ? localityIds.get(plan.locality) : null,
        externalId: ref,
      });
      const manager = await add({
        jobTitle: 'Team Manager',
        roles: ['case_manager', 'auditor'],
        teamId,
        lineManagerId: headOf.get(plan.area),
        demoRole:
          plan.name === 'Safeguarding North'
            ? 'case_manager'
            : plan.name === 'Children in Care North'
              ? 'auditor'
              : undefined,
      });
      const workers: string[] = [];
      workers.push(
        await add({
          jobTitle: 'Advanced Practitioner',
          roles: ['practitioner'],
          teamId,
          lineManagerId: manager,
        }),
      );
      const title =
        plan.serves === 'early_help'
          ? 'Family Support Worker'
          : plan.serves === 'care_leaver'
            ? 'Personal Adviser'
            : 'Social Worker';
      for (let i = 0; i < plan.workers; i++) {
        const newlyQualified = title === 'Social Worker' && rnd.chance(0.15);
        workers.push(
          await add({
            jobTitle: newlyQualified ? 'Social Worker (ASYE)' : title,
            roles: ['practitioner'],
            teamId,
            lineManagerId: manager,
            demoRole: plan.name === 'Safeguarding North' && i === 0 ? 'practitioner' : undefined,
            startedMonthsAgo: newlyQualified ? rnd.int(1, 11) : undefined,
          }),
        );
      }
      teams.push({ ref, plan, workers: workers.map((w) => (workerOf.get(w) as { ref: string }).ref) });
    }

    const cases = generateCases(rnd, today, teams);
    const data: DemoCaseData = {
      teams: teams.map((t) => ({ ref: t.ref, name: t.plan.name, serviceArea: t.plan.area })),
      workers: teams.flatMap((t) =>
        t.workers.map((ref) => {
          const w = [...workerOf.values()].find((x) => x.ref === ref) as {
            ref: string;
            name: string;
            jobTitle: string;
          };
          return { ...w, teamRef: t.ref };
        }),
      ),
      cases,
    };
    // the files the council's data team and QA team send are written here and read by the importers
    const folder = await mkdtemp(join(tmpdir(), 'qaloop-demo-'));
    try {
      await importDemoCaseData(trx, council.id, data, today, folder);
      await planDemoProgramme(trx, council.id, today);
      await runDemoCycles(trx, council.id, today, rnd);
      await followUpDemoAudits(trx, council.id, today, rnd);
      await runDemoModeration(trx, council.id, today, rnd);
      // last year's audits, from the spreadsheet the council kept before QA Loop
      await importDemoHistory(
        trx,
        council.id,
        data,
        teams.map((t) => ({
          ref: t.ref,
          name: t.plan.name,
          serviceArea: t.plan.area,
          locality: t.plan.locality,
        })),
        folder,
        today,
        rnd,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    await recordDemoLearning(trx, council.id, today, rnd);
    await recordDemoImprovementPlan(trx, council.id, today, DEMO_LOCALITIES);
    await recordDemoReportNotes(trx, council.id, today);
    await recordDemoTraining(trx, council.id, today);
    // From outside the audit programme: the LADO, who records the LADO service's QA, and a
    // designated nurse invited to the partnership's multi-agency audits. Added after everything
    // else the seed draws, so the council's workers, children and audits stay as they were.
    const lado = await add({
      jobTitle: 'Local Authority Designated Officer (LADO)',
      roles: ['service_contributor'],
      lineManagerId: adSafeguarding,
      demoRole: 'service_contributor',
    });
    const nurse = await add({
      jobTitle: 'Designated Nurse for Safeguarding Children',
      roles: ['partner_contributor'],
      demoRole: 'partner_contributor',
    });
    const ladoService = await trx
      .selectFrom('qa_services')
      .select('id')
      .where('council_id', '=', council.id)
      .where('key', '=', 'lado')
      .executeTakeFirstOrThrow();
    await trx.updateTable('staff').set({ qa_service_id: ladoService.id }).where('id', '=', lado).execute();
    await trx
      .updateTable('staff')
      .set({ partner_agency: 'health', partner_organisation: 'Westbrook Integrated Care Board' })
      .where('id', '=', nurse)
      .execute();

    await recordDemoServiceQa(trx, council.id, today);
    await recordDemoCheckChallenge(trx, council.id, today);
    await recordDemoFootprint(trx, council.id, today);
    await recordDemoMultiAgency(trx, council.id, today);
    // good-practice exemplars (issue 20): after everything else, drawing no random numbers
    await recordDemoExemplars(trx, council.id);
    await countDemoLanguage(trx);
    // the case holders' and managers' replies to findings: last, so nothing before it changes
    await recordDemoReplies(trx, council.id);
    // a themed audit from its question to its findings report (issue 23): after the rest
    await recordDemoFindings(trx, council.id, today);
    // the Principal Social Worker's weekly review of unregistered placements, six months of it
    await recordDemoReviews(trx, council.id, today, rnd);

    // Counted at the end: the demo's later stages add people of their own (a reviewing officers'
    // team, a partner from the police).
    const counted = await trx
      .selectFrom('councils as c')
      .select((eb) => [
        eb
          .selectFrom('teams')
          .select(eb.fn.countAll<number>().as('n'))
          .where('council_id', '=', council.id)
          .as('teams'),
        eb
          .selectFrom('staff')
          .select(eb.fn.countAll<number>().as('n'))
          .where('council_id', '=', council.id)
          .as('staff'),
      ])
      .where('c.id', '=', council.id)
      .executeTakeFirstOrThrow();
    return {
      councilId: council.id,
      localities: LOCALITIES.length,
      teams: Number(counted.teams),
      staff: Number(counted.staff),
      children: cases.length,
      families: new Set(cases.map((c) => c.familyRef)).size,
      demoPeople: demoPeople.sort((a, b) => a.role.localeCompare(b.role)),
    };
  });
  // everything the demo wrote, in bulk: the planner's statistics brought up to date
  await refreshPlannerStatistics(db, 'every table');
  return made;
}

/** Each month of the demo programme year: [social care theme, family support theme, dip sample tool] or learning. */
const DEMO_MONTHS: ([string, string, string | null] | 'learning')[] = [
  ['Voice of the child', 'Direct work', 'Dip sample: visits (seen and seen alone)'],
  [
    'Father and significant male involvement',
    'Father involvement',
    'Dip sample: father or significant male involved',
  ],
  ['Neglect', 'Neglect', 'Dip sample: neglect'],
  ['Domestic abuse', 'Domestic abuse', null],
  'learning',
  ['SMART planning', 'SMART planning', null],
  ['Analysis in assessments', 'Assessment quality', null],
  ['Management oversight', 'Management oversight', 'Dip sample: management oversight in the last month'],
  'learning',
  ['Exploitation and contextual safeguarding', 'Teenagers and families', null],
  ['Drift and delay', 'Stepping down safely', null],
  ['Chronologies and case summaries', 'Recording and language', null],
];

/** A dip sample the demo QA team made for June's neglect theme, through the tool builder's service. */
async function buildDemoDipSample(db: Db, councilId: string) {
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const from = (await listTools(db, councilId)).find(
    (t) => t.name === 'Dip sample: management oversight in the last month',
  );
  const toolId = await copyTool(db, councilId, from?.id as string, 'Dip sample: neglect', qaLead.id);
  await editTool(db, councilId, toolId, qaLead.id, (d) =>
    addSection(
      {
        ...d,
        description: 'Checks that neglect is recognised, assessed with a recognised tool and acted on.',
      },
      {
        title: 'Neglect',
        guidance:
          'The impact of neglect on the child is assessed with a recognised tool (such as the Graded Care Profile 2), reviewed as things change, and the plan says what must be different for the child.',
        required: 'yes',
        questionText: 'Has a neglect assessment tool been used in the last six months?',
        questionType: 'yes_no_partly_na',
        questionRequired: 'yes',
      },
    ),
  );
  await editTool(db, councilId, toolId, qaLead.id, (d) =>
    addQuestion(d, 'neglect', {
      text: 'What does the record say about the child’s home conditions?',
      type: 'long_text',
      guidance: 'Quote or summarise the most recent description, with its date.',
      required: 'yes',
    }),
  );
}

/** The demo council's programme year (April to March, the one containing today), through the programme services. */
async function planDemoProgramme(db: Db, councilId: string, today: IsoDate) {
  // The QA team planned the year in March, before it began: months already under way by today
  // could not be planned now (their dates are fixed), just as in real life.
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 4 ? 1 : 0);
  const plannedOn = `${year}-03-01`;
  await addClosureDay(db, councilId, { date: `${year}-12-29`, reason: 'Christmas closure' }, plannedOn);
  await addClosureDay(db, councilId, { date: `${year}-12-30`, reason: 'Christmas closure' }, plannedOn);
  await addClosureDay(db, councilId, { date: `${year}-12-31`, reason: 'Christmas closure' }, plannedOn);
  const yearId = await createProgrammeYear(db, councilId, { startMonth: `${year}-04` }, plannedOn);
  await buildDemoDipSample(db, councilId);
  const tools = new Map((await listTools(db, councilId)).map((t) => [t.name, t.id]));
  const plan = await getProgrammeYear(db, councilId, yearId);
  for (const [i, month] of (plan?.months ?? []).entries()) {
    const spec = DEMO_MONTHS[i];
    await updateMonth(
      db,
      councilId,
      month.id,
      spec === 'learning'
        ? {
            learningMonth: true,
            cycleStartsOn: month.month,
            themes: [{ stream: 'Learning', theme: 'Learning from the year so far' }],
            activities: [],
          }
        : {
            learningMonth: false,
            cycleStartsOn: month.month,
            themes: [
              { stream: 'Social care', theme: spec[0] },
              { stream: 'Family support', theme: spec[1] },
            ],
            activities: [
              { kind: 'full_audit', target: '24', toolId: tools.get('Case file audit (four-point)') },
              ...(spec[2]
                ? [{ kind: 'dip_sample', target: '40', toolId: tools.get(spec[2]), description: spec[0] }]
                : []),
            ],
          },
      plannedOn,
    );
  }
}

type Status = 'early_help' | 'assessment' | 'cin_plan' | 'cp_plan' | 'cla' | 'care_leaver';

const FAMILY_STATUS: [Status, number][] = [
  ['early_help', 30],
  ['assessment', 10],
  ['cin_plan', 20],
  ['cp_plan', 14],
  ['cla', 17],
  ['care_leaver', 9],
];

interface DemoTeamPlan {
  ref: string;
  plan: TeamPlan;
  /** the workers' identifiers in the case management system */
  workers: string[];
}

function teamFor(rnd: Random, teams: DemoTeamPlan[], status: Status, disabled: boolean) {
  const serving = (kind: TeamPlan['serves']) => teams.filter((t) => t.plan.serves === kind);
  if (disabled && (status === 'cin_plan' || status === 'assessment')) return rnd.pick(serving('cin_plan'));
  switch (status) {
    case 'early_help':
      return rnd.pick(serving('early_help'));
    case 'assessment':
      return rnd.pick(serving('front_door'));
    case 'cin_plan':
    case 'cp_plan':
      return rnd.pick(serving('cp_plan'));
    case 'cla':
      return rnd.pick(serving('cla'));
    case 'care_leaver':
      return rnd.pick(serving('care_leaver'));
  }
}

/** How many weeks before today the demo's earlier snapshot (its Annex A workbook) is dated. */
export const DEMO_EARLIER_SNAPSHOT_WEEKS = 12;

/** The demo's first extract: the Friday before its programme year (April to March) began. */
export function demoFirstSnapshotDate(today: IsoDate): IsoDate {
  const year = today.slice(5) >= '04-01' ? Number(today.slice(0, 4)) : Number(today.slice(0, 4)) - 1;
  const start = `${year}-04-01`;
  const day = new Date(`${start}T00:00:00Z`).getUTCDay();
  return addDays(start, -((day - 5 + 7) % 7 || 7));
}

/**
 * Loads the demo's case data the way a council does: two Annex A workbooks from the BI team, one from
 * just before the programme year and one twelve weeks old (where one team still has the spelling of
 * the old system), then this week's SSD extract, each
 * written to the demo's temporary folder and read by the importers into the snapshot of its date.
 */
async function importDemoCaseData(
  db: Db,
  councilId: string,
  data: DemoCaseData,
  today: IsoDate,
  folder: string,
) {
  // allowShrink: the invented history's lists grow and shrink between extracts as they do; the guard
  // against a list emptied or shrunk by mistake is for the files people send
  const options = { councilId, strict: true, allowShrink: true, source: 'command' as const };
  // the extract the programme year's first cycles were drawn from, and a later one
  for (const [i, asOf] of [
    demoFirstSnapshotDate(today),
    addDays(today, -7 * DEMO_EARLIER_SNAPSHOT_WEEKS),
  ].entries()) {
    const workbook = join(folder, `Westbrook Annex A ${i + 1}.xlsx`);
    await writeAnnexAWorkbook(workbook, data, asOf, { 'Family Support North': 'Family Support Nth' });
    await importSnapshot(db, 'annex-a', { ...options, path: workbook, asOf }, annexAReader(workbook, asOf));
  }
  const ssd = join(folder, 'ssd');
  await writeSsdExtract(ssd, data, today);
  await importSnapshot(
    db,
    'ssd',
    { ...options, path: ssd, fileName: 'ssd', asOf: today },
    ssdReader(ssd, today),
  );
}

/** About 3,000 children in about 1,900 families, with allocations, visits and a believable history. */
function generateCases(rnd: Random, today: IsoDate, teams: DemoTeamPlan[]): DemoCase[] {
  const cases: DemoCase[] = [];
  let familyNo = 0;
  let personNo = 0;
  while (cases.length < 3000) {
    familyNo++;
    const familyRef = `F${String(40000 + familyNo)}`;
    const status = rnd.weighted(FAMILY_STATUS);
    const size =
      status === 'care_leaver'
        ? 1
        : rnd.weighted([
            [1, 50],
            [2, 28],
            [3, 15],
            [4, 7],
          ] as const);
    const lastName = rnd.pick(LAST_NAMES);
    const ethnicity = rnd.weighted(ETHNICITY);
    const familyDisabled = status !== 'care_leaver' && rnd.chance(0.07);
    const team = teamFor(rnd, teams, status, familyDisabled);
    const worker = rnd.pick(team.workers);
    const openedMonthsAgo =
      status === 'assessment' ? rnd.int(0, 2) : rnd.int(1, status === 'care_leaver' ? 60 : 30);
    const opened = addDays(addMonths(today, -openedMonthsAgo), -rnd.int(0, 27));
    for (let k = 0; k < size; k++) {
      personNo++;
      const gender: Gender = rnd.weighted([
        ['male', 49],
        ['female', 49],
        ['unknown', 1],
        ['other', 1],
      ] as const);
      const uasc = status === 'cla' && k === 0 && size === 1 && rnd.chance(0.25);
      const age =
        status === 'care_leaver'
          ? rnd.int(18, 24)
          : uasc
            ? rnd.int(14, 17)
            : rnd.weighted([
                [rnd.int(0, 4), 35],
                [rnd.int(5, 9), 28],
                [rnd.int(10, 12), 17],
                [rnd.int(13, 17), 20],
              ] as const);
      const dob = addDays(addMonths(today, -age * 12 - rnd.int(0, 11)), -rnd.int(0, 27));
      const first =
        gender === 'female' || (gender !== 'male' && rnd.chance(0.5))
          ? rnd.pick(FIRST_NAMES_F)
          : rnd.pick(FIRST_NAMES_M);
      const startDate = opened < dob ? dob : opened;
      const episodes = episodesFor(rnd, status, startDate, dob, today);
      cases.push({
        ref: String(100000 + personNo),
        familyRef: uasc ? null : familyRef,
        firstName: first,
        lastName: uasc ? rnd.pick(['Ahmadi', 'Mohammadi', 'Haile', 'Tesfay', 'Osman', 'Rahimi']) : lastName,
        dateOfBirth: dob,
        gender,
        ethnicity: uasc ? rnd.pick(['AOTH', 'BAFR', 'OOTH']) : ethnicity,
        disability: familyDisabled || rnd.chance(0.03),
        uasc,
        teamRef: team.ref,
        workerRef: worker,
        allocatedSince: startDate,
        episodes,
        visits: visitsFor(rnd, status, startDate, today),
      });
      if (cases.length >= 3000) break;
    }
  }
  return cases;
}

/** Statutory visits: every 10 working days or so on a CP plan, 6 weeks in care or on a CIN plan. */
function visitsFor(rnd: Random, status: Status, start: IsoDate, today: IsoDate): DemoCase['visits'] {
  const kind = status === 'cp_plan' ? 'cp' : status === 'cla' ? 'cla' : status === 'cin_plan' ? 'cin' : null;
  if (!kind) return [];
  const every = kind === 'cp' ? 14 : 42;
  const visits: DemoCase['visits'] = [];
  for (let d = addDays(start, rnd.int(3, every)); d <= today; d = addDays(d, every + rnd.int(-4, 10))) {
    const seen = rnd.chance(0.93);
    visits.push({ kind, date: d, seen, seenAlone: seen && rnd.chance(0.7) });
  }
  return visits;
}

function episodesFor(
  rnd: Random,
  status: Status,
  start: IsoDate,
  dob: IsoDate,
  today: IsoDate,
): DemoEpisode[] {
  const eps: DemoEpisode[] = [];
  const before = (d: IsoDate, months: number) => {
    const x = addMonths(d, -months);
    return x < dob ? dob : x;
  };
  // every child known to children's social care has a referral open as long as their case
  const referral = (from: IsoDate) =>
    eps.push({
      kind: 'cin_episode',
      start: from,
      end: null,
      category: rnd.pick(['N1', 'N1', 'N2', 'N3', 'N4', 'N8']),
    });
  switch (status) {
    case 'early_help':
      eps.push({ kind: 'early_help', start, end: null });
      break;
    case 'assessment':
      referral(start);
      eps.push({ kind: 'assessment', start, end: null, detail: 'Child and family assessment' });
      break;
    case 'cin_plan': {
      if (rnd.chance(0.3)) eps.push({ kind: 'early_help', start: before(start, rnd.int(4, 12)), end: start });
      const assessed = before(start, 1);
      referral(assessed);
      eps.push({ kind: 'assessment', start: assessed, end: start });
      eps.push({ kind: 'cin_plan', start, end: null });
      break;
    }
    case 'cp_plan': {
      let opened = start;
      if (rnd.chance(0.4)) {
        opened = before(start, rnd.int(3, 10));
        eps.push({ kind: 'cin_plan', start: opened, end: start });
      } else if (rnd.chance(0.25)) {
        eps.push({ kind: 'early_help', start: before(start, rnd.int(3, 10)), end: start });
      }
      referral(opened);
      if (rnd.chance(0.2)) {
        const prevEnd = before(opened, rnd.int(6, 24));
        const prevStart = before(prevEnd, rnd.int(6, 14));
        eps.push({ kind: 'cin_episode', start: prevStart, end: prevEnd, category: 'N1' });
        eps.push({
          kind: 'cp_plan',
          start: prevStart,
          end: prevEnd,
          category: 'Neglect',
          detail: 'Previous plan',
        });
      }
      const category = rnd.weighted([
        ['Neglect', 48],
        ['Emotional abuse', 36],
        ['Physical abuse', 9],
        ['Sexual abuse', 4],
        ['Multiple', 3],
      ] as const);
      eps.push({ kind: 'cp_plan', start, end: null, category });
      if (rnd.chance(0.12))
        eps.push({ kind: 'pre_proceedings', start: addDays(start, rnd.int(30, 120)), end: null });
      break;
    }
    case 'cla': {
      let opened = start;
      if (rnd.chance(0.5)) {
        opened = before(start, rnd.int(4, 12));
        eps.push({ kind: 'cp_plan', start: opened, end: start, category: 'Neglect' });
      }
      referral(opened);
      const placementType = rnd.weighted([
        ['Foster placement', 70],
        ['Placed with parents', 7],
        ['Residential children’s home', 12],
        ['Kinship placement', 8],
        ['Unregistered placement', 3],
      ] as const);
      eps.push({ kind: 'cla', start, end: null, placementType });
      break;
    }
    case 'care_leaver': {
      const eighteenth = addMonths(dob, 18 * 12);
      const cared = before(eighteenth, rnd.int(12, 60));
      eps.push({ kind: 'cin_episode', start: cared, end: null, category: 'N1' });
      eps.push({ kind: 'cla', start: cared, end: eighteenth, placementType: 'Foster placement' });
      eps.push({ kind: 'care_leaver', start: eighteenth > today ? today : eighteenth, end: null });
      break;
    }
  }
  return eps.filter((e) => e.start <= today && (e.end === null || e.end >= e.start));
}
