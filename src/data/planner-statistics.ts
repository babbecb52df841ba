import { sql } from 'kysely';
import { acrossCouncils } from './council-context.ts';
import type { Db } from './db.ts';

/**
 * Brings PostgreSQL's statistics of the tables up to date, as its manual advises after a bulk load:
 * without them the planner takes a freshly filled table to hold a row or two, and chooses plans
 * (a nested loop over every child, say) that are a hundred times slower once it holds thousands.
 * The server's own autovacuum may be off, or minutes behind; the embedded database has none.
 *
 * Run as the tables' owner (only the owner may analyse a table) and after the load has committed,
 * on whichever Db the caller holds. A failure costs only speed, so it is not the import's failure.
 */
export async function refreshPlannerStatistics(
  db: Db,
  tables: readonly string[] | 'every table',
): Promise<boolean> {
  if (!tables.length) return true;
  const which = tables === 'every table' ? sql`` : sql.join(tables.map((t) => sql.table(t)));
  try {
    await acrossCouncils('statistics of tables a bulk load has just filled', () =>
      sql`analyze ${which}`.execute(db),
    );
    return true;
  } catch {
    return false;
  }
}
