import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';

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
