import { acrossCouncils } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { endSessionsOf } from '../../data/session-store.ts';
import { inTransaction } from '../../data/transaction.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { notifySignInLink } from '../notifications.ts';
import { sessionSecret } from './app-settings.ts';
import { recordSecurityEvent } from './security-log.ts';
import { linkIdOf, signInLinkToken } from './sign-in-link-token.ts';

export { signInLinkUrl } from './sign-in-link-token.ts';

/** A one-time sign-in link works for this long. */
export const SIGN_IN_LINK_HOURS = 24;

export type SignInLinkPurpose = 'first_sign_in' | 'reset';

export interface NewSignInLink {
  councilId: string;
  /** the account (user_accounts.id) the link signs in */
  userId: string;
  purpose: SignInLinkPurpose;
  /** the member of staff who asked for it; null for the command line */
  createdBy: string | null;
  now?: Date;
}

/**
 * Makes a one-time sign-in link for a person, valid for 24 hours, and voids their earlier unused
 * links. Only the link's id is stored; the token is signed with the installation's secret.
 */
export async function createSignInLink(
  db: Db,
  input: NewSignInLink,
): Promise<{ linkId: string; token: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_HOURS * 60 * 60_000);
  const secret = await sessionSecret(db);
  return inTransaction(db, async (trx) => {
    const account = await trx
      .selectFrom('user_accounts')
      .select(['id', 'staff_id'])
      .where('id', '=', input.userId)
      .where('council_id', '=', input.councilId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account');
    await trx
      .updateTable('sign_in_links')
      .set({ used_at: now })
      .where('user_id', '=', account.id)
      .where('used_at', 'is', null)
      .execute();
    const link = await trx
      .insertInto('sign_in_links')
      .values({
        council_id: input.councilId,
        user_id: account.id,
        purpose: input.purpose,
        created_by: input.createdBy,
        created_at: now,
        expires_at: expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordSecurityEvent(trx, {
      councilId: input.councilId,
      kind: 'sign_in_link_created',
      actorId: input.createdBy,
      subjectId: account.staff_id,
      detail: { purpose: input.purpose },
    });
    return { linkId: link.id, token: signInLinkToken(link.id, secret), expiresAt };
  });
}

export type SignInLinkUse =
  | {
      ok: true;
      userId: string;
      staffId: string;
      councilId: string;
      purpose: SignInLinkPurpose;
      /** the account has a second factor: the link stands for the password only, the code is still asked */
      secondFactor: boolean;
    }
  /** never says which check failed */
  | { ok: false };

/**
 * Uses a one-time link: the signature must be right, the link unused and unexpired, the account
 * enabled and the person still on the staff. It is marked used in the same statement that checks
 * it, so it works once even when it is sent twice at the same moment. All the person's sessions
 * end: whoever held them must sign in again.
 */
export async function useSignInLink(db: Db, token: string, now = new Date()): Promise<SignInLinkUse> {
  const linkId = linkIdOf(token, await sessionSecret(db));
  if (!linkId) return { ok: false };
  return acrossCouncils('a one-time sign-in link is found by its token before anyone is known', () =>
    inTransaction(db, async (trx) => {
      const used = await trx
        .updateTable('sign_in_links')
        .set({ used_at: now })
        .where('id', '=', linkId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('user_accounts as u')
              .innerJoin('staff as s', 's.id', 'u.staff_id')
              .whereRef('u.id', '=', 'sign_in_links.user_id')
              .where('u.disabled', '=', false)
              .where('s.active', '=', true)
              .select('u.id'),
          ),
        )
        .returning(['user_id', 'council_id', 'purpose'])
        .executeTakeFirst();
      if (!used) return { ok: false } as const;
      const account = await trx
        .updateTable('user_accounts')
        .set({ last_signed_in_at: now })
        .where('id', '=', used.user_id)
        .returning(['staff_id', 'totp_enabled_at'])
        .executeTakeFirstOrThrow();
      await endSessionsOf(trx, used.user_id);
      await recordSecurityEvent(trx, {
        councilId: used.council_id,
        kind: 'sign_in_link_used',
        actorId: account.staff_id,
        subjectId: account.staff_id,
        detail: { purpose: used.purpose },
      });
      return {
        ok: true,
        userId: used.user_id,
        staffId: account.staff_id,
        councilId: used.council_id,
        purpose: used.purpose,
        secondFactor: account.totp_enabled_at !== null,
      } as const;
    }),
  );
}

/**
 * An administrator sends a person a one-time link: made here, e-mailed to the person's own
 * address (composed when the e-mail goes), never shown to whoever sent it. A person with no
 * password yet gets a first-sign-in link, anyone else a reset link.
 */
export async function sendSignInLink(
  db: Db,
  queue: JobQueue | null,
  input: { councilId: string; staffId: string; sentBy: string; now?: Date },
): Promise<{ expiresAt: Date }> {
  return inTransaction(db, async (trx) => {
    const account = await trx
      .selectFrom('user_accounts')
      .select(['id', 'password_hash'])
      .where('staff_id', '=', input.staffId)
      .where('council_id', '=', input.councilId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account');
    const link = await createSignInLink(trx, {
      councilId: input.councilId,
      userId: account.id,
      purpose: account.password_hash ? 'reset' : 'first_sign_in',
      createdBy: input.sentBy,
      now: input.now,
    });
    await notifySignInLink(trx, queue, {
      councilId: input.councilId,
      staffId: input.staffId,
      linkId: link.linkId,
    });
    return { expiresAt: link.expiresAt };
  });
}
