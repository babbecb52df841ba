import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp } from '../../../../test/helpers/app.ts';
import { signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  buildModerationFigureFixture,
  type ModerationFigureFixture,
} from '../../../../test/helpers/moderation-figures.ts';

/**
 * Issue 16, item 4: the consistency page said "0 of 18 moderated" while the cycle dashboard said
 * "Chosen for moderation 5 of 24". Each moderation figure is defined once (chosen, re-graded, decided
 * by the panel, each of the returned audits that can be moderated) and every page gives the same.
 *
 * November 2026 in the fixture: 10 returned audits that can be moderated (the dip sample is not one);
 * 7 decided by the panel, 1 re-graded and waiting for the panel; and here one more chosen but not yet
 * with a moderator: chosen 9, re-graded 8, decided 7, of 10.
 */
let t: TestDb;
let app: FastifyInstance;
let f: ModerationFigureFixture;

before(async () => {
  t = await createTestDb();
  f = await buildModerationFigureFixture(t.db);
  await t.db
    .insertInto('moderations')
    .values({ council_id: f.councilId, audit_id: f.audits.submitted, chosen_because: 'random' })
    .execute();
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

/** A page's text, tags removed and spaces collapsed. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|\s+/g, ' ')
    .replace(/ ([,.)])/g, '$1');

test('the consistency page, the cycle dashboard and the moderation report agree for the same month', async () => {
  const qa = await signedIn(app, f.people.qaLead);

  const consistency = await qa.get('/moderation/consistency?from=2026-11&to=2026-11');
  assert.equal(consistency.statusCode, 200);
  const figure = (id: string) =>
    text(consistency.body.match(new RegExp(`<li[^>]*id="${id}"[\\s\\S]*?</li>`))?.[0] ?? '').trim();
  assert.match(figure('figure-chosen'), /^9 of 10 \(90%\) chosen for moderation, of returned audits$/);
  assert.match(figure('figure-regraded'), /^8 of 10 \(80%\) re-graded by a moderator, of returned audits$/);
  assert.match(figure('figure-decided'), /^7 of 10 \(70%\) decided by the panel, of returned audits/);

  const dashboard = await qa.get(`/dashboards/cycle?month=${f.monthId}`);
  assert.equal(dashboard.statusCode, 200);
  const board = text(dashboard.body);
  assert.match(board, /Of 10 returned audits that can be moderated/);
  assert.match(board, /Chosen for moderation \(of returned audits\) 9 of 10 \(90%\)/);
  assert.match(board, /Re-graded by a moderator \(of returned audits\) 8 of 10 \(80%\)/);
  assert.match(board, /Decided by the panel \(of returned audits\) 7 of 10 \(70%\)/);

  const json = JSON.parse((await qa.get('/reports/moderation.json?from=2026-11&to=2026-11')).body);
  assert.equal(json.returned, 10);
  assert.equal(json.moderated, 7);
  const report = text((await qa.get('/reports/moderation.html?from=2026-11&to=2026-11')).body);
  assert.match(report, /Returned audits that can be moderated: 10\./);
  assert.match(report, /Moderated: 7 of 10 \(70%[^)]*\), decided by the panel, of returned audits\./);
  assert.match(report, /Decided by the panel, of returned audits/, 'the column says what it counts');
});
