/**
 * The `feedback` report (domain.md §6): practitioners' answers after their audits (how much the
 * audit helped, 1–10: the mean and the distribution; what they will change for the child; what they
 * would change about the audit) with the practice themes their written answers mention, and what
 * families told QA. Imported history gives the impact score only. Written answers are never in a
 * report for publication: they may name a child.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { monthName } from '../domain/dates.ts';
import { FAMILY_QUESTIONS } from '../domain/family-feedback.ts';
import { themesMentioned } from '../domain/feedback-themes.ts';
import { monthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH, type Keep, suppressGrid } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Count,
  FEWER_THAN,
  isSmall,
  PUBLICATION_NOTE,
  publishCount,
  publishShare,
  type ReportDocument,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';
import { groupBy, head, type ReportHead, type ReportParams, reportMonths } from './report-base.ts';

export interface FeedbackReport extends ReportHead<'feedback'> {
  practitioner: {
    /** returned audits of a kind that asks for feedback (every kind but dip samples) */
    audits: Count;
    responses: Share;
    /** mean impact score, 1 to 10, to one place; null with no responses */
    meanImpact: number | null;
    /** responses by score, 1 to 10 */
    distribution: Record<string, Count>;
    /** practice themes the written answers mention, most mentioned first */
    themes: { theme: string; name: string; answers: Count }[];
    /** the written answers, newest month first; none in a report for publication */
    answers: { month: string; impact: number; childChange: string; processChange: string }[];
  };
  months: { month: string; responses: Count; meanImpact: number | null }[];
  family: {
    responses: Count;
    /** each choice question's answers by choice */
    questions: { key: string; text: string; answers: Record<string, Count> }[];
    /** written answers; none in a report for publication */
    comments: { month: string; question: string; answer: string }[];
  };
}

interface PractitionerRow {
  month: string;
  impact: number;
  child_change: string | null;
  process_change: string | null;
}

export async function buildFeedbackReport(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<FeedbackReport> {
  const facts = allocationFacts(councilId, monthRange(p.from, p.to), p.filters);
  const [practitioner, audits, family, themes] = await Promise.all([
    sql<PractitionerRow>`
      with facts as (select * from ${facts} f where f.status = 'submitted')
      select f.month::text as month, pf.impact, pf.child_change, pf.process_change
      from facts f join practitioner_feedback pf on pf.audit_id = f.audit_id
      union all
      select f.month::text, h.feedback_score, null, null
      from facts f join audit_history h on h.id = f.history_id
      where h.feedback_score is not null
      order by 1 desc`.execute(db),
    sql<{ n: number }>`
      select count(*)::int as n from ${facts} f where f.status = 'submitted' and f.kind <> 'dip_sample'`.execute(
      db,
    ),
    sql<{ month: string; answers: Record<string, string> }>`
      with facts as (select * from ${facts} f where f.status = 'submitted')
      select f.month::text as month, ff.answers
      from facts f join family_feedback ff on ff.audit_id = f.audit_id
      order by f.month desc, ff.recorded_at desc`.execute(db),
    db
      .selectFrom('practice_themes')
      .select(['key', 'name'])
      .where('council_id', '=', councilId)
      .where('active', '=', true)
      .execute(),
  ]);
  const rows = practitioner.rows.map((r) => ({ ...r, month: r.month.slice(0, 7) }));
  const mean = (list: readonly PractitionerRow[]) =>
    list.length ? Math.round((list.reduce((a, r) => a + r.impact, 0) / list.length) * 10) / 10 : null;
  const distribution: Record<string, number> = {};
  for (let i = 1; i <= 10; i++) distribution[i] = rows.filter((r) => r.impact === i).length;
  const mentions = new Map<string, number>();
  const written = rows.filter((r) => r.child_change !== null);
  for (const r of written) {
    const found = new Set(themesMentioned(`${r.child_change} ${r.process_change}`, themes));
    for (const k of found) mentions.set(k, (mentions.get(k) ?? 0) + 1);
  }
  const byMonth = groupBy(rows, (r) => r.month);
  const months = reportMonths(p);
  const familyRows = family.rows;
  const choiceQuestions = FAMILY_QUESTIONS.filter((q) => q.kind === 'choice');
  const textQuestions = FAMILY_QUESTIONS.filter((q) => q.kind === 'text');
  return {
    ...head('feedback', p),
    practitioner: {
      audits: audits.rows[0]?.n ?? 0,
      responses: proportion(rows.length, Math.max(rows.length, audits.rows[0]?.n ?? 0)),
      meanImpact: mean(rows),
      distribution,
      themes: [...mentions.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([theme, answers]) => ({
          theme,
          name: themes.find((t) => t.key === theme)?.name ?? theme,
          answers,
        })),
      answers: written.map((r) => ({
        month: r.month,
        impact: r.impact,
        childChange: r.child_change as string,
        processChange: r.process_change as string,
      })),
    },
    months: months.map((month) => ({
      month,
      responses: byMonth.get(month)?.length ?? 0,
      meanImpact: mean(byMonth.get(month) ?? []),
    })),
    family: {
      responses: familyRows.length,
      questions: choiceQuestions.map((q) => ({
        key: q.key,
        text: q.text,
        answers: Object.fromEntries(
          q.options.map((o) => [o.value, familyRows.filter((r) => r.answers[q.key] === o.value).length]),
        ),
      })),
      comments: familyRows.flatMap((r) =>
        textQuestions
          .filter((q) => (r.answers[q.key] ?? '').trim())
          .map((q) => ({ month: r.month.slice(0, 7), question: q.text, answer: r.answers[q.key] })),
      ),
    },
  };
}

export function publishFeedbackReport(r: FeedbackReport): FeedbackReport {
  const dist = Object.keys(r.practitioner.distribution);
  const hidden = suppressGrid([dist.map((k) => Number(r.practitioner.distribution[k]))])[0];
  const choice = (answers: Record<string, Count>) => {
    const keys = Object.keys(answers);
    const h = suppressGrid([keys.map((k) => Number(answers[k]))])[0];
    return Object.fromEntries(
      keys.map((k, j) => [k, h[j] ? (isSmall(Number(answers[k])) ? FEWER_THAN : 'withheld') : answers[k]]),
    );
  };
  const responses = Number(r.practitioner.responses.count);
  // the months add up to all the answers: a column of counts with its total, hidden alike
  const monthGrid = [...r.months.map((m) => [Number(m.responses)]), [responses]];
  // the answers in all are kept, and a month's from 10
  const monthHidden = suppressGrid(
    monthGrid,
    undefined,
    monthGrid.map(([n], i): Keep[] => [
      i === r.months.length ? (isSmall(n) ? 0 : 2) : n >= ENOUGH_TO_PUBLISH ? 1 : 0,
    ]),
  );
  return {
    ...r,
    publication: true,
    practitioner: {
      audits: publishCount(Number(r.practitioner.audits)),
      responses: publishShare(r.practitioner.responses as Proportion),
      // a mean to one place beside a distribution with hidden scores could give them back from few answers
      meanImpact:
        isSmall(responses) || (hidden.some(Boolean) && responses < 20) ? null : r.practitioner.meanImpact,
      distribution: Object.fromEntries(
        dist.map((k, j) => [
          k,
          hidden[j]
            ? isSmall(Number(r.practitioner.distribution[k]))
              ? FEWER_THAN
              : 'withheld'
            : r.practitioner.distribution[k],
        ]),
      ),
      themes: r.practitioner.themes.map((t) => ({ ...t, answers: publishCount(Number(t.answers)) })),
      answers: [],
    },
    months: r.months.map((m, i) => ({
      ...m,
      responses: monthHidden[i][0] ? (isSmall(monthGrid[i][0]) ? FEWER_THAN : 'withheld') : monthGrid[i][0],
      meanImpact: monthHidden[i][0] || monthGrid[i][0] < 5 ? null : m.meanImpact,
    })),
    family: {
      responses: publishCount(Number(r.family.responses)),
      questions: r.family.questions.map((q) => ({ ...q, answers: choice(q.answers) })),
      comments: [],
    },
  };
}

const CHOICE_WORDS: Record<string, string> = {
  yes: 'Yes',
  a_bit: 'A bit',
  no: 'No',
  not_yet: 'Not yet',
  rather_not_say: 'Rather not say',
};

export function feedbackDocument(r: FeedbackReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const pr = r.practitioner;
  const tables: ReportTable[] = [
    {
      id: 'impact-distribution',
      title: 'How much the audit helped, 1 (not at all) to 10 (a great deal)',
      columns: [
        { key: 'score', header: 'Score', kind: 'text' },
        { key: 'responses', header: 'Practitioners', kind: 'count' },
      ],
      rows: Object.entries(pr.distribution).map(([score, n]) => ({ cells: { score, responses: n } })),
    },
    {
      id: 'feedback-by-month',
      title: 'By month',
      columns: [
        { key: 'month', header: 'Month', kind: 'text' },
        { key: 'responses', header: 'Practitioners answering', kind: 'count' },
        { key: 'meanImpact', header: 'Mean score', kind: 'number', decimals: 1 },
      ],
      rows: r.months.map((m) => ({
        cells: { month: monthName(`${m.month}-01`), responses: m.responses, meanImpact: m.meanImpact },
      })),
    },
    {
      id: 'feedback-themes',
      title: 'Practice themes practitioners’ answers mention',
      columns: [
        { key: 'theme', header: 'Practice theme', kind: 'text' },
        { key: 'answers', header: 'Answers', kind: 'count' },
      ],
      rows: pr.themes.map((t) => ({ cells: { theme: t.name, answers: t.answers } })),
      empty: 'No written answer mentions a practice theme.',
    },
  ];
  if (!r.publication) {
    tables.push({
      id: 'practitioner-answers',
      title: 'What practitioners wrote',
      columns: [
        { key: 'month', header: 'Month', kind: 'text' },
        { key: 'impact', header: 'Score', kind: 'number', decimals: 0 },
        { key: 'childChange', header: 'One thing I will change for the child', kind: 'text' },
        { key: 'processChange', header: 'One thing I would change about the audit', kind: 'text' },
      ],
      rows: pr.answers.map((a) => ({ cells: { ...a, month: monthName(`${a.month}-01`) } })),
      empty: 'No written answers in these months.',
    });
  }
  const familyTables: ReportTable[] = r.family.questions.map((q) => ({
    id: `family-${q.key}`,
    title: q.text,
    columns: [
      { key: 'answer', header: 'Answer', kind: 'text' },
      { key: 'families', header: 'Families', kind: 'count' },
    ],
    rows: Object.entries(q.answers).map(([k, n]) => ({
      cells: { answer: CHOICE_WORDS[k] ?? k, families: n },
    })),
  }));
  if (!r.publication) {
    familyTables.push({
      id: 'family-comments',
      title: 'What families wrote',
      columns: [
        { key: 'month', header: 'Month', kind: 'text' },
        { key: 'question', header: 'Question', kind: 'text' },
        { key: 'answer', header: 'Answer', kind: 'text' },
      ],
      rows: r.family.comments.map((c) => ({ cells: { ...c, month: monthName(`${c.month}-01`) } })),
      empty: 'No written answers in these months.',
    });
  }
  return {
    title: `Feedback, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary: [
      `Practitioners answering after their audit: ${shareText(pr.responses, 'no audits returned')}.`,
      `Mean score for how much the audit helped their practice: ${pr.meanImpact === null ? 'no answers' : `${pr.meanImpact.toFixed(1)} out of 10`}.`,
      ...(pr.themes.length
        ? [
            `Most mentioned in their answers: ${pr.themes
              .slice(0, 3)
              .map((t) => `${t.name.toLowerCase()} (${t.answers})`)
              .join(', ')}.`,
          ]
        : []),
      `Families who gave feedback: ${r.family.responses}.`,
    ],
    notes: [
      'Practitioners answer three questions once their audit is returned: how much it helped their practice (1 to 10), one thing they will change for the child and one thing they would change about the audit. Imported history gives the score only. A written answer mentions a practice theme when at least half the significant words of the theme’s name appear in it.',
      ...(r.publication
        ? [PUBLICATION_NOTE, 'Written answers are not published: they may identify a child or family.']
        : []),
    ],
    sections: [
      {
        id: 'practitioners',
        heading: 'Practitioners',
        // a chart would draw a hidden count as nothing: for publication, the table alone
        charts: r.publication
          ? []
          : [
              {
                kind: 'stacked',
                title: 'How much the audit helped, scores 1 to 10',
                categories: ['Practitioners'],
                rows: Object.entries(pr.distribution).map(([score, n]) => ({
                  group: score,
                  category: 'Practitioners',
                  count: typeof n === 'number' ? n : 0,
                })),
              },
            ],
        tables,
      },
      { id: 'families', heading: 'Families', tables: familyTables },
    ],
    publication: r.publication,
  };
}
