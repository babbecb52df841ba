import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { quarterOf } from '../domain/service-qa.ts';
import { collationDocument } from '../reports/service-qa-collation.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import {
  serviceEntriesWithTheme,
  serviceQaCollation,
  serviceThemeCounts,
  themeSentence,
} from './service-qa-themes.ts';

let t: TestDb;
let councilId: string;
let otherId: string;
const q3 = quarterOf('2026-11-01');
const q2 = quarterOf('2026-08-01');

async function serviceId(council: string, key: string) {
  return (
    await t.db
      .selectFrom('qa_services')
      .select('id')
      .where('council_id', '=', council)
      .where('key', '=', key)
      .executeTakeFirstOrThrow()
  ).id;
}

async function entry(
  council: string,
  key: string,
  input: {
    start: string;
    end: string;
    count: number;
    themes: string[];
    grades?: Record<string, number> | null;
  },
) {
  const row = await t.db
    .insertInto('service_qa_entries')
    .values({
      council_id: council,
      service_id: await serviceId(council, key),
      period_start: input.start,
      period_end: input.end,
      quarter_start: quarterOf(input.end).start,
      reviewed: `${key} files`,
      reviewed_count: input.count,
      strengths: `Strengths of ${key}`,
      development: `Development of ${key}`,
      grades: input.grades ? JSON.stringify(input.grades) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.themes.length)
    await t.db
      .insertInto('service_qa_entry_themes')
      .values(input.themes.map((k) => ({ entry_id: row.id, council_id: council, theme_key: k })))
      .execute();
  return row.id;
}

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'sqa', name: 'Collation Council' })).id;
  otherId = (await createCouncil(t.db, { code: 'sqb', name: 'Other Council' })).id;
  // this quarter: three services, chronologies found by two
  await entry(councilId, 'sen', {
    start: '2026-10-01',
    end: '2026-10-31',
    count: 12,
    themes: ['chronologies', 'voice_of_the_child'],
    grades: { outstanding: 1, good: 7, requires_improvement: 3, inadequate: 1 },
  });
  await entry(councilId, 'sen', {
    start: '2026-11-01',
    end: '2026-11-30',
    count: 8,
    themes: ['chronologies'],
    grades: { outstanding: 0, good: 4, requires_improvement: 4, inadequate: 0 },
  });
  await entry(councilId, 'lado', {
    start: '2026-10-01',
    end: '2026-12-31',
    count: 6,
    themes: ['chronologies'],
  });
  await entry(councilId, 'youth_justice', {
    start: '2026-10-01',
    end: '2026-11-15',
    count: 3,
    themes: ['management_oversight'],
    grades: { good: 2, requires_improvement: 1 },
  });
  // last quarter: one service
  await entry(councilId, 'lado', {
    start: '2026-07-01',
    end: '2026-09-30',
    count: 4,
    themes: ['chronologies'],
  });
  // another council's entries are never counted
  await entry(otherId, 'sen', {
    start: '2026-10-01',
    end: '2026-10-31',
    count: 50,
    themes: ['chronologies', 'neglect'],
  });
});
after(async () => {
  await t?.close();
});

test('the quarter collates each service with an entry, its counts, grades and good-or-better share', async () => {
  const c = await serviceQaCollation(t.db, councilId, q3);
  assert.deepEqual(
    c.services.map((s) => s.key),
    ['sen', 'lado', 'youth_justice'],
  );
  assert.equal(c.entries, 4);
  assert.equal(c.reviewedCount, 12 + 8 + 6 + 3);
  const sen = c.services[0];
  assert.equal(sen.reviewedCount, 20);
  assert.equal(sen.graded, 20);
  assert.deepEqual(
    sen.gradeCounts?.map((g) => [g.key, g.count]),
    [
      ['outstanding', 1],
      ['good', 11],
      ['requires_improvement', 7],
      ['inadequate', 1],
    ],
  );
  assert.equal(sen.goodOrBetter?.count, 12);
  assert.equal(sen.goodOrBetter?.total, 20);
  assert.ok(sen.goodOrBetter?.ci95);
  // the LADO does not grade
  assert.equal(c.services[1].gradeCounts, null);
  assert.equal(c.services[1].goodOrBetter, null);
  assert.ok(c.silent.includes('Complaints'));
  assert.ok(!c.silent.includes('LADO service'));
});

test('a theme is found in so many of the sources with QA this quarter, against last quarter', async () => {
  const c = await serviceQaCollation(t.db, councilId, q3);
  // no audits in this council: the services alone are the sources
  assert.equal(c.audits, 0);
  assert.equal(c.sources, 3);
  assert.equal(c.previousSources, 1);
  const chronologies = c.themes.find((x) => x.key === 'chronologies');
  assert.equal(chronologies?.found, 2);
  assert.equal(chronologies?.sentence, 'Chronologies: found in 2 of 3 services this quarter');
  assert.equal(chronologies?.previousSentence, 'last quarter: 1 of 1');
  assert.equal(c.themes[0].key, 'chronologies');
  assert.ok(!c.themes.some((x) => x.key === 'neglect'), 'another council’s theme');
  assert.equal(themeSentence('Neglect', 1, 1), 'Neglect: found in 1 of 1 service this quarter');
  const before = await serviceQaCollation(t.db, councilId, q2);
  assert.equal(before.sources, 1);
  assert.equal(before.themes.find((x) => x.key === 'chronologies')?.found, 1);
});

test('the services’ theme counts and entries feed the audit theme counts as another source', async () => {
  const counts = await serviceThemeCounts(t.db, councilId, q3);
  assert.equal(counts.servicesWithEntries, 3);
  assert.equal(counts.themes.get('chronologies')?.services, 2);
  assert.equal(counts.themes.get('management_oversight')?.services, 1);
  assert.equal(counts.themes.get('neglect'), undefined);
  const entries = await serviceEntriesWithTheme(t.db, councilId, 'chronologies', q3);
  assert.deepEqual(
    entries.map((e) => e.service),
    ['Special educational needs and EHCPs', 'Special educational needs and EHCPs', 'LADO service'],
  );
  assert.equal((await serviceEntriesWithTheme(t.db, otherId, 'chronologies', q2)).length, 0);
});

test('the publication version names no contributor, suppresses small counts and keeps the headline', async () => {
  const c = await serviceQaCollation(t.db, councilId, q3);
  const full = collationDocument(c, 'Collation Council', false);
  const pub = collationDocument(c, 'Collation Council', true);
  assert.match(full.summary[0], /4 entries from 3 services this quarter, 29 reviewed between them/);
  assert.equal(pub.summary[0], full.summary[0]);
  const reviewed = (doc: typeof full) => doc.sections[1].tables[0].rows.map((r) => r.cells.reviewed);
  assert.deepEqual(reviewed(full), [20, 6, 3]);
  assert.deepEqual(reviewed(pub), [20, 6, 'fewer than 5']);
  const grades = (doc: typeof full) => doc.sections[1].tables[1].rows[0].cells;
  assert.equal(grades(full).g_outstanding, 1);
  assert.equal(grades(pub).g_outstanding, 'fewer than 5');
  // one small cell needs a partner so it cannot be worked back from the total
  const senRow = grades(pub);
  const hidden = Object.entries(senRow).filter(([, v]) => v === 'fewer than 5' || v === 'withheld');
  assert.ok(hidden.length >= 2, JSON.stringify(senRow));
  assert.ok(pub.notes.some((n) => /Prepared for publication/.test(n)));
  assert.ok(pub.subtitle.includes('For publication'));
});
