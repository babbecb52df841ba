import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { buildReportFixture, type ReportFixture } from '../../test/helpers/report-fixture.ts';
import { DEFAULT_JOURNEY_SECTIONS } from '../domain/builtin-tools.ts';
import { differenceInterval } from '../domain/statistics.ts';
import { compare, FEWEST_AUDITS, learningImpact } from './learning-impact.ts';

/**
 * The report fixture's 15 returned audits (March and April 2026, each with graded sections; M7 is
 * tagged with neglect in a section that is not graded) and, added here:
 *
 * - before the neglect learning (1 July 2026): 12 audits returned in May, Tom's, each tagged with
 *   neglect in its first section, 2 of those sections good;
 * - after it: 12 of Priya's audits in August to October tagged with neglect (11 sections good), 8
 *   of Tom's tagged (5 good) and 5 of Tom's with no theme.
 * - Priya is named at the first neglect session; Ola at the second (1 September 2026).
 * - A session on domestic abuse (1 October 2026) with no audits after it to speak of, and a
 *   session on neglect in 2024, outside the period.
 */
let t: TestDb;
let f: ReportFixture;
const AS_OF = '2026-12-31';
const section = DEFAULT_JOURNEY_SECTIONS[0];

async function addAudit(on: string, practitioner: string, tag: { theme: string; good: boolean } | null) {
  const template = await t.db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', f.audits.M1)
    .executeTakeFirstOrThrow();
  const row = await t.db
    .insertInto('audits')
    .values({
      council_id: f.councilId,
      month_id: template.month_id,
      child_id: template.child_id,
      kind: 'full_audit',
      tool_id: template.tool_id,
      tool_version_id: template.tool_version_id,
      team_id: template.team_id,
      practitioner_id: practitioner,
      auditor_id: template.auditor_id,
      status: 'submitted',
      submitted_at: new Date(`${on}T12:00:00Z`),
      overall_grade: 'good',
      final_grade: 'good',
      answers: JSON.stringify({}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('audit_section_results')
    .values({
      audit_id: row.id,
      council_id: f.councilId,
      section_key: section.key,
      section_lineage: section.key,
      section_title: section.title,
      position: 1,
      grade: tag?.good === false ? 'requires_improvement' : 'good',
      grade_order: tag?.good === false ? 3 : 2,
      good_or_better: tag?.good !== false,
    })
    .execute();
  if (tag)
    await t.db
      .insertInto('audit_practice_themes')
      .values({ audit_id: row.id, council_id: f.councilId, section_key: section.key, theme_key: tag.theme })
      .execute();
}

async function addSession(heldOn: string, theme: string, attended: number, named: string[]) {
  const s = await t.db
    .insertInto('learning_sessions')
    .values({
      council_id: f.councilId,
      title: `Learning on ${theme}, ${heldOn}`,
      held_on: heldOn,
      format: 'workshop',
      attended,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('learning_session_themes')
    .values({ session_id: s.id, council_id: f.councilId, theme_key: theme })
    .execute();
  for (const staff of named)
    await t.db
      .insertInto('learning_session_attendees')
      .values({ session_id: s.id, council_id: f.councilId, staff_id: staff })
      .execute();
}

const day = (month: number, d: number) =>
  `2026-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

before(async () => {
  t = await createTestDb();
  f = await buildReportFixture(t.db);
  for (const key of ['neglect', 'domestic_abuse']) {
    const theme = await t.db
      .selectFrom('practice_themes')
      .select('key')
      .where('council_id', '=', f.councilId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!theme)
      await t.db
        .insertInto('practice_themes')
        .values({
          council_id: f.councilId,
          key,
          name: key === 'neglect' ? 'Neglect' : 'Domestic abuse',
          description: '',
        })
        .execute();
  }
  for (let i = 0; i < 12; i++)
    await addAudit(day(5, 1 + i), f.workers.tom, { theme: 'neglect', good: i < 2 });
  for (let i = 0; i < 12; i++)
    await addAudit(day(8 + (i % 3), 2 + i), f.workers.priya, { theme: 'neglect', good: i < 11 });
  for (let i = 0; i < 8; i++)
    await addAudit(day(8 + (i % 3), 3 + i), f.workers.tom, { theme: 'neglect', good: i < 5 });
  for (let i = 0; i < 5; i++) await addAudit(day(9, 10 + i), f.workers.tom, null);
  await addSession('2026-07-01', 'neglect', 30, [f.workers.priya]);
  await addSession('2026-09-01', 'neglect', 12, [f.workers.ola]);
  await addSession('2026-10-01', 'domestic_abuse', 9, []);
  await addSession('2024-07-01', 'neglect', 40, []);
});
after(async () => {
  await t.close();
});

test('before and after the first session on a theme: found more often, and sections better', async () => {
  const impact = await learningImpact(t.db, f.councilId, AS_OF);
  assert.equal(impact.windowMonths, 6);
  assert.deepEqual(
    impact.themes.map((x) => x.themeKey),
    ['domestic_abuse', 'neglect'],
  );
  const neglect = impact.themes.find((x) => x.themeKey === 'neglect');
  assert.ok(neglect);
  // the 2024 session is outside the period; the two in it, oldest first, with their counts
  assert.deepEqual(
    neglect.sessions.map((s) => [s.heldOn, s.attended, s.named]),
    [
      ['2026-07-01', 30, 1],
      ['2026-09-01', 12, 1],
    ],
  );
  assert.equal(neglect.firstSession, '2026-07-01');
  assert.deepEqual(neglect.before, { from: '2026-01-01', to: '2026-06-30' });
  // six months after would end on 1 January 2027: cut short at the date asked for
  assert.deepEqual(neglect.after, { from: '2026-07-02', to: AS_OF, cutShort: true });
  // before: the fixture's 15 audits and Tom's 12 in May; found in M7 and the 12
  assert.equal(neglect.found.second.total, 27);
  assert.equal(neglect.found.second.count, 13);
  assert.equal(neglect.found.first.total, 25);
  assert.equal(neglect.found.first.count, 20);
  assert.equal(neglect.found.change, 'improved');
  assert.match(neglect.found.words, /^After 20 of 25 \(80%\), before 13 of 27 \(48%\): found more often/);
  const expected = differenceInterval({ count: 20, total: 25 }, { count: 13, total: 27 });
  assert.ok(expected && neglect.found.difference);
  assert.ok(Math.abs(neglect.found.difference[0] - expected[0]) < 0.001);
  // sections tagged with neglect: M7's is not graded, so 2 of 12 before and 16 of 20 after
  assert.deepEqual([neglect.sectionsGood.second.count, neglect.sectionsGood.second.total], [2, 12]);
  assert.deepEqual([neglect.sectionsGood.first.count, neglect.sectionsGood.first.total], [16, 20]);
  assert.equal(neglect.sectionsGood.change, 'improved');
  assert.match(neglect.sectionsGood.words, /a real improvement/);
  assert.match(neglect.sectionsGood.words, /95% confidence interval/);
  assert.ok(neglect.sectionsGood.first.ci95, 'every share carries its interval');
});

test('after the learning, practitioners who attended against those who did not', async () => {
  const impact = await learningImpact(t.db, f.councilId, AS_OF);
  const neglect = impact.themes.find((x) => x.themeKey === 'neglect');
  assert.ok(neglect);
  // Priya attended: her 12 audits; Tom did not: his 13 (8 tagged)
  assert.deepEqual([neglect.attendedFound.first.count, neglect.attendedFound.first.total], [12, 12]);
  assert.deepEqual([neglect.attendedFound.second.count, neglect.attendedFound.second.total], [8, 13]);
  assert.equal(neglect.attendedFound.tooFew, false);
  // sections: only 8 of Tom's audits have a tagged section, too few to tell
  assert.deepEqual(
    [neglect.attendedSectionsGood.first.count, neglect.attendedSectionsGood.first.total],
    [11, 12],
  );
  assert.deepEqual(
    [neglect.attendedSectionsGood.second.count, neglect.attendedSectionsGood.second.total],
    [5, 8],
  );
  assert.equal(neglect.attendedSectionsGood.tooFew, true);
  assert.equal(neglect.attendedSectionsGood.change, null);
  assert.match(neglect.attendedSectionsGood.words, /^Too few audits to tell: 12 attended and 8 did not/);
  assert.equal(neglect.noPractitioner, 0);
});

test('a theme whose learning has too few audits after it says so in words; the rules say association', async () => {
  const impact = await learningImpact(t.db, f.councilId, AS_OF);
  const abuse = impact.themes.find((x) => x.themeKey === 'domestic_abuse');
  assert.ok(abuse);
  // after 1 October: the 6 audits returned in October (4 of Priya's, 2 of Tom's)
  assert.equal(abuse.found.firstAudits, 6);
  assert.ok(abuse.found.firstAudits < FEWEST_AUDITS);
  assert.equal(abuse.found.tooFew, true);
  assert.match(abuse.found.words, /Too few audits to tell/);
  assert.ok(impact.rules.some((r) => /association, not proof/.test(r)));
  assert.ok(impact.rules.some((r) => /6 months before that day/.test(r)));
});

test('the window is the council’s setting, and the period can be given', async () => {
  await t.db
    .insertInto('council_settings')
    .values({ council_id: f.councilId, phase_lengths: '{}', learning_window_months: 3 })
    .onConflict((oc) => oc.column('council_id').doUpdateSet({ learning_window_months: 3 }))
    .execute();
  const impact = await learningImpact(t.db, f.councilId, AS_OF);
  assert.equal(impact.windowMonths, 3);
  const neglect = impact.themes.find((x) => x.themeKey === 'neglect');
  assert.deepEqual(neglect?.before, { from: '2026-04-01', to: '2026-06-30' });
  assert.deepEqual(neglect?.after, { from: '2026-07-02', to: '2026-10-01', cutShort: false });
  assert.ok(impact.rules.some((r) => /3 months before that day/.test(r)));
  const old = await learningImpact(t.db, f.councilId, AS_OF, {
    from: '2024-01-01',
    to: '2024-12-31',
    windowMonths: 6,
  });
  assert.deepEqual(
    old.themes.map((x) => [x.themeKey, x.sessions.length]),
    [['neglect', 1]],
  );
  assert.equal(old.themes[0].found.tooFew, true);
});

test('compare: words for a fall, and nothing to compare', () => {
  const fell = compare(
    { count: 2, total: 20, audits: 20 },
    { count: 15, total: 20, audits: 20 },
    { first: 'after', second: 'before' },
    'good',
  );
  assert.equal(fell.change, 'worse');
  assert.match(fell.words, /a real fall/);
  const none = compare(
    { count: 0, total: 0, audits: 10 },
    { count: 0, total: 0, audits: 10 },
    { first: 'after', second: 'before' },
    'good',
  );
  assert.equal(none.difference, null);
  assert.match(none.words, /Nothing to compare/);
});
