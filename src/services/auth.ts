import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { Role } from '../domain/roles.ts';
import { decoy, verifyPassword } from './passwords.ts';

/** After this many wrong passwords in a row an account is locked … */
export const MAX_FAILED_ATTEMPTS = 5;
/** … for this long. */
export const LOCK_MINUTES = 15;

export interface SignedInUser {
  userId: string;
  staffId: string;
  councilId: string;
  councilName: string;
  isDemoCouncil: boolean;
  name: string;
  jobTitle: string;
  teamId: string | null;
  teamName: string | null;
  serviceAreaId: string | null;
  roles: Role[];
}

export type SignInResult = { ok: true; userId: string } | { ok: false; reason: 'invalid' | 'locked' };

/**
 * Checks an email address and password. Wrong passwords count towards a lock-out; the answer never
 * says whether the account exists, and takes as long either way.
 */
export async function signInWithPassword(
  db: Db,
  email: string,
  password: string,
  now = new Date(),
): Promise<SignInResult> {
  const account = await db
    .selectFrom('user_accounts')
    .select(['id', 'password_hash', 'failed_attempts', 'locked_until', 'disabled'])
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();

  if (!account?.password_hash || account.disabled) {
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'invalid' };
  }
  if (account.locked_until && account.locked_until > now) {
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'locked' };
  }
  const matches = await verifyPassword(account.password_hash, password);
  if (!matches) {
    // A lock that has run out starts the count again.
    const previous = account.locked_until ? 0 : account.failed_attempts;
    const failed = previous + 1;
    const lock = failed >= MAX_FAILED_ATTEMPTS ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null;
    await db
      .updateTable('user_accounts')
      .set({ failed_attempts: lock ? 0 : failed, locked_until: lock })
      .where('id', '=', account.id)
      .execute();
    return { ok: false, reason: lock ? 'locked' : 'invalid' };
  }
  await db
    .updateTable('user_accounts')
    .set({ failed_attempts: 0, locked_until: null, last_signed_in_at: now })
    .where('id', '=', account.id)
    .execute();
  return { ok: true, userId: account.id };
}

/** The signed-in person with their roles, or undefined if the account is gone or disabled. */
export async function loadSignedInUser(db: Db, userId: string): Promise<SignedInUser | undefined> {
  const row = await db
    .selectFrom('user_accounts as u')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .innerJoin('councils as c', 'c.id', 'u.council_id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .where('u.id', '=', userId)
    .where('u.disabled', '=', false)
    .where('s.active', '=', true)
    .select([
      'u.id as user_id',
      's.id as staff_id',
      'c.id as council_id',
      'c.name as council_name',
      'c.is_demo',
      's.name',
      's.job_title',
      's.team_id',
      't.name as team_name',
      sql<string | null>`coalesce(s.service_area_id, t.service_area_id)`.as('service_area_id'),
      sql<
        Role[] | null
      >`(select array_agg(r.role order by r.role) from staff_roles r where r.staff_id = s.id)`.as('roles'),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.user_id,
    staffId: row.staff_id,
    councilId: row.council_id,
    councilName: row.council_name,
    isDemoCouncil: row.is_demo,
    name: row.name,
    jobTitle: row.job_title,
    teamId: row.team_id,
    teamName: row.team_name,
    serviceAreaId: row.service_area_id,
    roles: row.roles ?? [],
  };
}

/** For the demo sign-in: the account of the demo council's named person for a role. */
export async function demoAccountForRole(db: Db, role: Role): Promise<string | undefined> {
  const row = await db
    .selectFrom('user_accounts as u')
    .innerJoin('councils as c', 'c.id', 'u.council_id')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .where('c.is_demo', '=', true)
    .where('s.external_id', '=', `DEMO-${role}`)
    .select('u.id')
    .executeTakeFirst();
  return row?.id;
}
