import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { seedImports } from '../../test/helpers/imports.ts';
import { saveCohort } from '../../test/helpers/sampling.ts';
import type { ToolDefinition } from '../domain/audit-tools.ts';
import { CAPABILITIES, type Capability, ROLES, type Role } from '../domain/roles.ts';
import { createColumnMapping } from '../services/case-data/column-mappings.ts';
import { previewStaffFile } from '../services/organisation/staff-import.ts';
import { drawRequestSchema, drawSample } from '../services/sampling/samples.ts';

let t: TestDb;
let app: FastifyInstance;
const agents = new Map<Role, Agent>();
let childId: string;
let staffId: string;
/** an auditor of the demo, whose picture QA may open */
let auditorStaffId: string;
let themedSampleId: string;
let ids: Record<string, string>;
/** every role the demo's person for each role holds */
const heldRoles = new Map<Role, Role[]>();

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  for (const role of ROLES) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    agents.set(role, agent);
  }
  for (const role of ROLES) {
    const held = await t.db
      .selectFrom('staff_roles as r')
      .innerJoin('staff as s', 's.id', 'r.staff_id')
      .select('r.role')
      .where('s.external_id', '=', `DEMO-${role}`)
      .execute();
    heldRoles.set(
      role,
      held.map((h) => h.role),
    );
  }
  childId = (await t.db.selectFrom('children').select('id').limit(1).executeTakeFirstOrThrow()).id;
  staffId = (await t.db.selectFrom('staff').select('id').limit(1).executeTakeFirstOrThrow()).id;
  auditorStaffId = (
    await t.db
      .selectFrom('staff')
      .select('id')
      .where('external_id', '=', 'DEMO-auditor')
      .executeTakeFirstOrThrow()
  ).id;
  themedSampleId = (
    await t.db.selectFrom('samples').select('id').where('kind', '=', 'themed').executeTakeFirstOrThrow()
  ).id;
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const version = await t.db
    .selectFrom('audit_tool_versions')
    .select('definition')
    .where('tool_id', '=', visits.id)
    .executeTakeFirstOrThrow();
  const visitsSection = (version.definition as ToolDefinition).sections[0];
  const imported = await seedImports(t.db);
  ids = {
    ':monthId': (await t.db.selectFrom('programme_months').select('id').limit(1).executeTakeFirstOrThrow())
      .id,
    ':toolId': visits.id,
    ':sectionKey': visitsSection.key,
    ':questionKey': visitsSection.questions[0].key,
    ':closureId': (await t.db.selectFrom('closure_days').select('id').limit(1).executeTakeFirstOrThrow()).id,
    ':themeId': (await t.db.selectFrom('practice_themes').select('id').limit(1).executeTakeFirstOrThrow()).id,
    ':sessionId': (await t.db.selectFrom('learning_sessions').select('id').limit(1).executeTakeFirstOrThrow())
      .id,
    ':trainingSessionId': (
      await t.db.selectFrom('audit_training_sessions').select('id').limit(1).executeTakeFirstOrThrow()
    ).id,
    ':jobId': imported.jobId,
    ':importId': imported.importId,
    ':tokenId': imported.tokenId,
    ':grantId': await pendingGrant(),
    ':staffImportId': (
      await previewStaffFile(
        t.db,
        (
          await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()
        ).id,
        join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'staff-file.csv'),
        { fileName: 'staff-file.csv', asOf: '2026-11-22', uploadedBy: null },
      )
    ).importId,
    ':snapshotId': (await t.db.selectFrom('snapshots').select('id').limit(1).executeTakeFirstOrThrow()).id,
    ':cohortId': (await t.db.selectFrom('cohorts').select('id').limit(1).executeTakeFirstOrThrow()).id,
    ':yearId': (await t.db.selectFrom('programme_years').select('id').limit(1).executeTakeFirstOrThrow()).id,
    ':file': 'grades.csv',
    ':format': 'csv',
    ...(await demoSample()),
    ...(await demoPlan()),
    ...(await demoQaStrands()),
    ':mappingId': await createColumnMapping(
      t.db,
      (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id,
      { name: 'Weekly open cases', listKind: 'open_case', columns: { child_id: 'Child ID' } },
    ),
  };
});
after(async () => {
  await app.close();
  await t.close();
});

/** A role grant waiting for a QA lead: the administrator asks for the auditor role for someone. */
async function pendingGrant(): Promise<string> {
  const person = await t.db
    .selectFrom('staff as s')
    .select(['s.id', 's.council_id'])
    .where('s.external_id', '=', 'DEMO-scrutiny_reader')
    .executeTakeFirstOrThrow();
  const admin = await t.db
    .selectFrom('staff')
    .select('id')
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  const row = await t.db
    .insertInto('role_grants')
    .values({ council_id: person.council_id, staff_id: person.id, role: 'auditor', requested_by: admin.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The demo's improvement plan: an area, an outcome with a measure, that measure, and its import. */
async function demoPlan() {
  const measure = await t.db
    .selectFrom('plan_measures as m')
    .innerJoin('plan_outcomes as o', 'o.id', 'm.outcome_id')
    .innerJoin('improvement_plans as p', 'p.id', 'o.plan_id')
    .select(['m.id', 'm.outcome_id', 'o.area_id', 'p.id as plan_id'])
    .where('p.status', '=', 'current')
    .orderBy('m.id')
    .executeTakeFirstOrThrow();
  const planImport = await t.db
    .selectFrom('plan_imports')
    .select('id')
    .where('plan_id', '=', measure.plan_id)
    .executeTakeFirstOrThrow();
  return {
    ':areaId': measure.area_id,
    ':outcomeId': measure.outcome_id,
    ':measureId': measure.id,
    ':planImportId': planImport.id,
  };
}

/**
 * The other strands of QA in the demo: a team's check-and-challenge week and an open goal, the demo
 * LADO's service and one of its entries, the import of the services' QA return, and the
 * multi-agency audit with the demo nurse's invitation to its health section.
 */
async function demoQaStrands() {
  const meeting = await t.db
    .selectFrom('check_challenge_meetings as m')
    .innerJoin('teams as tm', 'tm.id', 'm.team_id')
    .select(['m.team_id', 'm.week_of'])
    .where('tm.name', '=', 'Safeguarding North')
    .orderBy('m.week_of', 'desc')
    .executeTakeFirstOrThrow();
  const goal = await t.db
    .selectFrom('check_challenge_goals')
    .select('id')
    .where('team_id', '=', meeting.team_id)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const lado = await t.db
    .selectFrom('qa_services')
    .select(['id', 'council_id'])
    .where('key', '=', 'lado')
    .executeTakeFirstOrThrow();
  const entry = await t.db
    .selectFrom('service_qa_entries')
    .select('id')
    .where('service_id', '=', lado.id)
    .executeTakeFirstOrThrow();
  const serviceImport = await t.db.selectFrom('service_qa_imports').select('id').executeTakeFirstOrThrow();
  const invitation = await t.db
    .selectFrom('audit_invitations')
    .select(['id', 'audit_id'])
    .where('section_key', '=', 'health')
    .executeTakeFirstOrThrow();
  return {
    ':maAuditId': invitation.audit_id,
    ':invitationId': invitation.id,
    ':ccTeamId': meeting.team_id,
    ':ccWeek': meeting.week_of,
    ':ccGoalId': goal.id,
    ':sqServiceId': lado.id,
    ':sqEntryId': entry.id,
    ':sqImportId': serviceImport.id,
    ':termId': (
      await t.db
        .insertInto('language_terms')
        .values({
          council_id: lado.council_id,
          phrase: 'service user',
          suggestion: 'the child or the parent, by name',
          why: 'People are not users of a service.',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id,
    ':exemplarId': (
      await t.db
        .selectFrom('exemplars')
        .select('id')
        .where('status', '=', 'published')
        .executeTakeFirstOrThrow()
    ).id,
  };
}

/** A sample drawn in the demo council, and one of its audits. */
async function demoSample() {
  const councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  const month = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('phases', 'is not', null)
    .orderBy('month')
    .executeTakeFirstOrThrow();
  const cohortId = await saveCohort(t.db, councilId, 'Children on a plan, for the access test', {
    statuses: ['cp_plan', 'cin_plan'],
  });
  const sampleId = await drawSample(
    t.db,
    councilId,
    staffId,
    drawRequestSchema.parse({
      monthId: month.id,
      cohortId,
      kind: 'full_audit',
      sizeKind: 'count',
      count: 2,
      method: 'simple',
    }),
  );
  const audit = await t.db
    .selectFrom('audits')
    .select('id')
    .where('sample_id', '=', sampleId)
    .executeTakeFirstOrThrow();
  const escalation = await t.db.selectFrom('escalations').select('id').executeTakeFirst();
  const action = await t.db.selectFrom('audit_actions').select('id').executeTakeFirst();
  const none = '00000000-0000-4000-8000-000000000000';
  // the demo's weekly review of unregistered placements, and its latest round
  const round = await t.db
    .selectFrom('review_rounds')
    .select(['id', 'schedule_id'])
    .orderBy('round_on', 'desc')
    .executeTakeFirstOrThrow();
  return {
    ':scheduleId': round.schedule_id,
    ':roundId': round.id,
    ':sampleId': sampleId,
    ':auditId': audit.id,
    ':part': 'conversation',
    ':actionId': action?.id ?? none,
    ':id': escalation?.id ?? none,
    ':moderationId':
      (await t.db.selectFrom('moderations').select('id').where('status', '=', 'allocated').executeTakeFirst())
        ?.id ??
      (await t.db.selectFrom('moderations').select('id').executeTakeFirst())?.id ??
      none,
  };
}

/** A concrete URL for a route pattern. */
function concrete(url: string): string {
  let out = url
    .replace(':childId', childId)
    .replace(':staffId', url.endsWith('/picture') ? auditorStaffId : staffId);
  // a findings report is of a themed audit or dip sample, in each of its formats
  if (out.startsWith('/findings/')) out = out.replace(':sampleId', themedSampleId).replace(':format', 'docx');
  for (const [param, id] of Object.entries(ids)) out = out.replace(param, id);
  return out;
}

/**
 * Pages of one child's audit, escalation or action: the role opens them, the relationship to the
 * record decides (src/services/audits/audit-access.ts), so someone with the role but not the relationship
 * is refused with a reason (403) or sent on (302). Their own tests prove who gets what.
 */
const RELATIONAL =
  /^\/(audits|escalations|actions|moderations)\/:|^\/plan\/outcomes\/:outcomeId\/edit$|^\/check-and-challenge\/teams\/:/;

test('every route says who may use it', () => {
  const routes = app.routeAccess;
  assert.ok(routes.length > 10);
  for (const r of routes) assert.ok(r.access, `${r.method} ${r.url} has no access rule`);
});

test('for every route, each role without the capability is refused with the 403 page and changes nothing', async () => {
  let checked = 0;
  for (const route of app.routeAccess) {
    if (route.access === 'public' || route.access === 'importToken' || route.method === 'HEAD') continue;
    const allowed: readonly Role[] = CAPABILITIES[route.access as Capability];
    for (const role of ROLES.filter((r) => !allowed.includes(r))) {
      // the demo's person for a role may hold others too (the QA lead is also an auditor)
      if ((heldRoles.get(role) ?? []).some((r) => allowed.includes(r))) continue;
      const agent = agents.get(role) as Agent;
      const url = concrete(route.url);
      const res =
        route.method === 'GET'
          ? await agent.get(url)
          : await agent.post(
              url,
              { name: 'Intruder', email: 'x@x.gov.uk', jobTitle: 'x', roles: 'administrator' },
              '/',
            );
      assert.equal(res.statusCode, 403, `${role} on ${route.method} ${route.url}`);
      assert.match(res.body, /You cannot do this/);
      checked++;
    }
  }
  assert.ok(checked > 20, `${checked} refusals checked`);
  const intruders = await t.db.selectFrom('staff').select('id').where('name', '=', 'Intruder').execute();
  assert.equal(intruders.length, 0);
});

test('for every GET page, each role with the capability gets the page', async () => {
  for (const route of app.routeAccess) {
    if (route.access === 'public' || route.access === 'importToken' || route.method !== 'GET') continue;
    const allowed: readonly Role[] = CAPABILITIES[route.access as Capability];
    for (const role of allowed) {
      const res = await (agents.get(role) as Agent).get(concrete(route.url));
      if (RELATIONAL.test(route.url)) {
        assert.ok(
          [200, 302, 303, 403].includes(res.statusCode),
          `${role} on GET ${route.url}: ${res.statusCode}`,
        );
        if (res.statusCode === 403) assert.doesNotMatch(res.body, /Your roles do not allow this page/);
      } else {
        assert.equal(res.statusCode, 200, `${role} on GET ${route.url}`);
      }
    }
  }
});

test('signed out, every page that needs sign-in sends you to sign in and back', async () => {
  const anonymous = new Agent(app);
  for (const route of app.routeAccess) {
    if (route.access === 'public' || route.access === 'importToken' || route.method !== 'GET') continue;
    const url = concrete(route.url);
    const res = await anonymous.get(url);
    assert.equal(res.statusCode, 302, url);
    assert.equal(res.headers.location, `/sign-in?returnTo=${encodeURIComponent(url)}`);
  }
});

test('the navigation shows each person only what their roles allow', async () => {
  const links = async (role: Role) => {
    const res = await (agents.get(role) as Agent).get('/');
    return [...res.body.matchAll(/class="govuk-service-navigation__link" href="([^"]+)"/g)].map((m) => m[1]);
  };
  const common = ['/', '/programme', '/tools', '/practice-themes'];
  assert.deepEqual(await links('scrutiny_reader'), [...common, '/reports', '/findings']);
  // people from outside the audit programme see only their own service's entries or sections
  assert.deepEqual(await links('service_contributor'), ['/', '/service-qa']);
  assert.deepEqual(await links('partner_contributor'), ['/', '/partner-sections']);
  assert.deepEqual(await links('administrator'), [
    ...common,
    '/imports',
    '/organisation',
    '/admin/people',
    '/access-log',
  ]);
  // the demo's QA lead is an auditor too: Home and six in the row, the rest under More by area
  assert.deepEqual(await links('qa_lead'), [
    '/',
    '/my-audits',
    '/audits',
    '/programme',
    '/cohorts',
    '/returns',
    '/moderation',
    '/escalations',
    '/actions',
    '/exemplars',
    '/multi-agency',
    '/tools',
    '/practice-themes',
    '/settings/writing',
    '/learning',
    '/auditors/training',
    '/reviews',
    '/dashboards',
    '/reports',
    '/findings',
    '/plan',
    '/closing-the-loop',
    '/check-and-challenge',
    '/service-qa',
    '/service-qa/collation',
    '/children',
    '/imports',
    '/organisation',
    '/access-log',
    '/security',
  ]);
  const auditor = await links('auditor');
  assert.ok(auditor.length < (await links('qa_lead')).length, 'an auditor has fewer links than the QA lead');
  assert.ok(!auditor.includes('/cohorts') && !auditor.includes('/returns'), 'and none they cannot open');
});
