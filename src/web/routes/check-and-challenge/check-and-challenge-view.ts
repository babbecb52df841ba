import { GOAL_STATUS_LABELS } from '../../../domain/check-challenge.ts';
import { formatDate } from '../../../domain/dates.ts';
import { gradeChangeWords, packSummary } from '../../../reports/check-challenge-pack.ts';
import { shareText } from '../../../reports/document.ts';
import type { sideBySide } from '../../../services/check-challenge/meetings.ts';
import type { CheckChallengePack } from '../../../services/check-challenge/pack.ts';

const CHANGE_TAGS = {
  improved: { text: 'Better', classes: 'govuk-tag--green' },
  worse: { text: 'Worse', classes: 'govuk-tag--red' },
  same: { text: 'No clear change', classes: 'govuk-tag--grey' },
} as const;

const STATUS_TAGS = {
  open: 'govuk-tag--blue',
  done: 'govuk-tag--green',
  dropped: 'govuk-tag--grey',
} as const;

/** A pack's figures in words and cells for the page. */
export function packView(p: CheckChallengePack) {
  const grades = new Map<string, string>();
  for (const g of [...p.grades.quarter.byGrade, ...p.grades.previous.byGrade]) grades.set(g.grade, g.label);
  const n = (list: { grade: string; count: number }[], grade: string) =>
    list.find((x) => x.grade === grade)?.count ?? 0;
  return {
    summary: packSummary(p),
    gradeWords: gradeChangeWords(p),
    changeTag: p.grades.change ? CHANGE_TAGS[p.grades.change] : null,
    gradeRows: [...grades].map(([grade, label]) => ({
      label,
      quarter: n(p.grades.quarter.byGrade, grade),
      previous: n(p.grades.previous.byGrade, grade),
    })),
    goodNow: shareText(p.grades.quarter.goodOrBetter, 'No audits returned'),
    goodBefore: shareText(p.grades.previous.goodOrBetter, 'No audits returned'),
    sections: p.sectionsBelowGood.rows.map((r) => ({ title: r.title, share: shareText(r.belowGood) })),
    themes: p.themes.rows.map((r) => ({ name: r.name, share: shareText(r.found) })),
    feedback: shareText(p.feedback.given, 'No audits returned with a practitioner'),
    impact:
      p.feedback.meanImpact === null
        ? null
        : `how impactful the audit was for their practice: ${p.feedback.meanImpact} out of 10 on average`,
    goals: p.goals.map((g) => ({
      ...g,
      statusLabel: GOAL_STATUS_LABELS[g.status],
      statusClasses: STATUS_TAGS[g.status],
    })),
  };
}

/** The teams' packs side by side: one row per team, the key figures in columns. */
export function sideBySideView(view: Awaited<ReturnType<typeof sideBySide>>) {
  return {
    week: view.week,
    scope: view.scope,
    rows: view.teams.map((s, i) => {
      const p = view.packs[i];
      const dq = p.dataQuality;
      return {
        teamId: s.team.id,
        team: s.team.name,
        serviceArea: s.team.serviceArea,
        meeting: s.meeting ? `Held ${formatDate(s.meeting.heldOn)}` : 'Not yet recorded',
        recorded: !!s.meeting,
        returns: `${p.returns.owed} (${p.returns.overdue} overdue)`,
        good: shareText(p.grades.quarter.goodOrBetter, 'No audits returned'),
        goodBefore: shareText(p.grades.previous.goodOrBetter, 'No audits returned'),
        change: p.grades.change ? CHANGE_TAGS[p.grades.change] : null,
        actions: `${p.actions.overdue} of ${p.actions.open}`,
        oversight: `${p.oversight.missing} of ${p.oversight.submitted}`,
        escalations: p.escalations.open,
        unallocated: dq.snapshotAsOf ? `${dq.unallocated} of ${dq.children}` : 'No case data',
        managers: dq.snapshotAsOf ? String(dq.heldByManagers) : 'No case data',
        visits: dq.visits ? `${dq.visits.outOfTimescale} of ${dq.visits.due}` : 'Not in the extract',
        goals: `${s.openGoals} open${s.overdueGoals ? `, ${s.overdueGoals} overdue` : ''}`,
      };
    }),
    quarter: view.packs[0]?.quarter ?? null,
  };
}
