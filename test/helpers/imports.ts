import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Db } from '../../src/data/db.ts';
import { ImportRunner } from '../../src/jobs/import-runner.ts';
import { queueImportJob, stageUpload } from '../../src/services/case-data/import-jobs.ts';
import { createImportToken } from '../../src/services/case-data/import-tokens.ts';

/** An audit history with one good row and one whose formula-like cell and missing date are rejected. */
export const SAMPLE_HISTORY = [
  'child_id,month,activity,status,scale,completed_on,grade',
  'H-100001,2025-04,full,completed,four_point,2025-04-20,good',
  'H-100002,2025-04,full,completed,four_point,,good',
  'H-100003,=cmd|x,full,completed,four_point,2025-04-20,good',
].join('\n');

/**
 * The demo council's QA lead imports an audit history through the app's job runner, and its
 * administrator makes an import token: the ids of the job, the import it made and the token.
 */
export async function seedImports(db: Db): Promise<{ jobId: string; importId: string; tokenId: string }> {
  const lead = await db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const admin = await db
    .selectFrom('staff')
    .select('id')
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-seed-'));
  try {
    const staged = await stageUpload(dataDir, Readable.from([SAMPLE_HISTORY]), 'audit history 2025.csv');
    const jobId = await queueImportJob(
      db,
      staged,
      { format: 'audit-history', mappingId: undefined, asOf: '2026-11-20', strict: false },
      { source: 'web', councilId: lead.council_id, staffId: lead.id },
    );
    const quiet = { info: () => {}, error: () => {} };
    await new ImportRunner({ db, dataDir, log: quiet }).start(jobId);
    const job = await db
      .selectFrom('import_jobs')
      .select(['import_id', 'state'])
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    if (job.state !== 'done' || !job.import_id) throw new Error(`The sample import ended ${job.state}`);
    const token = await createImportToken(db, lead.council_id, { name: 'Data warehouse' }, admin.id);
    return { jobId, importId: job.import_id, tokenId: token.id };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
