import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { Role } from '../../domain/roles.ts';
import { type FieldError, validate } from '../../domain/validation.ts';
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

const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/**
 * Counts a sign-in attempt before the password is checked, in one statement, so that guesses sent
 * at the same time cannot share a count: at most MAX_FAILED_ATTEMPTS passwords are ever checked
 * before the lock. Returns undefined when the account is locked now.
 */
async function countAttempt(db: Db, accountId: string, now: Date) {
  const lockUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
  // A lock that has run out starts the count again.
  const result = await sql<{ failed_attempts: number; locked_until: Date | null }>`
    update user_accounts set
      failed_attempts = case when locked_until is not null then 1 else failed_attempts + 1 end,
      locked_until = case
        when (case when locked_until is not null then 1 else failed_attempts + 1 end) >= ${MAX_FAILED_ATTEMPTS}
        then ${lockUntil}::timestamptz else null end
    where id = ${accountId} and (locked_until is null or locked_until <= ${now}::timestamptz)
    returning failed_attempts, locked_until`.execute(db);
  return result.rows[0];
}

/**
 * Checks an email address and password. Wrong passwords count towards a lock-out; the answer never
 * says whether the account exists, and costs the same work either way.
 */
export async function signInWithPassword(
  db: Db,
  email: string,
  password: string,
  now = new Date(),
): Promise<SignInResult> {
  const account = await db
    .selectFrom('user_accounts')
    .select(['id', 'password_hash', 'disabled'])
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();

  if (!account?.password_hash || account.disabled) {
    await countAttempt(db, NO_ACCOUNT, now);
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'invalid' };
  }
  const attempt = await countAttempt(db, account.id, now);
  if (!attempt) {
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'locked' };
  }
  if (!(await verifyPassword(account.password_hash, password))) {
    return { ok: false, reason: attempt.locked_until ? 'locked' : 'invalid' };
  }
  await db
    .updateTable('user_accounts')
    .set({ failed_attempts: 0, locked_until: null, last_signed_in_at: now })
    .where('id', '=', account.id)
    .execute();
  return { ok: true, userId: account.id };
}

const signInSchema = z.object({
  email: z
    .string({ message: 'Enter your email address' })
    .trim()
    .min(1, { message: 'Enter your email address' }),
  password: z.string({ message: 'Enter your password' }).min(1, { message: 'Enter your password' }),
});

/**
 * The sign-in form: each empty field named, then the email address and password checked. A wrong
 * password and an unknown address get the same words, which say when an account locks.
 */
export async function signInWithForm(
  db: Db,
  input: { email: string; password: string },
): Promise<{ ok: true; userId: string } | { ok: false; errors: FieldError[] }> {
  const checked = validate(signInSchema, input);
  if (!checked.ok) return checked;
  const result = await signInWithPassword(db, checked.value.email, checked.value.password);
  if (result.ok) return result;
  return {
    ok: false,
    errors: [
      {
        field: 'password',
        message: `Enter a correct email address and password. After ${MAX_FAILED_ATTEMPTS} wrong attempts an account is locked for ${LOCK_MINUTES} minutes.`,
      },
    ],
  };
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

/** For the demo sign-in: the roles that have a named demo person, in one query. */
export async function demoRoles(db: Db): Promise<Role[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('councils as c', 'c.id', 's.council_id')
    .innerJoin('user_accounts as u', 'u.staff_id', 's.id')
    .where('c.is_demo', '=', true)
    .where('s.external_id', 'like', 'DEMO-%')
    .select('s.external_id')
    .execute();
  return rows.map((r) => (r.external_id as string).slice('DEMO-'.length) as Role);
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
