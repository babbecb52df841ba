import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, h1 } from '../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

// Two app instances on one database, as a council runs them behind its load balancer: the sign-in
// limit (twenty a minute from one address) holds across both, not twenty on each.

let t: TestDb;
let first: FastifyInstance;
let second: FastifyInstance;

before(async () => {
  t = await createTestDb({ demo: true });
  first = await createTestApp(t.db);
  second = await createTestApp(t.db);
});
after(async () => {
  await first?.close();
  await second?.close();
  await t?.close();
});

test('sign-in attempts spread over two instances are refused after the limit, not after twice it', async () => {
  const one = new Agent(first);
  const token = await one.csrf('/sign-in');
  // the same browser: its session cookie works on either instance (sessions are in the database)
  const two = new Agent(second);
  for (const [name, value] of one.cookies) two.cookies.set(name, value);

  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const agent = i % 2 === 0 ? one : two;
    const res = await agent.post('/sign-in', { _csrf: token, email: `nobody${i}@x.gov.uk`, password: 'x' });
    statuses.push(res.statusCode);
  }
  assert.ok(!statuses.includes(429), `the first twenty are answered: ${statuses.join(',')}`);

  for (const agent of [one, two]) {
    const refused = await agent.post('/sign-in', { _csrf: token, email: 'nobody@x.gov.uk', password: 'x' });
    assert.equal(refused.statusCode, 429);
    assert.equal(h1(refused.body), 'Too many attempts');
  }
});

test('the shared counters hold no address in the clear, and each route counts on its own', async () => {
  const rows = await t.db.selectFrom('rate_limit_counters').select(['key', 'hits']).execute();
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.doesNotMatch(row.key, /127\.0\.0\.1|sign-in|nobody/);
    assert.match(row.key, /^[A-Za-z0-9_-]{43}$/, 'an HMAC-SHA-256, base64url');
  }
  // the code form after a password has its own limit: the sign-in attempts above did not use it up
  const agent = new Agent(second);
  const token = await agent.csrf('/sign-in');
  const code = await agent.post('/sign-in/code', { _csrf: token, code: '123456' });
  assert.notEqual(code.statusCode, 429);
});
