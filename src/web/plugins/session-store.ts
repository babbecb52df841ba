import type { Db } from '../../data/db.ts';

type Callback = (err?: unknown) => void;
type GetCallback = (err: unknown, session?: Session | null) => void;

import type { Session } from 'fastify';

type StoredSession = Session & { cookie?: { expires?: string | Date | null } };

/** How long the session of someone not signed in is kept (an open sign-in form still works). */
export const SIGNED_OUT_LIFETIME_MS = 2 * 60 * 60_000;

/**
 * Keeps sessions in the database (table `sessions`), so they survive a restart and are shared by
 * several app instances. Expired sessions are never returned and are swept on write.
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
    const data = JSON.stringify(session);
    this.#db
      .selectFrom('user_accounts')
      .select('council_id')
      .where('id', '=', userId ?? '00000000-0000-0000-0000-000000000000')
      .executeTakeFirst()
      .then((account) =>
        this.#db
          .insertInto('sessions')
          .values({
            sid,
            data,
            expires_at: expires,
            user_id: account ? userId : null,
            council_id: account?.council_id ?? null,
          })
          .onConflict((oc) =>
            oc.column('sid').doUpdateSet({
              data,
              expires_at: expires,
              user_id: account ? userId : null,
              council_id: account?.council_id ?? null,
            }),
          )
          .execute(),
      )
      .then(() => this.#sweep())
      .then(() => callback(), callback);
  }

  get(sid: string, callback: GetCallback): void {
    this.#db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at <= new Date()) return callback(null, null);
        const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Session;
        callback(null, data);
      }, callback);
  }

  destroy(sid: string, callback: Callback): void {
    this.#db
      .deleteFrom('sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }

  /** Deletes expired sessions at most once a minute. */
  async #sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    await this.#db.deleteFrom('sessions').where('expires_at', '<=', new Date(now)).execute();
  }
}
