import type { Db } from '../data/db.ts';
import type { QuestionTally } from '../domain/answer-tally.ts';
import { YES_NO_PARTLY_NA_LABELS, type YesNoPartlyNa } from '../domain/audit-tools.ts';
import { addDays, addMonths, formatDate, type IsoDate } from '../domain/dates.ts';
import {
  CONCERN_RULE,
  FREQUENCY_LABELS,
  ON_TIME_RULE,
  ROUND_STATE_LABELS,
} from '../domain/review-schedules.ts';
import { proportion } from '../domain/statistics.ts';
import { NotFoundError } from '../domain/validation.ts';
import { type ReviewFigures, type RoundFigures, reviewFigures } from '../metrics/review-rounds.ts';
import { publishColumn } from './annual.ts';
import {
  type ChartSpec,
  type Count,
  PUBLICATION_NOTE,
  publishCount,
  type ReportDocument,
  type ReportSection,
  type ReportTable,
  type Share,
  shareText,
  type TableRow,
} from './document.ts';

/**
 * A recurring review's report (issue 23) over any period, six months by default: the rounds due and
 * done on time, each question's answers round by round (a chart and a table of counts and shares
 * with their 95% intervals), and the children reviewed in two rounds or more with the same concern,
 * listed by case reference in the full version and only counted in the version for publication.
 */

export const REVIEW_REPORT_NOTES = [
  ON_TIME_RULE,
  CONCERN_RULE,
  'Each question is counted from the reviews submitted in each round; an answer’s share is of the reviews that answered the question, with its 95% Wilson interval. Free text is counted, never quoted. A yes/no question’s chart shows the share answering “yes” round by round, as an XmR chart when there are 3 rounds or more.',
];

/** "12 Jun 2026" */
const day = (d: IsoDate) => formatDate(d);

/** A count beside its total as published, with the share when both are shown. */
function shareOf(count: Count, total: Count): Share {
  return typeof count === 'number' && typeof total === 'number'
    ? proportion(count, total)
    : { count, total, rate: null, ci95: null };
}

/** The answers a question may have, as headers. */
function optionLabel(t: QuestionTally, option: string): string {
  return t.type === 'yes_no_partly_na' ? YES_NO_PARTLY_NA_LABELS[option as YesNoPartlyNa] : option;
}

/** The same question in one round's tallies. */
const inRound = (r: RoundFigures, lineage: string) => r.tallies.find((t) => t.lineage === lineage);

function questionSection(
  f: ReviewFigures,
  q: QuestionTally,
  index: number,
  publication: boolean,
): ReportSection {
  const rounds = f.rounds.filter((r) => r.started);
  const id = `question-${index + 1}`;
  const counted = q.type === 'yes_no_partly_na' || q.type === 'choice';
  const columns: ReportTable['columns'] = [
    { key: 'round', header: 'Round', kind: 'text' },
    { key: 'answered', header: 'Answered', kind: 'count' },
    ...(counted
      ? q.options.map((o, i) => ({ key: `o${i}`, header: optionLabel(q, o), kind: 'share' as const }))
      : []),
    ...(q.type === 'number' ? [{ key: 'mean', header: 'Mean', kind: 'number' as const, decimals: 1 }] : []),
  ];
  const rowOf = (label: string, t: QuestionTally | undefined, total = false): TableRow => {
    const answered = t?.answered ?? 0;
    const counts = q.options.map((o) => t?.counts[o] ?? 0);
    const pub = publishColumn(counts, publication, answered);
    const cells: TableRow['cells'] = { round: label, answered: pub.total };
    if (counted) for (const [i] of q.options.entries()) cells[`o${i}`] = shareOf(pub.counts[i], pub.total);
    if (q.type === 'number')
      cells.mean = t?.numbers && (!publication || t.numbers.n >= 5) ? t.numbers.mean : null;
    return { cells, total };
  };
  const rows = rounds.map((r) => rowOf(day(r.roundOn), inRound(r, q.lineage)));
  rows.push(rowOf('All rounds', q, true));
  const charts: ChartSpec[] = [];
  if (q.type === 'yes_no_partly_na') {
    const yes = q.options.indexOf('yes');
    charts.push({
      kind: 'spc',
      title: `${q.text}: share answering yes, round by round`,
      yTitle: 'Answered yes',
      percent: true,
      series: rows
        .filter((r) => !r.total)
        .map((r) => {
          const s = r.cells[`o${yes}`] as Share;
          return { label: String(r.cells.round), value: s.rate };
        }),
    });
  } else if (q.type === 'choice' && !publication) {
    charts.push({
      kind: 'stacked',
      title: `${q.text}: answers round by round`,
      categories: q.options,
      rows: rounds.flatMap((r) =>
        q.options.map((o) => ({
          group: day(r.roundOn),
          category: o,
          count: inRound(r, q.lineage)?.counts[o] ?? 0,
        })),
      ),
    });
  }
  return {
    id,
    heading: `${q.sectionTitle}: ${q.text}`,
    paragraphs: counted
      ? [`Answered in ${q.answered} of ${q.asked} reviews submitted in the period.`]
      : [
          `Answered in ${q.answered} of ${q.asked} reviews submitted in the period${q.type === 'number' ? '' : ' (what was written stays in each review)'}.`,
        ],
    charts,
    tables: [
      {
        id: `${id}-table`,
        title: `${q.text}: answers by round`,
        columns,
        rows,
        empty: 'No reviews were submitted in the period.',
      },
    ],
  };
}

/** The report as a document, in full or prepared for publication. */
export function reviewReportDocument(
  f: ReviewFigures,
  council: string,
  publication: boolean,
): ReportDocument {
  const due = f.rounds;
  const onTime = due.filter((r) => r.state === 'on_time').length;
  const late = due.filter((r) => r.state === 'late').length;
  const overdue = due.filter((r) => r.started && r.state === 'overdue').length;
  const open = due.filter((r) => r.state === 'open').length;
  const notStarted = due.filter((r) => !r.started && r.state === 'overdue').length;
  const settled = due.length - open;
  const onTimeShare = proportion(onTime, settled);
  const byQuestion = new Map<string, { text: string; children: Set<string> }>();
  for (const r of f.repeated) {
    const q = byQuestion.get(r.lineage) ?? { text: r.text, children: new Set() };
    q.children.add(r.childId);
    byQuestion.set(r.lineage, q);
  }
  const childrenRepeated = new Set(f.repeated.map((r) => r.childId)).size;
  const summary = [
    `${due.length} ${due.length === 1 ? 'round' : 'rounds'} fell due from ${day(f.from)} to ${day(f.to)}; of the ${settled} past their due date, ${shareText(onTimeShare)} were done on time${late ? `, ${late} late` : ''}${overdue ? `, ${overdue} overdue` : ''}${notStarted ? `, ${notStarted} never started` : ''}.`,
    `${f.childrenReviewed} ${f.childrenReviewed === 1 ? 'child was' : 'children were'} reviewed in the period; ${childrenRepeated} ${childrenRepeated === 1 ? 'was' : 'were'} found with the same concern in two rounds or more.`,
  ];
  const roundsTable: ReportTable = {
    id: 'rounds',
    title: 'Rounds due in the period',
    columns: [
      { key: 'round', header: 'Round', kind: 'text' },
      { key: 'dueBy', header: 'Due by', kind: 'text' },
      { key: 'reviews', header: 'Reviews', kind: 'count' },
      { key: 'submitted', header: 'Submitted', kind: 'count' },
      { key: 'state', header: 'Done', kind: 'text' },
    ],
    rows: due.map((r) => ({
      cells: {
        round: day(r.roundOn),
        dueBy: day(r.dueBy),
        reviews: publication ? publishCount(r.reviews) : r.reviews,
        submitted: publication ? publishCount(r.submitted) : r.submitted,
        state: r.started
          ? ROUND_STATE_LABELS[r.state]
          : r.state === 'overdue'
            ? 'Never started'
            : 'Not started yet',
      },
    })),
    empty: 'No round fell due in the period.',
  };
  const onTimeTable: ReportTable = {
    id: 'on-time',
    title: 'Rounds done on time',
    columns: [
      { key: 'what', header: 'Rounds', kind: 'text' },
      { key: 'n', header: 'Number', kind: 'count' },
    ],
    rows: [
      { cells: { what: 'Fell due', n: due.length }, total: true },
      { cells: { what: 'Done on time', n: onTime } },
      { cells: { what: 'Done late', n: late } },
      { cells: { what: 'Overdue', n: overdue } },
      { cells: { what: 'Never started', n: notStarted } },
      { cells: { what: 'Not yet due', n: open } },
    ],
  };
  const repeatedCounts = [...byQuestion.values()];
  const perQuestion = publishColumn(
    repeatedCounts.map((q) => q.children.size),
    publication,
  );
  const concernsSection: ReportSection = {
    id: 'repeated-concerns',
    heading: 'Children reviewed repeatedly with the same concern',
    paragraphs: [CONCERN_RULE],
    tables: [
      {
        id: 'repeated-by-question',
        title: 'Children with a repeated concern, by question',
        columns: [
          { key: 'question', header: 'Question', kind: 'text' },
          { key: 'children', header: 'Children', kind: 'count' },
        ],
        rows: repeatedCounts.map((q, i) => ({
          cells: { question: q.text, children: perQuestion.counts[i] },
        })),
        empty: 'No child was found with the same concern in two rounds.',
      },
      ...(publication
        ? []
        : [
            {
              id: 'repeated-children',
              title: 'Each child with a repeated concern, by case reference',
              columns: [
                { key: 'child', header: 'Case reference', kind: 'text' as const },
                { key: 'question', header: 'Question', kind: 'text' as const },
                { key: 'rounds', header: 'Rounds', kind: 'count' as const },
                { key: 'dates', header: 'Round dates', kind: 'text' as const },
              ],
              rows: f.repeated.map((r) => ({
                cells: {
                  child: r.childRef,
                  question: r.text,
                  rounds: r.rounds.length,
                  dates: r.rounds.map(day).join(', '),
                },
              })),
              empty: 'No child was found with the same concern in two rounds.',
            },
          ]),
    ],
  };
  return {
    title: `${f.schedule.name}: recurring review report`,
    subtitle: [
      council,
      `${f.schedule.cohortName}, reviewed ${FREQUENCY_LABELS[f.schedule.frequency].toLowerCase()} on “${f.schedule.toolName}”${publication ? '' : ` by ${f.schedule.reviewerName}`}`,
      `${day(f.from)} to ${day(f.to)}`,
      ...(publication ? ['For publication'] : []),
    ],
    summary,
    notes: [...REVIEW_REPORT_NOTES, ...(publication ? [PUBLICATION_NOTE] : [])],
    sections: [
      {
        id: 'rounds',
        heading: 'Rounds due and done on time',
        paragraphs: [ON_TIME_RULE],
        tables: [onTimeTable, roundsTable],
      },
      ...f.questions.map((q, i) => questionSection(f, q, i, publication)),
      concernsSection,
    ],
    publication,
  };
}

/** "unregistered-placements-weekly-2026-06-01-to-2026-12-01.docx" */
export function reviewReportFileName(f: ReviewFigures, publication: boolean, ext: string): string {
  const slug = f.schedule.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${slug || 'review'}-${f.from}-to-${f.to}${publication ? '-for-publication' : ''}.${ext}`;
}

/** The last six months to today: the report's period when none is asked for. */
export function defaultPeriod(today: IsoDate): { from: IsoDate; to: IsoDate } {
  return { from: addDays(addMonths(today, -6), 1), to: today };
}

/** A schedule's report over a period, as figures and as a document; NotFoundError for no such schedule. */
export async function buildReviewReport(
  db: Db,
  councilId: string,
  scheduleId: string,
  period: { from: IsoDate; to: IsoDate },
  today: IsoDate,
  publication: boolean,
) {
  const [figures, council] = await Promise.all([
    reviewFigures(db, councilId, scheduleId, period.from, period.to, today),
    db.selectFrom('councils').select('name').where('id', '=', councilId).executeTakeFirstOrThrow(),
  ]);
  if (!figures) throw new NotFoundError('review schedule');
  return { figures, document: reviewReportDocument(figures, council.name, publication) };
}
