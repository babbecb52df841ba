/**
 * Multi-agency audits (domain.md §4): partners (health, police, education) invited to answer their
 * own section of an audit. A partner sees only the sections they are invited to, and only until the
 * invitation expires; the QA lead collates their answers into the audit and submits it.
 */
export const PARTNER_AGENCIES = ['health', 'police', 'education', 'probation', 'other'] as const;
export type PartnerAgency = (typeof PARTNER_AGENCIES)[number];

export const PARTNER_AGENCY_LABELS: Record<PartnerAgency, string> = {
  health: 'Health',
  police: 'Police',
  education: 'Education',
  probation: 'Probation',
  other: 'Another agency',
};

export function isPartnerAgency(value: unknown): value is PartnerAgency {
  return typeof value === 'string' && (PARTNER_AGENCIES as readonly string[]).includes(value);
}

export const INVITATION_STATUSES = ['invited', 'submitted', 'withdrawn', 'collated'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const INVITATION_STATUS_LABELS: Record<InvitationStatus, string> = {
  invited: 'Invited',
  submitted: 'Answered',
  withdrawn: 'Withdrawn',
  collated: 'Collated into the audit',
};

/** How long an invitation lasts unless the QA lead says otherwise: the audit window's length. */
export const DEFAULT_INVITATION_DAYS = 21;
