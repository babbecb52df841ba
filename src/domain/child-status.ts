/** The kinds of episode a child's record holds, from referral to leaving care. */
export type EpisodeKind =
  | 'early_help'
  | 'cin_episode'
  | 'assessment'
  | 's47'
  | 'cin_plan'
  | 'cp_plan'
  | 'cla'
  | 'care_leaver'
  | 'pre_proceedings';

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

/** What each kind of episode is called on pages and in reports. */
export const EPISODE_LABELS: Record<EpisodeKind, string> = {
  early_help: 'Early help',
  cin_episode: 'Referral (children in need episode)',
  assessment: 'Assessment',
  s47: 'Section 47 enquiry',
  cin_plan: 'Child in need plan',
  cp_plan: 'Child protection plan',
  cla: 'In care',
  care_leaver: 'Care leaver',
  pre_proceedings: 'Pre-proceedings (Public Law Outline)',
};

/** Most to least intensive; a child in care who also has an open CIN episode counts as in care. */
export const STATUS_PRECEDENCE: readonly (readonly [EpisodeKind, CaseStatus])[] = [
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
  for (const [kind, status] of STATUS_PRECEDENCE) {
    if (open.some((e) => e.kind === kind)) return status;
  }
  return 'no_current_plan';
}
