import { sql } from 'kysely';
import { z } from 'zod';
import { acrossCouncils } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { Role } from '../../domain/roles.ts';
import { type FieldError, validate } from '../../domain/validation.ts';
import { decoy, verifyPassword } from './passwords.ts';
import { codeFormatError, useSecondFactorCode } from './second-factor.ts';
import { recordSecurityEvent } from './security-log.ts';

/** Failed sign-ins are counted over this many minutes … */
export const THROTTLE_MINUTES = 15;
/** … and refused after this many for one account from one address … */
export const ACCOUNT_FAILURES_PER_ADDRESS = 5;
/** … or this many from one address, whichever accounts they tried. */
export const ADDRESS_FAILURES = 30;
/** Failures older than this are deleted now and then. */
const FORGET_FAILURES_AFTER_MS = 24 * 60 * 60_000;

/**
 * The words for a refused sign-in: the same for a wrong password, an unknown or disabled account
 * and too many attempts, so they never say whether an account exists.
 */
export const SIGN_IN_REFUSED = `Enter a correct email address and password. After several wrong attempts you need to wait ${THROTTLE_MINUTES} minutes.`;
/** The same for a wrong second-factor code. */
export const CODE_REFUSED = `Enter the code your authenticator app shows now. After several wrong attempts you need to wait ${THROTTLE_MINUTES} minutes.`;

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

export type SignInResult =
  /** `secondFactor`: the password was right, and a code is needed before the person is signed in */
  { ok: true; userId: string; secondFactor: boolean } | { ok: false; reason: 'invalid' | 'throttled' };

export interface Attempt {
  /** the client's address (request.ip): failures are counted per account and address */
  address: string;
  now?: Date;
}

/**
 * Counts an attempt as a failure before anything is checked, in one statement, then counts the
 * failures it joins: so guesses sent at the same time cannot share a count, and no more than
 * ACCOUNT_FAILURES_PER_ADDRESS passwords are ever checked for an account from one address in the
 * window. Returns the failure's id (deleted again if the attempt succeeds), or undefined when the
 * attempt is refused; a refused attempt is not counted, so waiting is always enough.
 *
 * Counts are by account AND address, and by address: failures from elsewhere never stop the real
 * person signing in from their own address.
 */
async function beginAttempt(db: Db, accountId: string | null, address: string, now: Date) {
  // One attempt from an address at a time: an attempt's failure could otherwise be numbered before
  // another's yet not be visible to it (not yet committed), and six guesses sent together on
  // PostgreSQL were once all told they were within five.
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`qaloop sign-in: ${address}`}, 0))`.execute(
      trx,
    );
    return countAttempt(trx, accountId, address, now);
  });
}

async function countAttempt(db: Db, accountId: string | null, address: string, now: Date) {
  const inserted = await db
    .insertInto('sign_in_failures')
    .values({ account_id: accountId, address, failed_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const since = new Date(now.getTime() - THROTTLE_MINUTES * 60_000);
  const counts = await db
    .selectFrom('sign_in_failures')
    .where('address', '=', address)
    .where('failed_at', '>', since)
    // Only the failures counted before this one: of guesses sent together, the first ones go on.
    .where('id', '<=', inserted.id)
    .select([
      sql<number>`count(*)::int`.as('from_address'),
      sql<number>`(count(*) filter (where account_id = ${accountId}))::int`.as('for_account'),
    ])
    .executeTakeFirstOrThrow();
  const refused =
    counts.from_address > ADDRESS_FAILURES ||
    (accountId !== null && counts.for_account > ACCOUNT_FAILURES_PER_ADDRESS);
  if (refused) {
    await db.deleteFrom('sign_in_failures').where('id', '=', inserted.id).execute();
    return undefined;
  }
  return { id: inserted.id, forAccount: counts.for_account };
}

/** The account signed in from this address: its failures from here are cleared; old ones go. */
async function clearFailures(db: Db, accountId: string, address: string, now: Date) {
  await db
    .deleteFrom('sign_in_failures')
    .where('account_id', '=', accountId)
    .where('address', '=', address)
    .execute();
  await forgetOldSignInFailures(db, now);
}

/** Deletes failures older than a day (done at each successful sign-in). */
export async function forgetOldSignInFailures(db: Db, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('sign_in_failures')
    .where('failed_at', '<', new Date(now.getTime() - FORGET_FAILURES_AFTER_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The attempt that reaches the limit is recorded in the security log (no address: only the count). */
async function recordWhenThrottled(
  db: Db,
  account: { council_id: string; staff_id: string },
  failures: number,
) {
  if (failures !== ACCOUNT_FAILURES_PER_ADDRESS) return;
  await recordSecurityEvent(db, {
    councilId: account.council_id,
    kind: 'sign_in_refused',
    actorId: null,
    subjectId: account.staff_id,
    detail: { reason: 'wrong_attempts', attempts: failures, minutes: THROTTLE_MINUTES },
  });
}

async function markSignedIn(db: Db, accountId: string, address: string, now: Date) {
  await db.updateTable('user_accounts').set({ last_signed_in_at: now }).where('id', '=', accountId).execute();
  await clearFailures(db, accountId, address, now);
}

/**
 * Checks an email address and password. Wrong passwords count towards the throttle; the answer
 * never says whether the account exists, and costs the same work either way. For an account with a
 * second factor a right password is not yet a sign-in: `signInWithCode` finishes it.
 */
export async function signInWithPassword(
  db: Db,
  email: string,
  password: string,
  attempt: Attempt = { address: 'unknown' },
): Promise<SignInResult> {
  const now = attempt.now ?? new Date();
  const account = await db
    .selectFrom('user_accounts')
    .select(['id', 'council_id', 'staff_id', 'password_hash', 'disabled', 'totp_enabled_at'])
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();

  if (!account?.password_hash || account.disabled) {
    await beginAttempt(db, null, attempt.address, now);
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'invalid' };
  }
  const counted = await beginAttempt(db, account.id, attempt.address, now);
  if (!counted) {
    await verifyPassword(await decoy(), password);
    return { ok: false, reason: 'throttled' };
  }
  if (!(await verifyPassword(account.password_hash, password))) {
    await recordWhenThrottled(db, account, counted.forAccount);
    return { ok: false, reason: 'invalid' };
  }
  await db.deleteFrom('sign_in_failures').where('id', '=', counted.id).execute();
  if (account.totp_enabled_at) return { ok: true, userId: account.id, secondFactor: true };
  await markSignedIn(db, account.id, attempt.address, now);
  return { ok: true, userId: account.id, secondFactor: false };
}

/**
 * The second step of signing in for an account with a second factor: a wrong code counts as a
 * failure in the same throttle as a wrong password; a code is used once.
 */
export async function signInWithCode(
  db: Db,
  userId: string,
  code: string,
  attempt: Attempt,
): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
  return acrossCouncils('the second step of signing in, before anyone is known', () =>
    checkSignInCode(db, userId, code, attempt),
  );
}

async function checkSignInCode(
  db: Db,
  userId: string,
  code: string,
  attempt: Attempt,
): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
  const now = attempt.now ?? new Date();
  const formatError = codeFormatError(code);
  if (formatError) return { ok: false, errors: [{ field: 'code', message: formatError }] };
  const account = await db
    .selectFrom('user_accounts')
    .select(['id', 'council_id', 'staff_id', 'disabled'])
    .where('id', '=', userId)
    .executeTakeFirst();
  const refused = { ok: false as const, errors: [{ field: 'code', message: CODE_REFUSED }] };
  if (!account || account.disabled) return refused;
  const counted = await beginAttempt(db, account.id, attempt.address, now);
  if (!counted) return refused;
  if (!(await useSecondFactorCode(db, account.id, code, now))) {
    await recordWhenThrottled(db, account, counted.forAccount);
    return refused;
  }
  await db.deleteFrom('sign_in_failures').where('id', '=', counted.id).execute();
  await markSignedIn(db, account.id, attempt.address, now);
  return { ok: true };
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
 * password, an unknown address and too many attempts all get the same words.
 */
export async function signInWithForm(
  db: Db,
  input: { email: string; password: string },
  attempt: Attempt,
): Promise<{ ok: true; userId: string; secondFactor: boolean } | { ok: false; errors: FieldError[] }> {
  const checked = validate(signInSchema, input);
  if (!checked.ok) return checked;
  const result = await acrossCouncils(
    'an account is found by its e-mail address before anyone is known',
    () => signInWithPassword(db, checked.value.email, checked.value.password, attempt),
  );
  if (result.ok) return result;
  return { ok: false, errors: [{ field: 'password', message: SIGN_IN_REFUSED }] };
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
    // a leaver whose leaving date (from the staff file) has come cannot sign in, even before an import deactivates them
    .where((eb) => eb.or([eb('s.left_on', 'is', null), eb('s.left_on', '>', sql<string>`current_date`)]))
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
  const rows = await acrossCouncils('the demo sign-in finds the demo council', () =>
    db
      .selectFrom('staff as s')
      .innerJoin('councils as c', 'c.id', 's.council_id')
      .innerJoin('user_accounts as u', 'u.staff_id', 's.id')
      .where('c.is_demo', '=', true)
      .where('s.external_id', 'like', 'DEMO-%')
      .select('s.external_id')
      .execute(),
  );
  return rows.map((r) => (r.external_id as string).slice('DEMO-'.length) as Role);
}

/** For the demo sign-in: the account of the demo council's named person for a role. */
export async function demoAccountForRole(db: Db, role: Role): Promise<string | undefined> {
  const row = await acrossCouncils('the demo sign-in finds the demo council', () =>
    db
      .selectFrom('user_accounts as u')
      .innerJoin('councils as c', 'c.id', 'u.council_id')
      .innerJoin('staff as s', 's.id', 'u.staff_id')
      .where('c.is_demo', '=', true)
      .where('s.external_id', '=', `DEMO-${role}`)
      .select('u.id')
      .executeTakeFirst(),
  );
  return row?.id;
}
