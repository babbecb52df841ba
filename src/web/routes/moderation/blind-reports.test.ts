/**
 * Blind moderation holds in every summary and report (issue 16, item 21): narrowed to a team whose
 * only audit a QA lead is re-grading blind, the quality dashboard, the grades and sections reports
 * and the monthly report give that QA lead no figure from it, and say it is left out; another QA
 * lead sees it counted. The child's page gives no grade. Once the re-grade is submitted, the
 * moderator's figures count it too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Agent, createTestApp } from '../../../../test/helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signedIn,
  userOf,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  addModerator,
  moderationOf,
  regradeForm,
  SECTION_KEYS,
  submittedAudit,
} from '../../../../test/helpers/moderations.ts';
import { submitModeration } from '../../../services/moderation/moderations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
let moderator: FixturePerson;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'blindrep');
  moderator = await addModerator(t.db, f);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const MONTH = '2026-11';
const LEFT_OUT = '1 audit you are moderating is left out until you submit your re-grade.';

async function json<T>(agent: Agent, url: string): Promise<T> {
  const res = await agent.get(url);
  assert.equal(res.statusCode, 200, url);
  return JSON.parse(res.body) as T;
}

/** How many audits the grades report counts. */
async function graded(agent: Agent, query: string): Promise<number> {
  return (await json<{ total: { total: number } }>(agent, `/reports/grades.json?${query}`)).total.total;
}

/** How many audits' sections the sections report counts, over every section. */
async function sectionsGraded(agent: Agent, query: string): Promise<number> {
  const r = await json<{ sections: { audits: number }[] }>(agent, `/reports/sections.json?${query}`);
  return r.sections.reduce((n, s) => n + s.audits, 0);
}

test('narrowed to the one audit a QA lead is moderating blind, no summary or report gives them its figures; another QA lead gets them', async () => {
  // a team of the fixture's service area whose only audit is the one being moderated
  const base = await t.db
    .selectFrom('audits')
    .select(['service_area_id', 'month_id'])
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  const area = await t.db
    .selectFrom('teams')
    .innerJoin('audits', 'audits.team_id', 'teams.id')
    .select('teams.service_area_id')
    .where('audits.id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  const team = await t.db
    .insertInto('teams')
    .values({ council_id: f.councilId, name: 'Lone Audit Team', service_area_id: area.service_area_id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const auditId = await submittedAudit(t.db, f, { overall: 'inadequate', sectionGrade: 'inadequate' });
  await t.db
    .updateTable('audits')
    .set({ team_id: team.id, service_area_id: base.service_area_id ?? area.service_area_id })
    .where('id', '=', auditId)
    .execute();
  await t.db
    .insertInto('audit_section_results')
    .values(
      SECTION_KEYS.map((key, i) => ({
        audit_id: auditId,
        council_id: f.councilId,
        section_key: key,
        section_lineage: key,
        section_title: `Section ${i + 1}`,
        position: i + 1,
        grade: 'inadequate',
        grade_order: 4,
        good_or_better: false,
      })),
    )
    .execute();
  const childId = (
    await t.db.selectFrom('audits').select('child_id').where('id', '=', auditId).executeTakeFirstOrThrow()
  ).child_id;
  const moderationId = await moderationOf(t.db, f, auditId, moderator.staffId);

  const teamQuery = `from=${MONTH}&to=${MONTH}&team=${team.id}`;
  const seenBy = async (agent: Agent) => {
    const dashboard = await agent.get(`/dashboards/quality?${teamQuery}`);
    assert.equal(dashboard.statusCode, 200);
    const gradesPage = await agent.get(`/reports?name=grades&${teamQuery}`);
    assert.equal(gradesPage.statusCode, 200);
    const monthly = await agent.get(`/reports/monthly/${base.month_id}.html`);
    assert.equal(monthly.statusCode, 200);
    const child = await agent.get(`/children/${childId}`);
    assert.equal(child.statusCode, 200);
    return {
      dashboard: dashboard.body,
      graded: await graded(agent, teamQuery),
      sections: await sectionsGraded(agent, teamQuery),
      gradesPage: gradesPage.body,
      monthly: monthly.body,
      monthGraded: await graded(agent, `from=${MONTH}&to=${MONTH}`),
      child: child.body,
    };
  };

  const blind = await signedIn(app, moderator);
  const other = await signedIn(app, f.people.qaLead);
  const hidden = await seenBy(blind);
  const seen = await seenBy(other);

  // the moderator: nothing counted from the audit, and told why
  assert.equal(hidden.graded, 0, 'the grades report counts no audit of the team');
  assert.equal(hidden.sections, 0, 'the sections report counts no section of it');
  assert.ok(hidden.dashboard.includes(LEFT_OUT), 'the dashboard says the audit is left out');
  assert.equal(hidden.dashboard.split(LEFT_OUT).length, 2, 'said once on the dashboard');
  assert.doesNotMatch(hidden.dashboard, /Inadequate<\/td>\s*<td[^>]*>1\b/);
  assert.ok(hidden.gradesPage.includes(LEFT_OUT), 'the grades report says the audit is left out');
  assert.ok(hidden.monthly.includes(LEFT_OUT), 'the monthly report says the audit is left out');
  assert.equal(hidden.monthly.split(LEFT_OUT).length, 2, 'said once, on the title page');
  assert.doesNotMatch(hidden.child, /Inadequate|inadequate/, 'the child’s page gives no grade');

  // another QA lead: the audit counted everywhere, and no such note
  assert.equal(seen.graded, 1, 'the grades report counts the team’s audit');
  assert.equal(seen.sections, SECTION_KEYS.length);
  assert.ok(!seen.dashboard.includes(LEFT_OUT));
  assert.ok(!seen.gradesPage.includes(LEFT_OUT));
  assert.ok(!seen.monthly.includes(LEFT_OUT));
  assert.equal(seen.monthGraded, hidden.monthGraded + 1, 'the month counts one more audit for them');
  assert.notEqual(seen.dashboard, hidden.dashboard);

  // once the re-grade is submitted, the moderator's figures count the audit
  await submitModeration(t.db, await userOf(t.db, moderator), moderationId, regradeForm('good', 'good'));
  const afterRegrade = await seenBy(blind);
  assert.equal(afterRegrade.graded, 1);
  assert.equal(afterRegrade.monthGraded, seen.monthGraded);
  assert.ok(!afterRegrade.dashboard.includes(LEFT_OUT));
  assert.ok(!afterRegrade.monthly.includes(LEFT_OUT));
  assert.equal(afterRegrade.sections, SECTION_KEYS.length);
});
