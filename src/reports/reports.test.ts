import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { buildReportFixture, REPORT_FIXTURE, type ReportFixture } from '../../test/helpers/report-fixture.ts';
import { changeBetween, wilsonInterval } from '../domain/statistics.ts';
import {
  type FilterNames,
  foreignFilter,
  ReportFilterError,
  type ReportFilters,
  resolveFilters,
} from '../metrics/audit-facts.ts';
import type { ActionsReport } from './actions.ts';
import { produceReport, type ReportName, renderReport } from './catalogue.ts';
import type { Count } from './document.ts';
import type { EscalationsReport } from './escalations.ts';
import type { FeedbackReport } from './feedback.ts';
import type { GradeCounts, GradesReport } from './grades.ts';
import type { ReportParams } from './report-base.ts';
import type { SectionsReport } from './sections.ts';

/*
 * The report engine against a council whose figures are worked out by hand: see
 * test/helpers/report-fixture.ts for every audit, history row, escalation, action and answer.
 */

let t: TestDb;
let f: ReportFixture;

before(async () => {
  t = await createTestDb();
  f = await buildReportFixture(t.db);
});
after(() => t.close());

const params = (over: Partial<ReportParams> = {}): ReportParams => ({
  from: '2026-03',
  to: '2026-04',
  filters: {},
  filterWords: [],
  councilName: REPORT_FIXTURE.names.council,
  publication: false,
  today: REPORT_FIXTURE.today,
  ...over,
});

async function json<T>(name: ReportName, over: Partial<ReportParams> = {}): Promise<T> {
  return (await produceReport(t.db, f.councilId, name, params(over))).json as T;
}

const grades = (over: Partial<ReportParams> = {}) => json<GradesReport>('grades', over);
const round3 = ([a, b]: [number, number]) => [Math.round(a * 1000) / 1000, Math.round(b * 1000) / 1000];
/** o, g, RI, I of a row of grade counts */
const four = (c: GradeCounts) => [
  c.counts.outstanding,
  c.counts.good,
  c.counts.requires_improvement,
  c.counts.inadequate,
];
const gob = (c: GradeCounts) => [c.goodOrBetter.count, c.goodOrBetter.total, c.goodOrBetter.rate];

describe('grades', () => {
  test('per month and in total, counted on the final grade (the panel’s where moderated)', async () => {
    const r = await grades();
    assert.equal(r.scale, 'four_point');
    // March: M1 g, M2 g, M3 o, M4 RI, M5 g, M6 g (supported), M7 I, M8 RI → panel g  = o1 g5 RI1 I1
    // April: A1 g, A2 g → panel RI, A3 RI, A4 g, A5 g, A6 I, A7 RI                    = g3 RI3 I1
    // A8 (exempted) and A9 (allocated) are not returned and not counted.
    assert.deepEqual(
      r.months.map((m) => [m.month, ...four(m), m.total]),
      [
        ['2026-03', 1, 5, 1, 1, 8],
        ['2026-04', 0, 3, 3, 1, 7],
      ],
    );
    // on the auditors' own grades March would be 5 of 8 and April 4 of 7
    assert.deepEqual(
      r.months.map((m) => gob(m)),
      [
        [6, 8, 0.75],
        [3, 7, 0.429],
      ],
    );
    assert.deepEqual([...four(r.total), r.total.total], [1, 8, 4, 2, 15]);
    assert.deepEqual(gob(r.total), [9, 15, 0.6]);
    // Wilson 95%: 9 of 15 → centre (0.6 + 1.96²/30) / (1 + 1.96²/15) = 0.5796, half-width 0.2221
    assert.deepEqual(r.total.goodOrBetter.ci95, [0.357, 0.802]);
    assert.deepEqual(r.total.goodOrBetter.ci95, round3(wilsonInterval(9, 15)));
    assert.deepEqual(r.months[0].goodOrBetter.ci95, round3(wilsonInterval(6, 8)));
    assert.deepEqual(r.months[1].goodOrBetter.ci95, round3(wilsonInterval(3, 7)));
    // across scales (one scale here) the same shares
    assert.deepEqual(
      [r.goodOrBetter.total.count, r.goodOrBetter.total.total, r.goodOrBetter.total.rate],
      [9, 15, 0.6],
    );
  });

  test('by service area, locality, team, worker and kind', async () => {
    const r = await grades();
    const rows = (list: GradesReport['byTeam']) =>
      list.map((g) => [g.name, ...four(g), g.total, g.goodOrBetter.count]);
    // Safeguarding = Alder (M1 g, M2 g, M3 o, M4 RI, A1 g, A2 RI) + Birch (M5 g, M6 g, A3 RI, A4 g)
    // Children in care = Cedar (M7 I, M8 g, A5 g, A6 I, A7 RI)
    assert.deepEqual(rows(r.byServiceArea), [
      ['Children in care', 0, 2, 1, 2, 5, 2],
      ['Safeguarding', 1, 6, 3, 0, 10, 7],
    ]);
    // North = Alder; South = Birch + Cedar
    assert.deepEqual(rows(r.byLocality), [
      ['North', 1, 3, 2, 0, 6, 4],
      ['South', 0, 5, 2, 2, 9, 5],
    ]);
    assert.deepEqual(rows(r.byTeam), [
      ['Alder Team', 1, 3, 2, 0, 6, 4],
      ['Birch Team', 0, 3, 1, 0, 4, 3],
      ['Cedar Team', 0, 2, 1, 2, 5, 2],
    ]);
    assert.deepEqual(rows(r.byWorker), [
      ['Ola Ade', 0, 2, 1, 2, 5, 2],
      ['Priya Shah', 1, 3, 2, 0, 6, 4],
      ['Tom Reed', 0, 3, 1, 0, 4, 3],
    ]);
    // A4 is the only themed audit
    assert.deepEqual(r.byKind.map((k) => [k.kind, k.total, k.goodOrBetter.count]).sort(), [
      ['full_audit', 14, 8],
      ['themed', 1, 1],
    ]);
  });

  test('filters narrow the audits counted', async () => {
    const totals = async (filters: ReportFilters) => {
      const r = await grades({ filters });
      return [...four(r.total), r.total.total, r.total.goodOrBetter.count];
    };
    // Alder: M1 g, M2 g, M3 o, M4 RI, A1 g, A2 RI
    assert.deepEqual(await totals({ teamId: f.teams.alder }), [1, 3, 2, 0, 6, 4]);
    // Tom Reed holds Birch's children: M5 g, M6 g, A3 RI, A4 g
    assert.deepEqual(await totals({ workerId: f.workers.tom }), [0, 3, 1, 0, 4, 3]);
    // South: Birch and Cedar
    assert.deepEqual(await totals({ localityId: f.localities.south }), [0, 5, 2, 2, 9, 5]);
    assert.deepEqual(await totals({ serviceAreaId: f.areas.care }), [0, 2, 1, 2, 5, 2]);
    assert.deepEqual(await totals({ kind: 'themed' }), [0, 1, 0, 0, 1, 1]);
    // two filters together: Safeguarding's ten audits less A4 (themed, good)
    assert.deepEqual(
      await totals({ serviceAreaId: f.areas.safeguarding, kind: 'full_audit' }),
      [1, 5, 3, 0, 9, 6],
    );
    const april = await grades({ from: '2026-04', to: '2026-04', filters: { teamId: f.teams.birch } });
    // Birch in April: A3 RI, A4 g
    assert.deepEqual([...four(april.total), april.total.total], [0, 1, 1, 0, 2]);
  });

  test('months without audits in QA Loop are counted from the imported history', async () => {
    const r = await grades({ from: '2025-03', to: '2025-04' });
    // March 2025: H1 g, H2 g → moderated RI, H3 RI, H4 I (H5 still allocated) = g1 RI2 I1, 1 of 4
    // April 2025: H6 g, H7 o, H8 RI = o1 g1 RI1, 2 of 3
    assert.deepEqual(
      r.months.map((m) => [m.month, ...four(m), m.total, m.goodOrBetter.count]),
      [
        ['2025-03', 0, 1, 2, 1, 4, 1],
        ['2025-04', 1, 1, 1, 0, 3, 2],
      ],
    );
    // "ALDER TEAM", "alder team" and "Alder Team" are the council's Alder Team; "Oak Team" is nobody's
    assert.deepEqual(
      r.byTeam.map((g) => [g.name, g.total]),
      [
        ['Alder Team', 3],
        ['Birch Team', 2],
        ['Cedar Team', 1],
        ['Oak Team', 1],
      ],
    );
    // the history's team gives its service area: Alder and Birch are Safeguarding, Cedar care
    assert.deepEqual(
      r.byServiceArea.map((g) => [g.name, g.total]),
      [
        ['Children in care', 1],
        ['Safeguarding', 5],
        [null, 1],
      ],
    );
  });

  test('a month with audits in QA Loop ignores its history rows', async () => {
    // H9, March 2026, inadequate for Priya Shah: not counted, March has audits in QA Loop
    const r = await grades({ from: '2026-03', to: '2026-03', filters: { workerId: f.workers.priya } });
    // Priya in March: M1 g, M2 g, M3 o, M4 RI
    assert.deepEqual([...four(r.total), r.total.total], [1, 2, 1, 0, 4]);
  });

  test('a history name written in another case counts with the council’s person', async () => {
    // "priya  shah", "Priya Shah", "PRIYA SHAH" in 2025 (H1 g, H2 RI, H6 g) and 6 audits in 2026
    const r = await grades({ from: '2025-03', to: '2026-04' });
    const priya = r.byWorker.filter((w) => w.name?.toLowerCase().replace(/\s+/g, ' ') === 'priya shah');
    assert.equal(priya.length, 1, 'one row for Priya Shah, whatever the history wrote');
    assert.equal(priya[0].name, 'Priya Shah');
    assert.deepEqual([...four(priya[0]), priya[0].total], [1, 5, 3, 0, 9]);
    const filtered = await grades({ from: '2025-03', to: '2026-04', filters: { workerId: f.workers.priya } });
    assert.equal(filtered.total.total, 9);
    assert.deepEqual(
      filtered.months.filter((m) => Number(m.total) > 0).map((m) => [m.month, m.total]),
      [
        ['2025-03', 2],
        ['2025-04', 1],
        ['2026-03', 4],
        ['2026-04', 2],
      ],
    );
    // Tom Reed written "tom reed" in April 2025 (H7 o) and H3 RI, plus 4 audits this year
    const tom = r.byWorker.find((w) => w.name === 'Tom Reed');
    assert.equal(tom?.total, 6);
  });
});

describe('sections', () => {
  test('each section this year against the same months a year earlier', async () => {
    const r = await json<SectionsReport>('sections');
    assert.equal(r.previousFrom, '2025-03');
    assert.equal(r.previousTo, '2025-04');
    const rows = r.sections.map((s) => [
      s.position,
      s.key,
      s.goodOrBetter.count,
      s.goodOrBetter.total,
      s.previousYear?.goodOrBetter.count ?? null,
      s.previousYear?.goodOrBetter.total ?? null,
      s.change,
    ]);
    assert.deepEqual(rows, [
      // 15 of 15 good against 0 of 7 (history section_1 RI throughout): improved
      [1, 'case_summary_and_chronology', 15, 15, 0, 7, 'improved'],
      // 0 of 15 against 7 of 7 (H7's section_2 outstanding counts as good or better): worse
      [2, 'voice_and_lived_experience', 0, 15, 7, 7, 'worse'],
      // 8 of 15 (53%) against 4 of 7 (57%): the same
      [3, 'assessment', 8, 15, 4, 7, 'same'],
      // this year only (the five Cedar audits), history has no section_4: not compared
      [4, 'identity_and_diversity', 3, 5, null, null, null],
      // history only (section_12 → the default tool's twelfth section): not compared
      [12, 'impact_and_outcomes', 0, 0, 2, 7, null],
    ]);
    assert.equal(r.sections[0].section, 'Case summary and chronology');
    assert.deepEqual([r.improved, r.same, r.worse, r.notCompared], [1, 1, 1, 2]);
    // the report's change is changeBetween's
    for (const s of r.sections.filter((x) => x.previousYear)) {
      if (Number(s.goodOrBetter.total) === 0) continue;
      assert.equal(
        s.change,
        changeBetween(
          { count: Number(s.goodOrBetter.count), total: Number(s.goodOrBetter.total) },
          {
            count: Number(s.previousYear?.goodOrBetter.count),
            total: Number(s.previousYear?.goodOrBetter.total),
          },
        ),
      );
    }
  });

  test('a team filter follows the team into last year’s history by name', async () => {
    const r = await json<SectionsReport>('sections', { filters: { teamId: f.teams.alder } });
    const first = r.sections.find((s) => s.position === 1);
    // Alder's six returned audits; last year H1, H2 ("ALDER TEAM", "alder team") and H6
    assert.equal(first?.audits, 6);
    assert.equal(first?.previousYear?.audits, 3);
  });
});

describe('escalations', () => {
  test('by kind and month, awaiting, median hours to a response', async () => {
    const r = await json<EscalationsReport>('escalations');
    // M7 immediate 4h, M4 drift 48h, A6 immediate 24h, A3 drift awaiting, A9 immediate awaiting
    assert.equal(r.total, 5);
    assert.deepEqual(r.byKind, { immediate: 3, drift_delay: 2 });
    assert.equal(r.totals.responded, 3);
    assert.equal(r.totals.awaiting, 2);
    // median of 4, 24, 48
    assert.equal(r.totals.medianHoursToResponse, 24);
    // immediate: median of 4 and 24 = 14; drift and delay: 48
    assert.deepEqual(r.responseByKind, { immediate: 14, drift_delay: 48 });
    assert.deepEqual(
      r.months.map((m) => [m.month, m.immediate, m.drift_delay, m.awaiting, m.medianHoursToResponse]),
      [
        ['2026-03', 1, 1, 0, 26],
        ['2026-04', 2, 1, 2, 24],
      ],
    );
    assert.deepEqual(
      r.byServiceArea.map((s) => [s.name, s.immediate, s.drift_delay, s.medianHoursToResponse]),
      [
        ['Children in care', 2, 0, 14],
        ['Safeguarding', 1, 2, 48],
      ],
    );
  });

  test('history escalations are counted by kind only; March 2026’s history is ignored', async () => {
    const r = await json<EscalationsReport>('escalations', { from: '2025-03', to: '2025-04' });
    // H3 drift and delay, H4 immediate
    assert.deepEqual([r.total, r.byKind.immediate, r.byKind.drift_delay], [2, 1, 1]);
    assert.deepEqual([r.totals.responded, r.totals.awaiting, r.totals.medianHoursToResponse], [0, 0, null]);
    // H9's immediate escalation in March 2026 would make 2 immediate in March
    const now = await json<EscalationsReport>('escalations', { from: '2026-03', to: '2026-03' });
    assert.deepEqual(now.byKind, { immediate: 1, drift_delay: 1 });
  });
});

describe('feedback', () => {
  test('practitioners: responses, mean impact, distribution and the themes of their answers', async () => {
    const r = await json<FeedbackReport>('feedback');
    const pr = r.practitioner;
    assert.equal(pr.audits, 15);
    assert.deepEqual([pr.responses.count, pr.responses.total, pr.responses.rate], [6, 15, 0.4]);
    // (8 + 7 + 9 + 5 + 8 + 3) / 6 = 40 / 6 = 6.67; H9's score of 1 (March 2026) would make 41 / 7 = 5.9
    assert.equal(pr.meanImpact, 6.7);
    assert.deepEqual(pr.distribution, { 1: 0, 2: 0, 3: 1, 4: 0, 5: 1, 6: 0, 7: 1, 8: 2, 9: 1, 10: 0 });
    // March: 8, 7, 9, 5 → 7.25 → 7.3; April: 8, 3 → 5.5
    assert.deepEqual(
      r.months.map((m) => [m.month, m.responses, m.meanImpact]),
      [
        ['2026-03', 4, 7.3],
        ['2026-04', 2, 5.5],
      ],
    );
    // "voice of the child … every visit" (M1, A1), "Record" (M1), "chronologies" (M2), "father …
    // involvement" (M5), "SMART" (M8), "multi-agency working" (A5); most mentioned first, then by key
    assert.deepEqual(
      pr.themes.map((x) => [x.theme, x.answers]),
      [
        ['visits_seen_and_seen_alone', 2],
        ['voice_of_the_child', 2],
        ['chronologies', 1],
        ['father_significant_male_involvement', 1],
        ['multi_agency_working', 1],
        ['recording_and_language', 1],
        ['smart_planning', 1],
      ],
    );
    assert.equal(pr.answers.length, 6);
    assert.ok(pr.answers.some((a) => a.childChange === 'Bring the chronologies up to date'));
  });

  test('history gives scores only', async () => {
    const r = await json<FeedbackReport>('feedback', { from: '2025-03', to: '2025-04' });
    // H3 6, H6 8
    assert.equal(r.practitioner.meanImpact, 7);
    assert.equal(r.practitioner.answers.length, 0);
    assert.equal(r.practitioner.themes.length, 0);
  });

  test('families: choices counted, written answers kept', async () => {
    const r = await json<FeedbackReport>('feedback');
    assert.equal(r.family.responses, 3);
    const q = Object.fromEntries(r.family.questions.map((x) => [x.key, x.answers]));
    assert.deepEqual(q.listened, { yes: 3, a_bit: 0, no: 0, rather_not_say: 0 });
    assert.deepEqual(q.better, { yes: 1, a_bit: 2, not_yet: 0, no: 0, rather_not_say: 0 });
    assert.deepEqual(r.family.comments.map((c) => c.answer).sort(), [
      'Call back when you say you will',
      'The social worker came every week',
    ]);
  });
});

describe('actions', () => {
  test('created, done on time, done late, overdue as of the report’s date, by the audit’s final grade', async () => {
    const r = await json<ActionsReport>('actions');
    assert.equal(r.asOf, '2026-05-15');
    const c = (x: ActionsReport['total']) => [
      x.created,
      x.doneOnTime,
      x.doneLate,
      x.overdue,
      x.notYetDue,
      x.onTime.count,
      x.onTime.total,
    ];
    // M1 due 04-01 done 03-28 (on time); M4 due 04-10 done 04-20 (late); M7 due 03-20 done 03-20 (on
    // time, the same day); M7 due 04-30 open (overdue); A6 due 06-01 open (not yet due); A3 due 05-01
    // open (overdue); A1 due 06-30 done 05-02 (on time, not yet due); M8 due 04-15 done 04-10 (on time).
    // Due by 15 May: M1, M4, M7 ×2, A3, M8 = 6, of which done on time M1, M7, M8 = 3.
    assert.deepEqual(c(r.total), [8, 4, 1, 2, 1, 3, 6]);
    assert.equal(r.total.onTime.rate, 0.5);
    // by final grade: good M1, A1, M8 (M8 was RI until the panel upgraded it); RI M4, A3; inadequate M7 ×2, A6
    assert.deepEqual(
      r.byGrade.map((g) => [g.grade, ...c(g)]),
      [
        ['good', 3, 3, 0, 0, 0, 2, 2],
        ['requires_improvement', 2, 0, 1, 1, 0, 0, 2],
        ['inadequate', 3, 1, 0, 1, 1, 1, 2],
      ],
    );
    assert.deepEqual(
      r.months.map((m) => [m.month, m.created, m.overdue]),
      [
        ['2026-03', 5, 1],
        ['2026-04', 3, 1],
      ],
    );
  });

  test('a later date turns open actions overdue', async () => {
    const r = await json<ActionsReport>('actions', { today: '2026-07-01' });
    // A6 (due 06-01) is now overdue too
    assert.deepEqual([r.total.overdue, r.total.notYetDue], [3, 0]);
  });
});

describe('for publication', () => {
  const SMALL = (n: Count) => typeof n === 'number' && n > 0 && n < 5;

  test('grades: small counts are “fewer than 5”, complements withheld, no team or worker', async () => {
    const r = await grades({ publication: true });
    assert.equal(r.publication, true);
    assert.deepEqual(r.byTeam, []);
    assert.deepEqual(r.byWorker, []);
    // March o1 g5 RI1 I1: the three ones hidden. Good (5) is shown: 8 − 5 leaves the three together,
    // and April's good (3) is not the only hidden cell of its column, as the all-months good (8) is
    // withheld beside the good-or-better total that is published. Good or better (6) is withheld
    // instead of good: one figure hidden, not two (it would give back the outstanding one).
    assert.deepEqual(four(r.months[0]), ['fewer than 5', 5, 'fewer than 5', 'fewer than 5']);
    assert.equal(r.months[0].total, 8);
    // April o0 g3 RI3 I1: zero shown as zero
    assert.deepEqual(four(r.months[1]), [0, 'fewer than 5', 'fewer than 5', 'fewer than 5']);
    // 6 of 8 good or better would say 2 were not
    assert.deepEqual(
      [r.months[0].goodOrBetter.count, r.months[0].goodOrBetter.total, r.months[0].goodOrBetter.rate],
      ['withheld', 8, null],
    );
    // no count of 1 to 4 anywhere in the published figures
    const walk = (x: unknown, path: string): void => {
      if (Array.isArray(x)) {
        for (const [i, v] of x.entries()) walk(v, `${path}[${i}]`);
      } else if (x && typeof x === 'object') {
        for (const [k, v] of Object.entries(x)) {
          if (['counts', 'total', 'count'].includes(k) && typeof v === 'number')
            assert.ok(!SMALL(v), `${path}.${k} is ${v}`);
          walk(v, `${path}.${k}`);
        }
      }
    };
    walk(r, 'grades');
    const html = String(
      await renderReport(
        await produceReport(t.db, f.councilId, 'grades', params({ publication: true })),
        'html',
      ),
    );
    for (const name of [
      ...REPORT_FIXTURE.names.teams,
      ...REPORT_FIXTURE.names.workers,
      ...REPORT_FIXTURE.names.auditors,
    ])
      assert.ok(!html.includes(name), `${name} is not named`);
    assert.ok(html.includes('For publication'));
  });

  test('grades: no hidden count can be worked out from a shown total in the month table', async () => {
    const r = await grades({ publication: true });
    const block = r.scales[0];
    const rows = [...block.months, block.total];
    const keys = Object.keys(block.total.counts);
    const hidden = (c: Count) => typeof c !== 'number';
    // a row with one hidden cell gives it back: its total less the others
    for (const row of rows) assert.notEqual(keys.filter((k) => hidden(row.counts[k])).length, 1);
    // so does a column with one hidden cell, from the all-months row
    for (const k of keys) assert.notEqual(rows.filter((row) => hidden(row.counts[k])).length, 1);
    // March by subtraction: 8 less the shown counts (good 5) leaves 3, the three hidden ones together
    const march = block.months[0];
    const shown = keys.map((k) => march.counts[k]).filter((c): c is number => typeof c === 'number');
    assert.equal(Number(march.total) - shown.reduce((a, b) => a + b, 0), 3);
    assert.equal(keys.filter((k) => hidden(march.counts[k])).length, 3);
  });

  test('grades: the good-or-better total does not give back the hidden outstanding count', async () => {
    const r = await grades({ publication: true });
    // The all-months row hides outstanding (1). The good-or-better total of the report is always
    // published (9 of 15, issue 16), so good (8) is withheld: shown beside it, 9 − 8 = 1 outstanding
    // audit. It was once published with good shown (src/reports/grades.ts publishGradesReport,
    // goodOrBetter.total), then withheld; now good is the figure withheld.
    assert.equal(r.total.counts.good, 'withheld');
    assert.equal(r.total.counts.outstanding, 'fewer than 5');
    assert.deepEqual([r.total.goodOrBetter.count, r.total.goodOrBetter.total], [9, 15]);
    assert.deepEqual([r.goodOrBetter.total.count, r.goodOrBetter.total.total], [9, 15]);
  });

  test('grades: a group’s hidden total cannot be worked out from the overall total', async () => {
    // Known gap: each group's total is published on its own (publishCount), so with 15 audits shown
    // overall and 14 full audits shown, the themed audits are 15 − 14 = 1, although shown as
    // "fewer than 5" (src/reports/grades.ts publishGradeRows: `total: publishCount(...)` takes no
    // account of the other groups). The largest other group's total should be withheld with it.
    const r = await grades({ publication: true });
    const totals = r.byKind.map((k) => k.total);
    const hiddenTotals = totals.filter((x) => typeof x !== 'number').length;
    assert.notEqual(hiddenTotals, 1, `by kind totals ${JSON.stringify(totals)} of ${r.total.total}`);
  });

  test('actions: a month’s hidden count cannot be worked out from the total', async () => {
    // Known gap: March's 5 actions and the total 8 are shown, April's 3 as "fewer than 5": 8 − 5 = 3
    // (src/reports/actions.ts publishActionsReport publishes each count on its own).
    const r = await json<ActionsReport>('actions', { publication: true });
    assert.equal(r.total.created, 8);
    const months = r.months.map((m) => m.created);
    assert.notEqual(months.filter((x) => typeof x !== 'number').length, 1, JSON.stringify(months));
  });

  test('sections, escalations, feedback: small counts hidden, no written answers', async () => {
    const s = await json<SectionsReport>('sections', { publication: true });
    // 15 of 15 is shown; 3 of 5 is "fewer than 5" and its rate (which would give back the 2 others) withheld
    assert.deepEqual([s.sections[0].goodOrBetter.count, s.sections[0].goodOrBetter.total], [15, 15]);
    const identity = s.sections.find((x) => x.position === 4);
    assert.deepEqual(
      [identity?.goodOrBetter.count, identity?.goodOrBetter.total, identity?.goodOrBetter.rate],
      ['fewer than 5', 5, null],
    );
    // 2 of 7 last year for section 12: "fewer than 5"
    const impact = s.sections.find((x) => x.position === 12);
    assert.equal(impact?.previousYear?.goodOrBetter.count, 'fewer than 5');

    const e = await json<EscalationsReport>('escalations', { publication: true });
    assert.equal(e.total, 5);
    assert.deepEqual(e.byKind, { immediate: 'fewer than 5', drift_delay: 'fewer than 5' });
    // a median of fewer than five answers is not published
    assert.equal(e.totals.medianHoursToResponse, null);

    const fb = await json<FeedbackReport>('feedback', { publication: true });
    assert.deepEqual(fb.practitioner.answers, []);
    assert.deepEqual(fb.family.comments, []);
    assert.equal(fb.practitioner.distribution[8], 'fewer than 5');
    assert.equal(fb.family.responses, 'fewer than 5');
    const produced = await produceReport(t.db, f.councilId, 'feedback', params({ publication: true }));
    const html = String(await renderReport(produced, 'html'));
    for (const [, , childChange] of REPORT_FIXTURE.feedback) assert.ok(!html.includes(childChange));
    assert.ok(!html.includes('The social worker came every week'));
  });
});

describe('formats', () => {
  const NAMES: ReportName[] = ['grades', 'sections', 'escalations', 'feedback', 'actions'];

  test('CSV: a table and group column, then the figures', async () => {
    for (const name of NAMES) {
      const csv = String(await renderReport(await produceReport(t.db, f.councilId, name, params()), 'csv'));
      assert.match(csv, /^table,group,/, name);
    }
    const csv = String(await renderReport(await produceReport(t.db, f.councilId, 'grades', params()), 'csv'));
    const lines = csv.trim().split('\n');
    const march = lines.find((l) => l.startsWith('good-or-better-by-month,March 2026,'));
    // count, of, rate, interval
    assert.ok(march?.startsWith('good-or-better-by-month,March 2026,6,8,0.75,0.409,0.929'), march);
  });

  test('XLSX: exceljs reads it back and numbers are numbers', async () => {
    for (const name of NAMES) {
      const file = await renderReport(await produceReport(t.db, f.councilId, name, params()), 'xlsx');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(file as unknown as ArrayBuffer);
      assert.ok(workbook.worksheets.length > 1, name);
      assert.equal(workbook.worksheets[0].name, 'Summary');
    }
    const file = await renderReport(await produceReport(t.db, f.councilId, 'grades', params()), 'xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Good or better by month');
    assert.ok(sheet);
    const march = sheet.getRow(2).values as unknown[];
    assert.deepEqual(march.slice(1, 6), ['March 2026', 6, 8, 0.75, 0.409]);
    assert.equal(typeof march[2], 'number');
  });

  test('DOCX: a Word document with a Heading1, a table and a chart with alternative text', async () => {
    for (const name of NAMES) {
      const file = (await renderReport(
        await produceReport(t.db, f.councilId, name, params()),
        'docx',
      )) as Buffer;
      assert.equal(file.subarray(0, 2).toString(), 'PK', name);
      const xml = (await docxParts(file)).get('word/document.xml');
      assert.ok(xml, name);
      assert.match(xml, /<w:pStyle w:val="Heading1"\/>/, name);
      assert.match(xml, /<w:tbl>/, name);
      assert.match(xml, /<wp:docPr [^>]*descr="[^"]+"/, `${name}: a chart with a description`);
      if (name === 'grades') assert.ok(wordText(xml).includes('Audit grades, March 2026 to April 2026'));
    }
  });

  test('HTML: one h1, every table captioned, charts as images with a label', async () => {
    for (const name of NAMES) {
      const html = String(await renderReport(await produceReport(t.db, f.councilId, name, params()), 'html'));
      assert.equal(html.match(/<h1[\s>]/g)?.length, 1, name);
      const tables = html.match(/<table[\s>]/g)?.length ?? 0;
      assert.ok(tables > 0, name);
      assert.equal(html.match(/<caption[\s>]/g)?.length, tables, `${name}: a caption per table`);
      assert.match(html, /<svg role="img" aria-label="[^"]+"/, name);
    }
  });
});

describe('bad input', () => {
  const refused = async (names: FilterNames, field: keyof FilterNames, words: RegExp) => {
    await assert.rejects(resolveFilters(t.db, f.councilId, names), (e: unknown) => {
      assert.ok(e instanceof ReportFilterError);
      assert.equal(e.field, field);
      assert.match(e.message, words);
      return true;
    });
  };

  test('names the council does not have are refused with a clear message', async () => {
    await refused({ team: 'Willow Team' }, 'team', /No team is called "Willow Team"/);
    await refused(
      { serviceArea: 'Adult services' },
      'serviceArea',
      /No service area is called "Adult services"/,
    );
    await refused({ locality: 'East' }, 'locality', /No locality is called "East"/);
    await refused({ worker: 'Nobody Known' }, 'worker', /No worker .*"Nobody Known"/);
    await refused({ kind: 'inspection' }, 'kind', /"inspection" is not a kind of activity: use full_audit/);
  });

  test('a team of another council is not the council’s', async () => {
    await refused({ team: 'Elm Team' }, 'team', /No team is called "Elm Team"/);
    assert.equal(await foreignFilter(t.db, f.councilId, { teamId: f.otherTeamId }), 'team');
    assert.equal(await foreignFilter(t.db, f.councilId, { teamId: f.teams.alder }), null);
  });

  test('names are matched whatever their case and spacing', async () => {
    const r = await resolveFilters(t.db, f.councilId, {
      team: '  alder   TEAM ',
      worker: 'tom reed',
      locality: 'south',
      kind: 'Full audit',
    });
    assert.deepEqual(r, {
      teamId: f.teams.alder,
      workerId: f.workers.tom,
      localityId: f.localities.south,
      kind: 'full_audit',
    });
  });
});
