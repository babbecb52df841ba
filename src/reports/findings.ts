/**
 * A findings report (domain.md §12, issue 23): a themed audit, dip-sample round or multi-agency
 * audit from its question to what it found. The cohort on the day it was drawn and how the sample
 * was drawn; what came back; each question's answers with counts, the share in the sample with its
 * Wilson interval, and the estimate for the whole cohort with the finite-population correction;
 * grades where the tool grades; practice themes found; comparison with an earlier round; the
 * learning. HTML, Word, Excel and CSV through src/reports/render.ts, and a version for publication
 * that hides only counts small enough to point to a child, never the cohort, the sample or returns.
 */
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../domain/activity-kinds.ts';
import { type QuestionTally, yesOfAnswered } from '../domain/answer-tally.ts';
import { YES_NO_PARTLY_NA_LABELS, type YesNoPartlyNa } from '../domain/audit-tools.ts';
import { describeDefinition } from '../domain/cohort-definition.ts';
import { formatDate, monthName } from '../domain/dates.ts';
import { cohortDifferenceInterval, cohortEstimate, proportion } from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH } from '../domain/suppression.ts';
import { type SampleFindings, sampleFindings } from '../metrics/findings.ts';
import { type FindingsText, findingsText } from '../services/findings/findings.ts';
import { cohortNames } from '../services/sampling/cohorts.ts';
import {
  countText,
  PUBLICATION_NOTE,
  percent,
  publishCount,
  publishShare,
  type ReportDocument,
  type ReportSection,
  type ReportTable,
  type Share,
} from './document.ts';
import { councilName } from './report-base.ts';

export const FINDINGS_ESTIMATE_NOTE =
  'Each share is given twice. “In the sample” is the share of the returned audits that answered the question, with its 95% Wilson interval. “For the whole cohort” estimates the same share for every child in the cohort on the day it was drawn: the sample was drawn at random from a cohort of known size, so the interval is narrowed by the finite-population correction (z scaled by √((N − n) / (N − 1)), N the cohort and n the audits that answered). It assumes the audits not returned would have answered as the others did.';

export const YES_SHARE_NOTE =
  'For a yes or no question, the share is of those answered yes, no or partly: “not applicable” is left out, and “partly” counts as not yes.';

const COMPARE_RULE =
  'A difference counts as more than chance only when the 95% interval of the difference between the two rounds’ estimates (Newcombe’s method, each with the finite-population correction) lies wholly above or below zero.';

/** The same round's figures and words for a report: both rounds when it is compared. */
export interface FindingsInput {
  figures: SampleFindings;
  text: FindingsText;
  earlier?: SampleFindings;
}

/** Paragraphs from text typed in a box: blank lines separate them. */
function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

function drawnWords(f: SampleFindings, names: Parameters<typeof describeDefinition>[1]) {
  const s = f.sample;
  const share = s.cohortSize
    ? ` (${(Math.round((s.sampleSize / s.cohortSize) * 1000) / 10).toString()}% of the cohort)`
    : '';
  const how =
    s.method === 'stratified'
      ? `stratified by ${s.stratifyBy?.replace('_', ' ')}${s.perStratum ? `, ${s.perStratum} from each` : ', in proportion to each'}`
      : 'at random';
  return {
    cohort: `Cohort: ${plural(s.cohortSize, 'child', 'children')} in “${s.cohortName}” in the extract of ${formatDate(s.snapshotAsOf)}.`,
    definition: describeDefinition(s.definition, names),
    sample: `Sample: ${plural(s.sampleSize, 'child', 'children')}${share}, drawn ${how} on ${formatDate(s.drawnAt)} with seed ${s.seed}, so anyone can draw it again from the same extract.`,
    exclusions: [
      ...(s.definition.onePerFamily
        ? ['One child per family: brothers and sisters were removed before the draw.']
        : []),
      ...(s.definition.excludeAuditedWithinMonths !== null
        ? [`Children audited in the ${s.definition.excludeAuditedWithinMonths} months before were left out.`]
        : []),
      ...(s.leftOut
        ? [
            `${plural(s.leftOut, 'child was', 'children were')} left out because they (or a brother or sister) were already in a sample of the month.`,
          ]
        : []),
    ],
  };
}

/** A share as the report shows it, suppressed for publication. */
function shown(p: Share, publication: boolean): Share {
  return publication ? publishShare(p) : p;
}

function yesNoTable(questions: QuestionTally[], f: SampleFindings, publication: boolean): ReportTable {
  const answers: YesNoPartlyNa[] = ['yes', 'partly', 'no', 'na'];
  return {
    id: 'findings-yes-no',
    title: 'Yes or no questions',
    columns: [
      { key: 'question', header: 'Question', kind: 'text' },
      ...answers.map((a) => ({ key: a, header: YES_NO_PARTLY_NA_LABELS[a], kind: 'count' as const })),
      { key: 'sample', header: 'Yes, in the sample', kind: 'share' },
      {
        key: 'cohort',
        header: `Yes, estimated for the ${f.sample.cohortSize.toLocaleString('en-GB')} children`,
        kind: 'share',
      },
    ],
    rows: questions.map((q) => {
      const { count, total } = yesOfAnswered(q);
      const cells: Record<string, string | Share | number | string> = { question: q.text };
      for (const a of answers) cells[a] = publication ? publishCount(q.counts[a] ?? 0) : (q.counts[a] ?? 0);
      cells.sample = shown(proportion(count, total), publication);
      cells.cohort = shown(cohortEstimate(count, total, Math.max(f.sample.cohortSize, total)), publication);
      return { cells };
    }),
  };
}

function choiceTables(questions: QuestionTally[], f: SampleFindings, publication: boolean): ReportTable[] {
  return questions.map((q, i) => ({
    id: `findings-choice-${i + 1}`,
    title: q.text,
    columns: [
      { key: 'answer', header: 'Answer', kind: 'text' },
      { key: 'sample', header: 'In the sample', kind: 'share' },
      {
        key: 'cohort',
        header: `Estimated for the ${f.sample.cohortSize.toLocaleString('en-GB')} children`,
        kind: 'share',
      },
    ],
    rows: q.options.map((o) => {
      const n = q.counts[o] ?? 0;
      return {
        cells: {
          answer: o,
          sample: shown(proportion(n, q.answered), publication),
          cohort: shown(
            cohortEstimate(n, q.answered, Math.max(f.sample.cohortSize, q.answered)),
            publication,
          ),
        },
      };
    }),
    empty: 'No audit answered this question.',
  }));
}

function numberTable(questions: QuestionTally[], publication: boolean): ReportTable {
  return {
    id: 'findings-numbers',
    title: 'Questions answered with a number',
    columns: [
      { key: 'question', header: 'Question', kind: 'text' },
      { key: 'n', header: 'Answered', kind: 'count' },
      { key: 'mean', header: 'Mean', kind: 'number', decimals: 1 },
      { key: 'median', header: 'Median', kind: 'number', decimals: 1 },
      { key: 'min', header: 'Lowest', kind: 'number', decimals: 0 },
      { key: 'max', header: 'Highest', kind: 'number', decimals: 0 },
    ],
    rows: questions.map((q) => {
      const n = q.numbers?.n ?? 0;
      // a lowest or highest of a handful could point to one child: published for 10 answers or more
      const few = publication && n < ENOUGH_TO_PUBLISH;
      return {
        cells: {
          question: q.text,
          n: publication ? publishCount(n) : n,
          mean: few ? null : (q.numbers?.mean ?? null),
          median: few ? null : (q.numbers?.median ?? null),
          min: few ? null : (q.numbers?.min ?? null),
          max: few ? null : (q.numbers?.max ?? null),
        },
      };
    }),
  };
}

function answeredTable(questions: QuestionTally[], publication: boolean): ReportTable {
  return {
    id: 'findings-answered',
    title: 'Questions answered in words or with a date (counted, not quoted)',
    columns: [
      { key: 'question', header: 'Question', kind: 'text' },
      { key: 'answered', header: 'Answered', kind: 'count' },
      { key: 'asked', header: 'Asked', kind: 'count' },
    ],
    rows: questions.map((q) => ({
      cells: {
        question: q.text,
        answered: publication ? publishCount(q.answered) : q.answered,
        asked: q.asked,
      },
    })),
  };
}

function gradesSection(f: SampleFindings, publication: boolean): ReportSection | undefined {
  if (!f.scale || !f.grades.length) return undefined;
  const scale = f.scale;
  return {
    id: 'findings-grades',
    heading: 'Grades',
    paragraphs: [
      `Graded on the tool’s scale, ${scale.name}. Good or better is estimated for the whole cohort as the answers are.`,
    ],
    tables: [
      {
        id: 'findings-grade-table',
        title: 'Grades by section and overall',
        columns: [
          { key: 'section', header: 'Section', kind: 'text' },
          ...scale.grades.map((g) => ({ key: `g_${g.key}`, header: g.label, kind: 'count' as const })),
          { key: 'good', header: 'Good or better, in the sample', kind: 'share' },
          { key: 'cohort', header: 'Good or better, for the whole cohort', kind: 'share' },
        ],
        rows: f.grades.map((t) => {
          const cells: Record<string, string | number | Share> = { section: t.title };
          for (const g of scale.grades)
            cells[`g_${g.key}`] = publication ? publishCount(t.counts[g.key] ?? 0) : (t.counts[g.key] ?? 0);
          cells.good = shown(proportion(t.goodOrBetter, t.graded), publication);
          cells.cohort = shown(
            cohortEstimate(t.goodOrBetter, t.graded, Math.max(f.sample.cohortSize, t.graded)),
            publication,
          );
          return { cells };
        }),
      },
    ],
  };
}

/** How one question moved between two rounds, in words and with the interval of the difference. */
function compareQuestion(
  now: QuestionTally,
  then: QuestionTally | undefined,
  f: SampleFindings,
  e: SampleFindings,
  sameCohort: boolean,
  publication: boolean,
) {
  const a = yesOfAnswered(now);
  const b = then ? yesOfAnswered(then) : { count: 0, total: 0 };
  const cells: Record<string, string | Share | null> = {
    question: now.text,
    earlier: then ? shown(proportion(b.count, b.total), publication) : null,
    now: shown(proportion(a.count, a.total), publication),
    difference: '',
    words: '',
  };
  if (!then) {
    cells.words = 'Not asked in the earlier round';
    return cells;
  }
  if (a.total < ENOUGH_TO_PUBLISH || b.total < ENOUGH_TO_PUBLISH) {
    cells.words = `Too few answers to compare (fewer than ${ENOUGH_TO_PUBLISH} in a round)`;
    return cells;
  }
  if (!sameCohort) {
    cells.words = 'Not compared: the cohorts were defined differently';
    return cells;
  }
  const interval = cohortDifferenceInterval(
    { ...a, population: Math.max(f.sample.cohortSize, a.total) },
    { ...b, population: Math.max(e.sample.cohortSize, b.total) },
  );
  const d = a.count / a.total - b.count / b.total;
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x * 100))}`;
  if (interval)
    cells.difference = `${points(d)} points (95% interval ${points(interval[0])} to ${points(interval[1])})`;
  cells.words =
    interval && interval[0] > 0
      ? `Rose from ${percent(b.count / b.total)} to ${percent(a.count / a.total)}: more than chance`
      : interval && interval[1] < 0
        ? `Fell from ${percent(b.count / b.total)} to ${percent(a.count / a.total)}: more than chance`
        : 'No clear change: the difference could be chance';
  return cells;
}

function comparisonSection(input: FindingsInput, publication: boolean): ReportSection | undefined {
  const { figures: f, earlier: e } = input;
  if (!e) return undefined;
  const sameCohort = JSON.stringify(f.sample.definition) === JSON.stringify(e.sample.definition);
  const then = new Map(e.questions.map((q) => [q.lineage, q]));
  const yesNo = f.questions.filter((q) => q.type === 'yes_no_partly_na');
  const when = monthName(e.sample.month);
  const cohortLine = `The cohort: ${plural(e.sample.cohortSize, 'child', 'children')} in ${when} (extract of ${formatDate(e.sample.snapshotAsOf)}); ${plural(f.sample.cohortSize, 'child', 'children')} now (extract of ${formatDate(f.sample.snapshotAsOf)}).`;
  const returnsLine = `Audits returned: ${countText(e.returns.returned)} in ${when}; ${countText(f.returns.returned)} now.`;
  return {
    id: 'findings-comparison',
    heading: `Compared with ${when}`,
    paragraphs: [
      cohortLine,
      returnsLine,
      sameCohort
        ? `Both rounds drew from the same definition of the cohort, so their estimates can be compared. ${COMPARE_RULE}`
        : 'The two rounds drew from cohorts defined differently, so a difference could come from which children were audited rather than from practice: the figures are set side by side but not compared.',
      ...(f.sample.toolId !== e.sample.toolId
        ? [
            'The two rounds used different tools: only questions with the same key in the same section are set side by side.',
          ]
        : []),
    ],
    tables: [
      {
        id: 'findings-comparison-table',
        title: `Answered yes, ${when} and now`,
        columns: [
          { key: 'question', header: 'Question', kind: 'text' },
          { key: 'earlier', header: when, kind: 'share' },
          { key: 'now', header: 'Now', kind: 'share' },
          { key: 'difference', header: 'Difference', kind: 'text' },
          { key: 'words', header: 'In words', kind: 'text' },
        ],
        rows: yesNo.map((q) => ({
          cells: compareQuestion(q, then.get(q.lineage), f, e, sameCohort, publication),
        })),
        empty: 'This round asked no yes or no question to compare.',
      },
    ],
  };
}

/** The findings report as a document every format is written from. */
export function findingsDocument(
  input: FindingsInput & {
    council: string;
    names?: Parameters<typeof describeDefinition>[1];
    /** the council's practice themes' names by key */
    themeNames?: Map<string, string>;
  },
  publication: boolean,
): ReportDocument {
  const { figures: f, text } = input;
  const s = f.sample;
  const drawn = drawnWords(f, input.names);
  const returnRate = proportion(f.returns.returned, f.returns.scheduled);
  const yesNo = f.questions.filter((q) => q.type === 'yes_no_partly_na');
  const choices = f.questions.filter((q) => q.type === 'choice');
  const numbers = f.questions.filter((q) => q.type === 'number');
  const words = f.questions.filter(
    (q) => !['yes_no_partly_na', 'choice', 'number', 'grade'].includes(q.type),
  );

  const found: ReportTable[] = [];
  if (yesNo.length) found.push(yesNoTable(yesNo, f, publication));
  found.push(...choiceTables(choices, f, publication));
  if (numbers.length) found.push(numberTable(numbers, publication));
  if (words.length) found.push(answeredTable(words, publication));

  const themeNames = new Map([...f.themes.map((t) => [t.key, t.name] as const), ...(input.themeNames ?? [])]);
  const sections: ReportSection[] = [
    {
      id: 'findings-question',
      heading: 'The question',
      paragraphs: [
        text.question || 'The question this audit set out to answer has not been written yet.',
        ...paragraphs(text.summary),
      ],
      tables: [],
    },
    {
      id: 'findings-cohort',
      heading: 'The cohort and the sample',
      paragraphs: [
        drawn.cohort,
        `Who was in it: ${drawn.definition.join('; ')}.`,
        drawn.sample,
        ...drawn.exclusions,
      ],
      tables:
        s.method === 'stratified' && s.strata.length && !(publication && s.stratifyBy === 'team')
          ? [
              {
                id: 'findings-strata',
                title: `The cohort and the sample by ${s.stratifyBy?.replace('_', ' ')}`,
                columns: [
                  { key: 'stratum', header: 'Stratum', kind: 'text' },
                  { key: 'cohort', header: 'In the cohort', kind: 'count' },
                  { key: 'drawn', header: 'Drawn', kind: 'count' },
                ],
                rows: s.strata.map((st) => ({
                  cells: {
                    stratum: st.name,
                    cohort: publication ? publishCount(st.cohort) : st.cohort,
                    drawn: publication ? publishCount(st.drawn) : st.drawn,
                  },
                })),
              },
            ]
          : [],
    },
    {
      id: 'findings-returns',
      heading: 'Returns',
      paragraphs: [
        `${countText(f.returns.returned)} of ${countText(f.returns.scheduled)} scheduled audits were returned (${f.returns.scheduled ? percent(f.returns.returned / f.returns.scheduled) : 'none scheduled'}); ${countText(f.returns.exempted)} of the ${countText(f.returns.planned)} drawn were exempted.`,
      ],
      tables: [
        {
          id: 'findings-returns-table',
          title: 'Audits drawn, exempted and returned',
          columns: [
            { key: 'planned', header: 'Drawn', kind: 'count' },
            { key: 'exempted', header: 'Exempted', kind: 'count' },
            { key: 'scheduled', header: 'Scheduled', kind: 'count' },
            { key: 'returned', header: 'Returned', kind: 'share' },
          ],
          rows: [
            {
              cells: {
                planned: f.returns.planned,
                exempted: f.returns.exempted,
                scheduled: f.returns.scheduled,
                returned: returnRate,
              },
            },
          ],
        },
      ],
    },
    {
      id: 'findings-answers',
      heading: 'What the audits found',
      paragraphs: f.returns.returned
        ? []
        : ['No audit of this sample has been returned yet: the figures will be here as they are.'],
      charts: yesNo.length
        ? [
            {
              kind: 'rates',
              title: `Answered yes, estimated for the ${s.cohortSize.toLocaleString('en-GB')} children of the cohort, with 95% intervals`,
              xTitle: 'Answered yes',
              rows: yesNo.map((q) => {
                const { count, total } = yesOfAnswered(q);
                const e = shown(cohortEstimate(count, total, Math.max(s.cohortSize, total)), publication);
                return { group: q.text, rate: e.rate, ci95: e.ci95 };
              }),
            },
          ]
        : [],
      tables: found,
    },
  ];
  const grades = gradesSection(f, publication);
  if (grades) sections.push(grades);
  sections.push({
    id: 'findings-themes',
    heading: 'Practice themes',
    paragraphs: text.themeKeys.length
      ? [`The findings are about: ${text.themeKeys.map((k) => themeNames.get(k) ?? k).join(', ')}.`]
      : [],
    tables: [
      {
        id: 'findings-themes-table',
        title: 'Practice themes the auditors found',
        columns: [
          { key: 'theme', header: 'Practice theme', kind: 'text' },
          { key: 'audits', header: 'Audits that found it', kind: 'share' },
        ],
        rows: f.themes.map((t) => ({
          cells: { theme: t.name, audits: shown(proportion(t.audits, f.returns.returned), publication) },
        })),
        empty: 'No practice theme was recorded in the returned audits.',
      },
    ],
  });
  const comparison = comparisonSection(input, publication);
  if (comparison) sections.push(comparison);
  sections.push({
    id: 'findings-learning',
    heading: 'Learning',
    paragraphs: paragraphs(text.learning).length
      ? paragraphs(text.learning)
      : ['The learning from these findings has not been written yet.'],
    tables: [],
  });

  const headline = yesNo.slice(0, 3).map((q) => {
    const { count, total } = yesOfAnswered(q);
    const e = shown(cohortEstimate(count, total, Math.max(s.cohortSize, total)), publication);
    return e.rate !== null && e.ci95
      ? `${q.text}: yes for an estimated ${percent(e.rate)} of the ${s.cohortSize.toLocaleString('en-GB')} children (95% interval ${percent(e.ci95[0])} to ${percent(e.ci95[1])}; ${count} of ${total} audits).`
      : `${q.text}: ${total ? 'too few answers to publish a share' : 'not answered yet'}.`;
  });
  return {
    title: `Findings: ${text.question || s.cohortName}`,
    subtitle: [
      input.council,
      `${ACTIVITY_KIND_LABELS[s.kind]}${s.toolName ? ` using ${s.toolName}` : ''}, ${monthName(s.month)}`,
      ...(publication ? ['For publication'] : []),
    ],
    summary: [
      `${plural(s.cohortSize, 'child', 'children')} in the cohort; ${plural(s.sampleSize, 'child', 'children')} sampled; ${countText(f.returns.returned)} audits returned.`,
      ...headline,
    ],
    notes: [FINDINGS_ESTIMATE_NOTE, YES_SHARE_NOTE, ...(publication ? [PUBLICATION_NOTE] : [])],
    sections,
    publication,
  };
}

/** A sample's findings report, from the stored audits and what the QA lead wrote. */
export async function findingsReport(
  db: Db,
  councilId: string,
  sampleId: string,
  publication: boolean,
): Promise<ReportDocument | undefined> {
  const figures = await sampleFindings(db, councilId, sampleId);
  if (!figures) return undefined;
  const text = await findingsText(db, councilId, sampleId);
  const earlier = text.compareWithSampleId
    ? await sampleFindings(db, councilId, text.compareWithSampleId)
    : undefined;
  return findingsDocument(
    {
      figures,
      text,
      earlier,
      council: await councilName(db, councilId),
      names: await cohortNames(db, councilId),
      themeNames: new Map(
        (
          await db
            .selectFrom('practice_themes')
            .select(['key', 'name'])
            .where('council_id', '=', councilId)
            .execute()
        ).map((t) => [t.key, t.name]),
      ),
    },
    publication,
  );
}
