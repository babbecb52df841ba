import type { Db } from '../../src/data/db.ts';
import { sessionSecret } from '../../src/services/organisation/app-settings.ts';
import { signInLinkToken } from '../../src/services/organisation/sign-in-link-token.ts';

/**
 * The token of a person's newest unused sign-in link, composed as the e-mail composes it: what the
 * person would find in their inbox (the app never shows it to anyone else).
 */
export async function emailedLinkToken(db: Db, staffId: string): Promise<string> {
  const link = await db
    .selectFrom('sign_in_links as l')
    .innerJoin('user_accounts as u', 'u.id', 'l.user_id')
    .select('l.id')
    .where('u.staff_id', '=', staffId)
    .where('l.used_at', 'is', null)
    .orderBy('l.created_at', 'desc')
    .executeTakeFirstOrThrow();
  return signInLinkToken(link.id, await sessionSecret(db));
}
