import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './db.ts';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** What @fastify/rate-limit passes to `child`: the route's merged options and the route itself. */
interface ChildOptions {
  routeInfo?: { method?: string | string[]; url?: string };
  groupId?: string;
}

/** How often expired counters are swept (at most), by any one instance. */
const SWEEP_EVERY_MS = 10 * 60_000;
/** A counter whose window ended this long ago is removed. */
const KEEP_ENDED_MS = 60 * 60_000;

/**
 * Reads the secret that the counters' keys are hashed with, made once per installation and kept in
 * the database, so every instance hashes one address to one key and no address is stored.
 */
async function counterSecret(db: Db): Promise<string> {
  await db
    .insertInto('app_settings')
    .values({ key: 'rate_limit_secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('app_settings')
    .select('value')
    .where('key', '=', 'rate_limit_secret')
    .executeTakeFirstOrThrow();
  return row.value;
}

/** Removes counters whose window ended more than an hour ago; returns how many. */
export async function sweepRateLimitCounters(db: Db): Promise<number> {
  const result = await db
    .deleteFrom('rate_limit_counters')
    .where('window_ends_at', '<', sql<Date>`now() - ${sql.lit(`${KEEP_ENDED_MS / 1000} seconds`)}::interval`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * A store for @fastify/rate-limit that keeps its counters in the database (table
 * `rate_limit_counters`), so every app instance counts the same hits: one statement per hit, an
 * insert that adds to the count or, once the window has passed, starts a new one. PostgreSQL's
 * row lock makes it exact however many instances count at once. The key is an HMAC of the route
 * and the client's address or account, so no address is kept in the clear.
 *
 *   await app.register(fastifyRateLimit, { global: false, store: databaseRateLimitStore(db) });
 */
export function databaseRateLimitStore(db: Db) {
  const shared = { secret: undefined as Promise<string> | undefined, lastSweep: 0 };

  return class DatabaseRateLimitStore {
    readonly #route: string;

    constructor(_options?: unknown, route = 'any') {
      this.#route = route;
    }

    #hash(secret: string, key: string): string {
      return createHmac('sha256', secret).update(`${this.#route}\n${key}`).digest('base64url');
    }

    async #count(key: string, timeWindow: number): Promise<{ current: number; ttl: number }> {
      shared.secret ??= counterSecret(db).catch((err: unknown) => {
        shared.secret = undefined;
        throw err;
      });
      const hashed = this.#hash(await shared.secret, key);
      const windowMs = Math.max(1, Math.trunc(timeWindow));
      const row = await sql<{ hits: number; ttl: number }>`
        insert into rate_limit_counters (key, hits, window_ends_at)
        values (${hashed}, 1, now() + ${windowMs} * interval '1 millisecond')
        on conflict (key) do update set
          hits = case when rate_limit_counters.window_ends_at <= now() then 1
                      else rate_limit_counters.hits + 1 end,
          window_ends_at = case when rate_limit_counters.window_ends_at <= now() then excluded.window_ends_at
                                else rate_limit_counters.window_ends_at end
        returning hits, greatest(0, ceil(extract(epoch from (window_ends_at - now())) * 1000))::integer as ttl
      `.execute(db);
      const { hits, ttl } = row.rows[0];
      if (Date.now() - shared.lastSweep > SWEEP_EVERY_MS) {
        shared.lastSweep = Date.now();
        void sweepRateLimitCounters(db).catch(() => {
          // tried again at the next sweep; the retention job sweeps too
        });
      }
      return { current: Number(hits), ttl: Number(ttl) };
    }

    incr(key: string, callback: IncrCallback, timeWindow: number, _max: number): void {
      this.#count(key, timeWindow).then(
        (result) => callback(null, result),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    /** Each route counts on its own, as the plugin's own store does. */
    child(routeOptions: object): DatabaseRateLimitStore {
      const options = routeOptions as ChildOptions;
      const info = options.routeInfo ?? {};
      const method = Array.isArray(info.method) ? info.method.join(',') : (info.method ?? '');
      const route = info.url ? `${method} ${info.url}` : (options.groupId ?? 'limiter');
      return new DatabaseRateLimitStore(undefined, route);
    }
  };
}
