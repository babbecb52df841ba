import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { ageBand, CHARACTERISTICS, ethnicGroup } from '../domain/equality.ts';
import { changeBetween, proportion } from '../domain/statistics.ts';
import { produceReport, renderReport } from './catalogue.ts';
import { FEWER_THAN, type Share } from './document.ts';
import {
  buildEqualityReport,
  type EqualityReport,
  equalityDocument,
  publishEqualityReport,
} from './equality.ts';
import { buildGradesReport } from './grades.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let report: EqualityReport;
const p: ReportParams = {
  from: '2026-04',
  to: '2026-11',
  filters: {},
  filterWords: [],
  councilName: 'Westbrook',
  publication: false,
  today: '2026-11-22',
};

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  report = await buildEqualityReport(t.db, councilId, p);
});
after(() => t.close());

test('the domain groups the report counts by', () => {
  assert.equal(ethnicGroup('MWBC'), 'Mixed');
  assert.equal(ethnicGroup('CHNE'), 'Chinese');
  assert.equal(ethnicGroup('REFU'), 'Not recorded');
  // a child turning 5 in the audit month is counted in 1 to 4 that month, 5 to 9 the next
  assert.equal(ageBand('2021-11-15', '2026-11-01'), '1 to 4');
  assert.equal(ageBand('2021-11-15', '2026-12-01'), '5 to 9');
});

test('every characteristic’s groups add up to the grades report’s audits for the same months', async () => {
  const grades = await buildGradesReport(t.db, councilId, p);
  const total = grades.goodOrBetter.total;
  assert.ok(Number(total.total) > 50, `${total.total} audits graded`);
  assert.equal(report.audits, total.total);
  assert.deepEqual(report.goodOrBetter, total);
  assert.deepEqual(
    report.characteristics.map((c) => c.key),
    CHARACTERISTICS.map((c) => c.key),
  );
  for (const c of report.characteristics) {
    const sum = (k: 'audits') => c.groups.reduce((n, g) => n + Number(g[k]), 0);
    assert.equal(sum('audits'), total.total, c.key);
    assert.equal(
      c.groups.reduce((n, g) => n + Number(g.goodOrBetter.count), 0),
      total.count,
      `${c.key} good or better`,
    );
    const order = CHARACTERISTICS.find((x) => x.key === c.key)?.groups ?? [];
    assert.deepEqual(
      c.groups.map((g) => g.group),
      order.filter((g) => c.groups.some((x) => x.group === g)),
      `${c.key} groups in order`,
    );
  }
  // the demo records children of several ethnic groups, some disabled children and a few UASC
  const groupsOf = (key: string) => report.characteristics.find((c) => c.key === key)?.groups ?? [];
  assert.ok(groupsOf('ethnicity').length >= 4);
  assert.deepEqual(
    groupsOf('disability').map((g) => g.group),
    ['Yes', 'No'],
  );
  assert.ok(groupsOf('ageBand').length >= 5);
});

test('each group’s interval is Wilson’s, and it differs from the rest only when Newcombe’s interval leaves out zero', () => {
  for (const c of report.characteristics) {
    for (const g of c.groups) {
      const good = Number(g.goodOrBetter.count);
      const n = Number(g.audits);
      assert.equal(g.goodOrBetter.total, n);
      assert.deepEqual(g.goodOrBetter, proportion(good, n), `${c.key} ${g.group}`);
      assert.deepEqual(g.sections, proportion(Number(g.sections.count), Number(g.sections.total)));
      assert.ok(Number(g.sections.total) >= n, 'each graded audit grades its sections');
      const rest = { count: Number(report.goodOrBetter.count) - good, total: Number(report.audits) - n };
      const change = changeBetween({ count: good, total: n }, rest);
      assert.equal(
        g.differsFromRest,
        change === 'worse' ? 'worse' : change === 'improved' ? 'better' : null,
        `${c.key} ${g.group}`,
      );
    }
  }
});

test('the public version shows groups under 5 as “fewer than 5” with no rate, and withholds one more where the total would give it back', () => {
  const pub = publishEqualityReport(report);
  assert.equal(pub.publication, true);
  let small = 0;
  for (const [i, c] of pub.characteristics.entries()) {
    const raw = report.characteristics[i];
    const hidden = c.groups.filter((g) => typeof g.audits !== 'number');
    assert.notEqual(hidden.length, 1, `${c.key}: a single hidden group could be worked out from the total`);
    for (const [j, g] of c.groups.entries()) {
      const n = Number(raw.groups[j].audits);
      if (n < 5) {
        small++;
        assert.equal(g.audits, FEWER_THAN, `${c.key} ${g.group}`);
      }
      if (typeof g.audits !== 'number') {
        assert.equal(g.goodOrBetter.rate, null);
        assert.equal(g.goodOrBetter.ci95, null);
        assert.equal(g.sections.rate, null);
        assert.equal(g.differsFromRest, null);
      } else {
        assert.ok(g.audits >= 5);
        for (const share of [g.goodOrBetter, g.sections]) {
          for (const x of [share.count, share.total]) {
            assert.ok(typeof x !== 'number' || x === 0 || x >= 5, `${c.key} ${g.group}: ${x}`);
          }
          if (share.rate !== null) {
            assert.equal(typeof share.count, 'number');
            assert.ok(
              Number(share.total) - Number(share.count) === 0 ||
                Number(share.total) - Number(share.count) >= 5,
            );
          }
        }
      }
    }
  }
  assert.ok(small > 0, 'the demo has groups of fewer than 5 audits');
  // a characteristic never has exactly one hidden group: the total would give it back
  for (const c of pub.characteristics) {
    const hidden = c.groups.filter((g) => typeof g.audits !== 'number').length;
    assert.notEqual(hidden, 1, `${c.key}: one hidden group could be worked out from the total`);
  }
});

test('the document has a section per characteristic with a rates chart and a table', () => {
  const doc = equalityDocument(report, 'Westbrook');
  assert.equal(doc.sections.length, 5);
  for (const s of doc.sections) {
    assert.equal(s.charts?.[0]?.kind, 'rates');
    assert.deepEqual(s.tables[0].columns.map((c) => c.header).slice(1), [
      'Audits',
      'Good or better',
      'Sections good or better',
      'Differs from the rest',
    ]);
  }
  assert.ok(doc.summary.some((line) => line.startsWith('Disabled children:')));
  const notes = doc.notes.join(' ');
  assert.match(notes, /Newcombe/);
  assert.match(notes, /latest extract/);
  assert.match(notes, /Small groups cannot be judged/);
});

test('the catalogue makes it in every format, and for publication', async () => {
  const produced = await produceReport(t.db, councilId, 'equality', p);
  assert.equal((produced.json as EqualityReport).report, 'equality');
  const html = String(await renderReport(produced, 'html'));
  assert.match(html, /Differs from the rest/);
  assert.match(html, /Black or Black British/);
  const csv = String(await renderReport(produced, 'csv'));
  assert.match(csv, /^table,group,audits,goodOrBetter,.*,sections,.*,differsFromRest$/m);
  assert.match(csv, /^equality-disability,Yes,/m);
  assert.ok(Buffer.isBuffer(await renderReport(produced, 'xlsx')));
  assert.ok(Buffer.isBuffer(await renderReport(produced, 'docx')));
  const pub = await produceReport(t.db, councilId, 'equality', { ...p, publication: true });
  const json = pub.json as EqualityReport;
  assert.equal(json.publication, true);
  assert.ok(JSON.stringify(json).includes(FEWER_THAN));
  assert.ok(pub.document.subtitle.includes('For publication'));
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

/** Every figure a published equality report shows, the sums between them, and the true counts. */
function equalityFigures(raw: EqualityReport, pub: EqualityReport) {
  const known = new Map<string, number>();
  const truth = new Map<string, number>();
  const sums: [string, string[]][] = [];
  const put = (key: string, shown: unknown, value: number) => {
    truth.set(key, value);
    if (typeof shown === 'number') known.set(key, shown);
  };
  const row = (
    at: string,
    audits: unknown,
    rawAudits: unknown,
    good: Share,
    rawGood: Share,
    sections?: [Share, Share],
  ) => {
    put(`${at} good`, good.count, Number(rawGood.count));
    put(`${at} audits`, typeof audits === 'number' ? audits : good.total, Number(rawAudits));
    truth.set(`${at} not good`, Number(rawAudits) - Number(rawGood.count));
    sums.push([`${at} audits`, [`${at} good`, `${at} not good`]]);
    if (sections) {
      const [s, rawS] = sections;
      put(`${at} sections good`, s.count, Number(rawS.count));
      put(`${at} sections`, s.total, Number(rawS.total));
      truth.set(`${at} sections not good`, Number(rawS.total) - Number(rawS.count));
      sums.push([`${at} sections`, [`${at} sections good`, `${at} sections not good`]]);
    }
  };
  row('all', pub.audits, raw.audits, pub.goodOrBetter, raw.goodOrBetter as Share);
  for (const [k, c] of pub.characteristics.entries()) {
    const rawC = raw.characteristics[k];
    c.groups.forEach((g, i) => {
      const r = rawC.groups[i];
      row(`${c.key} ${g.group}`, g.audits, r.audits, g.goodOrBetter, r.goodOrBetter, [
        g.sections,
        r.sections,
      ]);
    });
    for (const x of ['good', 'not good', 'audits', 'sections good', 'sections not good', 'sections'])
      sums.push([`all ${x}`, c.groups.map((g) => `${c.key} ${g.group} ${x}`)]);
  }
  return { known, truth, sums };
}

/** The counts of 1 to 4 (and the cells withheld to protect them) that subtraction gives back. */
function recovered(raw: EqualityReport, pub: EqualityReport): string[] {
  const { known, truth, sums } = equalityFigures(raw, pub);
  const found = workOut(known, sums);
  return [...truth.entries()]
    .filter(([key, n]) => !known.has(key) && found.has(key) && n > 0 && n < 5)
    .map(([key, n]) => `${key}: ${n}`);
}

test('published, no group’s count of 1 to 4 can be worked out by subtracting the shown figures from the overall ones', () => {
  const share = (count: number, total: number) => proportion(count, total);
  const group = (name: string, audits: number, good: number, sections: number, sectionsGood: number) => ({
    group: name,
    audits,
    goodOrBetter: share(good, audits),
    sections: share(sectionsGood, sections),
    differsFromRest: null,
  });
  const raw: EqualityReport = {
    ...report,
    audits: 200,
    goodOrBetter: share(143, 200),
    characteristics: [
      {
        key: 'ethnicity',
        name: 'Ethnicity',
        groups: [
          group('White', 120, 90, 1440, 1000),
          // good or better 3 of 10, its sections 2 of 120: the rest are shown and add up to the overall
          group('Mixed', 10, 3, 120, 2),
          group('Asian or Asian British', 40, 30, 480, 350),
          group('Black or Black British', 30, 20, 360, 298),
        ],
      },
      {
        key: 'gender',
        name: 'Gender',
        groups: [group('Female', 100, 70, 1200, 800), group('Male', 100, 73, 1200, 850)],
      },
    ],
  };
  const pub = publishEqualityReport(raw);
  const mixed = pub.characteristics[0].groups[1];
  assert.equal(mixed.audits, 10);
  // 3 is a count of 1 to 4, so "fewer than 5" as everywhere else (it was "withheld", with Mixed's 10
  // audits shown beside a share "of withheld"; issue 16)
  assert.equal(mixed.goodOrBetter.count, 'fewer than 5');
  assert.equal(mixed.goodOrBetter.rate, null);
  assert.equal(mixed.sections.rate, null);
  // the overall good or better is shown: 143 less every good-or-better count shown is not Mixed's 3
  assert.equal(pub.goodOrBetter.count, 143);
  const shownGood = pub.characteristics[0].groups.filter((g) => typeof g.goodOrBetter.count === 'number');
  assert.ok(shownGood.length <= 2, 'a second group’s good or better is withheld with Mixed’s');
  assert.notEqual(143 - shownGood.reduce((s, g) => s + Number(g.goodOrBetter.count), 0), 3);
  assert.deepEqual(recovered(raw, pub), []);
  // the chart draws only what is shown
  const chart = equalityDocument(pub, 'Westbrook').sections[0].charts?.[0];
  assert.equal(chart?.kind, 'rates');
  if (chart?.kind === 'rates') {
    for (const [i, g] of pub.characteristics[0].groups.entries()) {
      assert.equal(chart.rows[i].rate, typeof g.goodOrBetter.count === 'number' ? g.goodOrBetter.rate : null);
    }
    assert.equal(chart.rows[1].rate, null);
  }
});

test('published, the demo’s equality report gives back no hidden count by subtraction, and charts draw only shown rates', () => {
  const pub = publishEqualityReport(report);
  assert.deepEqual(recovered(report, pub), []);
  for (const [k, s] of equalityDocument(pub, 'Westbrook').sections.entries()) {
    const chart = s.charts?.[0];
    if (chart?.kind !== 'rates') continue;
    pub.characteristics[k].groups.forEach((g, i) => {
      if (typeof g.goodOrBetter.count !== 'number' || typeof g.goodOrBetter.total !== 'number')
        assert.equal(chart.rows[i].rate, null, `${g.group}`);
    });
  }
});
