/**
 * The self-evaluation pack (domain.md §12): a Word document for the QA lead to edit, answering
 * Ofsted's three questions — what do we know about the quality and impact of social work practice,
 * how do we know it, and what are our plans to improve it — from QA Loop's figures for a period.
 * Each section gives what the figures say, a short "How we know", and an empty "Our plans" for the
 * QA lead to write. Aggregates only: no child, and no practitioner, is named.
 */
import { HeadingLevel, Paragraph, type Table, TextRun } from 'docx';
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS, type ReturnsKind } from '../domain/activity-kinds.ts';
import { type CaseStatus, caseStatusOn, type EpisodeKind } from '../domain/child-status.ts';
import { addMonths, formatDate, type IsoDate } from '../domain/dates.ts';
import { FAMILY_QUESTIONS } from '../domain/family-feedback.ts';
import type { RagRating } from '../domain/improvement-plan.ts';
import { compareRefs, ragLabel } from '../domain/improvement-plan.ts';
import { type MonthRange, monthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import {
  type ActionsOnTime,
  actionsOnTime,
  type GradeGroup,
  gradeGroupOf,
} from '../metrics/actions-on-time.ts';
import { allocationFacts, checkMonths } from '../metrics/audit-facts.ts';
import { moderationFigures } from '../metrics/moderation-figures.ts';
import { learningByTheme, type ThemeLearning } from '../services/learning/learning-sessions.ts';
import { onTimeRule, onTimeTables } from './actions-on-time.ts';
import { type Column, countText, type ReportTable, rangeWords, shareText } from './document.ts';
import { buildFeedbackReport } from './feedback.ts';
import { wordDocument, wordTable } from './render.ts';
import { councilName, councilScales } from './report-base.ts';
import { returnsReport } from './returns.ts';

/** The inspection judgement areas audits are counted under (the fourth, leaders' impact, is its own section). */
export type JudgementArea = 'help_and_protection' | 'children_in_care' | 'care_leavers';

export const JUDGEMENT_AREAS: readonly { key: JudgementArea; name: string; judgement: string }[] = [
  {
    key: 'help_and_protection',
    name: 'Help and protection',
    judgement: 'The experiences and progress of children who need help and protection',
  },
  {
    key: 'children_in_care',
    name: 'Children in care',
    judgement: 'The experiences and progress of children in care',
  },
  { key: 'care_leavers', name: 'Care leavers', judgement: 'The experiences and progress of care leavers' },
];

/** The judgement area of a child's status on the day of the snapshot their audit was drawn from. */
export function judgementAreaOf(status: CaseStatus): JudgementArea {
  if (status === 'in_care') return 'children_in_care';
  if (status === 'care_leaver') return 'care_leavers';
  return 'help_and_protection';
}

export const AREA_RULE =
  'Each audit is counted under one judgement area, from the child’s status on the day of the case-data snapshot the audit’s sample was drawn from: in care, under children in care; a care leaver, under care leavers; any other status (a child protection or child in need plan, early help, an open case with no plan), under help and protection. A child with several open episodes takes the most intensive (in care before a child protection plan, before a child in need plan, before care leaver). Audits with no snapshot behind them (added by hand, or from the imported history) are counted as not known.';

export interface AreaFindings {
  key: JudgementArea | 'not_known';
  name: string;
  graded: number;
  goodOrBetter: Proportion;
  requiresImprovement: Proportion;
  inadequate: Proportion;
}

export interface SelfEvaluation {
  councilName: string;
  from: string;
  to: string;
  period: string;
  produced: string;
  programme: {
    planned: number;
    exempted: number;
    scheduled: number;
    returned: number;
    returnRate: Proportion;
    byKind: { kind: ReturnsKind; name: string; returned: number }[];
  };
  areas: AreaFindings[];
  leaders: {
    oversight: Proportion;
    actions: ActionsOnTime;
    moderated: number;
    sameGrade: Proportion;
    kappa: number | null;
    downgraded: Proportion;
  };
  learning: { sessions: number; attended: number; namedAttendees: number; byTheme: ThemeLearning[] };
  feedback: {
    practitionerResponses: Proportion;
    meanImpact: number | null;
    themes: { name: string; answers: number }[];
    familyResponses: number;
    questions: { text: string; answers: { label: string; count: number }[] }[];
  };
  plan: {
    title: string;
    localities: { id: string; name: string }[];
    areas: {
      number: string;
      title: string;
      outcomes: { ref: string; outcome: string; ratings: Record<string, RagRating | null> }[];
    }[];
    /** the overall ratings, by rating */
    overall: Record<string, number>;
  } | null;
}

/** The default period: the 12 months to this month. */
export function defaultPeriod(today: IsoDate): { from: string; to: string } {
  const to = `${today.slice(0, 7)}-01`;
  return { from: addMonths(to, -11).slice(0, 7), to: to.slice(0, 7) };
}

/** Checks the months typed on the form: field errors, none when the period can be used. */
export function checkPeriod(from: string, to: string) {
  return checkMonths(from, to, 36);
}

interface AuditRow {
  final_grade: string;
  scale_key: string | null;
  snapshot_as_of: string | null;
  episodes: { kind: EpisodeKind; start_date: string; end_date: string | null }[] | null;
}

async function areaFindings(db: Db, councilId: string, range: MonthRange): Promise<AreaFindings[]> {
  const [{ rows }, scales] = await Promise.all([
    sql<AuditRow>`
      select a.final_grade, gs.key as scale_key, s.snapshot_as_of::text as snapshot_as_of,
        (select json_agg(json_build_object('kind', e.kind, 'start_date', e.start_date::text,
            'end_date', e.end_date::text))
          from child_episodes e where e.snapshot_id = s.snapshot_id and e.child_id = a.child_id) as episodes
      from audits a
      join programme_months pm on pm.id = a.month_id
      left join samples s on s.id = a.sample_id and s.snapshot_id is not null
      left join audit_tool_versions v on v.id = coalesce(a.tool_version_id, (
        select v2.id from audit_tool_versions v2 where v2.tool_id = a.tool_id order by v2.version desc limit 1))
      left join grade_scales gs on gs.id = v.scale_id
      where a.council_id = ${councilId} and pm.council_id = ${councilId}
        and pm.month between ${range.from}::date and ${range.to}::date
        and a.status = 'submitted' and a.final_grade is not null`.execute(db),
    councilScales(db, councilId),
  ]);
  const groups = new Map<string, GradeGroup[]>();
  for (const r of rows) {
    const area = r.snapshot_as_of
      ? judgementAreaOf(caseStatusOn(r.episodes ?? [], r.snapshot_as_of))
      : 'not_known';
    const grades =
      (r.scale_key ? scales.get(r.scale_key)?.grades : undefined) ??
      [...scales.values()].find((s) => s.grades.some((g) => g.key === r.final_grade))?.grades ??
      [];
    const list = groups.get(area) ?? [];
    list.push(gradeGroupOf(grades, r.final_grade));
    groups.set(area, list);
  }
  const findings = (key: AreaFindings['key'], name: string): AreaFindings => {
    const list = groups.get(key) ?? [];
    const n = (g: GradeGroup) => list.filter((x) => x === g).length;
    return {
      key,
      name,
      graded: list.length,
      goodOrBetter: proportion(n('good'), list.length),
      requiresImprovement: proportion(n('requires_improvement'), list.length),
      inadequate: proportion(n('inadequate'), list.length),
    };
  };
  const out = JUDGEMENT_AREAS.map((a) => findings(a.key, a.name));
  if (groups.has('not_known')) out.push(findings('not_known', 'Not known (no snapshot)'));
  return out;
}

async function planProgress(db: Db, councilId: string): Promise<SelfEvaluation['plan']> {
  const plan = await db
    .selectFrom('improvement_plans')
    .select(['id', 'title'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!plan) return null;
  const [localities, areas, outcomes, ratings] = await Promise.all([
    db
      .selectFrom('localities')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .orderBy('name')
      .execute(),
    db
      .selectFrom('plan_areas')
      .select(['id', 'number', 'title'])
      .where('council_id', '=', councilId)
      .where('plan_id', '=', plan.id)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('plan_outcomes')
      .select(['id', 'area_id', 'ref', 'outcome', 'position'])
      .where('council_id', '=', councilId)
      .where('plan_id', '=', plan.id)
      .execute(),
    // the latest rating of each outcome and locality (null locality: overall)
    sql<{ outcome_id: string; locality_id: string | null; rag: RagRating }>`
      select distinct on (r.outcome_id, r.locality_id) r.outcome_id, r.locality_id::text as locality_id, r.rag
      from plan_ratings r join plan_outcomes o on o.id = r.outcome_id
      where r.council_id = ${councilId} and o.plan_id = ${plan.id}
      order by r.outcome_id, r.locality_id, r.set_at desc, r.id desc`.execute(db),
  ]);
  const current = new Map(ratings.rows.map((r) => [`${r.outcome_id}/${r.locality_id ?? ''}`, r.rag]));
  const overall: Record<string, number> = {};
  const shown = areas.map((a) => ({
    number: a.number,
    title: a.title,
    outcomes: outcomes
      .filter((o) => o.area_id === a.id)
      .sort((x, y) => compareRefs(x.ref, y.ref) || x.position - y.position)
      .map((o) => {
        const rag = current.get(`${o.id}/`) ?? null;
        const label = ragLabel(rag);
        overall[label] = (overall[label] ?? 0) + 1;
        return {
          ref: o.ref,
          outcome: o.outcome,
          ratings: Object.fromEntries([
            ['', rag],
            ...localities.map((l) => [l.id, current.get(`${o.id}/${l.id}`) ?? null]),
          ]) as Record<string, RagRating | null>,
        };
      }),
  }));
  return { title: plan.title, localities, areas: shown, overall };
}

/** The pack's figures for the months from `from` to `to` (YYYY-MM), counted to `today`. */
export async function buildSelfEvaluation(
  db: Db,
  councilId: string,
  period: { from: string; to: string },
  today: IsoDate,
): Promise<SelfEvaluation> {
  const range = monthRange(period.from, period.to);
  const lastDay = addMonths(range.to, 1);
  const [
    name,
    returns,
    kinds,
    areas,
    oversight,
    actions,
    moderation,
    learning,
    learningTotals,
    feedback,
    plan,
  ] = await Promise.all([
    councilName(db, councilId),
    returnsReport(db, councilId, period.from, period.to),
    sql<{ kind: ReturnsKind; n: number }>`
        select f.kind, count(*)::int as n from ${allocationFacts(councilId, range)} f
        where f.status = 'submitted' group by f.kind order by f.kind`.execute(db),
    areaFindings(db, councilId, range),
    sql<{ with_oversight: number; n: number }>`
        select count(*) filter (where exists (select 1 from audit_oversight o where o.audit_id = a.id))::int
            as with_oversight,
          count(*)::int as n
        from audits a join programme_months pm on pm.id = a.month_id
        where a.council_id = ${councilId} and pm.council_id = ${councilId} and a.status = 'submitted'
          and pm.month between ${range.from}::date and ${range.to}::date`.execute(db),
    actionsOnTime(db, councilId, range, {}, today),
    moderationFigures(db, councilId, range),
    learningByTheme(db, councilId, range.from, range.to),
    sql<{ sessions: number; attended: number; named: number }>`
        select count(*)::int as sessions, coalesce(sum(ls.attended), 0)::int as attended,
          (select count(distinct la.staff_id)::int from learning_session_attendees la
            join learning_sessions l2 on l2.id = la.session_id
            where la.council_id = ${councilId} and l2.held_on >= ${range.from}::date
              and l2.held_on < ${lastDay}::date) as named
        from learning_sessions ls
        where ls.council_id = ${councilId} and ls.held_on >= ${range.from}::date
          and ls.held_on < ${lastDay}::date`.execute(db),
    buildFeedbackReport(db, councilId, {
      from: period.from,
      to: period.to,
      filters: {},
      filterWords: [],
      councilName: '',
      publication: false,
      today,
    }),
    planProgress(db, councilId),
  ]);
  const r = returns.total;
  const o = oversight.rows[0] ?? { with_oversight: 0, n: 0 };
  const lt = learningTotals.rows[0] ?? { sessions: 0, attended: 0, named: 0 };
  const m = moderation.total;
  return {
    councilName: name,
    from: period.from,
    to: period.to,
    period: rangeWords(period.from, period.to),
    produced: formatDate(today),
    programme: {
      planned: r.planned,
      exempted: r.exempted,
      scheduled: r.scheduled,
      returned: r.returned,
      returnRate: proportion(Math.min(r.returned, r.scheduled), r.scheduled),
      byKind: kinds.rows.map((k) => ({ kind: k.kind, name: ACTIVITY_KIND_LABELS[k.kind], returned: k.n })),
    },
    areas,
    leaders: {
      oversight: proportion(o.with_oversight, o.n),
      actions,
      moderated: m.moderated,
      sameGrade: m.agreement.sameGrade,
      kappa: m.agreement.enough ? m.agreement.kappa : null,
      downgraded: m.downgradedShare,
    },
    learning: { sessions: lt.sessions, attended: lt.attended, namedAttendees: lt.named, byTheme: learning },
    feedback: {
      practitionerResponses: feedback.practitioner.responses as Proportion,
      meanImpact: feedback.practitioner.meanImpact,
      themes: feedback.practitioner.themes.map((t) => ({ name: t.name, answers: Number(t.answers) })),
      familyResponses: Number(feedback.family.responses),
      questions: feedback.family.questions.map((q) => {
        const question = FAMILY_QUESTIONS.find((x) => x.key === q.key);
        return {
          text: q.text,
          answers: Object.entries(q.answers).map(([value, count]) => ({
            label:
              (question && 'options' in question
                ? question.options.find((x) => x.value === value)?.text
                : undefined) ?? value,
            count: Number(count),
          })),
        };
      }),
    },
    plan,
  };
}

// ---- the Word document ---------------------------------------------------------------------------

const text = (t: string) => new Paragraph({ text: t, spacing: { after: 120 } });
const bullet = (t: string) => new Paragraph({ text: t, bullet: { level: 0 } });
const heading = (t: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) =>
  new Paragraph({ text: t, heading: level, keepNext: true, spacing: { before: 240 } });
const table = (t: ReportTable): (Paragraph | Table)[] => [
  new Paragraph({
    children: [new TextRun({ text: t.title, bold: true })],
    keepNext: true,
    spacing: { before: 120 },
  }),
  t.rows.length ? wordTable(t) : text(t.empty ?? 'None in this period.'),
];
const col = (key: string, header: string, kind: Column['kind']): Column => ({ key, header, kind });

/** A section: what we know (the figures), how we know, and our plans (left for the QA lead). */
function section(
  number: number,
  title: string,
  know: (Paragraph | Table)[],
  howWeKnow: string[],
): (Paragraph | Table)[] {
  return [
    heading(`${number}. ${title}`, HeadingLevel.HEADING_1),
    heading('What we know', HeadingLevel.HEADING_2),
    ...know,
    heading('How we know', HeadingLevel.HEADING_2),
    ...howWeKnow.map(text),
    heading('Our plans', HeadingLevel.HEADING_2),
    new Paragraph({ text: '' }),
  ];
}

const RAG_ORDER = ['Green', 'Amber', 'Red', 'Complete', 'Not started'];

/** The pack as a Word document, OFFICIAL-SENSITIVE, for the QA lead to edit. */
export async function selfEvaluationDocx(s: SelfEvaluation): Promise<Buffer> {
  const p = s.programme;
  const l = s.leaders;
  const onTime = onTimeTables(l.actions, false);
  const out: (Paragraph | Table)[] = [
    new Paragraph({
      spacing: { after: 120 },
      children: [new TextRun({ text: s.councilName, size: 32, bold: true })],
    }),
    new Paragraph({
      text: 'Self-evaluation of the quality and impact of social work practice',
      heading: HeadingLevel.TITLE,
      spacing: { after: 240 },
    }),
    text(`Figures for ${s.period}, from QA Loop. Produced ${s.produced}.`),
    text(
      'A draft for the QA lead to edit. Ofsted’s annual self-evaluation asks three questions: what do you know about the quality and impact of social work practice, how do you know it, and what are your plans to improve it. Each section below gives what the audit programme tells us (“What we know”), where the figures come from (“How we know”), and an empty “Our plans” for you to write.',
    ),
    text(
      'Every share is given with its count and a 95% confidence interval (Wilson). Where numbers are small the interval is wide: read the interval, not only the percentage. No child or practitioner is named in this document.',
    ),
  ];

  out.push(
    ...section(
      1,
      'The audit programme and returns',
      [
        bullet(
          `Audits planned: ${countText(p.planned)}; exempted: ${countText(p.exempted)}; due to be returned: ${countText(p.scheduled)}.`,
        ),
        bullet(`Returned: ${shareText(p.returnRate, 'none due')}.`),
        ...table({
          id: 'programme-by-kind',
          title: 'Audits returned, by kind of activity',
          columns: [col('name', 'Kind of activity', 'text'), col('returned', 'Returned', 'count')],
          rows: p.byKind.map((k) => ({ cells: { name: k.name, returned: k.returned } })),
          empty: 'No audits were returned in this period.',
        }),
      ],
      [
        'Audits are drawn each month at random from the council’s case data (Annex A or the case-management extract), stratified by team or locality where set, and allocated to trained auditors. The return rate is the share of the audits due that were returned; audits exempted (for example a case closed before its audit) are not due.',
      ],
    ),
  );

  const area = (a: AreaFindings) => ({
    cells: {
      name: a.name,
      graded: a.graded,
      good: a.goodOrBetter,
      ri: a.requiresImprovement,
      inadequate: a.inadequate,
    },
  });
  const tooFew = s.areas.filter((a) => a.key !== 'not_known' && a.graded > 0 && a.graded < 10);
  out.push(
    ...section(
      2,
      'What audits found, by inspection judgement area',
      [
        text(
          `Ofsted judges ${JUDGEMENT_AREAS.map((a) => a.judgement.charAt(0).toLowerCase() + a.judgement.slice(1)).join('; ')}; and the impact of leaders on social work practice (section 3).`,
        ),
        ...table({
          id: 'areas',
          title: 'Audits graded, by judgement area',
          columns: [
            col('name', 'Judgement area', 'text'),
            col('graded', 'Audits graded', 'count'),
            col('good', 'Good or better', 'share'),
            col('ri', 'Requires improvement', 'share'),
            col('inadequate', 'Inadequate', 'share'),
          ],
          rows: s.areas.map(area),
          empty: 'No audits were graded in this period.',
        }),
        ...s.areas
          .filter((a) => a.key !== 'not_known' && a.graded === 0)
          .map((a) =>
            text(`${a.name}: no audits were graded in this period, so audits say nothing about it yet.`),
          ),
        ...(tooFew.length
          ? [
              text(
                `Too few audits to tell with confidence for ${tooFew.map((a) => a.name.toLowerCase()).join(' and ')}: fewer than 10 graded, so the intervals are wide.`,
              ),
            ]
          : []),
      ],
      [
        AREA_RULE,
        'Grades are final grades: the moderation panel’s where an audit was moderated. Good or better follows each grade scale; the lowest grade of a scale with two or more grades below good counts as inadequate, any other grade below good as requires improvement. Dip samples give no overall grade and are not counted here. The fourth judgement area, the impact of leaders, is the next section.',
      ],
    ),
  );

  out.push(
    ...section(
      3,
      'The impact of leaders on social work practice',
      [
        bullet(
          `Management oversight recorded on submitted audits: ${shareText(l.oversight, 'no audits submitted')}.`,
        ),
        bullet(
          `Actions from audits done on time: ${shareText(l.actions.total.onTime, 'none due')}; overdue and still open: ${countText(l.actions.total.overdueOpen)}.`,
        ),
        bullet(
          l.moderated
            ? `Moderation: ${countText(l.moderated)} audits moderated; the moderator’s blind grade agreed with the auditor’s in ${shareText(l.sameGrade, 'none')}${l.kappa !== null ? ` (weighted kappa ${l.kappa.toFixed(2)})` : ''}; downgraded: ${shareText(l.downgraded, 'none')}.`
            : 'Moderation: no audits were moderated in this period.',
        ),
        bullet(`Audits returned, of those due: ${shareText(p.returnRate, 'none due')}.`),
        ...table({
          id: 'actions-on-time',
          title: 'Actions done on time, by grade of audit',
          columns: [
            col('name', 'Audit graded', 'text'),
            col('onTime', 'Done on time', 'share'),
            col('overdueOpen', 'Overdue, still open', 'count'),
          ],
          rows: [...onTime.byGrade, onTime.total].map((r, i, all) => ({
            cells: { ...r },
            total: i === all.length - 1,
          })),
        }),
        ...table({
          id: 'actions-on-time-by-area',
          title: 'Actions done on time, by service area',
          columns: [
            col('name', 'Service area', 'text'),
            col('onTime', 'Done on time', 'share'),
            col('overdueOpen', 'Overdue, still open', 'count'),
          ],
          rows: onTime.byServiceArea.map((r) => ({ cells: { ...r } })),
          empty: 'No actions were due in this period.',
        }),
      ],
      [
        'Leaders’ grip on practice is read from four things QA Loop records: managers’ oversight written on each submitted audit; whether the actions audits set for children are done by their due date, for audits of every grade; how often moderators, grading blind, agree with the auditor; and whether audits are returned when due.',
        onTimeRule(l.actions),
      ],
    ),
  );

  const ln = s.learning;
  out.push(
    ...section(
      4,
      'Learning from audits',
      [
        bullet(
          `Learning sessions held: ${countText(ln.sessions)}, attended ${countText(ln.attended)} times in all.`,
        ),
        bullet(`People recorded by name as attending: ${countText(ln.namedAttendees)}.`),
        ...table({
          id: 'learning-by-theme',
          title: 'Learning sessions, by practice theme',
          columns: [
            col('name', 'Practice theme', 'text'),
            col('sessions', 'Sessions', 'count'),
            col('attended', 'Attended', 'count'),
          ],
          rows: ln.byTheme.map((t) => ({
            cells: { name: t.themeName, sessions: t.sessions, attended: t.attended },
          })),
          empty: 'No learning sessions on a practice theme were held in this period.',
        }),
      ],
      [
        'Learning sessions are recorded in QA Loop with the practice themes they were on and who attended. A session on two themes is counted under each. Whether practice on a theme changed after the learning is on the Closing the loop page: it is association, not proof.',
      ],
    ),
  );

  const fb = s.feedback;
  out.push(
    ...section(
      5,
      'What families and practitioners tell us',
      [
        bullet(
          `Practitioners’ feedback on their audit: ${shareText(fb.practitionerResponses, 'no audits asked for it')}${fb.meanImpact !== null ? `; the audit’s impact scored ${fb.meanImpact.toFixed(1)} out of 10 on average` : ''}.`,
        ),
        ...(fb.themes.length
          ? [
              bullet(
                `Practice themes practitioners mention most: ${fb.themes
                  .slice(0, 5)
                  .map((t) => `${t.name} (${t.answers})`)
                  .join('; ')}.`,
              ),
            ]
          : []),
        bullet(`Families’ feedback given: ${countText(fb.familyResponses)}.`),
        ...fb.questions.flatMap((q) =>
          table({
            id: `family-${q.text}`,
            title: q.text,
            columns: [col('label', 'Answer', 'text'), col('count', 'Families', 'count')],
            rows: fb.familyResponses
              ? q.answers.map((a) => ({ cells: { label: a.label, count: a.count } }))
              : [],
            empty: 'No family answered this in this period.',
          }),
        ),
      ],
      [
        'Practitioners are asked for feedback after each audit of their work (every kind but dip samples), scoring its impact from 1 to 10 and saying what will change for the child. Families are asked whether their social worker listened and whether things are better. Written answers are in QA Loop’s feedback report; they are left out here so no one is named.',
      ],
    ),
  );

  const plan = s.plan;
  const planKnow: (Paragraph | Table)[] = [];
  if (!plan) planKnow.push(text('No improvement plan recorded.'));
  else {
    const counts = RAG_ORDER.filter((k) => plan.overall[k]).map(
      (k) => `${k.toLowerCase()} ${plan.overall[k]}`,
    );
    const unrated = Object.entries(plan.overall)
      .filter(([k]) => !RAG_ORDER.includes(k))
      .reduce((n, [, c]) => n + c, 0);
    planKnow.push(
      text(`${plan.title}.`),
      bullet(
        `Outcomes rated overall: ${counts.length ? counts.join(', ') : 'none yet'}${unrated ? `; not yet rated: ${unrated}` : ''}.`,
      ),
    );
    const rag = (r: RagRating | null) => (r ? ragLabel(r) : 'Not rated');
    for (const a of plan.areas) {
      planKnow.push(
        ...table({
          id: `plan-${a.number}`,
          title: `${a.number}. ${a.title}`,
          columns: [
            col('ref', 'Ref', 'text'),
            col('outcome', 'Outcome', 'text'),
            col('overall', 'Overall', 'text'),
            ...plan.localities.map((l) => col(l.id, l.name, 'text')),
          ],
          rows: a.outcomes.map((o) => ({
            cells: {
              ref: o.ref,
              outcome: o.outcome,
              overall: rag(o.ratings['']),
              ...Object.fromEntries(plan.localities.map((l) => [l.id, rag(o.ratings[l.id])])),
            },
          })),
          empty: 'No outcomes in this area.',
        }),
      );
    }
  }
  out.push(
    ...section(6, 'The improvement plan’s progress', planKnow, [
      'Each outcome of the improvement plan is rated red, amber or green, overall and by locality, by its lead, with the audit figures linked to it as evidence; the latest rating is shown. The plan’s progress report gives the evidence behind each rating.',
    ]),
  );
  return wordDocument('Self-evaluation of the quality and impact of social work practice', out, {
    publication: false,
    fontSize: 20,
  });
}

/** The pack's file name: "self-evaluation-2025-12-to-2026-11.docx". */
export function selfEvaluationFileName(from: string, to: string): string {
  return `self-evaluation-${from}-to-${to}.docx`;
}
