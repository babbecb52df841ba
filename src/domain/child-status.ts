import type { EpisodeKind } from '../data/schema.ts';

/** What a child's case is now, from their open episodes (domain.md §7 statuses). */
export type CaseStatus =
  | 'in_care'
  | 'cp_plan'
  | 'cin_plan'
  | 'care_leaver'
  | 'early_help'
  | 'no_current_plan';

export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  in_care: 'In care',
  cp_plan: 'Child protection plan',
  cin_plan: 'Child in need plan',
  care_leaver: 'Care leaver',
  early_help: 'Early help',
  no_current_plan: 'Open, no current plan',
};

/** Most to least intensive; a child in care who also has an open CIN episode counts as in care. */
const PRECEDENCE: [EpisodeKind, CaseStatus][] = [
  ['cla', 'in_care'],
  ['cp_plan', 'cp_plan'],
  ['cin_plan', 'cin_plan'],
  ['care_leaver', 'care_leaver'],
  ['early_help', 'early_help'],
];

export interface EpisodeLike {
  kind: EpisodeKind;
  start_date: string;
  end_date: string | null;
}

/** The status on a date: the most intensive episode open then; open with none is "no current plan". */
export function caseStatusOn(episodes: readonly EpisodeLike[], on: string): CaseStatus {
  const open = episodes.filter((e) => e.start_date <= on && (e.end_date === null || e.end_date > on));
  for (const [kind, status] of PRECEDENCE) {
    if (open.some((e) => e.kind === kind)) return status;
  }
  return 'no_current_plan';
}

/**
 * SQL expression (for counting in the database, over `children as c`) equivalent to caseStatusOn
 * for today, built from the same precedence list: the most intensive open episode, by rank.
 */
export const CASE_STATUS_SQL = `case (select min(case e.kind ${PRECEDENCE.map(
  ([kind], i) => `when '${kind}' then ${i + 1}`,
).join(' ')} end) from child_episodes e where e.child_id = c.id and e.end_date is null) ${PRECEDENCE.map(
  ([, status], i) => `when ${i + 1} then '${status}'`,
).join(' ')} else 'no_current_plan' end`;
