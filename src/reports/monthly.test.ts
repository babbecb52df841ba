import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  buildMonthlyReport,
  forTheCommittee,
  getCycleNotes,
  monthlyReportDocx,
  monthlyReportHtml,
  NotesConflictError,
  paragraphsOf,
  saveCycleNotes,
} from './monthly.ts';
import { textWidth } from './render.ts';
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
  // the figures of the full report are by worker too, though the committee's Word leaves those tables out
  const full = await buildMonthlyReport(t.db, councilId, p);
  assert.ok(JSON.stringify(full.documents).includes(worker.name), 'the full report names the worker');
  const published = await buildMonthlyReport(t.db, councilId, { ...p, publication: true });
  assert.ok(!JSON.stringify(published.documents).includes(worker.name));
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

test('the month’s Word report is laid out for a committee: no page breaks, no chart of one month, no word broken', async () => {
  const xml = (await docxParts(await monthlyReportDocx(t.db, councilId, p))).get(
    'word/document.xml',
  ) as string;
  // chapters follow on: two short paragraphs do not get a page each
  assert.doesNotMatch(xml, /<w:pageBreakBefore\/>|<w:br w:type="page"\/>/);
  // no XmR chart of a single month (one dot), nor a bar or comparison of one group: said in words
  const charts = [...xml.matchAll(/<wp:docPr [^>]*descr="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(charts.length >= 1 && charts.length <= 3, `${charts.length} charts`);
  for (const alt of charts) {
    assert.doesNotMatch(alt, /Too few months|1 group[,.]/, alt);
  }
  // the tables of single people and of the month repeating its summary are left out: a proxy for
  // 3 to 5 pages is the rows of all the tables (the demo's November now also holds a themed audit
  // and a weekly review's rounds, whose returns rows vary by a few between demo builds: 108 to 112)
  const rows = xml.match(/<w:tr>|<w:tr /g)?.length ?? 0;
  assert.ok(rows <= 115, `${rows} table rows`);
  assert.doesNotMatch(wordText(xml), /\bBy auditor\b|\bBy worker\b|What practitioners wrote/);
  // every table has a fixed layout whose every cell is at least as wide as its longest word
  const tables = xml.match(/<w:tbl>[\s\S]*?<\/w:tbl>/g) ?? [];
  assert.ok(tables.length >= 5);
  for (const table of tables) {
    assert.match(table, /<w:tblLayout w:type="fixed"\/>/);
    for (const cell of table.match(/<w:tc>[\s\S]*?<\/w:tc>/g) ?? []) {
      const width = Number(
        cell
          .match(/<w:tcW w:type="dxa" w:w="(\d+)"\/>|<w:tcW w:w="(\d+)" w:type="dxa"\/>/)
          ?.slice(1)
          .find(Boolean),
      );
      const words = wordText(cell).split(/\s+/).filter(Boolean);
      for (const word of words) {
        assert.ok(width >= textWidth(word, true), `"${word}" in a cell ${width} wide`);
      }
    }
  }
  // grades are whole words in the tables' headers
  assert.match(xml, /<w:t[^>]*>Requires improvement<\/w:t>/);
});

test('for the committee: one month’s “by month” table and Month column go, months of figures stay', () => {
  const doc = {
    title: 'Grades',
    subtitle: [],
    summary: [],
    notes: [],
    publication: false,
    sections: [
      {
        id: 's',
        heading: 'Month by month',
        charts: [
          {
            kind: 'spc' as const,
            title: 'Good or better by month',
            yTitle: 'Good or better',
            percent: true,
            series: [{ label: 'November 2026', value: 0.5 }],
          },
        ],
        tables: [
          {
            id: 'by-month',
            title: 'By month',
            columns: [
              { key: 'month', header: 'Month', kind: 'text' as const },
              { key: 'n', header: 'Audits', kind: 'count' as const },
            ],
            rows: [
              { cells: { month: 'November 2026', n: 4 } },
              { cells: { month: 'All months', n: 4 }, total: true },
            ],
          },
        ],
      },
      {
        id: 'answers',
        heading: 'Answers',
        tables: [
          {
            id: 'answers',
            title: 'Answers',
            columns: [
              { key: 'month', header: 'Month', kind: 'text' as const },
              { key: 'said', header: 'Said', kind: 'text' as const },
            ],
            rows: [
              { cells: { month: 'November 2026', said: 'Yes' } },
              { cells: { month: 'November 2026', said: 'No' } },
            ],
          },
          {
            id: 'by-worker',
            title: 'By worker',
            columns: [{ key: 'worker', header: 'Worker', kind: 'text' as const }],
            rows: [{ cells: { worker: 'A worker' } }],
          },
        ],
      },
    ],
  };
  const laid = forTheCommittee(doc);
  assert.deepEqual(
    laid.sections.map((s) => s.id),
    ['answers'],
    'the month-by-month section of one month, with its chart of one dot, goes',
  );
  assert.deepEqual(
    laid.sections[0].tables.map((t) => [t.id, t.columns.map((c) => c.header)]),
    [['answers', ['Said']]],
  );
});
