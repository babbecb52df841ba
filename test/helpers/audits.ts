import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import type { Db } from '../../src/data/db.ts';
import type { ActivityKind } from '../../src/domain/activity-kinds.ts';
import type { Role } from '../../src/domain/roles.ts';
import { loadSignedInUser, type SignedInUser } from '../../src/services/organisation/auth.ts';
import { hashPassword } from '../../src/services/organisation/passwords.ts';
import { Agent } from './app.ts';
import { buildSamplingFixture, type SamplingFixture } from './sampling.ts';

export const AUDIT_PASSWORD = 'audit fixture password';

/** A person of the audit fixture who can sign in. */
export interface FixturePerson {
  staffId: string;
  email: string;
}

/**
 * The sampling fixture's council with people who can sign in, each in a known relationship to the
 * audits:
 *  - auditor: Manager south (trained, auditor), allocated `allocated`, `dip` and `submitted`;
 *  - practitioner: Worker north, who holds every audited child (team North CP);
 *  - manager: Manager north, their line manager (case manager of North CP);
 *  - otherManager: Manager east, case manager of another team (no relationship);
 *  - otherPractitioner: Worker south (no relationship);
 *  - headOfService: Head of Service, Safeguarding (senior leader, the children's service area);
 *  - headOfCare: Head of Service, Children in care (senior leader, another service area);
 *  - director: Assistant Director, Quality and Practice (senior leader, no service area);
 *  - qaLead, scrutiny (scrutiny reader), workforce (workforce development), admin (administrator).
 * Audits (all of November 2026's cycle, children F00C0, F04C0, F08C0 of North CP):
 *  - allocated: a full audit on "Case file audit (four-point)", allocated, due 2026-12-11;
 *  - dip: a dip sample on "Dip sample: visits (seen and seen alone)", allocated;
 *  - submitted: a full audit submitted on 2026-11-20, graded inadequate, with one open action owned by
 *    the manager, due 2026-12-04.
 */
export interface AuditFixture extends SamplingFixture {
  people: Record<
    | 'auditor'
    | 'practitioner'
    | 'manager'
    | 'otherManager'
    | 'otherPractitioner'
    | 'headOfService'
    | 'headOfCare'
    | 'director'
    | 'qaLead'
    | 'scrutiny'
    | 'workforce'
    | 'admin',
    FixturePerson
  >;
  tools: { fourPoint: string; threePoint: string; visitsDip: string };
  audits: { allocated: string; dip: string; submitted: string };
  actions: { open: string };
  children: { allocated: string; dip: string; submitted: string };
}

async function newStaff(
  db: Db,
  councilId: string,
  name: string,
  jobTitle: string,
  roles: Role[],
  options: { teamId?: string | null; serviceAreaId?: string | null; lineManagerId?: string | null } = {},
): Promise<string> {
  const row = await db
    .insertInto('staff')
    .values({
      council_id: councilId,
      name,
      job_title: jobTitle,
      team_id: options.teamId ?? null,
      service_area_id: options.serviceAreaId ?? null,
      line_manager_id: options.lineManagerId ?? null,
      email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.gov.uk`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const role of roles) {
    await db.insertInto('staff_roles').values({ council_id: councilId, staff_id: row.id, role }).execute();
  }
  return row.id;
}

async function addRoles(db: Db, councilId: string, staffId: string, roles: Role[]) {
  for (const role of roles) {
    await db
      .insertInto('staff_roles')
      .values({ council_id: councilId, staff_id: staffId, role })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

async function account(db: Db, councilId: string, staffId: string, hash: string): Promise<FixturePerson> {
  const s = await db.selectFrom('staff').select('email').where('id', '=', staffId).executeTakeFirstOrThrow();
  const email = s.email as string;
  await db
    .insertInto('user_accounts')
    .values({ council_id: councilId, staff_id: staffId, email, password_hash: hash })
    .execute();
  return { staffId, email };
}

async function childId(db: Db, councilId: string, ref: string): Promise<string> {
  const c = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', ref)
    .executeTakeFirstOrThrow();
  return c.id;
}

async function toolId(db: Db, councilId: string, name: string): Promise<string> {
  const t = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return t.id;
}

export async function buildAuditFixture(db: Db, code = 'aud'): Promise<AuditFixture> {
  const f = await buildSamplingFixture(db, code);
  const c = f.councilId;
  const hash = await hashPassword(AUDIT_PASSWORD);
  await addRoles(db, c, f.practitioners.north, ['practitioner']);
  await addRoles(db, c, f.practitioners.south, ['practitioner']);
  await addRoles(db, c, f.managers.north, ['case_manager']);
  await addRoles(db, c, f.managers.east, ['case_manager']);
  const director = await newStaff(db, c, 'Ada Director', 'Assistant Director, Quality and Practice', [
    'senior_leader',
  ]);
  const headOfService = await newStaff(
    db,
    c,
    'Hal Head',
    'Head of Service, Safeguarding',
    ['senior_leader'],
    {
      serviceAreaId: f.serviceAreas.safeguarding,
      lineManagerId: director,
    },
  );
  const headOfCare = await newStaff(
    db,
    c,
    'Cara Head',
    'Head of Service, Children in care',
    ['senior_leader'],
    {
      serviceAreaId: f.serviceAreas.care,
      lineManagerId: director,
    },
  );
  const scrutiny = await newStaff(db, c, 'Cllr Reader', 'Councillor', ['scrutiny_reader']);
  const workforce = await newStaff(db, c, 'Wendy Workforce', 'Workforce Development Manager', [
    'workforce_development',
  ]);
  const admin = await newStaff(db, c, 'Adam Admin', 'Systems Administrator', ['administrator']);

  const people: AuditFixture['people'] = {
    auditor: await account(db, c, f.managers.south, hash),
    practitioner: await account(db, c, f.practitioners.north, hash),
    manager: await account(db, c, f.managers.north, hash),
    otherManager: await account(db, c, f.managers.east, hash),
    otherPractitioner: await account(db, c, f.practitioners.south, hash),
    headOfService: await account(db, c, headOfService, hash),
    headOfCare: await account(db, c, headOfCare, hash),
    director: await account(db, c, director, hash),
    qaLead: await account(db, c, f.qaLead, hash),
    scrutiny: await account(db, c, scrutiny, hash),
    workforce: await account(db, c, workforce, hash),
    admin: await account(db, c, admin, hash),
  };
  const tools = {
    fourPoint: await toolId(db, c, 'Case file audit (four-point)'),
    threePoint: await toolId(db, c, 'Case file audit (three-point)'),
    visitsDip: await toolId(db, c, 'Dip sample: visits (seen and seen alone)'),
  };
  const children = {
    allocated: await childId(db, c, 'F00C0'),
    dip: await childId(db, c, 'F04C0'),
    submitted: await childId(db, c, 'F08C0'),
  };
  const audit = async (child: string, kind: ActivityKind, tool: string, position: number) => {
    const row = await db
      .insertInto('audits')
      .values({
        council_id: c,
        month_id: f.monthId,
        child_id: child,
        kind,
        tool_id: tool,
        position,
        team_id: f.teams.north,
        service_area_id: f.serviceAreas.safeguarding,
        locality_id: f.localities.north,
        practitioner_id: f.practitioners.north,
        practitioner_manager_id: f.managers.north,
        auditor_id: f.managers.south,
        status: 'allocated',
        allocated_at: new Date('2026-11-09T09:00:00Z'),
        due_on: '2026-12-11',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  };
  const audits = {
    allocated: await audit(children.allocated, 'full_audit', tools.fourPoint, 1),
    dip: await audit(children.dip, 'dip_sample', tools.visitsDip, 2),
    submitted: await audit(children.submitted, 'full_audit', tools.fourPoint, 3),
  };
  const version = await db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', tools.fourPoint)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('audits')
    .set({
      status: 'submitted',
      tool_version_id: version.id,
      started_at: new Date('2026-11-12T09:00:00Z'),
      submitted_at: new Date('2026-11-20T15:00:00Z'),
      submitted_by: f.managers.south,
      overall_grade: 'inadequate',
      overall_good_or_better: false,
      final_grade: 'inadequate',
      final_good_or_better: false,
      conversation_on: '2026-11-13',
      conversation_with: 'practitioner',
      answers: JSON.stringify({}),
    })
    .where('id', '=', audits.submitted)
    .execute();
  const action = await db
    .insertInto('audit_actions')
    .values({
      council_id: c,
      audit_id: audits.submitted,
      section_key: 'the_plan',
      text: 'Review the plan with the family and make it SMART',
      owner_id: f.managers.north,
      due_on: '2026-12-04',
      created_by: f.managers.south,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...f, people, tools, audits, actions: { open: action.id }, children };
}

const agents = new WeakMap<FastifyInstance, Map<string, Agent>>();

/**
 * An agent signed in as one of the fixture's people. The same person on the same app gets the same
 * agent (sign-in is rate limited to 20 a minute from one address); `fresh` signs in again.
 */
export async function signedIn(
  app: FastifyInstance,
  person: FixturePerson,
  options: { fresh?: boolean } = {},
): Promise<Agent> {
  const known = agents.get(app) ?? new Map<string, Agent>();
  agents.set(app, known);
  const existing = known.get(person.email);
  if (existing && !options.fresh) return existing;
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', { email: person.email, password: AUDIT_PASSWORD });
  if (res.statusCode !== 302) throw new Error(`Sign-in failed for ${person.email}: ${res.statusCode}`);
  known.set(person.email, agent);
  return agent;
}

/** The signed-in user of one of the fixture's people, as the app builds it, for calling services. */
export async function userOf(db: Db, person: FixturePerson): Promise<SignedInUser> {
  const account = await db
    .selectFrom('user_accounts')
    .select('id')
    .where('staff_id', '=', person.staffId)
    .executeTakeFirstOrThrow();
  return (await loadSignedInUser(db, account.id)) as SignedInUser;
}

/**
 * Form fields that complete a part of a journey-section audit: the section graded `grade`, with an
 * evaluation, an impact statement, a theme and one action owned by `ownerId`.
 */
export function completeSectionFields(
  grade: string,
  ownerId: string,
  words = 'The record shows',
): Record<string, string | string[]> {
  return {
    grade,
    evaluation: `${words}: visits on time, the child seen alone, analysis weak.`,
    impactStatement: 'The child is safer but their plan has drifted.',
    practiceThemes: ['voice_of_the_child'],
    'action-1-text': 'Update the chronology',
    'action-1-owner': ownerId,
    'action-1-due-day': '18',
    'action-1-due-month': '12',
    'action-1-due-year': '2026',
  };
}

/** Signs one of the fixture's people in, in a real browser, and waits for the home page. */
export async function signInInBrowser(page: Page, person: Pick<FixturePerson, 'email'>): Promise<void> {
  await page.goto('/sign-in');
  await page.locator('#email').fill(person.email);
  await page.locator('#password').fill(AUDIT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/');
}
