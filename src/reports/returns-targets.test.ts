/**
 * The returns report carries each cycle's target against actual (issue 16, item 13): a planned
 * activity that was never drawn shows in the full report, beside what was drawn, allocated,
 * returned and exempted; the version for publication leaves the per-cycle tables out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { type ReturnsSeed, seedReturns } from '../../test/helpers/returns.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { createProgrammeYear } from '../services/programme/programme.ts';
import { produceReport } from './catalogue.ts';
import { reportHtml } from './render.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let seed: ReturnsSeed;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'rt', name: 'Returns Targets Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId, 'rt');
  await t.db
    .insertInto('planned_activities')
    .values([
      { council_id: councilId, month_id: seed.novemberId, kind: 'full_audit', target: 6, position: 0 },
      { council_id: councilId, month_id: seed.novemberId, kind: 'dip_sample', target: 32, position: 1 },
    ])
    .execute();
});
after(() => t?.close());

const params = (publication: boolean): ReportParams => ({
  from: '2026-11',
  to: '2026-11',
  filters: {},
  filterWords: [],
  councilName: 'Returns Targets Council',
  publication,
  today: TEST_TODAY,
});

test('the returns report shows November’s targets beside what was drawn, and a planned dip sample not drawn', async () => {
  const full = await produceReport(t.db, councilId, 'returns', params(false));
  const section = full.document.sections.find((s) => s.id === 'returns-targets');
  assert.ok(section, 'a section of target against actual');
  const table = section.tables[0];
  assert.equal(table.title, 'Target against actual, November 2026');
  const fullAudits = table.rows.find((r) => r.cells.activity === 'Full case file audits');
  assert.equal(fullAudits?.cells.target, '6');
  assert.equal(fullAudits?.cells.drawn, 5);
  const dips = table.rows.find((r) => String(r.cells.activity).startsWith('Dip samples'));
  assert.equal(dips?.cells.target, '32');
  assert.ok(Number(dips?.cells.toDraw) > 0, 'dip samples still to draw');
  assert.match(await reportHtml(full.document), /Target against actual, November 2026/);

  const published = await produceReport(t.db, councilId, 'returns', params(true));
  assert.equal(
    published.document.sections.some((s) => s.id === 'returns-targets'),
    false,
    'left out of the version for publication',
  );
});
