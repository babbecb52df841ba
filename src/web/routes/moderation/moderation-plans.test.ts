import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;
/** a second QA lead, who audited some of the cycle's audits */
let officer: string;
const officersAudits: string[] = [];

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'modw');
  const row = await t.db
    .insertInto('staff')
    .values({
      council_id: f.councilId,
      name: 'Olu Officer',
      job_title: 'QA Officer',
      audit_trained_on: '2026-01-05',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  officer = row.id;
  for (const role of ['qa_lead', 'auditor'] as const)
    await t.db
      .insertInto('staff_roles')
      .values({ council_id: f.councilId, staff_id: officer, role })
      .execute();
  // nine more returned audits like the fixture's, graded good: five by the officer, four by Manager north
  const { rows } = await sql<{ id: string; auditor_id: string }>`
    insert into audits (council_id, month_id, child_id, kind, tool_id, tool_version_id, position, team_id,
      service_area_id, locality_id, practitioner_id, practitioner_manager_id, auditor_id, status, allocated_at,
      due_on, submitted_at, submitted_by, overall_grade, overall_good_or_better, final_grade, final_good_or_better, answers)
    select a.council_id, a.month_id,
      (select id from children where council_id = a.council_id order by external_id offset 30 + g limit 1),
      a.kind, a.tool_id, a.tool_version_id, 100 + g, a.team_id, a.service_area_id, a.locality_id,
      a.practitioner_id, a.practitioner_manager_id, case when g <= 5 then ${officer}::uuid else ${f.managers.north}::uuid end,
      'submitted', a.allocated_at, a.due_on, timestamptz '2026-11-10 09:00Z' + (g || ' minutes')::interval,
      a.submitted_by, 'good', true, 'good', true, a.answers
    from audits a cross join generate_series(1, 9) g where a.id = ${f.audits.submitted}
    returning id, auditor_id`.execute(t.db);
  officersAudits.push(...rows.filter((r) => r.auditor_id === officer).map((r) => r.id));
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app?.close();
  await t?.close();
});

const planUrl = () => `/programme/months/${f.monthId}/moderation`;
const countOf = async (table: 'moderations' | 'moderation_plans') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
/** the child references in a table's row headers */
const rowHeaders = (html: string) =>
  [...html.matchAll(/<th scope="row" class="govuk-table__header">([^<]+)</g)].map((m) => m[1].trim());

describe('the moderation sample page', () => {
  test('the QA lead checks a sample: how many, which children, why each, with the seed to confirm', async () => {
    const qa = await signedIn(app, f.people.qaLead);
    const month = await qa.get(`/programme/months/${f.monthId}`);
    assert.match(month.body, new RegExp(`href="${planUrl()}">Moderation sample<`));

    const page = await qa.get(planUrl());
    assert.equal(page.statusCode, 200);
    assert.equal(h1(page.body), 'Moderation sample for November 2026');
    assert.match(page.body, /10 audits with an overall grade have been returned/);

    const res = await qa.post(
      planUrl(),
      { action: 'check', percent: '20', seed: '31', rules: 'inadequate' },
      planUrl(),
    );
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), 'Check the moderation sample for November 2026');
    assert.match(res.body, /This sample would choose 3 audits/);
    assert.match(res.body, /1 audit by the rules/);
    assert.ok(rowHeaders(res.body).includes('F08C0'), 'the inadequate audit’s child is listed');
    assert.match(res.body, /Graded with the lowest grade/);
    assert.match(res.body, /Chosen at random/);
    assert.match(res.body, /<input type="hidden" name="seed" value="31">/);
    assert.equal(await countOf('moderation_plans'), 0, 'checking saves nothing');

    // each child listed is in the access log
    const logged = await t.db
      .selectFrom('access_log')
      .select('record_id')
      .where('staff_id', '=', f.qaLead)
      .where('reason', '=', 'Listed in the cycle’s moderation sample')
      .execute();
    assert.ok(logged.some((l) => l.record_id === f.audits.submitted));

    // a check without a seed shows the seed it chose; confirming sends what the check showed
    const noSeed = await qa.post(
      planUrl(),
      { action: 'check', percent: '30', rules: ['inadequate', 'escalated'] },
      planUrl(),
    );
    const seed = noSeed.body.match(/<input type="hidden" name="seed" value="(\d+)">/)?.[1];
    assert.ok(seed);
    const checked = rowHeaders(noSeed.body);
    const hidden = [
      ...noSeed.body.matchAll(/<input type="hidden" name="(percent|seed|rules)" value="([^"]+)">/g),
    ];
    assert.deepEqual(
      hidden.map((h) => h[1]),
      ['percent', 'seed', 'rules', 'rules'],
    );
    const confirmed = await qa.post(
      planUrl(),
      {
        action: 'confirm',
        percent: hidden[0][2],
        seed: hidden[1][2],
        rules: hidden.filter((h) => h[1] === 'rules').map((h) => h[2]),
      },
      planUrl(),
    );
    assert.equal(confirmed.statusCode, 303);
    const after = await qa.get(planUrl());
    assert.match(after.body, /Moderation sample confirmed/);
    assert.equal(
      (await t.db.selectFrom('moderation_plans').select('seed').executeTakeFirstOrThrow()).seed,
      Number(seed),
    );
    const listed = rowHeaders(after.body);
    for (const ref of checked) assert.ok(listed.includes(ref), `${ref} was checked and is confirmed`);
    assert.ok(listed.includes('F08C0'), 'the inadequate audit is always moderated');

    const moderations = await t.db
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .select(['m.moderator_id', 'a.auditor_id', 'm.status'])
      .execute();
    assert.ok(moderations.length >= 3);
    for (const m of moderations) {
      assert.equal(m.status, 'allocated');
      assert.notEqual(m.moderator_id, m.auditor_id, 'nobody moderates their own audit');
    }
  });

  test('a percentage of 150 or "ten" is refused with a clear error, and nothing is written', async () => {
    const qa = await signedIn(app, f.people.qaLead);
    const plans = await t.db.selectFrom('moderation_plans').selectAll().execute();
    const moderations = await countOf('moderations');
    for (const [percent, message] of [
      ['150', 'The percentage must be 100 or less'],
      ['ten', 'Enter the percentage as a whole number from 0 to 100, like 10'],
    ]) {
      for (const action of ['check', 'confirm']) {
        const res = await qa.post(planUrl(), { action, percent, seed: '5', rules: 'escalated' }, planUrl());
        assert.equal(res.statusCode, 400, `${action} ${percent}`);
        assert.deepEqual(errorSummaryItems(res.body), [{ text: message, href: '#percent' }]);
        assert.match(res.body, new RegExp(`name="percent" type="text" value="${percent}"`));
      }
    }
    assert.deepEqual(await t.db.selectFrom('moderation_plans').selectAll().execute(), plans);
    assert.equal(await countOf('moderations'), moderations);
  });
});

describe('changing the moderator', () => {
  const moderationOf = (auditId: string) =>
    t.db.selectFrom('moderations').selectAll().where('audit_id', '=', auditId).executeTakeFirst();

  test('the QA lead cannot give a moderator their own audit: the error is shown and nothing changes', async () => {
    const qa = await signedIn(app, f.people.qaLead);
    // make sure one of the officer's audits is being moderated
    await qa.post(planUrl(), { action: 'confirm', percent: '100', seed: '1' }, planUrl());
    const m = await moderationOf(officersAudits[0]);
    assert.ok(m);
    assert.equal(m.moderator_id, f.qaLead);
    const url = `/moderations/${m.id}/moderator`;

    const page = await qa.get(url);
    assert.equal(page.statusCode, 200);
    assert.equal(h1(page.body), 'Change the moderator');
    assert.match(page.body, /Olu Officer did this audit, so cannot moderate it/);
    assert.doesNotMatch(page.body, new RegExp(`<option value="${officer}"`));

    const own = await qa.post(url, { moderatorId: officer }, url);
    assert.equal(own.statusCode, 400);
    assert.deepEqual(errorSummaryItems(own.body), [
      { text: 'A moderator cannot moderate their own audit', href: '#moderatorId' },
    ]);
    const notQa = await qa.post(url, { moderatorId: f.managers.north }, url);
    assert.equal(notQa.statusCode, 400);
    assert.match(errorSummaryItems(notQa.body)[0].text, /only QA leads can moderate audits/);
    assert.equal((await moderationOf(officersAudits[0]))?.moderator_id, f.qaLead);
  });

  test('the QA lead moves a moderation to another QA lead', async () => {
    const qa = await signedIn(app, f.people.qaLead);
    const m = await moderationOf(f.audits.submitted);
    assert.ok(m);
    const to = m.moderator_id === officer ? f.qaLead : officer;
    const res = await qa.post(
      `/moderations/${m.id}/moderator`,
      { moderatorId: to },
      `/moderations/${m.id}/moderator`,
    );
    assert.equal(res.statusCode, 303);
    assert.equal((await moderationOf(f.audits.submitted))?.moderator_id, to);
  });
});

describe('who may choose and allocate moderation', () => {
  test('nobody but a QA lead may open or send any of these pages, and nothing is written', async () => {
    const m = await t.db.selectFrom('moderations').selectAll().executeTakeFirstOrThrow();
    const plans = await t.db.selectFrom('moderation_plans').selectAll().execute();
    const moderatorUrl = `/moderations/${m.id}/moderator`;
    const others = [
      'auditor',
      'practitioner',
      'manager',
      'headOfService',
      'scrutiny',
      'workforce',
      'admin',
    ] as const;
    for (const who of others) {
      const agent = await signedIn(app, f.people[who]);
      assert.equal((await agent.get(planUrl())).statusCode, 403, who);
      assert.equal(
        (
          await agent.post(
            planUrl(),
            { action: 'confirm', percent: '100', seed: '2', rules: 'escalated' },
            '/',
          )
        ).statusCode,
        403,
        who,
      );
      assert.equal((await agent.get(moderatorUrl)).statusCode, 403, who);
      assert.equal((await agent.post(moderatorUrl, { moderatorId: officer }, '/')).statusCode, 403, who);
      const month = await agent.get(`/programme/months/${f.monthId}`);
      assert.doesNotMatch(month.body, /Moderation sample/, who);
    }
    assert.deepEqual(await t.db.selectFrom('moderation_plans').selectAll().execute(), plans);
    assert.equal(
      (await t.db.selectFrom('moderations').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow())
        .moderator_id,
      m.moderator_id,
    );

    const visitor = new Agent(app);
    const signedOut = await visitor.get(planUrl());
    assert.equal(signedOut.statusCode, 302);
    assert.match(String(signedOut.headers.location), /sign-in/);
    assert.equal((await visitor.get(moderatorUrl)).statusCode, 302);
  });

  test('an unknown month or moderation is not found', async () => {
    const qa = await signedIn(app, f.people.qaLead);
    assert.equal(
      (await qa.get('/programme/months/00000000-0000-4000-8000-000000000000/moderation')).statusCode,
      404,
    );
    assert.equal((await qa.get('/moderations/not-an-id/moderator')).statusCode, 404);
  });
});
