/**
 * What is due in a live cycle this month, for the QA lead's home page: the stage the cycle is in,
 * from its dates and what has been done, and the next jobs (draw, allocate, chase returns, choose
 * the moderation sample, hold the panel, write the report), each with the page to do it on.
 */
import { type CycleProgress, currentPhase, type PhaseDates } from './cycle-phases.ts';
import { addMonths, formatDate, type IsoDate } from './dates.ts';

export const CYCLE_STAGES = {
  planning: 'Planning',
  drawing: 'Drawing the samples',
  allocating: 'Allocating the audits',
  auditing: 'Auditing and chasing returns',
  moderation: 'Moderation',
  panel: 'Moderation panel',
  reporting: 'Writing the report',
  learning: 'Sharing the learning',
  finished: 'Finished',
} as const;

export type CycleStage = keyof typeof CYCLE_STAGES;

export interface CyclePhaseDates extends PhaseDates {
  name: string;
}

/** What QA Loop knows of a cycle today. */
export interface CycleFacts {
  monthId: string;
  monthName: string;
  /** null until the cycle is dated */
  phases: readonly CyclePhaseDates[] | null;
  /** each planned activity: its name as the programme gives it, its target and the children drawn */
  activities: readonly { name: string; target: number; drawn: number }[];
  /** audits drawn and not yet given an auditor (nor exempted) */
  unallocated: number;
  /** audits with an auditor and not yet returned */
  owed: number;
  /** of those, past their due date */
  overdue: number;
  /** audits returned */
  returned: number;
  /** the moderation sample has been chosen (its plan confirmed) */
  moderationChosen: boolean;
  /** moderations chosen and not yet submitted by their moderator */
  moderationsWaiting: number;
  /** moderations submitted and waiting for the panel's decision */
  forPanel: number;
  /** the QA lead has written the cycle's strengths or areas for development */
  reportWritten: boolean;
}

export interface CycleTask {
  text: string;
  href: string;
}

export interface CycleDue {
  monthId: string;
  monthName: string;
  stage: CycleStage;
  stageName: string;
  /** where the cycle is by its dates, in words: "Auditing window until 27 November 2026" */
  when: string;
  tasks: CycleTask[];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The phase the dates put the cycle in (the next one when between two), or its state. */
function phaseKey(progress: CycleProgress<CyclePhaseDates>): string {
  if (progress.state === 'in_phase') return progress.phase.key;
  if (progress.state === 'between_phases') return progress.next.key;
  return progress.state;
}

function whenText(progress: CycleProgress<CyclePhaseDates>): string {
  switch (progress.state) {
    case 'not_started':
      return `Starts on ${formatDate(progress.next.start)}`;
    case 'in_phase':
      return `${progress.phase.name} until ${formatDate(progress.phase.end)}`;
    case 'between_phases':
      return `${progress.next.name} starts on ${formatDate(progress.next.start)}`;
    default:
      return `Finished on ${formatDate(progress.last.end)}`;
  }
}

/** The order the dated phases run in, for "this phase or later". */
const PHASE_ORDER = ['not_started', 'pre_audit', 'auditing', 'feedback', 'reporting', 'learning', 'finished'];
const atOrAfter = (key: string, than: string) => PHASE_ORDER.indexOf(key) >= PHASE_ORDER.indexOf(than);

/** The stage a cycle is in and what is due in it on `today`. */
export function whatIsDue(facts: CycleFacts, today: IsoDate): CycleDue {
  const id = facts.monthId;
  const month = `/programme/months/${id}`;
  const base = { monthId: id, monthName: facts.monthName };
  if (!facts.phases?.length) {
    return {
      ...base,
      stage: 'planning',
      stageName: CYCLE_STAGES.planning,
      when: 'Not dated yet',
      tasks: [{ text: 'Plan the cycle: its start date, themes and activities', href: `${month}/edit` }],
    };
  }
  const progress = currentPhase(facts.phases, today);
  const key = phaseKey(progress);
  const auditing = facts.phases.find((p) => p.key === 'auditing');
  const feedback = facts.phases.find((p) => p.key === 'feedback');
  const reporting = facts.phases.find((p) => p.key === 'reporting');
  const tasks: CycleTask[] = [];
  const finished = key === 'finished';

  if (!finished && !atOrAfter(key, 'feedback')) {
    if (facts.activities.length === 0) {
      tasks.push({ text: 'Plan the activities and their targets', href: `${month}/edit` });
    }
    for (const a of facts.activities) {
      if (a.drawn >= a.target) continue;
      tasks.push({
        text: `Draw the ${a.name.toLowerCase()}: ${a.target} planned, ${a.drawn === 0 ? 'none' : a.drawn} drawn`,
        href: `/samples/new?month=${id}`,
      });
    }
  }
  if (!finished && !atOrAfter(key, 'reporting') && facts.unallocated > 0) {
    tasks.push({
      text: `Allocate ${plural(facts.unallocated, 'audit', 'audits')} not yet given an auditor`,
      href: month,
    });
  }
  if (!finished && atOrAfter(key, 'auditing') && facts.owed > 0) {
    const due = auditing && key === 'auditing' ? ` due ${formatDate(auditing.end)}` : '';
    const overdue = facts.overdue > 0 ? `, ${facts.overdue} overdue` : '';
    tasks.push({
      text: `Chase ${plural(facts.owed, 'return', 'returns')}${due}${overdue}`,
      href: `/returns?month=${id}`,
    });
  }
  if (!finished && atOrAfter(key, 'feedback')) {
    if (!facts.moderationChosen && facts.returned > 0) {
      tasks.push({
        text: `Choose the moderation sample from ${plural(facts.returned, 'returned audit', 'returned audits')}`,
        href: `${month}/moderation`,
      });
    }
    if (facts.moderationsWaiting > 0) {
      tasks.push({
        text: `Follow up ${plural(facts.moderationsWaiting, 'moderation', 'moderations')} not yet submitted`,
        href: `${month}/moderation`,
      });
    }
  }
  if (!finished && facts.forPanel > 0) {
    const by = feedback && !atOrAfter(key, 'reporting') ? ` by ${formatDate(feedback.end)}` : '';
    tasks.push({
      text: `Hold the panel${by}: ${plural(facts.forPanel, 'moderation', 'moderations')} to decide`,
      href: `/moderation/panel/${id}`,
    });
  }
  if (!finished && atOrAfter(key, 'reporting') && !facts.reportWritten) {
    const by = reporting && key === 'reporting' ? ` by ${formatDate(reporting.end)}` : '';
    tasks.push({ text: `Write the monthly report${by}`, href: `/reports/monthly/${id}` });
  }

  let stage: CycleStage;
  if (finished) stage = 'finished';
  else if (key === 'not_started' || key === 'pre_audit') {
    const toDraw = facts.activities.some((a) => a.drawn < a.target);
    stage = facts.activities.length === 0 ? 'planning' : toDraw ? 'drawing' : 'allocating';
  } else if (key === 'auditing') stage = 'auditing';
  else if (key === 'feedback') {
    stage = !facts.moderationChosen || facts.moderationsWaiting > 0 ? 'moderation' : 'panel';
  } else if (key === 'reporting') stage = 'reporting';
  else stage = 'learning';

  return { ...base, stage, stageName: CYCLE_STAGES[stage], when: whenText(progress), tasks };
}

/**
 * The cycles to show on the home page: those under way on `today`, and the next one to start, in
 * date order, after this month's and next month's cycles if they are not dated yet. Learning
 * months, with no audits, are left out.
 */
export function liveCycles<
  C extends { month: IsoDate; learningMonth: boolean; phases: readonly PhaseDates[] | null },
>(cycles: readonly C[], today: IsoDate): C[] {
  const dated = cycles
    .filter((c) => !c.learningMonth && c.phases?.length)
    .sort((a, b) => a.month.localeCompare(b.month));
  const underWay = dated.filter((c) => {
    const state = currentPhase(c.phases as PhaseDates[], today).state;
    return state !== 'not_started' && state !== 'finished';
  });
  const next = dated.find((c) => currentPhase(c.phases as PhaseDates[], today).state === 'not_started');
  const thisMonth = `${today.slice(0, 7)}-01`;
  const nextMonth = addMonths(thisMonth, 1);
  const undated = cycles.filter(
    (c) => !c.learningMonth && !c.phases?.length && (c.month === thisMonth || c.month === nextMonth),
  );
  return [...underWay, ...(next ? [next] : []), ...undated];
}
