/**
 * The practitioner's reply (issue 20, item 5): after an audit is submitted, its case holder and their
 * line manager may each say, once per section, whether they agree with the auditor's findings, or
 * disagree and why. Replies close once the audit's moderation has been submitted or decided: from
 * then on the moderator and the panel have judged the audit, and a reply could no longer be weighed.
 * (The cycle's five working days of feedback and moderation, domain.md §1, are a deadline people are
 * reminded of, not a lock: a reply given late but before moderation is still worth having.)
 */

/** Who is replying: the audit's case holder or their line manager. */
export type ReplyRole = 'practitioner' | 'manager';

export const REPLY_ROLE_LABELS: Record<ReplyRole, string> = {
  practitioner: 'The case holder',
  manager: 'The case holder’s manager',
};

/** The longest reason, as the table allows. */
export const MAX_REASON = 2000;

export type ReplyChoice = 'agree' | 'disagree';
export const REPLY_CHOICES: readonly ReplyChoice[] = ['agree', 'disagree'];
export const REPLY_CHOICE_LABELS: Record<ReplyChoice, string> = {
  agree: 'I agree',
  disagree: 'I disagree',
};

/** The form's field names for one section. */
export const replyField = (sectionKey: string) => `reply-${sectionKey}`;
export const reasonField = (sectionKey: string) => `reason-${sectionKey}`;

export interface ReplyWindowFacts {
  auditStatus: string;
  /** the audit's moderation's status, or null when it is not being moderated */
  moderationStatus: 'unallocated' | 'allocated' | 'submitted' | 'decided' | null;
}

export const REPLIES_NOT_YET = 'You can reply to the audit’s findings once it has been submitted.';
export const REPLIES_CLOSED =
  'Replies to this audit are closed: its moderation has been completed, so the findings have been judged.';

/** Why replies to the audit are closed, or null while they are open. */
export function whyRepliesClosed(facts: ReplyWindowFacts): string | null {
  if (facts.auditStatus !== 'submitted') return REPLIES_NOT_YET;
  if (facts.moderationStatus === 'submitted' || facts.moderationStatus === 'decided') return REPLIES_CLOSED;
  return null;
}

/** One section's reply as typed. */
export interface TypedReply {
  sectionKey: string;
  sectionTitle: string;
  choice: string;
  reason: string;
}

export interface CheckedReply {
  sectionKey: string;
  agrees: boolean;
  reason: string | null;
}

export interface ReplyError {
  field: string;
  message: string;
}

/**
 * Checks the replies typed for the sections still open to this person: each section is either left
 * (to reply later), agreed with, or disagreed with a reason of at most MAX_REASON characters; at least
 * one section must be answered. A reason typed beside "I agree" is kept as a comment.
 */
export function checkReplies(
  typed: readonly TypedReply[],
): { ok: true; replies: CheckedReply[] } | { ok: false; errors: ReplyError[] } {
  const errors: ReplyError[] = [];
  const replies: CheckedReply[] = [];
  for (const t of typed) {
    const reason = t.reason.trim();
    if (t.choice === '') {
      if (reason)
        errors.push({
          field: replyField(t.sectionKey),
          message: `Say whether you agree or disagree with the findings on ${t.sectionTitle}`,
        });
      continue;
    }
    if (!REPLY_CHOICES.includes(t.choice as ReplyChoice)) {
      errors.push({
        field: replyField(t.sectionKey),
        message: `Choose “I agree” or “I disagree” for ${t.sectionTitle}`,
      });
      continue;
    }
    const agrees = t.choice === 'agree';
    if (!agrees && !reason) {
      errors.push({
        field: reasonField(t.sectionKey),
        message: `Say why you disagree with the findings on ${t.sectionTitle}`,
      });
      continue;
    }
    if (reason.length > MAX_REASON) {
      errors.push({
        field: reasonField(t.sectionKey),
        message: `Your reason on ${t.sectionTitle} must be ${MAX_REASON.toLocaleString('en-GB')} characters or fewer`,
      });
      continue;
    }
    replies.push({ sectionKey: t.sectionKey, agrees, reason: reason || null });
  }
  if (errors.length) return { ok: false, errors };
  if (replies.length === 0) {
    const first = typed[0];
    return {
      ok: false,
      errors: [
        {
          field: first ? replyField(first.sectionKey) : 'form',
          message: 'Say whether you agree or disagree with the findings on at least one section',
        },
      ],
    };
  }
  return { ok: true, replies };
}

export interface StoredReply {
  sectionKey: string;
  repliedAs: ReplyRole;
  agrees: boolean;
}

export interface RepliesSummary {
  /** replies given, by anyone */
  replies: number;
  agreed: number;
  disagreed: number;
  /** sections with at least one disagreement */
  disputedSections: number;
  disputed: boolean;
  /** a sentence for the page: "2 replies: 1 agreement, 1 disagreement" or "No replies yet" */
  text: string;
}

const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** An audit's replies counted. */
export function summariseReplies(replies: readonly StoredReply[]): RepliesSummary {
  const agreed = replies.filter((r) => r.agrees).length;
  const disagreed = replies.length - agreed;
  const disputedSections = new Set(replies.filter((r) => !r.agrees).map((r) => r.sectionKey)).size;
  const text =
    replies.length === 0
      ? 'No replies yet'
      : `${n(replies.length, 'reply', 'replies')}: ${n(agreed, 'agreement', 'agreements')}, ${n(
          disagreed,
          'disagreement',
          'disagreements',
        )}${disputedSections ? ` (${n(disputedSections, 'section', 'sections')} disputed)` : ''}`;
  return { replies: replies.length, agreed, disagreed, disputedSections, disputed: disagreed > 0, text };
}
