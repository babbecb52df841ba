import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { proportion } from '../domain/statistics.ts';
import type { ActionsOnTime } from '../metrics/actions-on-time.ts';
import { actionsOnTimeDocument, onTimeTables, publishOnTimeRows } from './actions-on-time.ts';
import { annualReportDocx } from './annual.ts';
import { FEWER_THAN } from './document.ts';
import { monthlyReportDocx } from './monthly.ts';
import type { ReportParams } from './report-base.ts';

const figures = (count: number, total: number, overdueOpen: number) => ({
  onTime: proportion(count, total),
  overdueOpen,
});

const sample: ActionsOnTime = {
  range: { from: '2026-04-01', to: '2026-09-01' },
  countedTo: '2026-09-30',
  total: figures(45, 60, 9),
  byGrade: [
    { group: 'good', name: 'Good or better', ...figures(30, 38, 3) },
    { group: 'requires_improvement', name: 'Requires improvement', ...figures(12, 19, 4) },
    { group: 'inadequate', name: 'Inadequate', ...figures(3, 3, 2) },
    { group: 'ungraded', name: 'No overall grade (dip samples)', ...figures(0, 0, 0) },
  ],
  byServiceArea: [
    { serviceAreaId: 'a', name: 'Children in Care', ...figures(20, 25, 4) },
    { serviceAreaId: 'b', name: 'Safeguarding', ...figures(25, 35, 5) },
  ],
};

test('for publication, small counts are hidden with a partner, and the headline is always given', () => {
  const t = onTimeTables(sample, true);
  // the headline: all actions, in full
  assert.deepEqual(t.total.onTime, proportion(45, 60));
  assert.equal(t.total.overdueOpen, 9);
  const inadequate = t.byGrade.find((g) => g.name === 'Inadequate');
  assert.equal(inadequate?.onTime.count, FEWER_THAN);
  assert.equal(inadequate?.onTime.rate, null);
  assert.equal(inadequate?.overdueOpen, FEWER_THAN);
  // with inadequate hidden, another row is hidden too, so it cannot be worked out from the total
  const others = t.byGrade.filter((g) => g.name !== 'Inadequate');
  assert.ok(others.some((g) => g.onTime.rate === null));
  // the dip samples' row with no actions is left out
  assert.ok(!t.byGrade.some((g) => g.name.startsWith('No overall grade')));
  // in full, nothing is hidden
  const full = onTimeTables(sample, false);
  assert.deepEqual(full.byGrade.find((g) => g.name === 'Inadequate')?.onTime, proportion(3, 3));
});

test('rows of enough actions stay shown when nothing small is beside them', () => {
  const rows = publishOnTimeRows([
    { name: 'A', ...figures(20, 25, 6) },
    { name: 'B', ...figures(25, 35, 7) },
    { name: 'All', ...figures(45, 60, 13) },
  ]);
  assert.deepEqual(
    rows.map((r) => r.onTime.rate),
    [0.8, 0.714, 0.75],
  );
});

test('the chapter says actions are followed up for every grade, with the rule and both tables', () => {
  const doc = actionsOnTimeDocument(sample, false);
  assert.match(doc.summary.join(' '), /45 of 60 \(75%, 95% CI 63% to 84%\)/);
  assert.match(doc.summary.join(' '), /every grade, not only those graded inadequate/);
  assert.match(doc.notes[0], /done on or before its due date/);
  const tables = doc.sections[0].tables.map((t) => t.id);
  assert.deepEqual(tables, ['actions-on-time-by-grade', 'actions-on-time-by-service-area']);
});

let t: TestDbWithDemo;
let p: ReportParams;

before(async () => {
  t = await createTestDb({ demo: true });
  p = {
    from: '2026-04',
    to: '2026-10',
    filters: {},
    filterWords: [],
    councilName: 'Westbrook Borough Council',
    publication: false,
    today: '2026-11-22',
  };
});

after(async () => {
  await t.close();
});

test('the monthly and annual reports have a chapter of actions done on time by grade, in full and for publication', async () => {
  const word = async (docx: Buffer) => wordText((await docxParts(docx)).get('word/document.xml') as string);
  for (const publication of [false, true]) {
    const monthly = await word(
      await monthlyReportDocx(t.db, t.demo.councilId, { ...p, from: '2026-10', to: '2026-10', publication }),
    );
    assert.match(monthly, /Actions done on time/, `monthly, publication ${publication}`);
    assert.match(monthly, /By the grade of the audit/);
    const annual = await word(await annualReportDocx(t.db, t.demo.councilId, { ...p, publication }));
    assert.match(annual, /Actions done on time, by grade of audit/, `annual, publication ${publication}`);
    assert.match(annual, /Requires improvement/);
    assert.match(annual, /All actions/);
  }
});
