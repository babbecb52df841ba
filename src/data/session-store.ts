import type { Session } from 'fastify';
import { acrossCouncils } from './council-context.ts';
import type { Db } from './db.ts';

/** A session is found by its unguessable id before anyone is known, so the store looks across councils. */
const SESSIONS = 'sessions are found by their id before anyone is known';

type Callback = (err?: unknown) => void;
type GetCallback = (err: unknown, session?: Session | null) => void;
type StoredSession = Session & { cookie?: { expires?: string | Date | null } };

/** How long the session of someone not signed in is kept (an open sign-in form still works). */
export const SIGNED_OUT_LIFETIME_MS = 2 * 60 * 60_000;
/** How long a signed-out session's tombstone stays, longer than any request takes. */
const TOMBSTONE_MS = 60 * 60_000;

/**
 * Keeps sessions in the database (table `sessions`), so they survive a restart and are shared by
 * several app instances. Expired sessions are never returned and are swept on write. Signing out
 * leaves a tombstone, so a request that was already running cannot save the session back.
 */
export class DatabaseSessionStore {
  readonly #db: Db;
  readonly #lifetimeMs: number;
  #lastSweep = 0;

  constructor(db: Db, lifetimeMs: number) {
    this.#db = db;
    this.#lifetimeMs = lifetimeMs;
  }

  set(sid: string, session: StoredSession, callback: Callback): void {
    const userId = typeof session.userId === 'string' ? session.userId : null;
    let expires = session.cookie?.expires
      ? new Date(session.cookie.expires)
      : new Date(Date.now() + this.#lifetimeMs);
    // A signed-out visitor's session only holds the sign-in form's CSRF secret: keep it briefly.
    if (!userId) expires = new Date(Math.min(expires.getTime(), Date.now() + SIGNED_OUT_LIFETIME_MS));
    acrossCouncils(SESSIONS, () =>
      this.#db
        .insertInto('sessions')
        .values((eb) => ({
          sid,
          data: JSON.stringify(session),
          expires_at: expires,
          user_id: userId,
          council_id: userId
            ? eb.selectFrom('user_accounts').select('council_id').where('id', '=', userId)
            : null,
        }))
        .onConflict((oc) =>
          oc
            .column('sid')
            .doUpdateSet((eb) => ({
              data: eb.ref('excluded.data'),
              expires_at: eb.ref('excluded.expires_at'),
              user_id: eb.ref('excluded.user_id'),
              council_id: eb.ref('excluded.council_id'),
            }))
            .where('sessions.destroyed', '=', false),
        )
        .execute(),
    )
      .then(() => this.#sweep())
      .then(() => callback(), callback);
  }

  get(sid: string, callback: GetCallback): void {
    acrossCouncils(SESSIONS, () =>
      this.#db
        .selectFrom('sessions')
        .select(['data', 'expires_at'])
        .where('sid', '=', sid)
        .where('destroyed', '=', false)
        .executeTakeFirst(),
    ).then((row) => {
      if (!row || row.expires_at <= new Date()) return callback(null, null);
      const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Session;
      callback(null, data);
    }, callback);
  }

  destroy(sid: string, callback: Callback): void {
    acrossCouncils(SESSIONS, () =>
      this.#db.updateTable('sessions').set(tombstone()).where('sid', '=', sid).execute(),
    ).then(() => callback(), callback);
  }

  /** Deletes expired sessions and tombstones at most once a minute. */
  async #sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    await acrossCouncils(SESSIONS, () =>
      this.#db.deleteFrom('sessions').where('expires_at', '<=', new Date(now)).execute(),
    );
  }
}

/** What an ended session becomes: emptied, and kept a while so its cookie is known to be ended. */
const tombstone = () => ({
  destroyed: true,
  data: '{}',
  user_id: null,
  expires_at: new Date(Date.now() + TOMBSTONE_MS),
});

/**
 * Ends every session of an account at once (disabled, a one-time link used, a password changed),
 * except the one given. The sessions are tombstoned as a sign-out does, so a cookie that carried
 * one is not accepted again. Returns how many were ended.
 */
export async function endSessionsOf(db: Db, userId: string, exceptSid?: string): Promise<number> {
  let q = db
    .updateTable('sessions')
    .set(tombstone())
    .where('user_id', '=', userId)
    .where('destroyed', '=', false);
  if (exceptSid) q = q.where('sid', '<>', exceptSid);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
