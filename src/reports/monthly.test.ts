import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  buildMonthlyReport,
  getCycleNotes,
  monthlyReportDocx,
  monthlyReportHtml,
  NotesConflictError,
  paragraphsOf,
  saveCycleNotes,
} from './monthly.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let monthId: string;
let p: ReportParams;

const STRENGTHS =
  'Children’s voices are heard & recorded in their own words.\n\nManagers record their oversight.';

before(async () => {
  t = await createTestDb({ demo: true });
  const council = await t.db.selectFrom('councils').select(['id', 'name']).executeTakeFirstOrThrow();
  councilId = council.id;
  monthId = (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', councilId)
      .where('month', '=', '2026-11-01')
      .executeTakeFirstOrThrow()
  ).id;
  p = {
    from: '2026-11',
    to: '2026-11',
    filters: {},
    filterWords: [],
    councilName: council.name,
    publication: false,
    today: '2026-11-22',
  };
});
after(async () => {
  await t.close();
});

test('notes are saved over the revision they were typed on, and an older revision is refused', async () => {
  assert.equal((await getCycleNotes(t.db, councilId, monthId)).revision, 0);
  const first = await saveCycleNotes(t.db, councilId, monthId, null, {
    strengths: STRENGTHS,
    areasForDevelopment: 'Plans need dates.',
    revision: 0,
  });
  assert.equal(first.revision, 1);
  await assert.rejects(
    saveCycleNotes(t.db, councilId, monthId, null, { strengths: 'x', areasForDevelopment: 'y', revision: 0 }),
    (err) => err instanceof NotesConflictError && err.saved.strengths === STRENGTHS,
  );
  const second = await saveCycleNotes(t.db, councilId, monthId, null, {
    strengths: STRENGTHS,
    areasForDevelopment: 'Plans need dates.\n\nContingency plans are missing.',
    revision: 1,
  });
  assert.equal(second.revision, 2);
  assert.deepEqual(paragraphsOf(second.areasForDevelopment), [
    'Plans need dates.',
    'Contingency plans are missing.',
  ]);
});

test('the monthly report is of one month', async () => {
  await assert.rejects(buildMonthlyReport(t.db, councilId, { ...p, from: '2026-10' }), RangeError);
});

test('the monthly report in Word: title page, chapters as headings, real tables, charts with alternative text', async () => {
  const report = await buildMonthlyReport(t.db, councilId, p);
  assert.equal(report.title, 'Monthly quality assurance report, November 2026');
  assert.ok(report.themes.some((x) => x.startsWith('Management oversight')));
  const parts = await docxParts(await monthlyReportDocx(t.db, councilId, p));
  const xml = parts.get('word/document.xml') as string;
  const text = wordText(xml);
  assert.match(text, /Monthly quality assurance report, November 2026/);
  assert.match(text, /Management oversight/);
  assert.match(text, /Produced 22 November 2026/);
  assert.match(text, /Contents/);
  for (const chapter of [
    'Strengths',
    'Areas for development',
    'Returns',
    'Grades',
    'Moderation',
    'Escalations',
  ]) {
    assert.match(xml, new RegExp(`<w:pStyle w:val="Heading1"/>.*?<w:t[^>]*>\\d+\\. ${chapter}`), chapter);
  }
  assert.match(xml, /<w:pStyle w:val="Heading2"\/>/);
  assert.match(xml, /<w:tbl>/);
  assert.match(xml, /<wp:docPr [^>]*descr="[^"]{20,}"/);
  assert.ok(
    text.includes('Children’s voices are heard &amp; recorded') ||
      text.includes('Children’s voices are heard & recorded'),
  );
  assert.match(text, /Managers record their oversight\./);
  assert.match(text, /Contingency plans are missing\./);
  const header = [...parts.entries()]
    .filter(([k]) => k.startsWith('word/header'))
    .map(([, v]) => wordText(v));
  assert.ok(header.some((h) => h.includes('OFFICIAL-SENSITIVE')));
});

test('the monthly report for publication is marked OFFICIAL and names no worker', async () => {
  const worker = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.practitioner_id')
    .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
    .select('s.name')
    .where('pm.month', '=', '2026-11-01')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  const full = wordText(
    (await docxParts(await monthlyReportDocx(t.db, councilId, p))).get('word/document.xml') as string,
  );
  assert.ok(full.includes(worker.name), 'the full report names the worker');
  const parts = await docxParts(await monthlyReportDocx(t.db, councilId, { ...p, publication: true }));
  const text = wordText(parts.get('word/document.xml') as string);
  assert.ok(!text.includes(worker.name));
  const header = [...parts.entries()]
    .filter(([k]) => k.startsWith('word/header'))
    .map(([, v]) => wordText(v));
  assert.ok(header.some((h) => h.includes('OFFICIAL') && !h.includes('SENSITIVE')));
  const html = await monthlyReportHtml(t.db, councilId, { ...p, publication: true });
  assert.match(html, /<h1[^>]*>Monthly quality assurance report, November 2026<\/h1>/);
  assert.ok(!html.includes(worker.name));
});

test('published, every month of the demo’s year with 10 or more audits shows its returns, grades and moderation', async () => {
  const months = ['2026-04', '2026-05', '2026-06', '2026-07', '2026-09', '2026-10', '2026-11'];
  let checked = 0;
  for (const month of months) {
    const q = { ...p, from: month, to: month };
    const full = await buildMonthlyReport(t.db, councilId, q);
    const pub = await buildMonthlyReport(t.db, councilId, { ...q, publication: true });
    const [returns, grades, moderation] = pub.documents;
    const [fullReturns, fullGrades, fullModeration] = full.documents;
    const graded = Number(fullGrades.summary[0].match(/Audits graded: (\d+)/)?.[1]);
    if (graded < 10) continue;
    checked++;
    // the month's headline sentences read as they do in full: its returns, grades and moderation
    assert.equal(returns.summary[1], fullReturns.summary[1], `${month}: ${returns.summary[1]}`);
    assert.match(returns.summary[1], /^Returned: \d+ of \d+ \(\d+%\)\.$/);
    assert.equal(grades.summary[0], fullGrades.summary[0], month);
    assert.equal(grades.summary[1], fullGrades.summary[1], `${month}: ${grades.summary[1]}`);
    assert.match(grades.summary[1], /^Good or better: \d+ of \d+ \(\d+%, 95% CI/);
    const moderated = (d: typeof moderation) => d.summary.find((x) => x.startsWith('Moderated:'));
    assert.equal(moderated(moderation), moderated(fullModeration), month);
    assert.equal(moderation.summary[0], fullModeration.summary[0], month);
  }
  assert.ok(checked >= 6, `${checked} months of 10 or more audits`);
});
