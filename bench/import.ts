/**
 * Import speed: a generated audit history of N rows (200,000 by default) imported into the
 * embedded database (and into PostgreSQL when DATABASE_URL is set), against only parsing the same
 * file with csv-parse in the same run; and the process's peak memory while importing.
 *
 *   node bench/import.ts [rows]
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import pg from 'pg';
import { openDb } from '../src/data/db.ts';
import { migrateToLatest } from '../src/data/migrate.ts';
import { importAuditHistory } from '../src/import/audit-history.ts';
import { createCouncil } from '../src/services/organisation.ts';

const rows = Number(process.argv[2] ?? process.env.BENCH_IMPORT_ROWS ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-import-'));
const path = join(dir, 'history.csv');

async function writeFile() {
  const out = createWriteStream(path);
  out.write(
    'audit_ref,child_id,month,activity,theme,team,auditor,status,completed_on,scale,grade,moderated_grade,feedback_score,section_1,section_2\n',
  );
  const grades = ['outstanding', 'good', 'requires_improvement', 'inadequate'];
  for (let i = 0; i < rows; i++) {
    const m = String((i % 12) + 1).padStart(2, '0');
    const line = `R${i},${100000 + (i % 50000)},2025-${m},full,Neglect,Safeguarding North,Auditor ${i % 40},completed,2025-${m}-20,four_point,${grades[i % 4]},${i % 7 === 0 ? grades[(i + 1) % 4] : ''},${(i % 10) + 1},${grades[(i + 2) % 4]},${grades[(i + 3) % 4]}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
}

async function parseOnly(): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const _ of createReadStream(path).pipe(parse({ bom: true, columns: true }))) n++;
  if (n !== rows) throw new Error(`parsed ${n} rows, expected ${rows}`);
  return performance.now() - t0;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

async function importInto(label: string, databaseUrl?: string) {
  let dropper: (() => Promise<void>) | undefined;
  let url = databaseUrl;
  if (databaseUrl) {
    const name = `qaloop_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const u = new URL(databaseUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    dropper = async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };
  }
  // the embedded database on disk, as `qaloop serve` runs it
  const db = await openDb({ databaseUrl: url, dataDir: url ? 'memory' : join(dir, 'data') });
  try {
    await migrateToLatest(db);
    const council = await createCouncil(db, { code: 'bench', name: 'Bench Council' });
    const parseMs = await parseOnly();
    peakRss = process.memoryUsage().rss;
    const t0 = performance.now();
    const summary = await importAuditHistory(db, {
      councilId: council.id,
      path,
      asOf: '2026-11-22',
      strict: false,
      source: 'command',
    });
    const importMs = performance.now() - t0;
    if (summary.rowsAccepted !== rows) throw new Error(`imported ${summary.rowsAccepted} of ${rows}`);
    console.log(
      `  ${label.padEnd(22)} ${(rows / (importMs / 1000)).toFixed(0).padStart(8)} rows/s   import ${(importMs / 1000).toFixed(1)} s, parse alone ${(parseMs / 1000).toFixed(1)} s: ratio ${(importMs / parseMs).toFixed(2)} (goal ≤ 3)   peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`,
    );
  } finally {
    await db.destroy();
    await dropper?.();
  }
}

await writeFile();
console.log(`Audit history import, ${rows.toLocaleString('en-GB')} rows`);
await importInto('embedded database');
if (process.env.DATABASE_URL) await importInto('PostgreSQL', process.env.DATABASE_URL);
else console.log('  PostgreSQL             (set DATABASE_URL to measure)');
clearInterval(sampler);
rmSync(dir, { recursive: true, force: true });
