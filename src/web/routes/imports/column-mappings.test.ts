import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { findMapping } from '../../../import/mapped.ts';
import { createColumnMapping } from '../../../services/case-data/column-mappings.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';
import { addPerson } from '../../../services/organisation/people.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
const agents: Record<'lead' | 'admin' | 'practitioner' | 'auditor', Agent> = {} as never;

const PASSWORD = 'a long enough password';

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'w', name: 'Westbrook Council' })).id;
  const people = {
    lead: ['Pat Lead', 'qa_lead'],
    admin: ['Ada Admin', 'administrator'],
    practitioner: ['Sam Worker', 'practitioner'],
    auditor: ['Kim Auditor', 'auditor'],
  } as const;
  app = await createTestApp(t.db, { demo: false });
  for (const [who, [name, role]] of Object.entries(people)) {
    const email = `${who}@westbrook.gov.uk`;
    await addPerson(t.db, councilId, { name, email, jobTitle: name, roles: [role], password: PASSWORD });
    const agent = new Agent(app);
    const res = await agent.post('/sign-in', { email, password: PASSWORD });
    assert.equal(res.statusCode, 302, `${who} signs in`);
    agents[who as keyof typeof agents] = agent;
  }
});
after(async () => {
  await app.close();
  await t.close();
});

const UPLOAD_PAGE = '/imports/mappings/new';

/** Sends the sample form as a browser does: multipart, with the page's CSRF token unless told not to. */
async function upload(
  agent: Agent,
  fields: Record<string, string>,
  file?: { name: string; content: string | Buffer },
  options: { csrf?: boolean } = {},
) {
  const boundary = `----qaloop${randomUUID()}`;
  const parts: Buffer[] = [];
  const all = options.csrf === false ? fields : { _csrf: await agent.csrf(UPLOAD_PAGE), ...fields };
  for (const [name, value] of Object.entries(all)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return agent.request({
    method: 'POST',
    url: UPLOAD_PAGE,
    payload: Buffer.concat(parts),
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      referer: `http://localhost${UPLOAD_PAGE}`,
    },
  });
}

const decode = (s: string) =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** What a browser would send from the page's form (the last form on it), as it stands. */
function formFields(html: string): Record<string, string | string[]> {
  const form = html.slice(html.lastIndexOf('<form'));
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
  return fields;
}

const count = async () =>
  Number(
    (
      await t.db
        .selectFrom('column_mappings')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

const SAMPLE = [
  'Person Ref,Forename,D.O.B.,Worker Name,Team Name,Plan Start',
  'P1001,Amy,03/02/2015,Sam Patel,Westbrook North CIN,01/09/2026',
  'P1002,Ben,30/07/2016,Sam Patel,Westbrook North CIN,12/10/2026',
].join('\r\n');

test('a QA lead uploads a sample, checks the suggested columns, names the mapping and saves it', async () => {
  const lead = agents.lead;
  const list = await lead.get('/imports/mappings');
  assert.equal(list.statusCode, 200);
  assert.equal(h1(list.body), 'Column mappings');
  assert.match(list.body, /No column mappings are saved yet/);

  const chosen = await upload(
    lead,
    { listKind: 'cin_plan', sheet: '' },
    { name: 'cin.csv', content: SAMPLE },
  );
  assert.equal(chosen.statusCode, 200);
  assert.equal(h1(chosen.body), 'Choose the columns');
  assert.match(chosen.body, /cin\.csv has 6 named columns/);
  assert.match(chosen.body, /P1001, P1002/, 'the first rows are shown beside their column');
  const fields = formFields(chosen.body);
  assert.deepEqual(fields.headers, [
    'Person Ref',
    'Forename',
    'D.O.B.',
    'Worker Name',
    'Team Name',
    'Plan Start',
  ]);
  assert.equal(fields.listKind, 'cin_plan');
  assert.deepEqual(
    {
      child: fields['column-child_id'],
      first: fields['column-first_name'],
      dob: fields['column-date_of_birth'],
      team: fields['column-team'],
      worker: fields['column-worker'],
      start: fields['column-start_date'],
      end: fields['column-end_date'],
    },
    {
      child: 'Person Ref',
      first: 'Forename',
      dob: 'D.O.B.',
      team: 'Team Name',
      worker: 'Worker Name',
      start: 'Plan Start',
      end: '',
    },
  );
  assert.equal(fields['column-placement_type'], undefined, 'placements are read only for children in care');

  const saved = await lead.post('/imports/mappings', { ...fields, name: 'Weekly CIN extract' }, UPLOAD_PAGE);
  assert.equal(saved.statusCode, 303);
  assert.equal(saved.headers.location, '/imports/mappings');
  const after = await lead.get('/imports/mappings');
  assert.match(after.body, /The column mapping “Weekly CIN extract” has been saved/);
  assert.match(after.body, /Child in need plans/);
  assert.match(after.body, /Child ID, First name, Date of birth, Team, Worker, Start date/);
  const mapping = await findMapping(t.db, councilId, 'Weekly CIN extract');
  assert.deepEqual(mapping?.columns, {
    child_id: 'Person Ref',
    first_name: 'Forename',
    date_of_birth: 'D.O.B.',
    team: 'Team Name',
    worker: 'Worker Name',
    start_date: 'Plan Start',
  });
});

test('mistakes are listed against their fields and nothing is saved', async () => {
  const lead = agents.lead;
  const before = await count();
  const chosen = await upload(lead, { listKind: 'cp_plan' }, { name: 'cp.csv', content: SAMPLE });
  const fields = formFields(chosen.body);
  const bad = await lead.post(
    '/imports/mappings',
    { ...fields, name: ' ', 'column-worker': 'Team Name', 'column-start_date': '' },
    UPLOAD_PAGE,
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { href: '#name', text: 'Enter a name for the mapping' },
    {
      href: '#column-worker',
      text: '"Team Name" is already chosen for team: a column can hold one detail only',
    },
    {
      href: '#column-start_date',
      text: 'Choose the column that holds the start date: child protection plans are read by it',
    },
  ]);
  assert.match(bad.body, /id="column-worker-error"/, 'the error is shown beside the field too');
  assert.deepEqual(formFields(bad.body).headers, fields.headers, 'the file’s columns are still offered');
  const taken = await lead.post('/imports/mappings', { ...fields, name: 'weekly cin EXTRACT' }, UPLOAD_PAGE);
  assert.deepEqual(errorSummaryItems(taken.body), [
    { href: '#name', text: 'There is already a column mapping called "Weekly CIN extract"' },
  ]);
  assert.equal(await count(), before);
});

test('a sample that cannot be read, or no sample, is refused on the upload page', async () => {
  const lead = agents.lead;
  const none = await upload(lead, { sheet: '' });
  assert.equal(none.statusCode, 400);
  assert.deepEqual(errorSummaryItems(none.body), [
    { href: '#listKind', text: 'Choose what each row of the file describes' },
    { href: '#file', text: 'Select a sample file' },
  ]);
  const xls = await upload(
    lead,
    { listKind: 'cla' },
    { name: 'care.xls', content: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) },
  );
  assert.equal(xls.statusCode, 400);
  assert.deepEqual(errorSummaryItems(xls.body), [
    {
      href: '#file',
      text: 'care.xls is an old Excel file (.xls): open it in Excel and save it as an Excel workbook (.xlsx) or CSV',
    },
  ]);
  assert.match(xls.body, /value="cla" checked/, 'the choice made is kept');
});

test('a mapping is changed, read again from next week’s sample, and deleted after a confirmation', async () => {
  const lead = agents.lead;
  const { id } = (await findMapping(t.db, councilId, 'Weekly CIN extract')) as { id: string };
  const edit = await lead.get(`/imports/mappings/${id}`);
  assert.equal(h1(edit.body), 'Change Weekly CIN extract');
  const fields = formFields(edit.body);
  assert.equal(fields['column-child_id'], 'Person Ref');
  const renamed = await lead.post(
    `/imports/mappings/${id}`,
    { ...fields, name: 'Weekly CIN list', 'column-first_name': '' },
    `/imports/mappings/${id}`,
  );
  assert.equal(renamed.statusCode, 303);
  assert.equal((await findMapping(t.db, councilId, 'Weekly CIN list'))?.columns.first_name, undefined);

  const nextWeek = SAMPLE.replace('Person Ref', 'PERSON REF').replace('Plan Start', 'plan start date');
  const again = await upload(
    lead,
    { listKind: 'cin_plan', mappingId: id },
    { name: 'cin-2.csv', content: nextWeek },
  );
  assert.equal(again.statusCode, 200);
  assert.equal(h1(again.body), 'Change Weekly CIN list');
  assert.match(again.body, new RegExp(`action="/imports/mappings/${id}"`));
  const carried = formFields(again.body);
  assert.equal(carried['column-child_id'], 'PERSON REF', 'kept, in the new spelling');
  assert.equal(carried['column-start_date'], 'plan start date', 'a column that has gone is guessed again');
  assert.equal(carried['column-first_name'], '', 'a detail left out stays out');
  assert.equal((await lead.post(`/imports/mappings/${id}`, carried, UPLOAD_PAGE)).statusCode, 303);
  assert.equal((await findMapping(t.db, councilId, 'Weekly CIN list'))?.columns.child_id, 'PERSON REF');

  const confirm = await lead.get(`/imports/mappings/${id}/delete`);
  assert.equal(h1(confirm.body), 'Delete Weekly CIN list?');
  const deleted = await lead.post(`/imports/mappings/${id}/delete`, {}, `/imports/mappings/${id}/delete`);
  assert.equal(deleted.statusCode, 303);
  assert.match(
    (await lead.get('/imports/mappings')).body,
    /The column mapping “Weekly CIN list” has been deleted/,
  );
  assert.equal(await findMapping(t.db, councilId, 'Weekly CIN list'), undefined);
  assert.equal((await lead.get(`/imports/mappings/${id}`)).statusCode, 404);
});

test('administrators may manage mappings; practitioners and auditors are refused on every mapping page', async () => {
  const id = await createColumnMapping(t.db, councilId, {
    name: 'Open cases',
    listKind: 'open_case',
    columns: { child_id: 'ID' },
  });
  assert.equal((await agents.admin.get('/imports/mappings')).statusCode, 200);
  const routes = app.routeAccess.filter((r) => r.url.startsWith('/imports/mappings') && r.method !== 'HEAD');
  assert.equal(routes.length, 8);
  for (const r of routes) assert.equal(r.access, 'imports.manage', `${r.method} ${r.url}`);
  for (const who of ['practitioner', 'auditor'] as const) {
    const agent = agents[who];
    for (const r of routes) {
      const url = r.url.replace(':mappingId', id);
      const res =
        r.method === 'GET'
          ? await agent.get(url)
          : await agent.post(
              url,
              { name: 'Taken over', listKind: 'open_case', 'column-child_id': 'ID' },
              '/',
            );
      assert.equal(res.statusCode, 403, `${who} on ${r.method} ${r.url}`);
    }
    const sent = await upload(
      agent,
      { listKind: 'cin_plan' },
      { name: 'cin.csv', content: SAMPLE },
      { csrf: false },
    );
    assert.equal(sent.statusCode, 403, `${who} uploading a sample`);
  }
  const mapping = await findMapping(t.db, councilId, 'Open cases');
  assert.equal(mapping?.id, id, 'nothing was changed or deleted');
  assert.equal(await findMapping(t.db, councilId, 'Taken over'), undefined);
});

test('a form without its CSRF token is refused and changes nothing', async () => {
  const lead = agents.lead;
  const before = await count();
  const { id } = (await findMapping(t.db, councilId, 'Open cases')) as { id: string };
  const forged = await lead.post(
    '/imports/mappings',
    { _csrf: 'forged', name: 'Forged', listKind: 'open_case', 'column-child_id': 'ID' },
    UPLOAD_PAGE,
  );
  assert.equal(forged.statusCode, 403);
  const noToken = await upload(
    lead,
    { listKind: 'cin_plan' },
    { name: 'cin.csv', content: SAMPLE },
    { csrf: false },
  );
  assert.equal(noToken.statusCode, 403);
  assert.doesNotMatch(noToken.body, /P1001/, 'the sample is not shown');
  const deleted = await lead.post(`/imports/mappings/${id}/delete`, { _csrf: '' }, '/imports/mappings');
  assert.equal(deleted.statusCode, 403);
  assert.equal(await count(), before);
  assert.ok(await findMapping(t.db, councilId, 'Open cases'));
});
