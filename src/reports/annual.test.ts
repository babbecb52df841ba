import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { proportion } from '../domain/statistics.ts';
import {
  annualReport,
  annualReportDocx,
  annualReportHtml,
  publishAnnualFigures,
  type YearTotals,
} from './annual.ts';
import { produceReport } from './catalogue.ts';
import { FEWER_THAN, type Share } from './document.ts';
import type { GradesReport } from './grades.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let p: ReportParams;
let xml: string;
let text: string;
let ms: number;

before(async () => {
  t = await createTestDb({ demo: true });
  const council = await t.db.selectFrom('councils').select(['id', 'name']).executeTakeFirstOrThrow();
  councilId = council.id;
  p = {
    from: '2026-04',
    to: '2027-03',
    filters: {},
    filterWords: [],
    councilName: council.name,
    publication: false,
    today: '2026-11-22',
  };
  const started = Date.now();
  const docx = await annualReportDocx(t.db, councilId, p);
  ms = Date.now() - started;
  xml = (await docxParts(docx)).get('word/document.xml') as string;
  text = wordText(xml);
});
after(async () => {
  await t.close();
});

test('the annual report in Word names both years, with chapters as headings, real tables and charts with alternative text', () => {
  assert.ok(ms < 60_000, `${ms} ms`);
  assert.match(text, /Annual quality assurance report, 2026–27/);
  assert.match(text, /April 2026 to March 2027, against April 2025 to March 2026/);
  assert.match(text, /2025–26/);
  for (const chapter of [
    'The year at a glance',
    'Grade distribution',
    'The section view',
    'Moderation',
    'Dip samples and their themes',
    'Learning linked to practice themes',
    'Auditors',
  ]) {
    assert.match(xml, new RegExp(`<w:pStyle w:val="Heading1"/>.*?<w:t[^>]*>\\d+\\. ${chapter}`), chapter);
  }
  assert.match(xml, /<w:pStyle w:val="Heading2"\/>/);
  assert.match(xml, /<w:tbl>/);
  assert.match(xml, /<wp:docPr [^>]*descr="[^"]{20,}"/);
  assert.match(text, /sections of the audit tool improved on 2025–26/);
  assert.match(text, /full case file audits and re-audits only/);
});

test('its grade totals are the grades report’s for the same months, full case file audits and re-audits', async () => {
  const r = await annualReport(t.db, councilId, p);
  for (const [year, from, to] of [
    [r.thisYear, '2026-04', '2027-03'],
    [r.lastYear, '2025-04', '2026-03'],
  ] as const) {
    let graded = 0;
    let good = 0;
    for (const kind of ['full_audit', 're_audit'] as const) {
      const g = (await produceReport(t.db, councilId, 'grades', { ...p, from, to, filters: { kind } }))
        .json as GradesReport;
      graded += Number(g.goodOrBetter.total.total);
      good += Number(g.goodOrBetter.total.count);
    }
    assert.ok(graded > 0);
    assert.equal(year.graded, graded);
    assert.equal(year.goodOrBetter.count, good);
    const returns = (await produceReport(t.db, councilId, 'returns', { ...p, from, to })).json as {
      total: { returned: number; scheduled: number };
    };
    assert.equal(year.returned, returns.total.returned);
    assert.equal(year.scheduled, returns.total.scheduled);
  }
  assert.match(text, new RegExp(`${r.thisYear.goodOrBetter.count} of ${r.thisYear.graded} \\(`));
});

test('for publication it names no team below service level and no worker, and leaves out the auditors', async () => {
  const worker = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.practitioner_id')
    .select('s.name')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  const auditor = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.auditor_id')
    .select('s.name')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  const teams = (await t.db.selectFrom('teams').select('name').execute()).map((x) => x.name);
  assert.ok(text.includes(auditor.name), 'the full report names its auditors');
  const pub = { ...p, publication: true };
  const publicText = wordText(
    (await docxParts(await annualReportDocx(t.db, councilId, pub))).get('word/document.xml') as string,
  );
  assert.match(publicText, /For publication/);
  assert.ok(!publicText.includes(worker.name), worker.name);
  assert.ok(!publicText.includes(auditor.name), auditor.name);
  for (const team of teams) assert.ok(!publicText.includes(team), team);
  assert.doesNotMatch(publicText, /\d+\. Auditors/);
  const html = await annualReportHtml(t.db, councilId, pub);
  assert.ok(!html.includes(worker.name));
});

/**
 * What a reader can work out by subtraction: each sum says its parts add up to its total; a sum with
 * one unknown gives it, and so on until nothing more comes out.
 */
function workOut(known: Map<string, number>, sums: [string, string[]][]): Map<string, number> {
  const out = new Map(known);
  for (let found = true; found; ) {
    found = false;
    for (const [total, parts] of sums) {
      const unknown = [total, ...parts].filter((x) => !out.has(x));
      if (unknown.length !== 1) continue;
      const partsKnown = parts.filter((x) => out.has(x)).reduce((s, x) => s + (out.get(x) as number), 0);
      out.set(unknown[0], unknown[0] === total ? partsKnown : (out.get(total) as number) - partsKnown);
      found = true;
    }
  }
  return out;
}

function year(
  planned: number,
  exempted: number,
  returned: number,
  grades: [string, number, boolean][],
): YearTotals {
  const graded = grades.reduce((s, [, n]) => s + n, 0);
  const good = grades.reduce((s, [, n, g]) => s + (g ? n : 0), 0);
  return {
    planned,
    exempted,
    scheduled: planned - exempted,
    returned,
    returnRate: proportion(returned, planned - exempted),
    graded,
    goodOrBetter: proportion(good, graded),
    grades: [
      {
        scale: 'ofsted',
        scaleName: 'Ofsted',
        counts: grades.map(([key, count, g]) => ({ key, label: key, count, good: g })),
      },
    ],
  };
}

test('published, no count of 1 to 4 in the year’s totals or grades can be worked out by subtracting shown figures', () => {
  // outstanding 3 of 200 beside good 120, RI 60 and inadequate 17 would give the 3 back; so would
  // exempted 3 beside planned 300 and scheduled 297; and last year's 2 not returned beside 258 of 260
  const now = year(300, 3, 250, [
    ['outstanding', 3, true],
    ['good', 120, true],
    ['requires_improvement', 60, false],
    ['inadequate', 17, false],
  ]);
  const then = year(280, 20, 258, [
    ['outstanding', 10, true],
    ['good', 100, true],
    ['requires_improvement', 50, false],
    ['inadequate', 20, false],
  ]);
  const pub = publishAnnualFigures(now, then, true);
  const known = new Map<string, number>();
  const truth = new Map<string, number>();
  const sums: [string, string[]][] = [];
  const put = (key: string, shown: unknown, value: number) => {
    truth.set(key, value);
    if (typeof shown === 'number') known.set(key, shown);
  };
  for (const [y, raw, shown] of [
    ['now', now, pub.thisYear],
    ['then', then, pub.lastYear],
  ] as const) {
    put(`${y} planned`, shown.planned, raw.planned);
    put(`${y} exempted`, shown.exempted, raw.exempted);
    put(`${y} scheduled`, shown.scheduled, raw.scheduled);
    put(`${y} scheduled`, shown.returnRate.total, raw.scheduled);
    put(`${y} returned`, shown.returned, raw.returned);
    put(`${y} returned`, shown.returnRate.count, raw.returned);
    truth.set(`${y} not returned`, raw.scheduled - raw.returned);
    put(`${y} graded`, shown.graded, raw.graded);
    put(`${y} good or better`, shown.goodOrBetter.count, Number(raw.goodOrBetter.count));
    sums.push([`${y} planned`, [`${y} exempted`, `${y} scheduled`]]);
    sums.push([`${y} scheduled`, [`${y} returned`, `${y} not returned`]]);
    const counts = raw.grades[0].counts;
    sums.push([`${y} graded`, counts.map((g) => `${y} ${g.key}`)]);
    sums.push([`${y} good or better`, counts.filter((g) => g.good).map((g) => `${y} ${g.key}`)]);
    for (const g of counts) {
      const cell = pub.scales[0].grades.find((x) => x.key === g.key);
      const share = y === 'now' ? cell?.thisYear : cell?.lastYear;
      put(`${y} ${g.key}`, share?.count, g.count);
      put(`${y} graded`, share?.total, raw.graded);
    }
  }
  const found = workOut(known, sums);
  const given = [...truth.entries()].filter(([k, n]) => !known.has(k) && found.has(k) && n > 0 && n < 5);
  assert.deepEqual(given, []);
  assert.equal(pub.scales[0].grades[0].thisYear.count, FEWER_THAN);
  assert.equal(pub.scales[0].grades[0].thisYear.rate, null);
  assert.equal(pub.thisYear.exempted, FEWER_THAN);
  assert.equal(typeof pub.thisYear.scheduled, 'string');
  assert.equal(pub.lastYear.returnRate.rate, null);
  // not for publication, everything as counted
  const full = publishAnnualFigures(now, then, false);
  assert.equal(full.thisYear.exempted, 3);
  assert.deepEqual(full.scales[0].grades[0].thisYear, proportion(3, 200));
});

test('published, the annual report’s tables of counts beside a total never hide just one, and its charts draw only shown rates', async () => {
  const r = await annualReport(t.db, councilId, { ...p, publication: true });
  const documents = r.composed.chapters.flatMap((c) => c.documents);
  let columns = 0;
  for (const d of documents) {
    for (const s of d.sections) {
      for (const table of s.tables) {
        if (table.id.startsWith('dip-') && table.id !== 'dip-yes') {
          columns++;
          const hidden = table.rows.filter((x) => typeof x.cells.n !== 'number').length;
          assert.notEqual(hidden, 1, table.id);
        }
        if (table.id === 'learning-themes') {
          columns++;
          const hidden = table.rows.filter((x) => typeof x.cells.attended !== 'number').length;
          const total = d.summary[0].match(/attended by (\d+) people/);
          assert.ok(!(hidden === 1 && total), 'one theme’s attendance hidden beside the total');
        }
      }
      for (const chart of s.charts ?? []) {
        if (chart.kind !== 'rates' || !s.id.startsWith('distribution-')) continue;
        const rows = s.tables[0].rows;
        rows.forEach((row, i) => {
          for (const [j, key] of (['thisYear', 'lastYear'] as const).entries()) {
            const share = row.cells[key] as Share;
            const drawn: number | null = chart.rows[i * 2 + j].rate;
            if (typeof share.count !== 'number' || typeof share.total !== 'number') assert.equal(drawn, null);
            else assert.equal(drawn, share.rate);
          }
        });
      }
    }
  }
  assert.ok(columns >= 2);
});
