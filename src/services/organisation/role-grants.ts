/**
 * Roles, and the QA lead who confirms the ones that open children's records.
 *
 * Everyone who changes a person's roles goes through `requestRoles` with the full set the person
 * should hold: an administrator (src/services/organisation/people.ts), the staff file, single
 * sign-on and the command line. Roles no longer in the set go at once. Added roles take effect at
 * once unless they open children's records (CHILD_RECORD_ROLES) or the person asked for themselves:
 * those wait in `role_grants` until a QA lead who neither asked for the role nor would hold it
 * confirms it. The command line (the server's operators) gives roles at once: that is how a new
 * council gets its first QA lead. Every change is in the security log, and the person is told.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  GRANT_SOURCE_WORDS,
  GRANT_SOURCES,
  type GrantSource,
  planRoleRequest,
  whyCannotConfirm,
} from '../../domain/role-grants.ts';
import { isRole, opensChildRecords, ROLE_LABELS, type Role } from '../../domain/roles.ts';
import { SECURITY_EVENT_LABELS, type SecurityEventKind } from '../../domain/security-events.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { notifyPeople, type PersonMessage } from '../notifications.ts';
import { recordSecurityEvents, type SecurityEvent } from './security-log.ts';

export type { GrantSource } from '../../domain/role-grants.ts';

export interface RoleRequest {
  councilId: string;
  staffId: string;
  /** the full set the person should hold */
  roles: Role[];
  /** staff id; null for the command line or the provider */
  requestedBy: string | null;
  source: GrantSource;
  queue?: JobQueue | null;
  now?: Date;
}

export interface RoleRequestResult {
  /** roles that took effect now */
  granted: Role[];
  /** roles waiting for a QA lead to confirm them */
  pending: Role[];
  /** roles taken away */
  removed: Role[];
}

const sorted = (roles: Iterable<Role>) => [...new Set(roles)].sort();

/**
 * Asks for a person to hold exactly `roles`, in one transaction (the caller's when `db` is one).
 * Asking again for a role already waiting is not an error: it stays waiting.
 */
export async function requestRoles(
  db: Db,
  input: {
    councilId: string;
    staffId: string;
    roles: Role[];
    requestedBy: string | null;
    source: GrantSource;
    queue?: JobQueue | null;
    now?: Date;
    /** the person was just added: their first email tells them they can sign in, so no separate "role given" */
    newAccount?: boolean;
  },
): Promise<{ granted: Role[]; pending: Role[]; removed: Role[] }> {
  const { councilId, staffId, requestedBy, source } = input;
  if (!input.roles.every(isRole))
    throw new ValidationError([{ field: 'roles', message: 'Choose roles from the list' }]);
  if (!(GRANT_SOURCES as readonly string[]).includes(source))
    throw new Error(`Unknown source of roles: ${source}`);
  const now = input.now ?? new Date();
  return inTransaction(db, async (trx) => {
    const person = await trx
      .selectFrom('staff')
      .select('id')
      .where('id', '=', staffId)
      .where('council_id', '=', councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!person) throw new NotFoundError('person');
    if (requestedBy !== null) {
      const asker = await trx
        .selectFrom('staff')
        .select('id')
        .where('id', '=', requestedBy)
        .where('council_id', '=', councilId)
        .executeTakeFirst();
      if (!asker) throw new NotFoundError('person');
    }
    const held = (
      await trx.selectFrom('staff_roles').select('role').where('staff_id', '=', staffId).execute()
    ).map((r) => r.role);
    const waiting = await trx
      .selectFrom('role_grants')
      .select(['id', 'role'])
      .where('staff_id', '=', staffId)
      .where('outcome', 'is', null)
      .execute();
    const plan = planRoleRequest({
      held,
      waiting: waiting.map((w) => w.role),
      wanted: input.roles,
      source,
      self: requestedBy !== null && requestedBy === staffId,
    });

    const events: SecurityEvent[] = [];
    const event = (kind: SecurityEventKind, detail: Record<string, unknown>): SecurityEvent => ({
      councilId,
      kind,
      actorId: requestedBy,
      subjectId: staffId,
      detail: { source, ...(requestedBy ? { requestedBy } : {}), ...detail },
    });
    const messages: PersonMessage[] = [];

    // waiting roles no longer wanted, or now given directly, are withdrawn
    for (const w of waiting.filter((x) => plan.withdraw.includes(x.role))) {
      const note = plan.grant.includes(w.role) ? 'Given directly' : 'No longer asked for';
      await trx
        .updateTable('role_grants')
        .set({ outcome: 'withdrawn', decided_by: requestedBy, decided_at: now, note })
        .where('id', '=', w.id)
        .execute();
      events.push(event('role_withdrawn', { role: w.role, grantId: w.id, note }));
    }

    // new requests wait for a QA lead; the person hears of those that open children's records
    const requestNotice = plan.request.some(opensChildRecords) ? crypto.randomUUID() : null;
    for (const role of plan.request) {
      const row = await trx
        .insertInto('role_grants')
        .values({
          council_id: councilId,
          staff_id: staffId,
          role,
          requested_by: requestedBy,
          requested_at: now,
        })
        .onConflict((oc) => oc.columns(['staff_id', 'role']).where('outcome', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) continue; // asked for at the same moment by someone else: it is waiting
      events.push(
        event('role_requested', {
          role,
          grantId: row.id,
          ...(requestNotice && opensChildRecords(role) ? { notice: requestNotice } : {}),
        }),
      );
    }
    if (requestNotice) messages.push({ councilId, staffId, kind: 'role_requested', aboutId: requestNotice });

    if (plan.remove.length) {
      await trx
        .deleteFrom('staff_roles')
        .where('staff_id', '=', staffId)
        .where('role', 'in', plan.remove)
        .execute();
      for (const role of plan.remove) events.push(event('role_removed', { role }));
    }
    if (plan.grant.length) {
      await trx
        .insertInto('staff_roles')
        .values(plan.grant.map((role) => ({ council_id: councilId, staff_id: staffId, role })))
        .onConflict((oc) => oc.columns(['staff_id', 'role']).doNothing())
        .execute();
      const notice = crypto.randomUUID();
      for (const role of plan.grant) events.push(event('role_granted', { role, notice }));
      if (!input.newAccount) messages.push({ councilId, staffId, kind: 'role_granted', aboutId: notice });
    }
    // role_changes needs who made the change: the command line and the provider are in the security log only
    if (requestedBy && (plan.remove.length || plan.grant.length)) {
      await trx
        .insertInto('role_changes')
        .values({
          council_id: councilId,
          staff_id: staffId,
          changed_by: requestedBy,
          roles_before: sorted(held),
          roles_after: sorted([...held.filter((r) => !plan.remove.includes(r)), ...plan.grant]),
          changed_at: now,
        })
        .execute();
    }
    await recordSecurityEvents(trx, events);
    await notifyPeople(trx, input.queue ?? null, messages);
    return { granted: plan.grant, pending: plan.pending, removed: plan.remove };
  });
}

async function pendingGrant(trx: Db, councilId: string, grantId: string, staffId?: string) {
  const grant = await trx
    .selectFrom('role_grants as g')
    .innerJoin('staff as s', 's.id', 'g.staff_id')
    .selectAll('g')
    .select('s.name as person_name')
    .where('g.id', '=', grantId)
    .where('g.council_id', '=', councilId)
    .forUpdate('g')
    .executeTakeFirst();
  if (!grant || (staffId && grant.staff_id !== staffId)) throw new NotFoundError('role grant');
  if (grant.outcome !== null) {
    const done = { confirmed: 'confirmed', refused: 'refused', withdrawn: 'withdrawn' }[grant.outcome];
    throw new ValidationError([{ field: 'grant', message: `This role has already been ${done}` }]);
  }
  return grant;
}

async function mustBeQaLead(trx: Db, councilId: string, staffId: string, doing: string) {
  const role = await trx
    .selectFrom('staff_roles')
    .select('role')
    .where('staff_id', '=', staffId)
    .where('council_id', '=', councilId)
    .where('role', '=', 'qa_lead')
    .executeTakeFirst();
  if (!role) throw new ValidationError([{ field: 'grant', message: `Only a QA lead can ${doing} a role` }]);
}

/** Where the request came from: the source recorded with its role_requested event. */
async function sourceOf(trx: Db, councilId: string, grantId: string): Promise<GrantSource | undefined> {
  const row = await trx
    .selectFrom('security_events')
    .select(sql<string>`detail->>'source'`.as('source'))
    .where('council_id', '=', councilId)
    .where('kind', '=', 'role_requested')
    .where(sql<string>`detail->>'grantId'`, '=', grantId)
    .executeTakeFirst();
  return (GRANT_SOURCES as readonly string[]).includes(row?.source ?? '')
    ? (row?.source as GrantSource)
    : undefined;
}

/**
 * A QA lead confirms a waiting role: it takes effect, the change is recorded and the person told.
 * Only a QA lead who neither asked for the role nor would hold it confirms (the table's check says
 * so too); anyone else gets a ValidationError and nothing changes.
 */
export async function confirmRoleGrant(
  db: Db,
  councilId: string,
  grantId: string,
  qaLeadStaffId: string,
  queue: JobQueue | null = null,
): Promise<{ staffId: string; name: string; role: Role }> {
  return inTransaction(db, async (trx) => {
    const grant = await pendingGrant(trx, councilId, grantId);
    const why = whyCannotConfirm({ staffId: grant.staff_id, requestedBy: grant.requested_by }, qaLeadStaffId);
    if (why) throw new ValidationError([{ field: 'grant', message: why }]);
    await mustBeQaLead(trx, councilId, qaLeadStaffId, 'confirm');
    const person = await trx
      .selectFrom('staff')
      .select(['active', 'deactivated_at'])
      .where('id', '=', grant.staff_id)
      .executeTakeFirstOrThrow();
    if (!person.active || person.deactivated_at) {
      throw new ValidationError([
        { field: 'grant', message: 'This person is no longer active: refuse the role instead' },
      ]);
    }
    const now = new Date();
    await trx
      .updateTable('role_grants')
      .set({ outcome: 'confirmed', decided_by: qaLeadStaffId, decided_at: now })
      .where('id', '=', grant.id)
      .execute();
    const held = (
      await trx.selectFrom('staff_roles').select('role').where('staff_id', '=', grant.staff_id).execute()
    ).map((r) => r.role);
    if (!held.includes(grant.role)) {
      await trx
        .insertInto('staff_roles')
        .values({ council_id: councilId, staff_id: grant.staff_id, role: grant.role })
        .execute();
      await trx
        .insertInto('role_changes')
        .values({
          council_id: councilId,
          staff_id: grant.staff_id,
          changed_by: qaLeadStaffId,
          roles_before: sorted(held),
          roles_after: sorted([...held, grant.role]),
          changed_at: now,
        })
        .execute();
    }
    const source = await sourceOf(trx, councilId, grant.id);
    const notice = crypto.randomUUID();
    await recordSecurityEvents(trx, [
      {
        councilId,
        kind: 'role_confirmed',
        actorId: qaLeadStaffId,
        subjectId: grant.staff_id,
        detail: {
          role: grant.role,
          grantId: grant.id,
          notice,
          ...(grant.requested_by ? { requestedBy: grant.requested_by } : {}),
          ...(source ? { source } : {}),
        },
      },
    ]);
    await notifyPeople(trx, queue, [
      { councilId, staffId: grant.staff_id, kind: 'role_granted', aboutId: notice },
    ]);
    return { staffId: grant.staff_id, name: grant.person_name, role: grant.role };
  });
}

export const MAX_NOTE_LENGTH = 500;

/** A QA lead refuses a waiting role, saying why. Refusing gives nobody access, so any QA lead may. */
export async function refuseRoleGrant(
  db: Db,
  councilId: string,
  grantId: string,
  qaLeadStaffId: string,
  note: string,
): Promise<{ staffId: string; name: string; role: Role }> {
  const reason = (note ?? '').trim();
  if (!reason)
    throw new ValidationError([{ field: 'note', message: 'Enter why you are refusing this role' }]);
  if (reason.length > MAX_NOTE_LENGTH) {
    throw new ValidationError([
      { field: 'note', message: `The reason must be ${MAX_NOTE_LENGTH} characters or fewer` },
    ]);
  }
  return inTransaction(db, async (trx) => {
    const grant = await pendingGrant(trx, councilId, grantId);
    await mustBeQaLead(trx, councilId, qaLeadStaffId, 'refuse');
    await trx
      .updateTable('role_grants')
      .set({ outcome: 'refused', decided_by: qaLeadStaffId, decided_at: new Date(), note: reason })
      .where('id', '=', grant.id)
      .execute();
    await recordSecurityEvents(trx, [
      {
        councilId,
        kind: 'role_refused',
        actorId: qaLeadStaffId,
        subjectId: grant.staff_id,
        detail: {
          role: grant.role,
          grantId: grant.id,
          note: reason,
          ...(grant.requested_by ? { requestedBy: grant.requested_by } : {}),
        },
      },
    ]);
    return { staffId: grant.staff_id, name: grant.person_name, role: grant.role };
  });
}

/** The person who asked for a role takes the request back before a QA lead decides. */
export async function withdrawRoleGrant(
  db: Db,
  councilId: string,
  grantId: string,
  requesterId: string,
  /** when given, the grant must be this person's (the person's page) */
  staffId?: string,
): Promise<{ staffId: string; name: string; role: Role }> {
  return inTransaction(db, async (trx) => {
    const grant = await pendingGrant(trx, councilId, grantId, staffId);
    if (grant.requested_by !== requesterId) {
      throw new ValidationError([
        {
          field: 'grant',
          message: 'Only the person who asked for this role can withdraw it: a QA lead can refuse it',
        },
      ]);
    }
    await trx
      .updateTable('role_grants')
      .set({
        outcome: 'withdrawn',
        decided_by: requesterId,
        decided_at: new Date(),
        note: 'Withdrawn by the person who asked',
      })
      .where('id', '=', grant.id)
      .execute();
    await recordSecurityEvents(trx, [
      {
        councilId,
        kind: 'role_withdrawn',
        actorId: requesterId,
        subjectId: grant.staff_id,
        detail: { role: grant.role, grantId: grant.id, requestedBy: requesterId },
      },
    ]);
    return { staffId: grant.staff_id, name: grant.person_name, role: grant.role };
  });
}

export interface PendingGrant {
  id: string;
  staffId: string;
  person: string;
  role: Role;
  roleLabel: string;
  /** who asked: their staff id, or null (the command line, the staff file or single sign-on) */
  requestedById: string | null;
  /** who asked, in words */
  askedBy: string;
  requestedAt: Date;
}

/** Roles waiting for a QA lead, oldest first; one person's with `staffId`. */
export async function pendingGrants(
  db: Db,
  councilId: string,
  filter: { staffId?: string } = {},
): Promise<PendingGrant[]> {
  let q = db
    .selectFrom('role_grants as g')
    .innerJoin('staff as s', 's.id', 'g.staff_id')
    .leftJoin('staff as r', 'r.id', 'g.requested_by')
    .where('g.council_id', '=', councilId)
    .where('g.outcome', 'is', null)
    .select([
      'g.id',
      'g.staff_id',
      's.name as person',
      'g.role',
      'g.requested_by',
      'r.name as requester',
      'g.requested_at',
      (eb) =>
        eb
          .selectFrom('security_events as e')
          .select(sql<string>`e.detail->>'source'`.as('source'))
          .where('e.council_id', '=', councilId)
          .where('e.kind', '=', 'role_requested')
          .where(sql<string>`e.detail->>'grantId'`, '=', sql<string>`g.id::text`)
          .limit(1)
          .as('source'),
    ])
    .orderBy('g.requested_at')
    .orderBy('s.name');
  if (filter.staffId) q = q.where('g.staff_id', '=', filter.staffId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    staffId: r.staff_id,
    person: r.person,
    role: r.role,
    roleLabel: ROLE_LABELS[r.role],
    requestedById: r.requested_by,
    askedBy:
      r.requester ??
      GRANT_SOURCE_WORDS[
        (GRANT_SOURCES as readonly string[]).includes(r.source ?? '')
          ? (r.source as GrantSource)
          : 'command_line'
      ],
    requestedAt: r.requested_at,
  }));
}

/** How many waiting roles this QA lead may confirm (not ones they asked for, nor their own). */
export async function grantsWaitingFor(db: Db, councilId: string, qaLeadStaffId: string): Promise<number> {
  const row = await db
    .selectFrom('role_grants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('council_id', '=', councilId)
    .where('outcome', 'is', null)
    .where('staff_id', '<>', qaLeadStaffId)
    .where((eb) => eb.or([eb('requested_by', 'is', null), eb('requested_by', '<>', qaLeadStaffId)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const SECURITY_LOG_PAGE_SIZE = 50;

/** Keys of an event's detail that are for QA Loop, not for the reader. */
const HIDDEN_DETAIL = new Set(['grantId', 'notice', 'requestedBy', 'importId']);

/** A value in words: a source of roles as a phrase, a code such as `wrong_attempts` as words. */
function valueInWords(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if ((GRANT_SOURCES as readonly string[]).includes(String(value)))
    return GRANT_SOURCE_WORDS[value as GrantSource];
  return typeof value === 'string' && /^[a-z]+(_[a-z]+)+$/.test(value)
    ? value.replaceAll('_', ' ')
    : String(value);
}

function sentence(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An event's detail in words: the role, where the request came from, the reason, and any other facts. */
export function detailInWords(detail: Record<string, unknown>, requester: string | null): string[] {
  const out: string[] = [];
  // the database keeps no order of keys: the role first, the reason last
  const rank = (key: string) =>
    ['role', 'roles', 'source'].indexOf(key) + 1 || (key === 'note' || key === 'reason' ? 9 : 5);
  const entries = Object.entries(detail).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  for (const [key, value] of entries) {
    if (HIDDEN_DETAIL.has(key) || value === null || value === undefined || value === '') continue;
    if (key === 'role' && isRole(value)) out.push(`Role: ${ROLE_LABELS[value]}`);
    else if (key === 'roles' && Array.isArray(value))
      out.push(`Roles: ${value.map((r) => (isRole(r) ? ROLE_LABELS[r] : String(r))).join(', ') || 'none'}`);
    else if (key === 'source') {
      if (value !== 'administrator' && (GRANT_SOURCES as readonly string[]).includes(String(value)))
        out.push(`From ${GRANT_SOURCE_WORDS[value as GrantSource]}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out.push(`${key === 'note' ? 'Reason' : sentence(key)}: ${valueInWords(value)}`);
  }
  if (requester) out.push(`Asked for by ${requester}`);
  return out;
}

export interface SecurityLogFilter {
  kind?: string;
  staffId?: string;
  page?: number;
}

/** The security log, latest first, a page at a time; by kind of event and by person (who did it or whose account). */
export async function securityLog(db: Db, councilId: string, filter: SecurityLogFilter = {}) {
  const kind =
    filter.kind && filter.kind in SECURITY_EVENT_LABELS ? (filter.kind as SecurityEventKind) : undefined;
  let q = db.selectFrom('security_events as e').where('e.council_id', '=', councilId);
  if (kind) q = q.where('e.kind', '=', kind);
  if (filter.staffId) {
    const staffId = filter.staffId;
    q = q.where((eb) => eb.or([eb('e.actor_id', '=', staffId), eb('e.subject_id', '=', staffId)]));
  }
  const total = Number(
    (await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
  );
  const pages = Math.max(1, Math.ceil(total / SECURITY_LOG_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.trunc(filter.page ?? 1) || 1), pages);
  const rows = await q
    .leftJoin('staff as a', 'a.id', 'e.actor_id')
    .leftJoin('staff as s', 's.id', 'e.subject_id')
    .leftJoin('staff as r', (j) => j.on(sql`r.id::text`, '=', sql<string>`e.detail->>'requestedBy'`))
    .select([
      'e.id',
      'e.at',
      'e.kind',
      'e.detail',
      'a.name as actor',
      's.name as subject',
      'r.name as requester',
      'e.actor_id',
    ])
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(SECURITY_LOG_PAGE_SIZE)
    .offset((page - 1) * SECURITY_LOG_PAGE_SIZE)
    .execute();
  const events = rows.map((r) => {
    const source = r.detail.source as GrantSource | undefined;
    return {
      id: r.id,
      at: r.at,
      kind: r.kind,
      what: SECURITY_EVENT_LABELS[r.kind as SecurityEventKind] ?? sentence(r.kind),
      who:
        r.actor ??
        (source && (GRANT_SOURCES as readonly string[]).includes(source)
          ? sentence(GRANT_SOURCE_WORDS[source])
          : 'No one signed in'),
      whose: r.subject,
      // the person who asked is shown when someone else (the QA lead deciding) did it
      detail: detailInWords(r.detail, r.requester && r.requester !== r.actor ? r.requester : null),
    };
  });
  return { events, total, page, pages, kind: kind ?? null };
}

/** The kinds of event, for the filter. */
export const SECURITY_EVENT_KINDS = Object.entries(SECURITY_EVENT_LABELS).map(([value, text]) => ({
  value,
  text,
}));
