import type { Db } from '../../src/data/db.ts';
import type { EpisodeKind } from '../../src/domain/child-status.ts';
import { type NewChild, recordChildren } from '../../src/services/case-data/children.ts';
import {
  addLocality,
  addServiceArea,
  addTeam,
  createCouncil,
} from '../../src/services/organisation/councils.ts';
import { createProgrammeYear, getProgrammeYear } from '../../src/services/programme/programme.ts';

/**
 * A council ready for sampling: three safeguarding teams in two localities, a children in care
 * team, a practitioner and a manager in each, trained auditors elsewhere, a programme year whose
 * November 2026 cycle is dated, and children in families on plans, in the snapshot of 2026-11-20.
 */
export interface SamplingFixture {
  councilId: string;
  monthId: string;
  teams: Record<'north' | 'south' | 'east' | 'care', string>;
  serviceAreas: Record<'safeguarding' | 'care', string>;
  localities: Record<'north' | 'south', string>;
  practitioners: Record<string, string>;
  managers: Record<string, string>;
  auditors: string[];
  qaLead: string;
  /** children on a CP plan who were on a CIN plan before it */
  cpAfterCin: number;
  asOf: string;
}

export const SNAPSHOT_DATE = '2026-11-20';

async function staff(
  db: Db,
  councilId: string,
  name: string,
  teamId: string | null,
  options: { manager?: string; trained?: string | null; capacity?: number; email?: string } = {},
): Promise<string> {
  const row = await db
    .insertInto('staff')
    .values({
      council_id: councilId,
      name,
      job_title: options.manager ? 'Social Worker' : 'Team Manager',
      team_id: teamId,
      line_manager_id: options.manager ?? null,
      email: options.email ?? `${name.toLowerCase().replace(/\W+/g, '.')}@example.gov.uk`,
      audit_trained_on: options.trained ?? null,
      audit_capacity: options.capacity ?? 2,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function grantRole(db: Db, councilId: string, staffId: string, role: 'auditor' | 'qa_lead') {
  await db.insertInto('staff_roles').values({ council_id: councilId, staff_id: staffId, role }).execute();
}

export async function buildSamplingFixture(db: Db, code = 'smp'): Promise<SamplingFixture> {
  const councilId = (await createCouncil(db, { code, name: `Sampling Council ${code}` })).id;
  const safeguarding = await addServiceArea(db, councilId, 'Safeguarding');
  const care = await addServiceArea(db, councilId, 'Children in care');
  const northLoc = await addLocality(db, councilId, 'North');
  const southLoc = await addLocality(db, councilId, 'South');
  const teams = {
    north: await addTeam(db, councilId, {
      name: 'North CP',
      serviceAreaId: safeguarding,
      localityId: northLoc,
    }),
    south: await addTeam(db, councilId, {
      name: 'South CP',
      serviceAreaId: safeguarding,
      localityId: southLoc,
    }),
    east: await addTeam(db, councilId, {
      name: 'East CP',
      serviceAreaId: safeguarding,
      localityId: southLoc,
    }),
    care: await addTeam(db, councilId, { name: 'Care Team', serviceAreaId: care, localityId: northLoc }),
  };
  const managers: Record<string, string> = {};
  const practitioners: Record<string, string> = {};
  for (const [key, teamId] of Object.entries(teams)) {
    managers[key] = await staff(db, councilId, `Manager ${key}`, teamId, {
      trained: '2025-01-10',
      capacity: 3,
    });
    await grantRole(db, councilId, managers[key], 'auditor');
    practitioners[key] = await staff(db, councilId, `Worker ${key}`, teamId, { manager: managers[key] });
  }
  const head = await staff(db, councilId, 'Head of Safeguarding', null, {
    trained: '2024-06-01',
    capacity: 4,
  });
  await grantRole(db, councilId, head, 'auditor');
  const untrained = await staff(db, councilId, 'New Manager', teams.care, { trained: null, capacity: 5 });
  await grantRole(db, councilId, untrained, 'auditor');
  const qaLead = await staff(db, councilId, 'QA Lead', null);
  await grantRole(db, councilId, qaLead, 'qa_lead');

  const yearId = await createProgrammeYear(db, councilId, { startMonth: '2026-04' }, '2026-04-01');
  const year = await getProgrammeYear(db, councilId, yearId);
  const monthId = year?.months.find((m) => m.month === '2026-11-01')?.id as string;

  // 60 families in the three safeguarding teams: 1 to 3 children each, most on a CP plan after a
  // CIN plan; and 20 children in care, each their own family
  const children: NewChild[] = [];
  let cpAfterCin = 0;
  const teamKeys = ['north', 'north', 'south', 'east'] as const;
  for (let f = 0; f < 60; f++) {
    const key = teamKeys[f % teamKeys.length];
    const size = 1 + (f % 3);
    for (let s = 0; s < size; s++) {
      const ref = `F${String(f).padStart(2, '0')}C${s}`;
      const afterCin = f % 5 !== 0;
      const episodes: { kind: EpisodeKind; startDate: string; endDate: string | null }[] = [
        { kind: 'cp_plan', startDate: '2026-06-01', endDate: null },
      ];
      if (afterCin) {
        episodes.push({ kind: 'cin_plan', startDate: '2025-09-01', endDate: '2026-05-31' });
        cpAfterCin++;
      }
      children.push({
        externalId: ref,
        familyExternalId: `FAM${f}`,
        firstName: `Child${f}`,
        lastName: `Family${f}`,
        dateOfBirth: `${2010 + (f % 12)}-03-15`,
        gender: s % 2 ? 'female' : 'male',
        ethnicity: 'WBRI',
        disability: false,
        uasc: false,
        involvements: [
          { staffId: practitioners[key], teamId: teams[key], startDate: '2025-09-01', endDate: null },
        ],
        episodes,
      });
    }
  }
  for (let i = 0; i < 20; i++)
    children.push({
      externalId: `LAC${i}`,
      familyExternalId: null,
      firstName: `Looked${i}`,
      lastName: 'After',
      dateOfBirth: '2012-01-01',
      gender: 'male',
      ethnicity: 'WBRI',
      disability: false,
      uasc: false,
      involvements: [
        { staffId: practitioners.care, teamId: teams.care, startDate: '2025-01-01', endDate: null },
      ],
      episodes: [{ kind: 'cla', startDate: i < 5 ? '2026-08-01' : '2024-01-01', endDate: null }],
    });
  await recordChildren(db, councilId, children, SNAPSHOT_DATE);
  return {
    councilId,
    monthId,
    teams,
    serviceAreas: { safeguarding, care },
    localities: { north: northLoc, south: southLoc },
    practitioners,
    managers,
    auditors: [...Object.values(managers), head, untrained],
    qaLead,
    cpAfterCin,
    asOf: SNAPSHOT_DATE,
  };
}

/** Saves a cohort straight into the table, as the cohort pages would. */
export async function saveCohort(
  db: Db,
  councilId: string,
  name: string,
  definition: object,
): Promise<string> {
  const row = await db
    .insertInto('cohorts')
    .values({ council_id: councilId, name, definition: JSON.stringify(definition) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
