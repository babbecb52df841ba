import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { checkpointEmbedded } from './checkpoint.ts';

// After a crash the embedded database replays its log from the last checkpoint before it can answer;
// with no checkpointer of its own it checkpointed only when closed, so a restart after `kill -9`
// during a big import replayed all of it. The app checkpoints once enough log has been written.

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(async () => {
  await t?.close();
});

async function logSinceCheckpoint(): Promise<number> {
  const { rows } = await sql<{ behind: number }>`
    select (pg_current_wal_lsn() - redo_lsn)::float8 as behind from pg_control_checkpoint()`.execute(t.db);
  return rows[0].behind;
}

test('the embedded database is checkpointed once more than the limit of log has been written', async (c) => {
  if (t.kind === 'postgres') {
    // PostgreSQL's own checkpointer does it: nothing to do, nothing done
    assert.equal(await checkpointEmbedded(t.db, 0), false);
    return c.skip('the embedded database only');
  }
  await sql`create table filler (id serial primary key, words text)`.execute(t.db);
  await sql`insert into filler (words) select repeat(md5(g::text), 8) from generate_series(1, 20000) g`.execute(
    t.db,
  );
  const limit = 1024 * 1024;
  assert.ok((await logSinceCheckpoint()) > limit, 'the inserts wrote more log than the limit');
  assert.equal(await checkpointEmbedded(t.db, limit), true);
  assert.ok((await logSinceCheckpoint()) < limit, 'a restart now has little log to replay');
  // nothing more written since: no second checkpoint
  assert.equal(await checkpointEmbedded(t.db, limit), false);
});
