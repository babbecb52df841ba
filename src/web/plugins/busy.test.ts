import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, createTestApp } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { appDb } from '../../data/db.ts';

/**
 * Past its limits the app turns new requests away at once, with "QA Loop is busy — try again in a
 * minute", rather than queue them without end (issue 22); /health/live always answers, and a
 * request already being answered is finished.
 */

let t: TestDb;
let app: FastifyInstance;
/** each request to /test/slow waits until the test lets it go */
let letGo: () => void = () => {};
let waiting = Promise.resolve();
let arrived: () => void = () => {};
let hasArrived = Promise.resolve();

function hold() {
  waiting = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  hasArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
}

before(async () => {
  t = await createTestDb({ demo: true });
  // room for one request at a time, and one more for a draft being saved
  app = await createTestApp(t.db, { ready: false, busy: { maxInFlight: 1, draftRoom: 1 } });
  app.get('/test/slow', { config: { access: 'public' } }, async () => {
    arrived();
    await waiting;
    return 'done at last';
  });
  await app.ready();
});
after(async () => {
  await app.close();
  await t.close();
});

test('at its limit, a page is answered busy at once, with Retry-After; /health/live still answers', async () => {
  hold();
  const agent = new Agent(app);
  const slow = agent.get('/test/slow');
  await hasArrived;

  const page = await agent.get('/sign-in');
  assert.equal(page.statusCode, 503);
  assert.equal(page.headers['retry-after'], '60');
  assert.match(page.body, /<h1 class="govuk-heading-l">QA Loop is busy — try again in a minute<\/h1>/);
  assert.match(page.body, /<title>QA Loop is busy – QA Loop<\/title>/);

  const api = await agent.request({
    method: 'GET',
    url: '/api/imports',
    headers: { accept: 'application/json' },
  });
  assert.equal(api.statusCode, 503);
  assert.deepEqual(JSON.parse(api.body), {
    error: 'busy',
    message: 'QA Loop is busy — try again in a minute',
  });

  const live = await agent.get('/health/live');
  assert.equal(live.statusCode, 200);

  // the request already being answered is finished, and then there is room again
  letGo();
  const done = await slow;
  assert.equal(done.statusCode, 200);
  assert.equal(done.body, 'done at last');
  assert.equal((await agent.get('/sign-in')).statusCode, 200);
});

test('a draft being saved has room kept for it while pages are turned away', async () => {
  hold();
  const agent = new Agent(app);
  const slow = agent.get('/test/slow');
  await hasArrived;
  assert.equal((await agent.get('/sign-in')).statusCode, 503);
  // taken on (and answered by the route as usual: not signed in here), not turned away as busy
  const save = await agent.request({
    method: 'POST',
    url: '/audits/00000000-0000-4000-8000-000000000000/parts/1/autosave',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'a=b',
  });
  assert.notEqual(save.statusCode, 503);
  letGo();
  await slow;
});

test('when the event loop runs late, new pages are turned away but /health/live answers', async () => {
  const late = await createTestApp(t.db, { busy: { maxEventLoopDelayMs: 50 } });
  try {
    const agent = new Agent(late);
    // the process busy for 400 ms on end, as a long piece of work on the main thread would keep it
    const until = performance.now() + 400;
    while (performance.now() < until) {
      // busy
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [page, live] = await Promise.all([agent.get('/sign-in'), agent.get('/health/live')]);
    assert.equal(page.statusCode, 503);
    assert.equal(live.statusCode, 200);
  } finally {
    await late.close();
  }
});

test('while one request works through statement after statement, /health/live is answered during it, not after', async () => {
  // The embedded database answers in this thread: without a turn of the event loop between its
  // statements, no other request was even read until the work had finished (db.ts, LetOthersIn).
  const listening = await createTestApp(t.db, { ready: false });
  const requestsDb = appDb(t.db);
  let started: () => void = () => {};
  const hasStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  listening.get('/test/long-work', { config: { access: 'public' } }, async () => {
    started();
    const until = performance.now() + 1000;
    let statements = 0;
    while (performance.now() < until) {
      await sql`select 1`.execute(requestsDb);
      statements++;
    }
    return { statements };
  });
  try {
    const base = await listening.listen({ port: 0, host: '127.0.0.1' });
    const order: string[] = [];
    const work = fetch(`${base}/test/long-work`)
      .then((r) => r.json())
      .then((body) => {
        order.push('work');
        return body as { statements: number };
      });
    await hasStarted;
    const live = await fetch(`${base}/health/live`);
    order.push('live');
    assert.equal(live.status, 200);
    assert.ok((await work).statements > 1);
    assert.deepEqual(order, ['live', 'work'], '/health/live was answered while the work ran');
  } finally {
    await listening.close();
    await requestsDb.destroy();
  }
});
