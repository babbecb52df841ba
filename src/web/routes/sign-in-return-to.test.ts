import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { createCouncil } from '../../services/organisation/councils.ts';
import { addPerson } from '../../services/organisation/people.ts';
import { safeReturnPath } from '../plugins/access.ts';

let t: TestDb;
let app: FastifyInstance;

/** Return addresses that resolve to another site: `//host` and `/\host` are other sites to a browser. */
const TRICKS = [
  '/..//evil.example',
  '/.//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example',
  '/a/../..//evil.example',
  '//evil.example',
  '/\\evil.example',
  'https://evil.example',
];

before(async () => {
  t = await createTestDb();
  const council = await createCouncil(t.db, { code: 'rt', name: 'Northmoor Council' });
  await addPerson(t.db, council.id, {
    name: 'Pat Return',
    email: 'pat.return@northmoor.gov.uk',
    jobTitle: 'QA Lead',
    roles: ['qa_lead'],
    password: 'otter lantern mirror',
  });
  app = await createTestApp(t.db, { demo: false, trustProxy: 1 });
});
after(async () => {
  await app.close();
  await t.close();
});

test('return addresses that resolve off the site go home; paths within QA Loop are kept', () => {
  for (const trick of TRICKS) assert.equal(safeReturnPath(trick), '/', trick);
  assert.equal(safeReturnPath('/audits/../account'), '/account');
  assert.equal(safeReturnPath('/admin/people?team=1'), '/admin/people?team=1');
});

test('a signed-in person sent to /sign-in with a trick return address goes home', async () => {
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', {
    email: 'pat.return@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  assert.equal(res.statusCode, 302);
  for (const trick of TRICKS) {
    const visit = await agent.get(`/sign-in?returnTo=${encodeURIComponent(trick)}`);
    assert.equal(visit.statusCode, 302, trick);
    assert.equal(visit.headers.location, '/', trick);
  }
  const raw = await agent.get('/sign-in?returnTo=/..//evil.example');
  assert.equal(raw.headers.location, '/');
});

test('signing in with a trick return address goes home', async () => {
  let n = 0;
  for (const trick of TRICKS) {
    n += 1;
    const agent = new Agent(app);
    const csrf = await agent.csrf('/sign-in');
    const res = await agent.request({
      method: 'POST',
      url: '/sign-in',
      payload: new URLSearchParams({
        _csrf: csrf,
        email: 'pat.return@northmoor.gov.uk',
        password: 'otter lantern mirror',
        returnTo: trick,
      }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        referer: 'http://localhost/sign-in',
        'x-forwarded-for': `203.0.113.${n}`,
      },
    });
    assert.equal(res.statusCode, 302, trick);
    assert.equal(res.headers.location, '/', trick);
  }
});
