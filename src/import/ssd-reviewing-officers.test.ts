import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { type SsdRow, sampleExtract, writeSsdFolder } from '../../test/helpers/ssd-extract.ts';
import { runImport } from '../services/case-data/run-import.ts';
import { createCouncil } from '../services/organisation/councils.ts';

/**
 * An SSD involvement whose role names an independent reviewing officer or a child protection
 * adviser is the child's reviewing officer (child_reviewing_officers), never an allocated worker.
 */

let t: TestDb;
let dir: string;
let n = 0;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-ssd-ro-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function extractWithOfficers(rows: SsdRow[]) {
  const extract = sampleExtract();
  (extract['ssd_professionals.csv'] as SsdRow[]).push(
    {
      prof_professional_id: 'IRO1',
      prof_professional_name: 'Irene Rowe',
      prof_professional_job_title: 'Independent Reviewing Officer',
      prof_professional_department: '',
    },
    {
      prof_professional_id: 'CPA1',
      prof_professional_name: 'Colin Parr',
      prof_professional_job_title: 'Child Protection Adviser',
      prof_professional_department: '',
    },
  );
  (extract['ssd_involvements.csv'] as SsdRow[]).push(...rows);
  return extract;
}

const officer = (id: string, child: string, worker: string, role: string, end = '') => ({
  invo_involvements_id: id,
  invo_professional_id: worker,
  invo_professional_role_id: role,
  invo_professional_team: '',
  invo_involvement_start_date: '2024-06-01',
  invo_involvement_end_date: end,
  invo_person_id: child,
});

test('an involvement with the role "Independent Reviewing Officer" lands in child_reviewing_officers', async () => {
  const council = await createCouncil(t.db, { code: `ro${++n}`, name: `Reviewing Council ${n}` });
  const folder = writeSsdFolder(
    join(dir, `x${n}`),
    extractWithOfficers([
      officer('R1', 'C3', 'IRO1', 'Independent Reviewing Officer'),
      officer('R2', 'C1', 'CPA1', 'CP Chair'),
      officer('R3', 'C2', 'UNKNOWN9', 'IRO', '2024-12-01'),
    ]),
  );
  const summary = await runImport(t.db, {
    councilId: council.id,
    path: folder,
    asOf: '2025-02-01',
    strict: false,
    source: 'command',
  });
  assert.deepEqual(summary.errors, []);
  const rows = await t.db
    .selectFrom('child_reviewing_officers as r')
    .innerJoin('children as c', 'c.id', 'r.child_id')
    .leftJoin('staff as s', 's.id', 'r.staff_id')
    .select(['c.external_id', 'r.kind', 's.name', 'r.worker_name', 'r.start_date', 'r.end_date', 'r.source'])
    .where('r.council_id', '=', council.id)
    .orderBy('c.external_id')
    .execute();
  assert.deepEqual(rows, [
    {
      external_id: 'C1',
      kind: 'cp_adviser',
      name: 'Colin Parr',
      worker_name: 'CPA1',
      start_date: '2024-06-01',
      end_date: null,
      source: 'ssd',
    },
    {
      external_id: 'C2',
      kind: 'iro',
      name: null,
      worker_name: 'UNKNOWN9',
      start_date: '2024-06-01',
      end_date: '2024-12-01',
      source: 'ssd',
    },
    {
      external_id: 'C3',
      kind: 'iro',
      name: 'Irene Rowe',
      worker_name: 'IRO1',
      start_date: '2024-06-01',
      end_date: null,
      source: 'ssd',
    },
  ]);
  // never as a worker the child is allocated to
  const asWorker = await t.db
    .selectFrom('child_involvements as i')
    .innerJoin('staff as s', 's.id', 'i.staff_id')
    .select('s.name')
    .where('i.council_id', '=', council.id)
    .where('s.name', 'in', ['Irene Rowe', 'Colin Parr'])
    .execute();
  assert.deepEqual(asWorker, []);
  const allocated = await t.db
    .selectFrom('child_involvements')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('council_id', '=', council.id)
    .executeTakeFirstOrThrow();
  assert.equal(Number(allocated.n), 7);

  // the same extract again replaces them, never doubles them
  await runImport(t.db, {
    councilId: council.id,
    path: folder,
    asOf: '2025-02-01',
    strict: false,
    source: 'command',
  });
  const again = await t.db
    .selectFrom('child_reviewing_officers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('council_id', '=', council.id)
    .executeTakeFirstOrThrow();
  assert.equal(Number(again.n), 3);
});

test('a reviewing officer involvement naming no worker is refused with the row and column', async () => {
  const council = await createCouncil(t.db, { code: `ro${++n}`, name: `Reviewing Council ${n}` });
  const folder = writeSsdFolder(
    join(dir, `x${n}`),
    extractWithOfficers([officer('R1', 'C3', '', 'Independent Reviewing Officer')]),
  );
  const summary = await runImport(t.db, {
    councilId: council.id,
    path: folder,
    asOf: '2025-02-01',
    strict: false,
    source: 'command',
  });
  assert.equal(summary.rowsRejected, 1);
  assert.match(
    summary.errors[0]?.message ?? '',
    /reviewing officer's \(Independent Reviewing Officer\) but names no worker/,
  );
  assert.equal(summary.errors[0]?.column, 'invo_professional_id');
});
