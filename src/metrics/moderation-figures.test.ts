import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  buildModerationFigureFixture,
  type ModerationFigureFixture,
} from '../../test/helpers/moderation-figures.ts';
import { MIN_FOR_AUDITOR_KAPPA, moderationFigures, quarterName, quarterOf } from './moderation-figures.ts';

let t: TestDb;
let f: ModerationFigureFixture;

before(async () => {
  t = await createTestDb();
  f = await buildModerationFigureFixture(t.db);
});
after(() => t.close());

const OCT_NOV = { from: '2026-10-01', to: '2026-11-01' };

test('the whole range, from the stored grades: counts, rates with intervals, final grades and kappa', async () => {
  const m = await moderationFigures(t.db, f.councilId, OCT_NOV);
  const total = m.total;
  assert.equal(total.returned, 15);
  assert.equal(total.moderated, 12, 'a moderation not yet decided by the panel does not count');
  assert.deepEqual([total.supported, total.upgraded, total.downgraded], [9, 1, 2]);
  assert.equal(total.moderatedShare.rate, 0.8);
  assert.deepEqual(total.moderatedShare.ci95, [0.548, 0.93]);
  assert.equal(total.downgradedShare.rate, 0.167);
  assert.deepEqual(total.finalGrades, { good: 6, requires_improvement: 5, inadequate: 1 });
  // hand-worked in test/helpers/moderation-figures.ts: po = 8/9, pe = 7/9
  assert.equal(total.agreement.kappa, 0.5);
  assert.equal(total.agreement.n, 12);
  assert.equal(total.agreement.observedAgreement, 0.889);
  assert.equal(total.agreement.expectedAgreement, 0.778);
  assert.deepEqual(m.sources, ['audits']);
});

test('by month and by service area', async () => {
  const m = await moderationFigures(t.db, f.councilId, OCT_NOV);
  assert.deepEqual(
    m.byMonth.map((x) => [x.name, x.returned, x.moderated, x.supported, x.upgraded, x.downgraded]),
    [
      ['October 2026', 5, 5, 5, 0, 0],
      ['November 2026', 10, 7, 4, 1, 2],
    ],
  );
  assert.deepEqual(
    m.byService.map((x) => [x.name, x.returned, x.moderated, x.supported, x.upgraded, x.downgraded]),
    [
      ['Children in care', 3, 2, 1, 0, 1],
      ['Safeguarding', 12, 10, 8, 1, 1],
    ],
  );
  assert.equal(m.byService[0].downgradedShare.rate, 0.5);
});

test(`an auditor's kappa once they have ${MIN_FOR_AUDITOR_KAPPA} moderated audits; fewer, not shown`, async () => {
  const m = await moderationFigures(t.db, f.councilId, OCT_NOV);
  const south = m.byAuditor.find((a) => a.name === 'Manager south');
  const east = m.byAuditor.find((a) => a.name === 'Manager east');
  assert.ok(south && east);
  assert.equal(south.moderated, 10);
  assert.equal(south.agreement.kappa, 0.516, 'κ = 16/31, worked by hand');
  assert.equal(south.agreement.enough, true);
  assert.equal(east.moderated, 2);
  assert.equal(east.agreement.n, 2);
  assert.equal(east.agreement.enough, false);
});

test('the kappa trend is by quarter, each shown from enough moderated audits', async () => {
  const m = await moderationFigures(t.db, f.councilId, { from: '2026-06-01', to: '2026-11-01' });
  assert.deepEqual(
    m.trend.map((q) => [q.name, q.moderated, q.enough ? q.kappa : null]),
    [
      ['April to June 2026', 2, null],
      ['July to September 2026', 0, null],
      ['October to December 2026', 12, 0.5],
    ],
  );
  assert.equal(quarterOf('2027-02-01'), '2027-01-01');
  assert.equal(quarterName('2027-01-01'), 'January to March 2027');
});

test('imported history counts for a month without audits; its outcome follows the grades', async () => {
  const june = await moderationFigures(t.db, f.councilId, { from: '2026-06-01', to: '2026-06-01' });
  assert.equal(june.total.returned, 3, 'an allocation still allocated is not returned');
  assert.equal(june.total.moderated, 2);
  assert.deepEqual([june.total.supported, june.total.upgraded, june.total.downgraded], [1, 0, 1]);
  // (good, good) and (good, requires improvement): po = pe = 5/6, κ = 0
  assert.equal(june.total.agreement.kappa, 0);
  assert.deepEqual(june.sources, ['history']);
  assert.deepEqual(
    june.byAuditor.map((a) => [a.name, a.returned, a.moderated]),
    [
      // the history's "manager  South" is the council's Manager south, whatever the case and spacing
      ['Manager south', 2, 2],
      ['Someone Else', 1, 0],
    ],
  );
  // November has audits in QA Loop, so November's history row is left out
  const nov = await moderationFigures(t.db, f.councilId, { from: '2026-11-01', to: '2026-11-01' });
  assert.equal(nov.total.returned, 10);
});

test("one auditor's figures: their audits and the history naming them, nobody else's", async () => {
  const m = await moderationFigures(
    t.db,
    f.councilId,
    { from: '2026-06-01', to: '2026-11-01' },
    { auditorId: f.managers.south },
  );
  assert.equal(m.total.returned, 14, '12 audits and 2 history rows naming them');
  assert.equal(m.total.moderated, 12);
  assert.deepEqual(
    m.byAuditor.map((a) => a.name),
    ['Manager south'],
    'their audits and the history naming them count as one auditor',
  );
  const care = await moderationFigures(t.db, f.councilId, OCT_NOV, { serviceAreaId: f.serviceAreas.care });
  assert.equal(care.total.returned, 3);
  assert.deepEqual(
    care.byAuditor.map((a) => a.name),
    ['Manager east'],
  );
});

test('months with nothing show zeros and no rates; a backwards range is refused', async () => {
  const m = await moderationFigures(t.db, f.councilId, { from: '2025-01-01', to: '2025-02-01' });
  assert.equal(m.total.returned, 0);
  assert.equal(m.total.moderatedShare.rate, null);
  assert.equal(m.total.moderatedShare.ci95, null);
  assert.equal(m.total.agreement.kappa, null);
  assert.equal(m.byMonth.length, 2);
  await assert.rejects(
    moderationFigures(t.db, f.councilId, { from: '2026-11-01', to: '2026-10-01' }),
    RangeError,
  );
});
