import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import type { Db } from '../data/db.ts';
import { addMonths } from '../domain/dates.ts';
import { DEFAULT_THRESHOLDS, suggestRating } from '../domain/improvement-plan.ts';
import { xmrChart } from '../domain/spc.ts';
import { proportion } from '../domain/statistics.ts';
import {
  evidenceRows,
  figureInWords,
  LATEST_MONTHS,
  lastCompleteMonth,
  monthsInWords,
  outcomeEvidence,
  SERIES_MONTHS,
  seriesInWords,
  suggestionInWords,
} from './plan-evidence.ts';

let t: TestDbWithDemo;
let db: Db;
let councilId: string;
let outcomeId: string;
let otherOutcomeId: string;

/** An archived plan of our own, so the demo's current plan (if any) is left alone. */
async function makeOutcome(minimumCount: number, greenWhen = 'interval_above', redWhen = 'interval_below') {
  const plan = await sql<{ id: string }>`
    insert into improvement_plans (council_id, title, status, minimum_count, green_when, red_when)
    values (${councilId}, 'Test plan', 'archived', ${minimumCount}, ${greenWhen}, ${redWhen}) returning id`.execute(
    db,
  );
  const area = await sql<{ id: string }>`
    insert into plan_areas (council_id, plan_id, title) values (${councilId}, ${plan.rows[0].id}, 'Area')
    returning id`.execute(db);
  const outcome = await sql<{ id: string }>`
    insert into plan_outcomes (council_id, plan_id, area_id, ref, outcome)
    values (${councilId}, ${plan.rows[0].id}, ${area.rows[0].id}, '1.1', 'Outcome') returning id`.execute(db);
  return outcome.rows[0].id;
}

async function addMeasure(outcome: string, fields: Record<string, unknown>) {
  const f: Record<string, unknown> = {
    tool_id: null,
    section_lineage: null,
    question_key: null,
    answer: null,
    theme_key: null,
    ...fields,
  };
  const r = await sql<{ id: string }>`
    insert into plan_measures (council_id, outcome_id, kind, tool_id, section_lineage, question_key, answer,
      theme_key, target, better, label)
    values (${councilId}, ${outcome}, ${f.kind}, ${f.tool_id}, ${f.section_lineage}, ${f.question_key}, ${f.answer},
      ${f.theme_key}, ${f.target ?? 0.8}, ${f.better ?? 'higher'}, ${f.label ?? String(f.kind)}) returning id`.execute(
    db,
  );
  return r.rows[0].id;
}

before(async () => {
  t = await createTestDb({ demo: true });
  db = t.db;
  councilId = t.demo.councilId;
  outcomeId = await makeOutcome(10);
  otherOutcomeId = await makeOutcome(1000);
});
after(() => t.close());

describe('months', () => {
  test('the last complete month is the month before, unless the date is a month end', () => {
    assert.equal(lastCompleteMonth('2026-11-22'), '2026-10-01');
    assert.equal(lastCompleteMonth('2026-11-30'), '2026-11-01');
    assert.equal(lastCompleteMonth('2026-12-01'), '2026-11-01');
  });
  test('months are said in words', () => {
    assert.equal(monthsInWords('2026-08-01', '2026-10-01'), 'August to October 2026');
    assert.equal(monthsInWords('2025-12-01', '2026-02-01'), 'December 2025 to February 2026');
  });
});

describe('in words', () => {
  test('a figure with its count and interval', () => {
    assert.equal(figureInWords(proportion(31, 50)), '62% (31 of 50; 95% interval 48% to 74%)');
    assert.equal(figureInWords(null), 'No audits in these months');
  });

  test('the thresholds page’s example is true', () => {
    const p = proportion(31, 40);
    assert.equal(figureInWords(p), '78% (31 of 40; 95% interval 63% to 88%)');
    assert.equal(suggestRating(p, 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'amber');
    const byFigure = { minimumCount: 10, greenWhen: 'figure_above', redWhen: 'figure_below' } as const;
    assert.equal(suggestRating(p, 0.8, 'higher', byFigure).rag, 'red');
    const few = suggestRating(p, 0.8, 'higher', { ...DEFAULT_THRESHOLDS, minimumCount: 50 });
    assert.equal(suggestionInWords(few, p, 50).text, 'Too few audits to tell (40 of the 50 needed)');
  });

  test('too few audits in words, never a colour', () => {
    const p = proportion(3, 4);
    const s = suggestionInWords(suggestRating(p, 0.8, 'higher', DEFAULT_THRESHOLDS), p, 10);
    assert.deepEqual(s, {
      rag: 'too_few',
      label: 'Too few audits to tell',
      text: 'Too few audits to tell (4 of the 10 needed)',
    });
  });

  test('the series as signal, noise or too few months', () => {
    const flat = xmrChart(
      [0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5, 0.6].map((value, i) => ({ label: `m${i}`, value })),
      { min: 0, max: 1 },
    );
    assert.match(seriesInWords(flat).text, /^Noise: the ups and downs over 8 months/);
    const rising = xmrChart(
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((value, i) => ({ label: `m${i}`, value })),
      { min: 0, max: 1 },
    );
    assert.equal(seriesInWords(rising).signal, true);
    assert.match(seriesInWords(rising).text, /^Signal of real change: /);
    const short = xmrChart(
      [
        { label: 'a', value: 0.5 },
        { label: 'b', value: null },
      ],
      { min: 0, max: 1 },
    );
    assert.equal(
      seriesInWords(short).text,
      'Too few months with figures to tell signal from noise (1 of the 6 needed)',
    );
  });
});

describe('outcomeEvidence', () => {
  test('oversight: the share of submitted audits with oversight, overall and per locality, pooled over 3 months', async () => {
    const measureId = await addMeasure(outcomeId, {
      kind: 'oversight',
      label: 'Oversight recorded',
      target: 0.5,
    });
    const evidence = (await outcomeEvidence(db, councilId, [outcomeId], TEST_TODAY)).get(outcomeId);
    assert.ok(evidence);
    const measure = evidence.measures.find((m) => m.measure.id === measureId);
    assert.ok(measure);
    const to = lastCompleteMonth(TEST_TODAY);
    const from = addMonths(to, -(LATEST_MONTHS - 1));
    // counted independently
    const { rows } = await sql<{ total: number; with_oversight: number }>`
      select count(*)::int as total,
        (count(*) filter (where exists (select 1 from audit_oversight o where o.audit_id = a.id)))::int as with_oversight
      from audits a join programme_months pm on pm.id = a.month_id
      where a.council_id = ${councilId} and a.status = 'submitted'
        and pm.month between ${from}::date and ${to}::date`.execute(db);
    const overall = measure.figures[0];
    assert.equal(overall.locality.id, null);
    assert.equal(overall.locality.name, 'Overall');
    assert.ok(rows[0].total > 0, 'the demo council has submitted audits in the last 3 complete months');
    assert.equal(overall.latest?.total, rows[0].total);
    assert.equal(overall.latest?.count, rows[0].with_oversight);
    assert.equal(overall.month, to);
    assert.equal(overall.latestFrom, from);
    assert.equal(overall.series.length, SERIES_MONTHS);
    assert.equal(overall.series.at(-1)?.month, to);
    // the latest figure is the last 3 months of the series pooled
    const last3 = overall.series.slice(-LATEST_MONTHS);
    assert.equal(
      last3.reduce((s, x) => s + x.figure.total, 0),
      overall.latest?.total,
    );
    // localities after overall, by name; their totals add up to no more than overall
    const names = measure.figures.slice(1).map((f) => f.locality.name);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => a.localeCompare(b, 'en-GB')),
    );
    assert.equal(names.length, t.demo.localities);
    const sum = measure.figures.slice(1).reduce((s, f) => s + (f.latest?.total ?? 0), 0);
    assert.ok(sum <= rows[0].total);
    assert.ok(overall.latest?.ci95, 'the figure carries its interval');
    assert.notEqual(overall.suggestion.rag, 'too_few');
    assert.ok(evidence.suggestions.has(''));
    assert.equal(evidence.suggestions.size, 1 + t.demo.localities);
    // the table rows say it in words: the months covered and the figure with its interval
    const table = evidenceRows(evidence).filter((r) => r.measureId === measureId);
    assert.equal(table.length, 1 + t.demo.localities);
    assert.equal(table[0].locality, 'Overall');
    assert.equal(table[0].months, 'August to October 2026');
    assert.match(table[0].figure, /^\d+% \(\d+ of \d+; 95% interval \d+% to \d+%\)$/);
    assert.equal(table[0].target, 'Target 50% or more');
  });

  test('too few audits to tell when the plan asks for more than there are', async () => {
    await addMeasure(otherOutcomeId, { kind: 'oversight', label: 'Oversight' });
    const evidence = (await outcomeEvidence(db, councilId, [otherOutcomeId], TEST_TODAY)).get(otherOutcomeId);
    assert.ok(evidence);
    const overall = evidence.measures[0].figures[0];
    assert.equal(overall.suggestion.rag, 'too_few');
    assert.match(overall.suggestion.why, /of the 1000 needed/);
    assert.equal(evidence.suggestions.get('')?.rag, 'too_few');
  });

  test('section, theme, question and actions measures are counted in one call', async () => {
    const section = await sql<{ tool_id: string; lineage: string; n: number }>`
      select a.tool_id::text, r.section_lineage as lineage, count(*)::int as n
      from audits a join audit_section_results r on r.audit_id = a.id
      where a.council_id = ${councilId} and a.status = 'submitted' and r.grade is not null
      group by 1, 2 order by 3 desc limit 1`.execute(db);
    const theme = await sql<{ theme_key: string }>`
      select theme_key from audit_practice_themes where council_id = ${councilId}
      group by 1 order by count(*) desc limit 1`.execute(db);
    const outcome = await makeOutcome(5);
    const ids: Record<string, string> = {};
    if (section.rows[0])
      ids.section = await addMeasure(outcome, {
        kind: 'section',
        tool_id: section.rows[0].tool_id,
        section_lineage: section.rows[0].lineage,
      });
    if (theme.rows[0])
      ids.theme = await addMeasure(outcome, {
        kind: 'theme',
        theme_key: theme.rows[0].theme_key,
        better: 'lower',
      });
    ids.actions = await addMeasure(outcome, { kind: 'actions_on_time' });
    const evidence = (await outcomeEvidence(db, councilId, [outcome], TEST_TODAY)).get(outcome);
    assert.ok(evidence);
    assert.equal(evidence.measures.length, Object.keys(ids).length);
    for (const m of evidence.measures) {
      const total = m.figures[0].series.reduce((s, x) => s + x.figure.total, 0);
      assert.ok(total > 0, `${m.measure.kind} counts something in the demo council`);
      for (const f of m.figures)
        for (const s of f.series) assert.ok(s.figure.count <= s.figure.total, 'a share is never over 100%');
    }
    // a section's overall series counts each graded audit once
    if (section.rows[0]) {
      const m = evidence.measures.find((x) => x.measure.id === ids.section);
      const total = m?.figures[0].series.reduce((s, x) => s + x.figure.total, 0) ?? 0;
      assert.ok(total <= section.rows[0].n);
    }
  });

  test('question: the share answering as asked, of those answering, not applicable left out', async () => {
    const to = lastCompleteMonth(TEST_TODAY);
    const from = addMonths(to, -(SERIES_MONTHS - 1));
    const { rows: audits } = await sql<{
      tool_id: string;
      answers: Record<string, { answers?: Record<string, unknown> }>;
    }>`
      select a.tool_id::text, a.answers from audits a join programme_months pm on pm.id = a.month_id
      where a.council_id = ${councilId} and a.status = 'submitted' and a.answers is not null
        and pm.month between ${from}::date and ${to}::date`.execute(db);
    // the yes/no question answered most often in the 24 months, counted here in code
    const tally = new Map<string, { tool: string; key: string; yes: number; answered: number }>();
    for (const a of audits)
      for (const section of Object.values(a.answers ?? {}))
        for (const [key, value] of Object.entries(section.answers ?? {})) {
          if (!['yes', 'no', 'partly', 'na'].includes(String(value))) continue;
          const k = `${a.tool_id}|${key}`;
          const c = tally.get(k) ?? { tool: a.tool_id, key, yes: 0, answered: 0 };
          if (value !== 'na') c.answered += 1;
          if (value === 'yes') c.yes += 1;
          tally.set(k, c);
        }
    const best = [...tally.values()].sort((a, b) => b.answered - a.answered)[0];
    assert.ok(best, 'the demo council answers yes/no questions');
    const outcome = await makeOutcome(5);
    await addMeasure(outcome, {
      kind: 'question',
      tool_id: best.tool,
      question_key: best.key,
      answer: 'yes',
    });
    const evidence = (await outcomeEvidence(db, councilId, [outcome], TEST_TODAY)).get(outcome);
    const series = evidence?.measures[0].figures[0].series ?? [];
    assert.equal(
      series.reduce((n, s) => n + s.figure.count, 0),
      best.yes,
    );
    assert.equal(
      series.reduce((n, s) => n + s.figure.total, 0),
      best.answered,
    );
  });

  test('actions on time: done by the due date, of actions due, counted in the month they were due', async () => {
    const outcome = await makeOutcome(5);
    await addMeasure(outcome, { kind: 'actions_on_time' });
    const evidence = (await outcomeEvidence(db, councilId, [outcome], TEST_TODAY)).get(outcome);
    const to = lastCompleteMonth(TEST_TODAY);
    const from = addMonths(to, -(LATEST_MONTHS - 1));
    const { rows } = await sql<{ due_on: string; done_on: string | null }>`
      select x.due_on::text, x.done_on::text from audit_actions x join audits a on a.id = x.audit_id
      where x.council_id = ${councilId} and a.status = 'submitted'
        and x.due_on >= ${from}::date and x.due_on < ${addMonths(to, 1)}::date`.execute(db);
    const overall = evidence?.measures[0].figures[0];
    assert.ok(rows.length > 0, 'the demo council has actions due in the latest months');
    assert.equal(overall?.latest?.total, rows.length);
    assert.equal(
      overall?.latest?.count,
      rows.filter((r) => r.done_on !== null && r.done_on <= r.due_on).length,
    );
  });

  test('another council’s outcome is left out', async () => {
    const other = await outcomeEvidence(db, '00000000-0000-0000-0000-000000000000', [outcomeId], TEST_TODAY);
    assert.equal(other.size, 0);
  });
});
