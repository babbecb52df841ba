import { sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Db } from './db.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-programme-and-tools.ts';
import * as m0003 from './migrations/0003-imports-and-audit-history.ts';
import * as m0004 from './migrations/0004-snapshots.ts';
import * as m0005 from './migrations/0005-samples-and-allocation.ts';
import * as m0006 from './migrations/0006-doing-the-audit.ts';
import * as m0007 from './migrations/0007-moderation.ts';
import * as m0008 from './migrations/0008-reports.ts';
import * as m0009 from './migrations/0009-learning-sessions.ts';
import * as m0010samples from './migrations/0010-samples-leave-out-the-sampled.ts';
import * as m0011panel from './migrations/0011-moderation-panel-members.ts';
import * as m0012followUp from './migrations/0012-escalation-follow-up.ts';
import * as m0013accounts from './migrations/0013-council-setup-and-accounts.ts';
import * as m0014plan from './migrations/0014-improvement-plan-and-learning-impact.ts';
import * as m0015qa from './migrations/0015-check-and-challenge-and-qa-from-elsewhere.ts';
import * as m0016writing from './migrations/0016-helping-auditors-write.ts';
import * as m0017uploads from './migrations/0017-uploads-in-database.ts';
import * as m0018counters from './migrations/0018-shared-counters-and-retention.ts';
import * as m0019rls from './migrations/0019-row-level-security.ts';
import * as m0020shrink from './migrations/0020-import-shrink-guard.ts';
import * as m0021limits from './migrations/0021-import-limits-and-cancel.ts';
import * as m0022builtAside from './migrations/0022-snapshots-built-aside.ts';
import * as m0023cohortDraws from './migrations/0023-cohort-draws-in-one-pass.ts';
import * as m0024findings from './migrations/0024-findings-reports.ts';
import * as m0025reviews from './migrations/0025-recurring-reviews.ts';

/** Migrations in the order they apply. Add new files to src/data/migrations and list them here. */
const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-programme-and-tools': m0002,
  '0003-imports-and-audit-history': m0003,
  '0004-snapshots': m0004,
  '0005-samples-and-allocation': m0005,
  '0006-doing-the-audit': m0006,
  '0007-moderation': m0007,
  '0008-reports': m0008,
  '0009-learning-sessions': m0009,
  '0010-samples-leave-out-the-sampled': m0010samples,
  '0011-moderation-panel-members': m0011panel,
  '0012-escalation-follow-up': m0012followUp,
  '0013-council-setup-and-accounts': m0013accounts,
  '0014-improvement-plan-and-learning-impact': m0014plan,
  '0015-check-and-challenge-and-qa-from-elsewhere': m0015qa,
  '0016-helping-auditors-write': m0016writing,
  '0017-uploads-in-database': m0017uploads,
  '0018-shared-counters-and-retention': m0018counters,
  '0019-row-level-security': m0019rls,
  '0020-import-shrink-guard': m0020shrink,
  '0021-import-limits-and-cancel': m0021limits,
  '0022-snapshots-built-aside': m0022builtAside,
  '0023-cohort-draws-in-one-pass': m0023cohortDraws,
  '0024-findings-reports': m0024findings,
  '0025-recurring-reviews': m0025reviews,
};

/** The names of every migration, in order. */
export const MIGRATION_NAMES = Object.keys(migrations);

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * The names of the migrations this database has applied, or null when it has never been migrated.
 * Read directly: Kysely's Migrator first looks for its tables by listing every column of every table,
 * which took 175 ms of a 4 s restart on the embedded database and of each readiness check.
 */
async function appliedMigrations(db: Db): Promise<Set<string> | null> {
  const found = await sql<{ t: string | null }>`select to_regclass('qaloop_migrations')::text as t`.execute(
    db,
  );
  if (!found.rows[0]?.t) return null;
  const applied = await sql<{ name: string }>`select name from qaloop_migrations`.execute(db);
  return new Set(applied.rows.map((r) => r.name));
}

/** True when the database has applied exactly the migrations this version knows, no more and no fewer. */
function isExactlyCurrent(applied: Set<string> | null): boolean {
  return (
    applied !== null &&
    applied.size === MIGRATION_NAMES.length &&
    MIGRATION_NAMES.every((n) => applied.has(n))
  );
}

/**
 * Brings the database up to this version's schema and returns the names of the migrations it
 * applied. A database already current is left alone without taking the migration lock; anything
 * else (new, behind, or migrated by a newer version) goes through Kysely's Migrator, which applies
 * what is missing or refuses.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  if (isExactlyCurrent(await appliedMigrations(db))) return [];
  const migrator = new Migrator({ db, provider, migrationTableName: 'qaloop_migrations' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied. */
export async function isMigrated(db: Db): Promise<boolean> {
  const applied = await appliedMigrations(db);
  return applied !== null && MIGRATION_NAMES.every((n) => applied.has(n));
}
