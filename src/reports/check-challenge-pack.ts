/**
 * A team's check-and-challenge pack as a report document (domain.md §12): the same figures as the
 * page, for the Word download the team manager and Head of Service take into the meeting, and, when
 * the meeting is recorded, who attended and the goals it set. No child is named.
 */

import { GOAL_STATUS_LABELS, type GoalStatus } from '../domain/check-challenge.ts';
import { formatDate, type IsoDate } from '../domain/dates.ts';
import type { Change } from '../domain/statistics.ts';
import type { ReportDocument, ReportSection, ReportTable } from './document.ts';
import { shareText } from './document.ts';
import { reportDocx } from './render.ts';

/** The pack's shape as stored (src/services/check-challenge/pack.ts), read here without importing the service. */
export interface PackForReport {
  team: { name: string; serviceArea: string };
  weekOf: IsoDate;
  asOf: IsoDate;
  quarter: { label: string; months: string };
  previousQuarter: { label: string; months: string };
  returns: {
    owed: number;
    overdue: number;
    byAuditor: { name: string; owed: number; overdue: number; oldestDue: IsoDate | null }[];
  };
  grades: {
    quarter: PackGradesForReport;
    previous: PackGradesForReport;
    difference: [number, number] | null;
    change: Change | null;
  };
  sectionsBelowGood: { graded: number; rows: { title: string; belowGood: ShareLike }[] };
  themes: { audits: number; rows: { name: string; found: ShareLike }[] };
  actions: {
    open: number;
    overdue: number;
    byOwner: { name: string; overdue: number; oldestDue: IsoDate | null }[];
  };
  oversight: { submitted: number; missing: number };
  escalations: { open: number; immediate: number; driftDelay: number; oldestRaisedOn: IsoDate | null };
  feedback: { given: ShareLike; meanImpact: number | null };
  dataQuality: {
    snapshotAsOf: IsoDate | null;
    children: number;
    unallocated: number;
    heldByManagers: number;
    visits: { due: number; outOfTimescale: number } | null;
  };
  goals: {
    text: string;
    owner: string | null;
    dueOn: IsoDate;
    status: GoalStatus;
    closedNote: string;
    setInWeek: IsoDate;
    overdue: boolean;
  }[];
}

interface ShareLike {
  count: number;
  total: number;
  rate: number | null;
  ci95: [number, number] | null;
}

interface PackGradesForReport {
  audits: number;
  byGrade: { grade: string; label: string; count: number }[];
  goodOrBetter: ShareLike;
}

export interface MeetingForReport {
  heldOn: IsoDate;
  attendees: string[];
  othersPresent: string;
  notes: string;
  goals: { text: string; owner: string | null; dueOn: IsoDate; status: GoalStatus; closedNote: string }[];
}

const signed = (x: number) => {
  const n = Math.round(x * 100);
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0';
};

const CHANGE_WORDS: Record<Change, string> = {
  improved: 'better than last quarter',
  worse: 'worse than last quarter',
  same: 'no clear change from last quarter',
};

/** "Good or better: 7 of 12 (58%, 95% CI 32% to 81%) against 5 of 10 last quarter: no clear change…" */
export function gradeChangeWords(p: Pick<PackForReport, 'grades'>): string {
  const g = p.grades;
  const now = shareText(g.quarter.goodOrBetter, 'no audits returned');
  const before = shareText(g.previous.goodOrBetter, 'no audits returned');
  const diff =
    g.difference && g.quarter.goodOrBetter.total && g.previous.goodOrBetter.total
      ? ` (difference ${signed(
          g.quarter.goodOrBetter.count / g.quarter.goodOrBetter.total -
            g.previous.goodOrBetter.count / g.previous.goodOrBetter.total,
        )} percentage points, 95% CI ${signed(g.difference[0])} to ${signed(g.difference[1])})`
      : '';
  const change = g.change ? `: ${CHANGE_WORDS[g.change]}${diff}` : '';
  return `Good or better this quarter: ${now}; last quarter: ${before}${change}.`;
}

/** The pack's headline sentences, as the page and the document open. */
export function packSummary(p: PackForReport): string[] {
  const dq = p.dataQuality;
  const goalsOpen = p.goals.filter((g) => g.status === 'open');
  return [
    `Returns owed by the team’s auditors: ${p.returns.owed}, of which ${p.returns.overdue} overdue.`,
    gradeChangeWords(p),
    `Actions overdue on the team’s audits: ${p.actions.overdue} of ${p.actions.open} open. Management oversight not yet recorded: ${p.oversight.missing} of ${p.oversight.submitted} audits returned this quarter and last.`,
    `Escalations waiting for a response: ${p.escalations.open}.`,
    dq.snapshotAsOf
      ? `Latest case data (${formatDate(dq.snapshotAsOf)}): ${dq.unallocated} of ${dq.children} open children without an allocated worker; ${dq.heldByManagers} held by managers${dq.visits ? `; ${dq.visits.outOfTimescale} of ${dq.visits.due} children on plans with a visit out of timescale` : ''}.`
      : 'No case data has been loaded yet, so there are no data-quality items.',
    `Goals followed up: ${p.goals.length}, ${goalsOpen.length} still open${goalsOpen.some((g) => g.overdue) ? `, ${goalsOpen.filter((g) => g.overdue).length} overdue` : ''}.`,
  ];
}

export const PACK_NOTES = [
  'Audits belong to the quarter of their cycle’s month (quarters run April to June, July to September, October to December, January to March). The team is the case-holding team recorded on each audit.',
  'Good or better counts the final grade: the moderation panel’s where the audit was moderated. The 95% confidence intervals are Wilson’s; a change counts only when the interval of the difference (Newcombe’s) leaves out zero.',
  'Returns owed are audits allocated to auditors in the team and not yet returned; overdue means past their due date on the day the pack was counted.',
  'Data-quality items come from the latest weekly case extract: children open to the team with no allocated worker, children allocated to someone whose job title is a manager’s, and, where the extract carries visits, children on plans whose latest visit is out of timescale.',
];

const text = (key: string, header: string) => ({ key, header, kind: 'text' as const });
const count = (key: string, header: string) => ({ key, header, kind: 'count' as const });
const share = (key: string, header: string) => ({ key, header, kind: 'share' as const });

function gradesTable(p: PackForReport): ReportTable {
  const grades = new Map<string, string>();
  for (const g of [...p.grades.quarter.byGrade, ...p.grades.previous.byGrade]) grades.set(g.grade, g.label);
  const n = (list: PackGradesForReport['byGrade'], grade: string) =>
    list.find((x) => x.grade === grade)?.count ?? 0;
  return {
    id: 'grades',
    title: `Grades of the team’s children’s audits: ${p.quarter.label} against ${p.previousQuarter.label}`,
    columns: [
      text('grade', 'Grade'),
      count('quarter', p.quarter.label),
      count('previous', p.previousQuarter.label),
    ],
    rows: [
      ...[...grades].map(([grade, label]) => ({
        cells: {
          grade: label,
          quarter: n(p.grades.quarter.byGrade, grade),
          previous: n(p.grades.previous.byGrade, grade),
        },
      })),
      {
        total: true,
        cells: {
          grade: 'Audits returned',
          quarter: p.grades.quarter.audits,
          previous: p.grades.previous.audits,
        },
      },
    ],
    empty: 'No audits of the team’s children were returned this quarter or last.',
  };
}

function goalRows(goals: PackForReport['goals']) {
  return goals.map((g) => ({
    cells: {
      goal: g.text,
      owner: g.owner ?? 'No one now',
      due: formatDate(g.dueOn),
      status: `${GOAL_STATUS_LABELS[g.status]}${g.overdue ? ' (overdue)' : ''}${g.closedNote ? `: ${g.closedNote}` : ''}`,
      set: formatDate(g.setInWeek),
    },
  }));
}

/** The pack (and the meeting, once recorded) as a report document. */
export function packDocument(
  p: PackForReport,
  councilName: string,
  meeting: MeetingForReport | null,
): ReportDocument {
  const sections: ReportSection[] = [
    {
      id: 'returns',
      heading: 'Returns owed by the team’s auditors',
      tables: [
        {
          id: 'returns-owed',
          title: 'Audits allocated and not yet returned, by auditor',
          columns: [
            text('auditor', 'Auditor'),
            count('owed', 'Owed'),
            count('overdue', 'Overdue'),
            text('oldest', 'Earliest due'),
          ],
          rows: p.returns.byAuditor.map((r) => ({
            cells: {
              auditor: r.name,
              owed: r.owed,
              overdue: r.overdue,
              oldest: r.oldestDue ? formatDate(r.oldestDue) : '',
            },
          })),
          empty: 'The team’s auditors owe no returns.',
        },
      ],
    },
    {
      id: 'grades',
      heading: 'Audit grades this quarter against last',
      paragraphs: [gradeChangeWords(p)],
      tables: [gradesTable(p)],
    },
    {
      id: 'sections',
      heading: 'Sections most often below good this quarter',
      tables: [
        {
          id: 'sections-below-good',
          title: `Sections graded below good, of ${p.sectionsBelowGood.graded} graded sections this quarter`,
          columns: [text('section', 'Section'), share('below', 'Below good, of the section’s grades')],
          rows: p.sectionsBelowGood.rows.map((r) => ({ cells: { section: r.title, below: r.belowGood } })),
          empty: 'No section was graded below good this quarter.',
        },
      ],
    },
    {
      id: 'themes',
      heading: 'Practice themes found this quarter',
      tables: [
        {
          id: 'themes-found',
          title: `Practice themes, of ${p.themes.audits} audits returned this quarter`,
          columns: [text('theme', 'Practice theme'), share('found', 'Audits finding it')],
          rows: p.themes.rows.map((r) => ({ cells: { theme: r.name, found: r.found } })),
          empty: 'No practice theme was tagged in the quarter’s audits.',
        },
      ],
    },
    {
      id: 'follow-up',
      heading: 'Actions, oversight, escalations and feedback',
      paragraphs: [
        `Management oversight not yet recorded on ${p.oversight.missing} of ${p.oversight.submitted} audits of the team’s children returned this quarter and last.`,
        `Escalations waiting for a response: ${p.escalations.open} (${p.escalations.immediate} immediate, ${p.escalations.driftDelay} drift and delay)${p.escalations.oldestRaisedOn ? `, the oldest raised ${formatDate(p.escalations.oldestRaisedOn)}` : ''}.`,
        `Practitioner feedback given on ${shareText(p.feedback.given, 'none of no')} audits returned this quarter${p.feedback.meanImpact !== null ? `; how impactful the audit was for their practice averaged ${p.feedback.meanImpact} out of 10` : ''}.`,
      ],
      tables: [
        {
          id: 'actions-overdue',
          title: `Actions overdue: ${p.actions.overdue} of ${p.actions.open} open, by owner`,
          columns: [text('owner', 'Owner'), count('overdue', 'Overdue'), text('oldest', 'Earliest due')],
          rows: p.actions.byOwner.map((r) => ({
            cells: { owner: r.name, overdue: r.overdue, oldest: r.oldestDue ? formatDate(r.oldestDue) : '' },
          })),
          empty: 'No action on the team’s audits is overdue.',
        },
      ],
    },
    {
      id: 'data-quality',
      heading: 'Data quality',
      paragraphs: [packSummary(p)[4]],
      tables: [],
    },
    {
      id: 'goals',
      heading: 'Goals followed up',
      tables: [
        {
          id: 'goals-followed-up',
          title: 'Goals set at earlier meetings: those still open, and last week’s',
          columns: [
            text('goal', 'Goal'),
            text('owner', 'Who'),
            text('due', 'By when'),
            text('status', 'Status'),
            text('set', 'Set in week of'),
          ],
          rows: goalRows(p.goals),
          empty: 'No goals were set at earlier meetings.',
        },
      ],
    },
  ];
  if (meeting) {
    sections.push({
      id: 'meeting',
      heading: `The meeting, held ${formatDate(meeting.heldOn)}`,
      paragraphs: [
        `Attended: ${[...meeting.attendees, ...(meeting.othersPresent ? [meeting.othersPresent] : [])].join('; ') || 'not recorded'}.`,
        ...(meeting.notes ? [meeting.notes] : []),
      ],
      tables: [
        {
          id: 'goals-set',
          title: 'Goals set',
          columns: [
            text('goal', 'Goal'),
            text('owner', 'Who'),
            text('due', 'By when'),
            text('status', 'Status now'),
          ],
          rows: meeting.goals.map((g) => ({
            cells: {
              goal: g.text,
              owner: g.owner ?? 'No one now',
              due: formatDate(g.dueOn),
              status: `${GOAL_STATUS_LABELS[g.status]}${g.closedNote ? `: ${g.closedNote}` : ''}`,
            },
          })),
          empty: 'The meeting set no goals.',
        },
      ],
    });
  }
  return {
    title: `Check and challenge: ${p.team.name}, week of ${formatDate(p.weekOf)}`,
    subtitle: [
      councilName,
      p.team.serviceArea,
      `Figures as at ${formatDate(p.asOf)}; ${p.quarter.label} (${p.quarter.months}) against ${p.previousQuarter.label}`,
    ],
    summary: packSummary(p),
    notes: PACK_NOTES,
    sections,
    publication: false,
  };
}

/** The pack as a Word document. */
export function packDocx(
  p: PackForReport,
  councilName: string,
  meeting: MeetingForReport | null,
): Promise<Buffer> {
  return reportDocx(packDocument(p, councilName, meeting));
}
