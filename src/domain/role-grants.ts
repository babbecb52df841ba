/**
 * Which roles take effect at once and which wait for a QA lead. A role that opens children's records
 * (CHILD_RECORD_ROLES), and any role someone asks for themselves, waits until a QA lead who neither
 * asked for it nor would hold it confirms it. The server's operators (the command line) give roles
 * at once: that is how a new council gets its first QA lead. Removing a role never waits.
 */
import { opensChildRecords, ROLE_LABELS, type Role } from './roles.ts';

/** Where a request for roles comes from. */
export const GRANT_SOURCES = ['administrator', 'staff_file', 'single_sign_on', 'command_line'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

/** Who asked, in words, when no member of staff did (messages and the security log). */
export const GRANT_SOURCE_WORDS: Record<GrantSource, string> = {
  administrator: 'an administrator',
  staff_file: 'the council’s staff file',
  single_sign_on: 'the council’s sign-in service',
  command_line: 'the people who run QA Loop’s server',
};

export interface RoleRequestPlan {
  /** roles that take effect now */
  grant: Role[];
  /** roles that wait for a QA lead (new requests and ones already waiting) */
  pending: Role[];
  /** roles waiting that need a new request */
  request: Role[];
  /** roles held now and no longer wanted */
  remove: Role[];
  /** roles waiting for a QA lead that are no longer wanted, or now given directly: withdrawn */
  withdraw: Role[];
}

/**
 * Plans a request for the full set of roles a person should hold.
 * `self`: the person asked for themselves.
 */
export function planRoleRequest(input: {
  held: readonly Role[];
  waiting: readonly Role[];
  wanted: readonly Role[];
  source: GrantSource;
  self: boolean;
}): RoleRequestPlan {
  const wanted = [...new Set(input.wanted)].sort();
  const held = new Set(input.held);
  const waiting = new Set(input.waiting);
  const toAdd = wanted.filter((r) => !held.has(r));
  const direct = (role: Role) => input.source === 'command_line' || (!input.self && !opensChildRecords(role));
  const grant = toAdd.filter(direct);
  const pending = toAdd.filter((r) => !direct(r));
  return {
    grant,
    pending,
    request: pending.filter((r) => !waiting.has(r)),
    remove: [...held].filter((r) => !wanted.includes(r)).sort(),
    withdraw: [...waiting].filter((r) => !pending.includes(r)).sort(),
  };
}

/**
 * Why this QA lead may not confirm a waiting role, or null when they may: a QA lead who neither
 * asked for it nor would hold it confirms. (Refusing takes nobody's access further, so any QA lead may.)
 */
export function whyCannotConfirm(
  grant: { staffId: string; requestedBy: string | null },
  deciderId: string,
): string | null {
  if (deciderId === grant.staffId) return 'You cannot confirm a role for yourself: another QA lead must';
  if (deciderId === grant.requestedBy) return 'You asked for this role, so another QA lead must confirm it';
  return null;
}

/** The message after someone's roles are saved: which took effect, which went, which wait for a QA lead. */
export function rolesSavedMessage(
  name: string,
  result: { granted: readonly Role[]; pending: readonly Role[]; removed?: readonly Role[] },
): string {
  const labels = (roles: readonly Role[]) => roles.map((r) => ROLE_LABELS[r]).join(', ');
  const parts = [
    result.granted.length ? `Now in effect: ${labels(result.granted)}.` : '',
    result.removed?.length ? `Removed: ${labels(result.removed)}.` : '',
    result.pending.length ? `Waiting for a QA lead to confirm: ${labels(result.pending)}.` : '',
  ].filter(Boolean);
  return parts.length ? `Roles saved for ${name}. ${parts.join(' ')}` : `No change to ${name}’s roles`;
}
