/**
 * The kinds of audit activity (domain.md §4), with every word QA Loop uses for them. An audit tool,
 * a planned activity, a sample and an audit each have one of these kinds; a re-audit is an audit of
 * its original's kind, counted apart in returns.
 */
export const ACTIVITY_KINDS = ['full_audit', 'dip_sample', 'themed', 'multi_agency'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** What returns and reports count separately: each kind, and re-audits of any kind. */
export type ReturnsKind = ActivityKind | 're_audit';

export function isActivityKind(value: unknown): value is ActivityKind {
  return typeof value === 'string' && (ACTIVITY_KINDS as readonly string[]).includes(value);
}

/** One activity of a kind, as pages, reports and returns name it. */
export const ACTIVITY_KIND_LABELS: Record<ReturnsKind, string> = {
  full_audit: 'Full case file audit',
  dip_sample: 'Dip sample',
  themed: 'Themed audit',
  multi_agency: 'Multi-agency audit',
  re_audit: 'Re-audit',
};

/** A month's planned activity of a kind, as the programme lists it. */
export const ACTIVITY_KIND_PLANNED_LABELS: Record<ActivityKind, string> = {
  full_audit: 'Full case file audits',
  dip_sample: 'Dip samples',
  themed: 'Themed audit',
  multi_agency: 'Multi-agency audit',
};

/** The title of a finished audit of a kind, as its Word document and page give it. */
export const ACTIVITY_KIND_TITLES: Record<ActivityKind, string> = {
  full_audit: 'Case file audit',
  dip_sample: 'Dip sample',
  themed: 'Themed audit',
  multi_agency: 'Multi-agency audit',
};

/** What each kind is, beside the choice of kind when a sample is drawn. */
export const ACTIVITY_KIND_HINTS: Record<ActivityKind, string> = {
  full_audit: 'A collaborative audit with the case holder, using the council’s audit tool',
  dip_sample: 'A short themed question set: only auditors who have completed a full audit can do these',
  themed: 'Driven by a question, with a purpose-built tool and a findings report',
  multi_agency: 'A themed audit with partners contributing answers',
};
