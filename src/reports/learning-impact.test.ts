import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { learningImpact } from '../metrics/learning-impact.ts';
import { annualReport, annualReportHtml } from './annual.ts';
import { FEWER_THAN, type ReportDocument, type Share } from './document.ts';
import { learningImpactDocument } from './learning-impact.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let p: ReportParams;

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
});
after(async () => {
  await t.close();
});

const chapterOf = (r: Awaited<ReturnType<typeof annualReport>>): ReportDocument => {
  const chapter = r.composed.chapters.find((c) => c.heading === 'Did learning change practice?');
  assert.ok(chapter, 'the annual report has the chapter');
  const [doc] = chapter.documents;
  assert.ok(doc);
  return doc;
};

test('the annual report says, per theme with learning in the year, what audits found before and after it', async () => {
  const r = await annualReport(t.db, councilId, p);
  const doc = chapterOf(r);
  const impact = await learningImpact(t.db, councilId, '2026-11-22', {
    from: '2026-04-01',
    to: '2027-03-31',
  });
  assert.ok(impact.themes.length > 0, 'the demo year has learning on themes');
  assert.equal(doc.title, 'Did learning change practice? 2026–27');
  assert.match(
    doc.summary[0],
    new RegExp(`^Practice themes with learning in 2026–27: ${impact.themes.length}\\.`),
  );
  assert.ok(
    doc.summary.some((s) => /association, not proof/.test(s)),
    'always says association, not proof',
  );
  assert.deepEqual(
    doc.sections.map((s) => s.heading),
    impact.themes.map((x) => x.themeName),
  );
  for (const [i, section] of doc.sections.entries()) {
    const theme = impact.themes[i];
    assert.match(section.paragraphs?.[0] ?? '', /attended, \d+ named/);
    const [beforeAfter, attended] = section.tables;
    assert.deepEqual(
      beforeAfter.columns.map((c) => c.header),
      ['Figure', 'Before', 'After', 'Difference (after less before)'],
    );
    const found = beforeAfter.rows[0].cells;
    assert.deepEqual(found.left, theme.found.second);
    assert.deepEqual(found.right, theme.found.first);
    assert.equal(found.difference === 'Too few to tell', theme.found.tooFew);
    if (!theme.found.tooFew) assert.match(String(found.difference), /points \(95% CI .+\)/);
    assert.equal(attended.rows.length, 2);
  }
  const html = await annualReportHtml(t.db, councilId, p);
  assert.match(html, /Did learning change practice\?/);
});

test('published, its small counts are suppressed as in the rest of the report, and no session lists a small count', async () => {
  const full = chapterOf(await annualReport(t.db, councilId, p));
  const doc = chapterOf(await annualReport(t.db, councilId, { ...p, publication: true }));
  assert.equal(doc.publication, true);
  assert.equal(doc.sections.length, full.sections.length);
  let shares = 0;
  for (const section of doc.sections)
    for (const table of section.tables)
      for (const row of table.rows)
        for (const key of ['left', 'right']) {
          const s = row.cells[key] as Share;
          shares++;
          for (const n of [s.count, s.total])
            assert.ok(typeof n !== 'number' || n === 0 || n >= 5, `${table.id} ${key}: ${n}`);
          if (typeof s.count !== 'number' || typeof s.total !== 'number') {
            assert.equal(s.rate, null);
            assert.match(String(row.cells.difference), /Withheld|Too few to tell/);
          }
        }
  assert.ok(shares > 0);
  for (const section of doc.sections)
    for (const m of (section.paragraphs?.[0] ?? '').matchAll(/(\d+) (attended|named)/g))
      assert.ok(Number(m[1]) === 0 || Number(m[1]) >= 5, m[0]);
  // a small count somewhere in the full version is shown as fewer than 5 when published
  const smallInFull = full.sections.some((s) =>
    s.tables.some((tb) =>
      tb.rows.some((row) =>
        ['left', 'right'].some((k) => {
          const share = row.cells[k] as Share;
          return [share.count, share.total].some((n) => typeof n === 'number' && n > 0 && n < 5);
        }),
      ),
    ),
  );
  if (smallInFull)
    assert.ok(
      doc.sections.some((s) =>
        s.tables.some((tb) =>
          tb.rows.some((row) =>
            ['left', 'right'].some((k) => Object.values(row.cells[k] as Share).includes(FEWER_THAN)),
          ),
        ),
      ),
    );
});

test('a year with no learning says so, and still that this is association', async () => {
  const doc = await learningImpactDocument(
    t.db,
    councilId,
    { ...p, from: '2020-04', to: '2021-03' },
    '2020–21',
  );
  assert.deepEqual(doc.sections, []);
  assert.equal(doc.summary[0], 'No learning session on a practice theme was held in 2020–21.');
  assert.match(doc.summary[1], /association, not proof/);
});
