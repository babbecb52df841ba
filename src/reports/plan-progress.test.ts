import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import type { Suggestion } from '../domain/improvement-plan.ts';
import { proportion } from '../domain/statistics.ts';
import {
  type EvidenceFigure,
  type EvidenceOfOutcome,
  NO_AUDITS_YET,
  type PlanProgressData,
  planProgressBodyHtml,
  planProgressData,
  planProgressDocx,
  planProgressReport,
  publishFigures,
  recordPlanReport,
} from './plan-progress.ts';

const NOISE = { enough: true, signals: [] };
const green: Suggestion = { rag: 'green', why: 'the whole interval meets the target 80%' };
const amber: Suggestion = { rag: 'amber', why: 'the interval spans the target 80%' };
const tooFew: Suggestion = { rag: 'too_few', why: '3 of the 10 needed to tell' };

const fig = (
  id: string | null,
  name: string,
  count: number,
  total: number,
  suggestion: Suggestion,
): EvidenceFigure => ({
  locality: { id, name },
  latest: proportion(count, total),
  month: '2026-10-01',
  latestFrom: '2026-08-01',
  spc: NOISE,
  suggestion,
});

const T0 = new Date('2026-10-01T09:00:00Z');
const T1 = new Date('2026-11-10T09:00:00Z');
const LAST_REPORT = new Date('2026-11-01T09:00:00Z');

/** A plan of one area and one outcome, three localities, one with 3 audits. */
function data(overrides: Partial<PlanProgressData> = {}): PlanProgressData {
  const evidence: EvidenceOfOutcome = {
    measures: [
      {
        measure: { id: 'm1', label: 'The plan: SMART', target: 0.8, better: 'higher' },
        figures: [
          {
            ...fig(null, 'Overall', 31, 45, green),
            spc: {
              enough: true,
              signals: [
                {
                  rule: 'run',
                  labels: [],
                  description: '7 months in a row above the average (April 2026 to October 2026)',
                },
              ],
            },
          },
          fig('n', 'North', 15, 22, green),
          fig('s', 'South', 2, 3, tooFew),
          fig('w', 'West', 14, 20, amber),
        ],
      },
    ],
    suggestions: new Map([
      ['', green],
      ['n', green],
      ['s', tooFew],
      ['w', amber],
    ]),
  };
  return {
    councilName: 'Westbrook Council',
    asOf: '2026-11-22',
    plan: { id: 'p', title: 'Children’s services improvement plan' },
    localities: [
      { id: 'n', name: 'North' },
      { id: 's', name: 'South' },
      { id: 'w', name: 'West' },
    ],
    areas: [
      {
        number: '2',
        title: 'Assessment',
        wantToSee: '1. Plans say what happens if progress is not made\n2. Children are seen alone',
        needsToChange: '- Plans include too many actions',
        outcomes: [
          {
            id: 'o1',
            ref: '2.5',
            outcome: 'Child-centred plans are SMART',
            lead: 'Team Managers',
            leadName: 'Priya Shah',
            leadJobTitle: 'Team Manager',
            dueOn: '2027-03-31',
            evidenceNotes: '',
          },
          {
            id: 'o2',
            ref: '2.1',
            outcome: 'Regular reflective supervision',
            lead: '',
            leadName: 'Jo Bloggs',
            leadJobTitle: 'Head of Service',
            dueOn: null,
            evidenceNotes: 'Supervision audit in the spring.',
          },
        ],
      },
    ],
    ratings: [
      {
        outcomeId: 'o1',
        localityId: null,
        rag: 'red',
        suggested: null,
        reason: '',
        setAt: T0,
        setByName: 'Priya Shah',
      },
      {
        outcomeId: 'o1',
        localityId: null,
        rag: 'amber',
        suggested: 'green',
        reason: 'Plans are better but reviews still drift',
        setAt: T1,
        setByName: 'Priya Shah',
      },
      {
        outcomeId: 'o1',
        localityId: 'n',
        rag: 'green',
        suggested: 'green',
        reason: '',
        setAt: T0,
        setByName: 'Priya Shah',
      },
      {
        outcomeId: 'o2',
        localityId: null,
        rag: 'complete',
        suggested: null,
        reason: '',
        setAt: T0,
        setByName: 'Jo Bloggs',
      },
    ],
    updates: [
      {
        outcomeId: 'o1',
        writtenOn: '2026-09-30',
        text: 'Training on SMART plans held.',
        byName: 'Priya Shah',
        createdAt: T0,
      },
      {
        outcomeId: 'o2',
        writtenOn: '2026-11-09',
        text: 'Supervision policy agreed.',
        byName: 'Jo Bloggs',
        createdAt: T1,
      },
    ],
    lastReportAt: LAST_REPORT,
    evidence: new Map([['o1', evidence]]),
    ...overrides,
  };
}

describe('the report in full', () => {
  const r = planProgressReport(data(), false);

  test('says the council, the date, the plan and a summary of outcomes by rating overall', () => {
    assert.equal(r.title, 'Children’s services improvement plan: progress report');
    assert.equal(r.councilName, 'Westbrook Council');
    assert.equal(r.produced, '22 November 2026');
    assert.deepEqual(r.columns, ['North', 'South', 'West', 'Overall']);
    assert.match(r.summary.join(' '), /2 outcomes in 1 area/);
    assert.match(r.summary.join(' '), /Overall: 1 amber, 1 complete\./);
    const overall = (rating: string) => r.byRating.find((x) => x.rating === rating)?.counts[3];
    assert.equal(overall('Amber'), 1);
    assert.equal(overall('Complete'), 1);
    assert.equal(
      r.byRating.find((x) => x.rating === 'Not rated')?.counts[0],
      1,
      'outcome 2.1 has no North rating',
    );
  });

  test('each area has its two lists and its outcomes in the plan’s order, with lead and due date', () => {
    const [area] = r.areas;
    assert.equal(area.heading, '2 Assessment');
    assert.deepEqual(area.wantToSee, [
      'Plans say what happens if progress is not made',
      'Children are seen alone',
    ]);
    assert.deepEqual(area.needsToChange, ['Plans include too many actions']);
    assert.deepEqual(
      area.outcomes.map((o) => o.ref),
      ['2.5', '2.1'],
    );
    assert.equal(area.outcomes[0].lead, 'Team Managers (Priya Shah)');
    assert.equal(area.outcomes[0].due, '31 March 2027');
    assert.equal(area.outcomes[1].due, 'No date set');
  });

  test('the grid gives each cell’s word, the suggestion beside it, and the reason where they differ', () => {
    const grid = r.areas[0].outcomes[0].grid;
    assert.deepEqual(
      grid.map((c) => c.word),
      ['Green', 'Not rated', 'Not rated', 'Amber'],
    );
    assert.deepEqual(
      grid.map((c) => c.suggestedWord),
      ['Green', 'Too few audits to tell', 'Amber', 'Green'],
    );
    const overall = grid[3];
    assert.equal(overall.differs, true);
    assert.equal(overall.reason, 'Plans are better but reviews still drift');
    assert.equal(grid[0].differs, false);
    assert.match(overall.setWords, /Set 10 November 2026 by Priya Shah/);
  });

  test('every evidence figure carries its count, interval, months, signal or noise and suggestion', () => {
    const [table] = r.areas[0].outcomes[0].evidence;
    assert.equal(table.target, 'Target 80% or more');
    const rows = Object.fromEntries(table.rows.map((x) => [x.locality, x]));
    assert.equal(rows.Overall.figureText, '31 of 45 (69%, 95% CI 54% to 81%)');
    assert.equal(rows.South.figureText, '2 of 3 (67%, 95% CI 21% to 94%)', 'in full, small counts are shown');
    assert.equal(rows.Overall.months, 'August to October 2026');
    assert.match(
      rows.Overall.signal,
      /^A sign of real change \(signal\): 7 months in a row above the average/,
    );
    assert.match(rows.North.signal, /^Ordinary variation \(noise\)/);
    assert.match(rows.South.suggestion, /^Too few audits to tell/);
    assert.equal(rows.Overall.suggestion, 'Green: the whole interval meets the target 80%');
  });

  test('a measure with no audits in the latest months says so in words instead of a table of blanks', () => {
    const none = (id: string | null, name: string): EvidenceFigure => ({
      ...fig(id, name, 0, 0, tooFew),
      latest: null,
      month: null,
    });
    const d = data();
    const evidence = d.evidence.get('o1') as EvidenceOfOutcome;
    evidence.measures.push({
      measure: { id: 'm2', label: 'Was the child seen alone? answered yes', target: 0.8, better: 'higher' },
      figures: [none(null, 'Overall'), none('n', 'North'), none('s', 'South'), none('w', 'West')],
    });
    const r2 = planProgressReport(d, false);
    const [, table] = r2.areas[0].outcomes[0].evidence;
    assert.deepEqual(table.rows, []);
    assert.match(planProgressBodyHtml(r2), new RegExp(NO_AUDITS_YET.replace('.', '\\.')));
  });

  test('what changed since the last report: the ratings changed and the updates written after it', () => {
    assert.match(r.changes.since ?? '', /1 November 2026/);
    assert.deepEqual(
      r.changes.ratings.map((c) => [c.ref, c.column, c.from, c.to, c.by]),
      [['2.5', 'Overall', 'Red', 'Amber', 'Priya Shah']],
    );
    assert.deepEqual(
      r.changes.updates.map((u) => [u.ref, u.text, u.by]),
      [['2.1', 'Supervision policy agreed.', 'Jo Bloggs']],
    );
  });

  test('the first report says so and lists nothing to compare with', () => {
    const first = planProgressReport(data({ lastReportAt: null }), false);
    assert.equal(first.changes.since, null);
    assert.deepEqual([first.changes.ratings, first.changes.updates], [[], []]);
    const html = planProgressBodyHtml(first);
    assert.match(html, /This is the first progress report of the plan/);
    assert.doesNotMatch(html, /Ratings changed/);
  });

  test('a rating changed and changed back since the last report is no change', () => {
    const back = {
      ...data().ratings[1],
      rag: 'red' as const,
      reason: 'Back to red',
      setAt: new Date('2026-11-12T09:00:00Z'),
    };
    const r2 = planProgressReport(data({ ratings: [...data().ratings, back] }), false);
    assert.deepEqual(r2.changes.ratings, []);
  });
});

describe('the version for publication', () => {
  const r = planProgressReport(data(), true);
  const html = planProgressBodyHtml(r);

  test('a locality with 3 audits shows “fewer than 5” and no interval; the overall figure stays', () => {
    const rows = Object.fromEntries(r.areas[0].outcomes[0].evidence[0].rows.map((x) => [x.locality, x]));
    assert.equal(rows.South.figureText, 'Fewer than 5 audits: not shown');
    assert.doesNotMatch(rows.South.figureText, /CI|%/);
    assert.equal(rows.Overall.figureText, '31 of 45 (69%, 95% CI 54% to 81%)');
    // with South hidden alone, it could be worked out from the overall less the others: one more goes
    const withheld = [rows.North, rows.West].filter((x) => /Withheld/.test(x.figureText));
    assert.equal(withheld.length, 1, 'one other locality is withheld with it');
    assert.equal(withheld[0].locality, 'West', 'the smaller one');
    assert.match(rows.North.figureText, /^15 of 22 \(68%, 95% CI/);
    assert.equal(rows.South.suggestion, 'Too few audits to tell');
    assert.equal(rows.West.suggestion, 'Not shown with its figure');
  });

  test('the ratings grid and the summary are never hidden', () => {
    assert.deepEqual(
      r.areas[0].outcomes[0].grid.map((c) => c.word),
      ['Green', 'Not rated', 'Not rated', 'Amber'],
    );
    assert.deepEqual(r.byRating, planProgressReport(data(), false).byRating);
    assert.match(html, /Rating set/);
  });

  test('names no one: leads as job titles, no “set by”, no authors of updates', () => {
    assert.equal(r.areas[0].outcomes[0].lead, 'Team Managers');
    assert.equal(
      r.areas[0].outcomes[1].lead,
      'Head of Service',
      'the lead’s job title when the plan names no lead',
    );
    for (const name of ['Priya Shah', 'Jo Bloggs']) assert.doesNotMatch(html, new RegExp(name));
    assert.equal(r.changes.ratings[0].by, null);
    assert.match(html, /For publication/);
  });

  test('publishFigures never hides the overall figure, however small', () => {
    const shown = publishFigures([fig(null, 'Overall', 2, 4, tooFew), fig('a', 'A', 2, 4, tooFew)]);
    assert.equal(shown[0]?.count, 2);
    assert.equal(shown[1]?.total, 'fewer than 5');
  });
});

describe('as Word', () => {
  test('a document that opens, with the grid’s words, the figures and what changed', async () => {
    const file = await planProgressDocx(planProgressReport(data(), false));
    const parts = await docxParts(file);
    const text = wordText(parts.get('word/document.xml') ?? '').replace(/\s+/g, ' ');
    for (const words of [
      'Children’s services improvement plan: progress report',
      'Westbrook Council',
      'What do we want to see?',
      'Plans include too many actions',
      '2.5 Child-centred plans are SMART',
      'Team Managers (Priya Shah)',
      '31 of 45 (69%, 95% CI 54% to 81%)',
      'Ratings changed',
      'Supervision policy agreed.',
      'Reason: Plans are better but reviews still drift',
    ])
      assert.ok(text.includes(words), `the document says “${words}”`);
    // a shaded cell carries its word: the amber fill is in the same cell as "Amber"
    const xml = parts.get('word/document.xml') ?? '';
    assert.match(xml, /w:fill="FFE3A3"[\s\S]{0,600}?<w:t[^>]*>Amber<\/w:t>/);
    assert.match(parts.get('word/header1.xml') ?? '', /OFFICIAL-SENSITIVE/);
  });

  test('the publication version is marked OFFICIAL, says fewer than 5 and names no one', async () => {
    const parts = await docxParts(await planProgressDocx(planProgressReport(data(), true)));
    const text = wordText(parts.get('word/document.xml') ?? '');
    assert.match(text, /For publication/);
    assert.match(text, /Fewer than 5 audits: not shown/);
    assert.doesNotMatch(text, /Priya Shah|Jo Bloggs/);
    assert.match(parts.get('word/header1.xml') ?? '', />OFFICIAL</);
  });
});

describe('from the database', () => {
  let t: TestDb;
  let councilId: string;
  let planId: string;
  let northId: string;
  before(async () => {
    t = await createTestDb({ demo: true });
    councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
    await t.db
      .updateTable('improvement_plans')
      .set({ status: 'archived' })
      .where('council_id', '=', councilId)
      .execute();
    planId = (
      await t.db
        .insertInto('improvement_plans')
        .values({ council_id: councilId, title: 'Test plan' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const area = await t.db
      .insertInto('plan_areas')
      .values({
        council_id: councilId,
        plan_id: planId,
        number: '1',
        title: 'First Response',
        want_to_see: 'Timely decisions',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const outcome = await t.db
      .insertInto('plan_outcomes')
      .values({
        council_id: councilId,
        plan_id: planId,
        area_id: area.id,
        ref: '1.1',
        outcome: 'Decisions within a day',
        lead: 'Head of MASH',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    northId = (
      await t.db
        .selectFrom('localities')
        .select('id')
        .where('council_id', '=', councilId)
        .orderBy('name')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db
      .insertInto('plan_ratings')
      .values([
        {
          council_id: councilId,
          outcome_id: outcome.id,
          locality_id: northId,
          rag: 'red',
          set_at: new Date('2026-10-01T10:00:00Z'),
        },
        {
          council_id: councilId,
          outcome_id: outcome.id,
          locality_id: northId,
          rag: 'amber',
          reason: 'Better',
          set_at: new Date('2026-11-15T10:00:00Z'),
        },
      ])
      .execute();
    await t.db
      .insertInto('plan_updates')
      .values({
        council_id: councilId,
        outcome_id: outcome.id,
        written_on: '2026-11-16',
        text: 'Rota changed.',
        created_at: new Date('2026-11-16T10:00:00Z'),
      })
      .execute();
  });
  after(async () => t.close());

  test('reads the current plan, and what changed since the last report produced before today', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const first = await planProgressData(t.db, councilId, TEST_TODAY, now);
    assert.ok(first);
    assert.equal(first.plan.title, 'Test plan');
    assert.equal(first.lastReportAt, null);
    // a report produced earlier today counts as the same report: the changes are still listed
    await recordPlanReport(t.db, councilId, planId, null, 'full');
    await t.db
      .updateTable('plan_reports')
      .set({ produced_at: new Date('2026-11-22T08:00:00Z') })
      .execute();
    assert.equal((await planProgressData(t.db, councilId, TEST_TODAY, now))?.lastReportAt, null);
    // one produced on 10 November: only the change and the update after it
    await t.db
      .updateTable('plan_reports')
      .set({ produced_at: new Date('2026-11-10T08:00:00Z') })
      .execute();
    const later = await planProgressData(t.db, councilId, TEST_TODAY, now);
    assert.ok(later);
    const r = planProgressReport(later, false);
    assert.deepEqual(
      r.changes.ratings.map((c) => [c.ref, c.from, c.to]),
      [['1.1', 'Red', 'Amber']],
    );
    assert.deepEqual(
      r.changes.updates.map((u) => u.text),
      ['Rota changed.'],
    );
    assert.equal(r.areas[0].outcomes[0].grid[0].word, 'Amber');
  });
});
