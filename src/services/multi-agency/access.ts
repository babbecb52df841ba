/**
 * Who may open what of a multi-agency audit (domain.md §2, §4). A partner contributor opens only the
 * invitations made to them, and only while the invitation is live: not after it expires or is
 * withdrawn (refused, saying why), read-only once answered. Another partner's invitation, or one of
 * another council, is "not found": a partner learns nothing of audits they are not invited to.
 */
import type { Db } from '../../data/db.ts';
import { formatDate, type IsoDate } from '../../domain/dates.ts';
import type { InvitationStatus } from '../../domain/multi-agency.ts';
import { NotFoundError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';

/** A partner's section refused with a reason they can act on: answered with the 403 page. */
export class PartnerSectionRefused extends Error {
  statusCode = 403;
}

/** Where an invitation stands for the person it was made to, on a day. */
export type InvitationState = 'live' | 'expired' | 'answered' | 'collated' | 'withdrawn' | 'closed';

export const INVITATION_STATE_LABELS: Record<InvitationState, string> = {
  live: 'Waiting for an answer',
  expired: 'Expired',
  answered: 'Answered',
  collated: 'Collated into the audit',
  withdrawn: 'Withdrawn',
  closed: 'Not answered: the audit is finished',
};

export const INVITATION_STATE_TAGS: Record<InvitationState, string> = {
  live: 'govuk-tag--blue',
  expired: 'govuk-tag--grey',
  answered: 'govuk-tag--green',
  collated: 'govuk-tag--turquoise',
  withdrawn: 'govuk-tag--grey',
  closed: 'govuk-tag--grey',
};

export function invitationState(
  status: InvitationStatus,
  expiresOn: IsoDate,
  today: IsoDate,
  /** the audit has been submitted or exempted: a section not yet answered can no longer be */
  auditFinished = false,
): InvitationState {
  if (status === 'withdrawn') return 'withdrawn';
  if (status === 'collated') return 'collated';
  if (status === 'submitted') return 'answered';
  if (auditFinished) return 'closed';
  return expiresOn < today ? 'expired' : 'live';
}

/** An audit submitted or exempted: its partners' sections not yet answered close with it. */
export function auditFinished(status: string): boolean {
  return status === 'submitted' || status === 'exempted';
}

export interface PartnerInvitation {
  id: string;
  councilId: string;
  auditId: string;
  sectionKey: string;
  partnerId: string;
  status: InvitationStatus;
  expiresOn: IsoDate;
  state: InvitationState;
}

/**
 * The partner's own invitation, or NotFoundError when it is not theirs (or not their council's).
 * An invitation withdrawn, or expired before it was answered, is refused with the reason.
 */
export async function partnerInvitation(
  db: Db,
  user: SignedInUser,
  invitationId: string,
  today: IsoDate,
): Promise<PartnerInvitation> {
  const row = await db
    .selectFrom('audit_invitations as i')
    .innerJoin('audits as a', (j) =>
      j.onRef('a.id', '=', 'i.audit_id').onRef('a.council_id', '=', 'i.council_id'),
    )
    .select([
      'i.id',
      'i.council_id',
      'i.audit_id',
      'i.section_key',
      'i.partner_id',
      'i.status',
      'i.expires_on',
      'a.status as audit_status',
    ])
    .where('i.id', '=', invitationId)
    .where('i.council_id', '=', user.councilId)
    .where('i.partner_id', '=', user.staffId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('invitation');
  const state = invitationState(row.status, row.expires_on, today, auditFinished(row.audit_status));
  if (state === 'closed') {
    throw new PartnerSectionRefused(
      'The council has finished this audit without your answers, so the section can no longer be opened or answered. If you have something to add, contact the QA team who invited you.',
    );
  }
  if (state === 'withdrawn') {
    throw new PartnerSectionRefused(
      'This invitation was withdrawn by the council’s QA team, so the section can no longer be opened. If you think this is wrong, contact the QA team who invited you.',
    );
  }
  if (state === 'expired') {
    throw new PartnerSectionRefused(
      `This invitation expired on ${formatDate(row.expires_on)}, so the section can no longer be opened or answered. If you still want to answer it, ask the QA team who invited you to extend it.`,
    );
  }
  return {
    id: row.id,
    councilId: row.council_id,
    auditId: row.audit_id,
    sectionKey: row.section_key,
    partnerId: row.partner_id,
    status: row.status,
    expiresOn: row.expires_on,
    state,
  };
}
