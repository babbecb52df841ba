import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../../../test/helpers/sampling.ts';
import type { Role } from '../../../domain/roles.ts';
import { marginOfError } from '../../../domain/sampling.ts';
import { recordChildren } from '../../../services/case-data/children.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';
import { addPerson } from '../../../services/organisation/people.ts';
import { drawRequestSchema, drawSample, planSample } from '../../../services/sampling/samples.ts';
import { marginText } from './sample-view.ts';

let t: TestDb;
let app: FastifyInstance;
let f: SamplingFixture;
let other: SamplingFixture;
/** children on a CP plan who were on a CIN plan before, one per family: 48 in the fixture */
let cohortId: string;
let otherSampleId: string;
let otherAuditId: string;
/** the four-point case file audit, the tool these tests' full audits use */
let fullAuditTool: string;
const agents = new Map<Role, Agent>();

const PASSWORD = 'correct horse battery staple';
const REFUSED: Role[] = ['auditor', 'practitioner', 'senior_leader', 'administrator'];
const NEW = '/samples/new';

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db, 'smp');
  // This council has made no multi-agency audit tool of its own and removed the built-in one.
  await t.db
    .deleteFrom('audit_tools')
    .where('council_id', '=', f.councilId)
    .where('kind', '=', 'multi_agency')
    .execute();
  other = await buildSamplingFixture(t.db, 'oth');
  cohortId = await saveCohort(t.db, f.councilId, 'CP after CIN, one per family', {
    statuses: ['cp_plan'],
    cpPlanAfter: ['cin_plan'],
    onePerFamily: true,
  });
  const otherCohort = await saveCohort(t.db, other.councilId, 'Elsewhere', { statuses: ['cp_plan'] });
  otherSampleId = await drawSample(
    t.db,
    other.councilId,
    other.qaLead,
    drawRequestSchema.parse({
      monthId: other.monthId,
      cohortId: otherCohort,
      kind: 'full_audit',
      sizeKind: 'count',
      count: 3,
      method: 'simple',
    }),
  );
  otherAuditId = (
    await t.db
      .selectFrom('audits')
      .select('id')
      .where('sample_id', '=', otherSampleId)
      .executeTakeFirstOrThrow()
  ).id;
  // room for every audit of a sample of 20, with some to spare
  await t.db
    .updateTable('staff')
    .set({ audit_capacity: 10 })
    .where('name', '=', 'Head of Safeguarding')
    .execute();
  fullAuditTool = (
    await t.db
      .selectFrom('audit_tools')
      .select('id')
      .where('council_id', '=', f.councilId)
      .where('name', '=', 'Case file audit (four-point)')
      .executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(t.db, { demo: false });
  for (const role of ['qa_lead', ...REFUSED] as Role[]) {
    const email = `${role}@sampling.gov.uk`;
    await addPerson(t.db, f.councilId, {
      name: `The ${role.replace('_', ' ')}`,
      email,
      jobTitle: 'Officer',
      roles: [role],
      password: PASSWORD,
    });
    const agent = new Agent(app);
    const res = await agent.post('/sign-in', { email, password: PASSWORD });
    assert.equal(res.statusCode, 302, `${role} signs in`);
    agents.set(role, agent);
  }
});
after(async () => {
  await app.close();
  await t.close();
});

const lead = () => agents.get('qa_lead') as Agent;

const decode = (s: string) =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** What a browser would send from the form that holds `marker`, as the page left it. */
function formFields(html: string, marker: string): Record<string, string | string[]> {
  const at = html.indexOf(marker);
  assert.ok(at >= 0, `no ${marker} on the page`);
  const form = html.slice(html.lastIndexOf('<form', at), html.indexOf('</form>', at));
  const fields: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const known = fields[name];
    fields[name] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  };
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const attr = (a: string) => decode(tag.match(new RegExp(`\\s${a}="([^"]*)"`))?.[1] ?? '');
    const type = attr('type');
    if ((type === 'radio' || type === 'checkbox') && !/\schecked\b/.test(tag)) continue;
    if (attr('name') && attr('name') !== '_csrf') add(attr('name'), attr('value'));
  }
  for (const [, name, options] of form.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    add(name, decode(options.match(/<option value="([^"]*)"[^>]*\sselected/)?.[1] ?? ''));
  }
  for (const [, name, value] of form.matchAll(
    /<textarea\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g,
  )) {
    add(name, decode(value.trim()));
  }
  return fields;
}

/**
 * The draw these tests send. They let in children already in a sample of the November cycle, so
 * that one test's samples do not shrink the next one's cohort; leaving them out, as the form does
 * unless the box is ticked, is tried in a cycle of its own.
 */
const DRAW: Record<string, string> = {
  kind: 'full_audit',
  sizeKind: 'count',
  count: '20',
  method: 'stratified',
  stratifyBy: 'team',
  allocation: 'proportional',
  seed: '',
  includeSampled: 'yes',
};

const draw = (fields: Record<string, string> = {}) => ({
  monthId: f.monthId,
  cohortId,
  toolFullAudit: fullAuditTool,
  ...DRAW,
  ...fields,
});

/** The value of the form input `name` on a page. */
function inputValue(html: string, name: string): string | undefined {
  const tag = html.match(new RegExp(`<input\\b[^>]*name="${name}"[^>]*>`))?.[0];
  const value = tag?.match(/\svalue="([^"]*)"/)?.[1];
  return value === undefined ? (tag ? '' : undefined) : decode(value);
}

async function auditRows(sampleId: string) {
  return t.db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .select(['a.id', 'a.status', 'a.auditor_id', 'a.exemption_reason', 'a.exemption_note', 'c.external_id'])
    .where('a.sample_id', '=', sampleId)
    .orderBy('a.position')
    .execute();
}

async function sampleCount() {
  const row = await t.db
    .selectFrom('samples')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('council_id', '=', f.councilId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const sampleIdFrom = (location: unknown) => {
  const m = String(location).match(/^\/samples\/([0-9a-f-]{36})$/);
  assert.ok(m, `redirected to a sample page, not ${location}`);
  return m[1];
};

test('the QA lead checks a sample, draws it, allocates it, changes an auditor, exempts and reinstates an audit', async () => {
  const agent = lead();
  // from the cohort pages' link
  const form = await agent.get(`${NEW}?cohort=${cohortId}`);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Draw a sample');
  assert.match(form.body, new RegExp(`<option value="${cohortId}" selected>`), 'the cohort is chosen');
  assert.match(
    form.body,
    new RegExp(`<option value="${f.monthId}" selected>November 2026`),
    'this month’s cycle',
  );

  // Check the sample
  const preview = await agent.post('/samples/preview', draw(), NEW);
  assert.equal(preview.statusCode, 200);
  assert.deepEqual(errorSummaryItems(preview.body), []);
  assert.equal(h1(preview.body), 'Draw a sample');
  const seed = inputValue(preview.body, 'previewSeed');
  assert.match(seed ?? '', /^\d+$/, 'the check chose a seed and keeps it in the form');
  assert.match(preview.body, new RegExp(`>${seed}</strong>`), 'the seed it will use is shown');
  assert.match(preview.body, /48 children, one per family, in the case data of 20 November 2026/);
  assert.ok(preview.body.includes(marginText(marginOfError(20, 48))));
  assert.match(marginText(marginOfError(20, 48)), /^±\d+\.\d percentage points at 95% confidence$/);
  for (const team of ['North CP', 'South CP', 'East CP'])
    assert.match(preview.body, new RegExp(`>${team}</th>`));
  // the reverse question, asked on the same form
  assert.match(preview.body, /±10 percentage points<\/th>\s*<td[^>]*>33</, 'the table of sizes for margins');
  const asked = await agent.post(
    '/samples/preview',
    { ...formFields(preview.body, 'name="previewSeed"'), margin: '10' },
    NEW,
  );
  assert.equal(asked.statusCode, 200);
  assert.match(asked.body, /For ±10 percentage points, audit <strong>33 of the 48<\/strong> children/);
  assert.equal(inputValue(asked.body, 'previewSeed'), seed, 'asking again keeps the seed');

  // Draw the sample: what the browser sends, hidden seed included
  const drawn = await agent.post('/samples', formFields(asked.body, 'name="previewSeed"'), NEW);
  assert.equal(drawn.statusCode, 302);
  const sampleId = sampleIdFrom(drawn.headers.location);
  const sample = await t.db
    .selectFrom('samples')
    .selectAll()
    .where('id', '=', sampleId)
    .executeTakeFirstOrThrow();
  assert.equal(String(sample.seed), seed, 'the sample drawn has the seed the check showed');
  assert.equal(sample.sample_size, 20);
  assert.equal(sample.drawn_by !== null, true);
  // and so the children the check would have drawn
  const again = await planSample(
    t.db,
    f.councilId,
    drawRequestSchema.parse({
      ...draw(),
      count: 20,
      seed: Number(seed),
      stratifyBy: 'team',
      allocation: undefined,
      includeSampled: true,
    }),
  );
  assert.deepEqual(
    sample.strata.map((s) => [s.name, s.drawn]),
    again.strata.map((s) => [s.name, s.drawn]),
  );

  // The sample page
  const page = await agent.get(`/samples/${sampleId}`);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'CP after CIN, one per family');
  assert.match(page.body, /The sample has been drawn: 20 children/);
  assert.match(page.body, new RegExp(`id="seed">${seed}</strong>`));
  assert.match(page.body, /Status: Child protection plan/);
  assert.match(page.body, /Child protection plan after a child in need plan/);
  assert.match(page.body, /One child per family/);
  const drawAgain = decode(page.body.match(/href="([^"]+)">Draw again with this seed/)?.[1] ?? '');
  assert.ok(drawAgain.startsWith('/samples/new?'), 'a link to draw it again');
  const again2 = await agent.get(drawAgain);
  assert.equal(inputValue(again2.body, 'seed'), seed, 'drawing again fills in the seed');
  assert.match(again2.body, /value="stratified" checked/);
  assert.doesNotMatch(page.body, /Child\d+|Family\d+/, 'no child’s name on the page');
  const refs = (await auditRows(sampleId)).map((a) => a.external_id);
  for (const ref of refs) assert.ok(page.body.includes(`>${ref}</a>`), `${ref} is listed`);
  const logged = await t.db
    .selectFrom('access_log')
    .select(['record_type', 'record_id', 'child_id'])
    .where('record_id', '=', sampleId)
    .execute();
  assert.deepEqual(
    logged,
    [{ record_type: 'sample', record_id: sampleId, child_id: null }],
    'the view is logged',
  );

  // Allocate automatically
  const allocated = await agent.post(`/samples/${sampleId}/allocate`, {}, `/samples/${sampleId}`);
  assert.equal(allocated.statusCode, 302);
  assert.equal(allocated.headers.location, `/samples/${sampleId}`);
  const afterAllocation = await agent.get(`/samples/${sampleId}`);
  const rows = await auditRows(sampleId);
  const withAuditor = rows.filter((r) => r.status === 'allocated');
  assert.ok(withAuditor.length > 0);
  assert.match(afterAllocation.body, new RegExp(`${withAuditor.length} audits allocated`));
  // each auditor is to be told: one message recorded per audit allocated
  const told = await t.db
    .selectFrom('notifications')
    .select(['audit_id', 'staff_id', 'kind'])
    .where(
      'audit_id',
      'in',
      withAuditor.map((r) => r.id),
    )
    .execute();
  assert.deepEqual(
    told.map((n) => `${n.kind}:${n.audit_id}:${n.staff_id}`).sort(),
    withAuditor.map((r) => `allocated:${r.id}:${r.auditor_id}`).sort(),
  );
  assert.equal(
    (await agent.get(`/samples/${sampleId}`)).body.includes('audits allocated</h3>'),
    false,
    'the banner is shown once',
  );

  // Change the auditor of one audit
  const audit = withAuditor[0];
  const choose = await agent.get(`/audits/${audit.id}/allocation`);
  assert.equal(choose.statusCode, 200);
  assert.equal(h1(choose.body), 'Change the auditor');
  assert.match(choose.body, /\d+ of \d+ this month/, 'the auditors’ load is shown');
  assert.match(
    choose.body,
    /New Manager<\/th>\s*<td[^>]*>Not trained in auditing/,
    'ineligible ones say why',
  );
  const offered = [...choose.body.matchAll(/name="auditorId" type="radio" value="([^"]+)"/g)].map(
    (m) => m[1],
  );
  assert.ok(offered.length > 0);
  assert.ok(!offered.includes(audit.auditor_id as string), 'the auditor it is with is not offered');
  const untrained = f.auditors[f.auditors.length - 1];
  const refused = await agent.post(
    `/audits/${audit.id}/allocation`,
    { auditorId: untrained },
    `/audits/${audit.id}/allocation`,
  );
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(errorSummaryItems(refused.body), [
    { href: '#auditorId', text: 'New Manager cannot take this audit: not trained in auditing' },
  ]);
  const longNote = await agent.post(
    `/audits/${audit.id}/allocation`,
    { auditorId: offered[0], note: 'x'.repeat(501) },
    `/audits/${audit.id}/allocation`,
  );
  assert.deepEqual(errorSummaryItems(longNote.body), [
    { href: '#note', text: 'The note must be 500 characters or fewer' },
  ]);
  assert.match(longNote.body, new RegExp(`value="${offered[0]}" checked`), 'the choice is kept');
  const changed = await agent.post(
    `/audits/${audit.id}/allocation`,
    { auditorId: offered[0], note: 'Knows the family' },
    `/audits/${audit.id}/allocation`,
  );
  assert.equal(changed.statusCode, 302);
  assert.equal(changed.headers.location, `/samples/${sampleId}`);
  const moved = (await auditRows(sampleId)).find((r) => r.id === audit.id);
  assert.equal(moved?.auditor_id, offered[0]);
  const toldNew = await t.db
    .selectFrom('notifications')
    .select('id')
    .where('audit_id', '=', audit.id)
    .where('staff_id', '=', offered[0])
    .execute();
  assert.equal(toldNew.length, 1, 'the new auditor is told');
  const change = await t.db
    .selectFrom('allocation_changes')
    .select(['change', 'from_auditor_id', 'to_auditor_id', 'note'])
    .where('audit_id', '=', audit.id)
    .where('change', '=', 'reallocated')
    .executeTakeFirstOrThrow();
  assert.deepEqual(change, {
    change: 'reallocated',
    from_auditor_id: audit.auditor_id,
    to_auditor_id: offered[0],
    note: 'Knows the family',
  });

  // Exempt: Other needs a reason
  const exemptPage = await agent.get(`/audits/${audit.id}/exempt`);
  assert.equal(exemptPage.statusCode, 200);
  assert.equal(h1(exemptPage.body), 'Exempt the audit');
  const noReason = await agent.post(
    `/audits/${audit.id}/exempt`,
    { reason: 'other', otherNote: '  ' },
    `/audits/${audit.id}/exempt`,
  );
  assert.equal(noReason.statusCode, 400);
  assert.deepEqual(errorSummaryItems(noReason.body), [
    { href: '#otherNote', text: 'Say why the audit is exempted' },
  ]);
  assert.match(noReason.body, /value="other" checked/, 'the choice is kept');
  assert.equal(
    (await auditRows(sampleId)).find((r) => r.id === audit.id)?.status,
    'allocated',
    'nothing changed',
  );
  const nothing = await agent.post(`/audits/${audit.id}/exempt`, {}, `/audits/${audit.id}/exempt`);
  assert.deepEqual(errorSummaryItems(nothing.body), [
    { href: '#reason', text: 'Choose why the audit is exempted' },
  ]);

  const exempted = await agent.post(
    `/audits/${audit.id}/exempt`,
    { reason: 'case_closed', otherNote: '', note: 'Closed on 1 November' },
    `/audits/${audit.id}/exempt`,
  );
  assert.equal(exempted.statusCode, 302);
  const row = (await auditRows(sampleId)).find((r) => r.id === audit.id);
  assert.deepEqual(
    [row?.status, row?.exemption_reason, row?.exemption_note],
    ['exempted', 'case_closed', 'Closed on 1 November'],
  );
  const showing = await agent.get(`/samples/${sampleId}`);
  assert.match(showing.body, /Case closed: Closed on 1 November/);
  assert.match(showing.body, new RegExp(`action="/audits/${audit.id}/reinstate"`));

  // Reinstate: back with the same auditor
  const reinstated = await agent.post(`/audits/${audit.id}/reinstate`, {}, `/samples/${sampleId}`);
  assert.equal(reinstated.statusCode, 302);
  const back = (await auditRows(sampleId)).find((r) => r.id === audit.id);
  assert.deepEqual([back?.status, back?.auditor_id], ['allocated', offered[0]]);
  assert.match((await agent.get(`/samples/${sampleId}`)).body, /has been reinstated: it is with/);
});

test('a seed typed in is the one checked and drawn; drawing it again gives the same children', async () => {
  const agent = lead();
  const preview = await agent.post(
    '/samples/preview',
    draw({ seed: '424242', method: 'simple', count: '8' }),
    NEW,
  );
  assert.equal(preview.statusCode, 200);
  assert.match(preview.body, />424242<\/strong>/);
  const first = sampleIdFrom(
    (await agent.post('/samples', formFields(preview.body, 'name="previewSeed"'), NEW)).headers.location,
  );
  const second = sampleIdFrom(
    (await agent.post('/samples', draw({ seed: '424242', method: 'simple', count: '8' }), NEW)).headers
      .location,
  );
  const refs = async (id: string) => (await auditRows(id)).map((r) => r.external_id);
  assert.deepEqual(await refs(second), await refs(first));
  assert.equal((await refs(first)).length, 8);
});

test('the form refuses what cannot be drawn, says why beside each field and keeps what was typed', async () => {
  const agent = lead();
  const before = await sampleCount();

  const empty = await agent.post('/samples/preview', { monthId: '', cohortId: '', seed: '' }, NEW);
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(empty.body).map((e) => e.href),
    ['#monthId', '#cohortId', '#kind', '#sizeKind', '#method'],
  );

  const tooMany = await agent.post('/samples/preview', draw({ count: '500' }), NEW);
  assert.equal(tooMany.statusCode, 400);
  assert.deepEqual(errorSummaryItems(tooMany.body), [
    {
      href: '#count',
      text: 'The sample (500) is larger than the cohort (48 children, one per family). Draw 48 or fewer, or widen the cohort',
    },
  ]);
  assert.equal(inputValue(tooMany.body, 'count'), '500', 'the number typed is kept');
  assert.match(tooMany.body, /<title>Error: /);

  const drawTooMany = await agent.post('/samples', draw({ count: '500' }), NEW);
  assert.equal(drawTooMany.statusCode, 400);
  assert.equal(errorSummaryItems(drawTooMany.body)[0]?.href, '#count');

  const words = await agent.post('/samples/preview', draw({ count: 'twenty', seed: 'abc' }), NEW);
  assert.deepEqual(errorSummaryItems(words.body), [
    { href: '#count', text: 'Enter the number of children as a whole number, like 20' },
    { href: '#seed', text: 'The seed is a whole number from 0 to 2,147,483,647' },
  ]);

  const percent = await agent.post(
    '/samples/preview',
    draw({ sizeKind: 'percent', count: '', percent: '150' }),
    NEW,
  );
  assert.deepEqual(errorSummaryItems(percent.body), [
    { href: '#percent', text: 'The percentage must be 100 or less' },
  ]);

  const fixed = await agent.post('/samples/preview', draw({ allocation: 'fixed', perStratum: '' }), NEW);
  assert.deepEqual(errorSummaryItems(fixed.body), [
    { href: '#perStratum', text: 'Enter how many children to draw from each team, like 5' },
  ]);
  const fixedOk = await agent.post(
    '/samples/preview',
    draw({ allocation: 'fixed', perStratum: '2', count: '' }),
    NEW,
  );
  assert.equal(fixedOk.statusCode, 200);
  assert.match(
    fixedOk.body,
    /Sample\s*<\/dt>\s*<dd[^>]*>\s*6 children\s*<\/dd>/,
    'two from each of three teams',
  );

  const noStrata = await agent.post('/samples/preview', draw({ stratifyBy: '' }), NEW);
  assert.deepEqual(errorSummaryItems(noStrata.body), [
    { href: '#stratifyBy', text: 'Choose what to stratify by' },
  ]);

  const badMargin = await agent.post('/samples/preview', { ...draw(), margin: '150' }, NEW);
  assert.equal(badMargin.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(badMargin.body).map((e) => e.href),
    ['#margin'],
  );
  assert.match(badMargin.body, /id="preview"/, 'the check is still shown');

  assert.equal(await sampleCount(), before, 'nothing was drawn');
});

test('when no auditor has any capacity, allocating says why and changes nothing', async () => {
  const agent = lead();
  const id = sampleIdFrom(
    (await agent.post('/samples', draw({ count: '5', seed: '7' }), NEW)).headers.location,
  );
  const capacities = await t.db
    .selectFrom('staff')
    .select(['id', 'audit_capacity'])
    .where('council_id', '=', f.councilId)
    .execute();
  await t.db.updateTable('staff').set({ audit_capacity: 0 }).where('council_id', '=', f.councilId).execute();
  try {
    const res = await agent.post(`/samples/${id}/allocate`, {}, `/samples/${id}`);
    assert.equal(res.statusCode, 400);
    const errors = errorSummaryItems(res.body);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].href, '#allocate');
    assert.match(
      errors[0].text,
      /^No audit could be allocated, so nothing has changed\. No auditor can take this case: .*no capacity left this month.*Raise capacities on the Auditors page/,
    );
    assert.match(res.body, /id="allocate"/, 'the error links to the button');
    assert.deepEqual(
      (await auditRows(id)).map((r) => r.status),
      ['unallocated', 'unallocated', 'unallocated', 'unallocated', 'unallocated'],
    );
    const changes = await t.db
      .selectFrom('allocation_changes as c')
      .innerJoin('audits as a', 'a.id', 'c.audit_id')
      .select('c.id')
      .where('a.sample_id', '=', id)
      .execute();
    assert.equal(changes.length, 0);
    // each audit waiting says why on the page
    assert.match(res.body, /No auditor can take this case: [^<]*no capacity left this month/);
  } finally {
    for (const c of capacities)
      await t.db
        .updateTable('staff')
        .set({ audit_capacity: c.audit_capacity })
        .where('id', '=', c.id)
        .execute();
  }
});

test('auditors who cannot take every audit are listed after allocating, with the reason', async () => {
  const agent = lead();
  const id = sampleIdFrom(
    (await agent.post('/samples', draw({ count: '30', seed: '99' }), NEW)).headers.location,
  );
  const res = await agent.post(`/samples/${id}/allocate`, {}, `/samples/${id}`);
  assert.equal(res.statusCode, 302);
  const page = await agent.get(`/samples/${id}`);
  const waiting = (await auditRows(id)).filter((r) => r.status === 'unallocated');
  assert.ok(waiting.length > 0, 'capacity runs out');
  assert.match(page.body, new RegExp(`${waiting.length} audits could not be allocated`));
  for (const w of waiting)
    assert.match(page.body, new RegExp(`<strong>${w.external_id}</strong>: No auditor can take this case`));
});

test('roles other than the QA lead are refused every sampling page and action, and nothing changes', async () => {
  const sampleId = sampleIdFrom(
    (await lead().post('/samples', draw({ count: '2', seed: '1' }), NEW)).headers.location,
  );
  const auditId = (await auditRows(sampleId))[0].id;
  const before = { samples: await sampleCount(), audits: JSON.stringify(await auditRows(sampleId)) };
  const gets = [
    NEW,
    `${NEW}?cohort=${cohortId}`,
    `/samples/${sampleId}`,
    `/audits/${auditId}/allocation`,
    `/audits/${auditId}/exempt`,
  ];
  const posts: [string, Record<string, string>][] = [
    ['/samples/preview', draw()],
    ['/samples', draw()],
    [`/samples/${sampleId}/allocate`, {}],
    [`/audits/${auditId}/allocation`, { auditorId: f.auditors[0] }],
    [`/audits/${auditId}/exempt`, { reason: 'case_closed' }],
    [`/audits/${auditId}/reinstate`, {}],
  ];
  for (const role of REFUSED) {
    const agent = agents.get(role) as Agent;
    for (const url of gets) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 403, `${role} GET ${url}`);
      assert.match(res.body, /You cannot do this/);
    }
    for (const [url, fields] of posts) {
      const res = await agent.post(url, fields, '/');
      assert.equal(res.statusCode, 403, `${role} POST ${url}`);
    }
    // the month page is theirs to read, without the samples
    const month = await agent.get(`/programme/months/${f.monthId}`);
    assert.equal(month.statusCode, 200);
    assert.doesNotMatch(month.body, /Draw a sample|\/samples\//);
  }
  assert.equal(await sampleCount(), before.samples);
  assert.equal(JSON.stringify(await auditRows(sampleId)), before.audits);
  const logged = await t.db.selectFrom('access_log').select('id').where('record_id', '=', sampleId).execute();
  assert.equal(logged.length, 0, 'no refused view is logged');
});

test('a form without its CSRF token is refused and changes nothing', async () => {
  const agent = lead();
  const sampleId = sampleIdFrom(
    (await agent.post('/samples', draw({ count: '2', seed: '2' }), NEW)).headers.location,
  );
  const auditId = (await auditRows(sampleId))[0].id;
  const before = { samples: await sampleCount(), audits: JSON.stringify(await auditRows(sampleId)) };
  for (const [url, fields] of [
    ['/samples', draw()],
    ['/samples/preview', draw()],
    [`/samples/${sampleId}/allocate`, {}],
    [`/audits/${auditId}/exempt`, { reason: 'case_closed' }],
    [`/audits/${auditId}/allocation`, { auditorId: f.auditors[0] }],
    [`/audits/${auditId}/reinstate`, {}],
  ] as [string, Record<string, string>][]) {
    for (const csrf of ['', 'not-the-token']) {
      const res = await agent.post(url, { ...fields, _csrf: csrf });
      assert.equal(res.statusCode, 403, `POST ${url} with _csrf "${csrf}"`);
    }
  }
  assert.equal(await sampleCount(), before.samples);
  assert.equal(JSON.stringify(await auditRows(sampleId)), before.audits);
});

test('another council’s sample and audits are not found', async () => {
  const agent = lead();
  for (const url of [
    `/samples/${otherSampleId}`,
    `/audits/${otherAuditId}/allocation`,
    `/audits/${otherAuditId}/exempt`,
  ]) {
    assert.equal((await agent.get(url)).statusCode, 404, url);
  }
  for (const url of [
    `/samples/${otherSampleId}/allocate`,
    `/audits/${otherAuditId}/exempt`,
    `/audits/${otherAuditId}/reinstate`,
  ]) {
    assert.equal((await agent.post(url, { reason: 'case_closed' }, NEW)).statusCode, 404, url);
  }
  assert.equal(
    (await agent.post(`/audits/${otherAuditId}/allocation`, { auditorId: other.auditors[0] }, NEW))
      .statusCode,
    404,
  );
  const others = await auditRows(otherSampleId);
  assert.ok(others.every((a) => a.status === 'unallocated'));
  assert.equal((await agent.get('/samples/not-an-id')).statusCode, 404);
  // their cohort cannot be drawn from either
  const otherCohort = (
    await t.db
      .selectFrom('samples')
      .select('cohort_id')
      .where('id', '=', otherSampleId)
      .executeTakeFirstOrThrow()
  ).cohort_id as string;
  const res = await agent.post('/samples/preview', draw({ cohortId: otherCohort }), NEW);
  assert.deepEqual(errorSummaryItems(res.body), [{ href: '#cohortId', text: 'Choose a cohort' }]);
});

/** A cycle of the year other than November's, with no sample yet. */
async function cycle(month: string) {
  const row = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('month', '=', month)
    .executeTakeFirstOrThrow();
  return row.id;
}

test('before allocation, each audit waiting says how many auditors could take it, and then they are allocated', async () => {
  const agent = lead();
  const monthId = await cycle('2027-01-01');
  const id = sampleIdFrom(
    (await agent.post('/samples', draw({ monthId, count: '4', seed: '8', method: 'simple' }), NEW)).headers
      .location,
  );
  const page = await agent.get(`/samples/${id}`);
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /No auditor can take this case/, 'not while auditors could take them');
  const rows = await auditRows(id);
  for (const r of rows) {
    const row = page.body.match(new RegExp(`>${r.external_id}</a></th>[\\s\\S]*?</tr>`))?.[0] ?? '';
    assert.match(row, /Not allocated/);
    // seven auditors, of whom the two untrained and the manager of the child's worker cannot
    assert.match(row, /4 of 7 auditors could take it/, r.external_id);
  }
  const allocated = await agent.post(`/samples/${id}/allocate`, {}, `/samples/${id}`);
  assert.equal(allocated.statusCode, 302);
  assert.deepEqual(
    (await auditRows(id)).map((r) => r.status),
    ['allocated', 'allocated', 'allocated', 'allocated'],
  );
});

test('a child already in a sample of the cycle is left out of the next draw, shown with why; the QA lead may let them in', async () => {
  const agent = lead();
  const monthId = await cycle('2027-02-01');
  const leaveOut = (fields: Record<string, string>) => draw({ monthId, includeSampled: '', ...fields });
  const first = sampleIdFrom(
    (await agent.post('/samples', leaveOut({ count: '10', seed: '41', method: 'simple' }), NEW)).headers
      .location,
  );
  const firstRefs = (await auditRows(first)).map((r) => r.external_id);
  const firstFamilies = await t.db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .select('c.family_id')
    .distinct()
    .where('a.sample_id', '=', first)
    .execute();
  const leftOut = await t.db
    .selectFrom('children')
    .select('external_id')
    .where(
      'family_id',
      'in',
      firstFamilies.map((r) => r.family_id as string),
    )
    .execute();

  // the form offers to let them in, unticked
  const form = await agent.get(`${NEW}?cohort=${cohortId}&month=${monthId}`);
  assert.match(form.body, /Children already in a sample of this cycle/);
  assert.doesNotMatch(form.body, /name="includeSampled" type="checkbox" value="yes" checked/);

  // the check: the cohort without them, and who is left out and why
  const check = await agent.post(
    '/samples/preview',
    leaveOut({ count: '5', seed: '42', method: 'simple' }),
    NEW,
  );
  assert.equal(check.statusCode, 200);
  assert.match(
    check.body,
    new RegExp(`${48 - firstFamilies.length} children, one per family, in the case data of 20 November 2026`),
  );
  assert.match(
    check.body,
    new RegExp(
      `Left out of the draw\\s*</dt>\\s*<dd[^>]*>\\s*<p[^>]*>${leftOut.length} children of the cohort, already in a sample of this cycle, or with a brother or sister in one</p>`,
    ),
  );
  for (const ref of firstRefs)
    assert.ok(check.body.includes(`>${ref}</a>: in <a class="govuk-link" href="/samples/${first}">`), ref);
  assert.match(check.body, /brother or sister of F\d+C\d, in <a class="govuk-link" href="\/samples\//);

  // drawn: nobody from those families, and the sample page says who was left out
  const second = sampleIdFrom(
    (await agent.post('/samples', formFields(check.body, 'name="previewSeed"'), NEW)).headers.location,
  );
  const secondRefs = (await auditRows(second)).map((r) => r.external_id);
  assert.equal(secondRefs.length, 5);
  assert.deepEqual(
    secondRefs.filter((r) => leftOut.some((c) => c.external_id === r)),
    [],
  );
  const page = await agent.get(`/samples/${second}`);
  assert.match(
    page.body,
    new RegExp(`${leftOut.length} children of the cohort, already in a sample of this cycle`),
  );
  for (const ref of firstRefs) assert.ok(page.body.includes(`>${ref}</a>: in `), ref);

  // drawn again from its page: the same children are left out, so the same children are drawn
  const link = decode(page.body.match(/href="([^"]+)">Draw again with this seed/)?.[1] ?? '');
  assert.match(link, new RegExp(`again=${second}`));
  const againForm = await agent.get(link);
  const againCheck = await agent.post(
    '/samples/preview',
    formFields(againForm.body, 'name="previewSeed"'),
    NEW,
  );
  assert.match(
    againCheck.body,
    new RegExp(`${leftOut.length} children of the cohort, as when “CP after CIN, one per family” was drawn`),
  );
  assert.match(
    againCheck.body,
    new RegExp(`${48 - firstFamilies.length} children, one per family, in the case data`),
    'the cohort the second sample was drawn from',
  );
  // (a new draw would leave out the second sample's families too)
  const fresh = await agent.post(
    '/samples/preview',
    leaveOut({ count: '5', seed: '42', method: 'simple' }),
    NEW,
  );
  assert.match(
    fresh.body,
    new RegExp(`${48 - firstFamilies.length - 5} children, one per family, in the case data`),
  );

  // let in on purpose: the cohort is whole again, and the check says they may be drawn again
  const letIn = await agent.post(
    '/samples/preview',
    leaveOut({ count: '5', seed: '42', method: 'simple', includeSampled: 'yes' }),
    NEW,
  );
  assert.match(letIn.body, /48 children, one per family, in the case data of 20 November 2026/);
  assert.match(
    letIn.body,
    /None: \d+ children of the cohort already in a sample of this cycle may be drawn again, on purpose/,
  );
  assert.match(letIn.body, /name="includeSampled" type="checkbox" value="yes" checked/);
});

test('the cycle’s page lists its samples and offers to draw one, for the QA lead', async () => {
  const res = await lead().get(`/programme/months/${f.monthId}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<h2 class="govuk-heading-m">Samples<\/h2>/);
  assert.match(res.body, new RegExp(`href="/samples/new\\?month=${f.monthId}"`));
  const samples = await t.db.selectFrom('samples').select('id').where('month_id', '=', f.monthId).execute();
  assert.ok(samples.length > 0);
  for (const s of samples) assert.ok(res.body.includes(`href="/samples/${s.id}"`));
});

test('with no cycle planned and no cohort, the form says what to do first', async () => {
  const councilId = (await createCouncil(t.db, { code: 'new', name: 'New Council' })).id;
  await t.db.deleteFrom('cohorts').where('council_id', '=', councilId).execute();
  await addPerson(t.db, councilId, {
    name: 'New Lead',
    email: 'lead@new.gov.uk',
    jobTitle: 'Officer',
    roles: ['qa_lead'],
    password: PASSWORD,
  });
  const agent = new Agent(app);
  await agent.post('/sign-in', { email: 'lead@new.gov.uk', password: PASSWORD });
  const res = await agent.get(NEW);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /No cycle with audits is planned yet/);
  assert.match(res.body, /There are no cohorts yet/);
  const checked = await agent.post('/samples/preview', { seed: '' }, NEW);
  assert.deepEqual(
    errorSummaryItems(checked.body).map((e) => e.href),
    ['#monthId', '#cohortId', '#kind', '#sizeKind', '#method'],
  );
});

// Last: it loads newer case data for the council.
test('drawing a sample again after newer case data uses the extract it was drawn from, and says so', async () => {
  const agent = lead();
  const original = sampleIdFrom(
    (await agent.post('/samples', draw({ seed: '31337', method: 'simple', count: '6' }), NEW)).headers
      .location,
  );
  await recordChildren(
    t.db,
    f.councilId,
    [0, 1, 2].map((i) => ({
      externalId: `NEW${i}`,
      familyExternalId: `NEWFAM${i}`,
      firstName: 'New',
      lastName: `Child${i}`,
      dateOfBirth: '2015-01-01',
      gender: 'female' as const,
      ethnicity: null,
      disability: false,
      uasc: false,
      involvements: [
        { staffId: f.practitioners.north, teamId: f.teams.north, startDate: '2026-01-01', endDate: null },
      ],
      episodes: [
        { kind: 'cp_plan' as const, startDate: '2026-06-01', endDate: null },
        { kind: 'cin_plan' as const, startDate: '2025-09-01', endDate: '2026-05-31' },
      ],
    })),
    '2026-11-21',
  );
  const page = await agent.get(`/samples/${original}`);
  const link = decode(page.body.match(/href="([^"]+)">Draw again with this seed/)?.[1] ?? '');
  const form = await agent.get(link);
  assert.match(
    form.body,
    /drawn from the case data of 20 November 2026, not the latest \(21 November 2026\)/,
  );
  const latest = decode(form.body.match(/href="([^"]+)">Draw from the latest case data instead/)?.[1] ?? '');
  assert.ok(latest && !latest.includes('snapshot=') && !latest.includes('seed='), latest);

  const again = sampleIdFrom(
    (await agent.post('/samples', formFields(form.body, 'name="previewSeed"'), NEW)).headers.location,
  );
  const refs = async (id: string) => (await auditRows(id)).map((r) => r.external_id);
  assert.deepEqual(await refs(again), await refs(original), 'the same children as before');
  // (sent again within minutes by the same person, the draw is the sample already drawn)
  const snapshot = await t.db
    .selectFrom('samples')
    .select('snapshot_as_of')
    .where('id', '=', again)
    .executeTakeFirstOrThrow();
  assert.equal(snapshot.snapshot_as_of, '2026-11-20');

  // a new check draws from the latest, and says so
  const fresh = await agent.post(
    '/samples/preview',
    draw({ seed: '31337', method: 'simple', count: '2' }),
    NEW,
  );
  assert.match(fresh.body, /3 children, one per family, in the case data of 21 November 2026/);
});

test('the draw form asks which audit tool the audits will use, and refuses a kind with no tool, saying where to make one', async () => {
  const agent = lead();
  const monthId = await cycle('2026-10-01');
  const form = await agent.get(`${NEW}?month=${monthId}&cohort=${cohortId}`);
  assert.equal(form.statusCode, 200);
  // under each kind: the council's tools of that kind, or where to make one
  assert.match(form.body, /<select[^>]*name="toolFullAudit"/);
  assert.match(form.body, /<select[^>]*name="toolDipSample"/);
  assert.doesNotMatch(form.body, /name="toolThemed"|name="toolMultiAgency"/);
  assert.match(
    form.body,
    /There is no themed audit tool yet[^<]*<a class="govuk-link" href="\/tools">Audit tools<\/a>/,
  );
  assert.match(form.body, /There is no multi-agency audit tool yet/);

  // the month's planned dip-sample tool is the one chosen
  const oversight = (
    await t.db
      .selectFrom('audit_tools')
      .select('id')
      .where('council_id', '=', f.councilId)
      .where('name', '=', 'Dip sample: management oversight in the last month')
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto('planned_activities')
    .values({ council_id: f.councilId, month_id: monthId, kind: 'dip_sample', tool_id: oversight, target: 8 })
    .execute();
  const planned = await agent.get(`${NEW}?month=${monthId}&cohort=${cohortId}`);
  assert.match(
    planned.body,
    new RegExp(
      `<option value="${oversight}" selected>Dip sample: management oversight in the last month \\(planned for this cycle\\)`,
    ),
  );
  assert.match(
    planned.body,
    /This cycle plans its dip samples with “Dip sample: management oversight in the last month”/,
  );

  // a themed audit with no themed tool: refused, nothing drawn, with a link to Audit tools
  const before = await sampleCount();
  for (const kind of ['themed', 'multi_agency']) {
    for (const url of ['/samples/preview', '/samples']) {
      const refused = await agent.post(url, draw({ monthId, kind, count: '3', seed: '5' }), NEW);
      assert.equal(refused.statusCode, 400, `${kind} ${url}`);
      const [first] = errorSummaryItems(refused.body);
      assert.equal(first?.href, '/tools');
      assert.match(
        first?.text ?? '',
        /There is no (themed|multi-agency) audit tool, so the audits would have nothing to open\. Create one in Audit tools first/,
      );
    }
  }
  // a full audit with the tool left unchosen (the council has two): asked for
  const unchosen = await agent.post('/samples', draw({ monthId, toolFullAudit: '', count: '3' }), NEW);
  assert.equal(unchosen.statusCode, 400);
  assert.deepEqual(errorSummaryItems(unchosen.body), [
    { text: 'Choose the audit tool the audits will use', href: '#toolFullAudit' },
  ]);
  assert.equal(await sampleCount(), before);
});

test('a themed audit sample drawn with its tool is allocated, and its auditor and the QA lead open the audit', async () => {
  const agent = lead();
  const monthId = await cycle('2026-12-01');
  // the council makes a themed audit tool from the case file audit
  const builtin = await t.db
    .selectFrom('audit_tool_versions')
    .select(['scale_id', 'definition'])
    .where('tool_id', '=', fullAuditTool)
    .executeTakeFirstOrThrow();
  const themed = await t.db
    .insertInto('audit_tools')
    .values({ council_id: f.councilId, name: 'Themed audit: exploitation', kind: 'themed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('audit_tool_versions')
    .values({
      council_id: f.councilId,
      tool_id: themed.id,
      version: 1,
      scale_id: builtin.scale_id,
      definition: JSON.stringify({
        ...(builtin.definition as object),
        name: 'Themed audit: exploitation',
        kind: 'themed',
      }),
    })
    .execute();
  // an auditor who signs in
  const email = 'themed.auditor@sampling.gov.uk';
  const { staffId: auditorId } = await addPerson(t.db, f.councilId, {
    name: 'Tess Themed',
    email,
    jobTitle: 'Team Manager',
    roles: ['auditor'],
    password: PASSWORD,
  });
  await t.db
    .updateTable('staff')
    .set({ audit_trained_on: '2025-01-01', audit_capacity: 5 })
    .where('id', '=', auditorId)
    .execute();
  const auditor = new Agent(app);
  assert.equal((await auditor.post('/sign-in', { email, password: PASSWORD })).statusCode, 302);

  // the form chooses the only themed tool; the sample and its audits use it
  const form = await agent.get(`${NEW}?month=${monthId}&cohort=${cohortId}&kind=themed`);
  assert.match(form.body, new RegExp(`<option value="${themed.id}" selected>Themed audit: exploitation<`));
  const fields = {
    ...formFields(form.body, 'name="previewSeed"'),
    sizeKind: 'count',
    count: '2',
    method: 'simple',
  };
  const id = sampleIdFrom((await agent.post('/samples', fields, NEW)).headers.location);
  const sample = await agent.get(`/samples/${id}`);
  assert.match(sample.body, /Audit tool\s*<\/dt>\s*<dd[^>]*>\s*Themed audit: exploitation/);
  const audits = await auditRows(id);
  assert.equal(audits.length, 2);
  const [audit] = audits;
  const given = await agent.post(
    `/audits/${audit.id}/allocation`,
    { auditorId, note: '' },
    `/audits/${audit.id}/allocation`,
  );
  assert.equal(given.statusCode, 302);
  const tool = await t.db
    .selectFrom('audits')
    .select('tool_id')
    .where('id', '=', audit.id)
    .executeTakeFirstOrThrow();
  assert.equal(tool.tool_id, themed.id);

  for (const [who, as] of [
    ['the auditor', auditor],
    ['the QA lead', agent],
  ] as const) {
    const opened = await as.get(`/audits/${audit.id}`);
    assert.equal(opened.statusCode, 200, who);
    assert.doesNotMatch(opened.body, /Page not found/, who);
  }

  // an audit recorded without a tool, of a kind the council has no tool for, says so: not "Page not found"
  await t.db
    .updateTable('audits')
    .set({ kind: 'multi_agency', tool_id: null, tool_version_id: null })
    .where('id', '=', audit.id)
    .execute();
  for (const [who, as] of [
    ['the auditor', auditor],
    ['the QA lead', agent],
  ] as const) {
    const stuck = await as.get(`/audits/${audit.id}`);
    assert.notEqual(stuck.statusCode, 404, who);
    assert.equal(h1(stuck.body), 'This audit cannot be opened yet', who);
    assert.match(stuck.body, /There is no multi-agency audit tool/, who);
  }
  const lead2 = await agent.get(`/audits/${audit.id}`);
  assert.match(
    lead2.body,
    /Create a multi-agency audit tool in <a class="govuk-link" href="\/tools">Audit tools<\/a>/,
  );
});
