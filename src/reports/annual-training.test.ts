import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { annualReport } from './annual.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let p: ReportParams;

before(async () => {
  t = await createTestDb({ demo: true });
  const council = await t.db.selectFrom('councils').select(['id', 'name']).executeTakeFirstOrThrow();
  councilId = council.id;
  p = {
    from: '2025-04',
    to: '2026-03',
    filters: {},
    filterWords: [],
    councilName: council.name,
    publication: false,
    today: '2026-11-22',
  };
});
after(() => t.close());

test('the annual report’s auditors give trained, awaiting training and overdue, with counts, at the year’s end', async () => {
  const report = await annualReport(t.db, councilId, p);
  const auditors = report.composed.chapters.find((c) => c.heading === 'Auditors')?.documents?.[0];
  assert.ok(auditors, 'the auditors chapter');
  const training = auditors.sections.find((s) => s.id === 'training');
  assert.equal(training?.heading, 'Auditor training on 31 March 2026');
  const rows = training?.tables[0].rows.map((r) => [r.cells.status, r.cells.people]);
  // the demo: 19 trained at the December 2025 session and one in January, and the IRO and CP
  // advisers' service manager trained three years ago; the two managers the demo leaves untrained
  // started in spring 2025; the two new deputies had not started
  assert.deepEqual(rows, [
    ['Trained', 21],
    ['Awaiting training', 0],
    ['Not trained in time', 2],
  ]);
  assert.match(auditors.summary.join(' '), /21 trained, 0 awaiting training and 2 not trained in time/);

  const published = await annualReport(t.db, councilId, { ...p, publication: true });
  assert.equal(
    published.composed.chapters.find((c) => c.heading === 'Auditors'),
    undefined,
    'the version for publication names nobody and leaves the auditors out',
  );
});
