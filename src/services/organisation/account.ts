import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { endSessionsOf } from '../../data/session-store.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { Role } from '../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../domain/validation.ts';
import { hashPassword, newPasswordErrors, verifyPassword } from './passwords.ts';
import { recordSecurityEvent } from './security-log.ts';

/** What a person sees about their own account. */
export interface OwnAccount {
  name: string;
  email: string;
  roles: Role[];
  lastSignedInAt: Date | null;
  hasPassword: boolean;
  passwordChangedAt: Date | null;
  secondFactorOn: boolean;
  secondFactorSince: Date | null;
  singleSignOnLinked: boolean;
}

/** The signed-in person's own account. */
export async function ownAccount(db: Db, userId: string): Promise<OwnAccount> {
  const row = await db
    .selectFrom('user_accounts as u')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .where('u.id', '=', userId)
    .select([
      's.name',
      'u.email',
      'u.last_signed_in_at',
      'u.password_changed_at',
      'u.totp_enabled_at',
      sql<boolean>`u.password_hash is not null`.as('has_password'),
      sql<boolean>`u.oidc_subject is not null`.as('sso_linked'),
      sql<
        Role[] | null
      >`(select array_agg(r.role order by r.role) from staff_roles r where r.staff_id = s.id)`.as('roles'),
    ])
    .executeTakeFirstOrThrow();
  return {
    name: row.name,
    email: row.email,
    roles: row.roles ?? [],
    lastSignedInAt: row.last_signed_in_at,
    hasPassword: row.has_password,
    passwordChangedAt: row.password_changed_at,
    secondFactorOn: row.totp_enabled_at !== null,
    secondFactorSince: row.totp_enabled_at,
    singleSignOnLinked: row.sso_linked,
  };
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/**
 * A person changes their own password. The current one is asked for unless the account has none
 * yet or the person signed in with a one-time link (`skipCurrent`). The new one follows the NCSC
 * rules and may not be made from their name or email address. Their other sessions end (the one
 * they are using, `keepSessionId`, carries on) and the security log records the change.
 */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  input: PasswordChange,
  options: { skipCurrent: boolean; keepSessionId: string; now?: Date },
): Promise<void> {
  const account = await db
    .selectFrom('user_accounts as u')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .where('u.id', '=', userId)
    .select(['u.council_id', 'u.staff_id', 'u.email', 'u.password_hash', 's.name'])
    .executeTakeFirstOrThrow();
  const askCurrent = account.password_hash !== null && !options.skipCurrent;
  const errors: FieldError[] = [];
  if (askCurrent) {
    if (input.currentPassword === '') {
      errors.push({ field: 'currentPassword', message: 'Enter your current password' });
    } else if (!(await verifyPassword(account.password_hash as string, input.currentPassword))) {
      errors.push({ field: 'currentPassword', message: 'Enter your current password correctly' });
    }
  }
  errors.push(...newPasswordErrors(input, [account.name, account.email]));
  if (
    errors.length === 0 &&
    account.password_hash &&
    (await verifyPassword(account.password_hash, input.newPassword))
  ) {
    errors.push({
      field: 'newPassword',
      message: 'Choose a new password that is different from your current one',
    });
  }
  if (errors.length) throw new ValidationError(errors);

  const passwordHash = await hashPassword(input.newPassword);
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable('user_accounts')
      .set({ password_hash: passwordHash, password_changed_at: options.now ?? new Date() })
      .where('id', '=', userId)
      .execute();
    await endSessionsOf(trx, userId, options.keepSessionId);
    await recordSecurityEvent(trx, {
      councilId: account.council_id,
      kind: 'password_changed',
      actorId: account.staff_id,
      subjectId: account.staff_id,
      detail: { first: account.password_hash === null, byLink: options.skipCurrent },
    });
  });
}

/** Whether changing the password asks for the current one. */
export async function asksCurrentPassword(db: Db, userId: string, signedInByLink: boolean): Promise<boolean> {
  if (signedInByLink) return false;
  const row = await db
    .selectFrom('user_accounts')
    .select(sql<boolean>`password_hash is not null`.as('has'))
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.has;
}
