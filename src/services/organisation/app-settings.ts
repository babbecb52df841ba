import { randomBytes } from 'node:crypto';
import type { Db } from '../../data/db.ts';

/**
 * The secret that signs session cookies: made once per installation and kept in the database, so
 * sessions survive a restart and every app instance accepts the same cookies.
 */
export async function sessionSecret(db: Db): Promise<string> {
  const candidate = randomBytes(48).toString('base64url');
  await db
    .insertInto('app_settings')
    .values({ key: 'session_secret', value: candidate })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('app_settings')
    .select('value')
    .where('key', '=', 'session_secret')
    .executeTakeFirstOrThrow();
  return row.value;
}
