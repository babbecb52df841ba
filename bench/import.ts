/**
 * Import speed and memory.
 *
 * 1. A generated audit history and a generated Annex A list 6 (children in need) of N rows each
 *    (200,000 by default) imported into the embedded database (and into PostgreSQL when
 *    DATABASE_URL is set), against only parsing the same file with csv-parse in the same run.
 * 2. Peak memory importing Annex A list 6 of 250,000 and of 1,000,000 rows, each in a process of its
 *    own, so the two peaks show whether memory grows with the file.
 *
 *   node bench/import.ts [rows]            # both parts
 *   node bench/import.ts --memory ROWS     # one memory run (used by part 2)
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { runImport } from '../src/services/case-data/run-import.ts';
import { addServiceArea, addTeam, createCouncil } from '../src/services/organisation/councils.ts';
import { freshBenchDb } from './fresh-db.ts';

type Kind = 'audit-history' | 'annex-a';

const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-import-'));

async function writeLines(path: string, header: string, rows: number, line: (i: number) => string) {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${line(i)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
}

const GRADES = ['outstanding', 'good', 'requires_improvement', 'inadequate'];
const TEAMS = ['Safeguarding North', 'Safeguarding Central', 'Safeguarding South', 'Children in Care North'];

async function writeFile(kind: Kind, rows: number): Promise<string> {
  if (kind === 'audit-history') {
    const path = join(dir, `history-${rows}.csv`);
    await writeLines(
      path,
      'audit_ref,child_id,month,activity,theme,team,auditor,status,completed_on,scale,grade,moderated_grade,feedback_score,section_1,section_2',
      rows,
      (i) => {
        const m = String((i % 12) + 1).padStart(2, '0');
        return `R${i},${100000 + (i % 50000)},2025-${m},full,Neglect,Safeguarding North,Auditor ${i % 40},completed,2025-${m}-20,four_point,${GRADES[i % 4]},${i % 7 === 0 ? GRADES[(i + 1) % 4] : ''},${(i % 10) + 1},${GRADES[(i + 2) % 4]},${GRADES[(i + 3) % 4]}`;
      },
    );
    return path;
  }
  // Annex A list 6 as a BI team writes it: spaced headers, letter-prefixed codes, UK dates
  const path = join(dir, `annex-a-list-6-${rows}.csv`);
  await writeLines(
    path,
    'Child Unique ID,Gender,Ethnicity,Date of Birth,Age,Has Disability,CIN Start Date,Primary Need Code,Date Child Last Seen,CIN Closure Date,Reason For Closure,Case Status,Allocated Team,Allocated Worker',
    rows,
    (i) => {
      const day = String((i % 28) + 1).padStart(2, '0');
      const month = String((i % 12) + 1).padStart(2, '0');
      const age = i % 17;
      return `C${1000000 + i},${i % 2 ? 'a) Male' : 'b) Female'},a) WBRI,${day}/${month}/${2025 - age},${age},b) No,${day}/${month}/2025,N1,${day}/10/2026,,,Child in need plan,${TEAMS[i % 4]},Worker ${i % 300}`;
    },
  );
  return path;
}

async function parseOnly(path: string, rows: number): Promise<number> {
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

/** A database to import into: a fresh PostgreSQL database, or the embedded one on disk. */
async function freshDb(databaseUrl: string | undefined, label: string) {
  const { db, close } = await freshBenchDb(databaseUrl, label, dir);
  const council = await createCouncil(db, { code: 'bench', name: 'Bench Council' });
  const area = await addServiceArea(db, council.id, 'Safeguarding');
  for (const name of TEAMS) await addTeam(db, council.id, { name, serviceAreaId: area });
  return {
    db,
    councilId: council.id,
    close,
  };
}

async function importInto(kind: Kind, rows: number, path: string, label: string, databaseUrl?: string) {
  const target = await freshDb(databaseUrl, `${kind.replace('-', '_')}_${label.split(' ')[0].toLowerCase()}`);
  try {
    const parseMs = await parseOnly(path, rows);
    peakRss = process.memoryUsage().rss;
    const t0 = performance.now();
    const summary = await runImport(target.db, {
      councilId: target.councilId,
      path,
      format: kind,
      asOf: '2026-11-22',
      strict: false,
      source: 'command',
    });
    const importMs = performance.now() - t0;
    if (summary.rowsAccepted !== rows) throw new Error(`imported ${summary.rowsAccepted} of ${rows}`);
    console.log(
      `  ${label.padEnd(22)} ${(rows / (importMs / 1000)).toFixed(0).padStart(8)} rows/s   import ${(importMs / 1000).toFixed(1)} s, parse alone ${(parseMs / 1000).toFixed(2)} s: ratio ${(importMs / parseMs).toFixed(2)} (goal ≤ 3)   peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`,
    );
  } finally {
    await target.close();
  }
}

/** One memory run: imports Annex A list 6 of `rows` rows and prints the peak resident memory. */
async function memoryRun(rows: number) {
  const path = await writeFile('annex-a', rows);
  const target = await freshDb(process.env.DATABASE_URL || undefined, `memory_${rows}`);
  // the embedded database reaches its own peak while it starts: measure from here
  const before = process.memoryUsage().rss;
  peakRss = before;
  try {
    const summary = await runImport(target.db, {
      councilId: target.councilId,
      path,
      format: 'annex-a',
      asOf: '2026-11-22',
      strict: false,
      source: 'command',
    });
    if (summary.rowsAccepted !== rows) throw new Error(`imported ${summary.rowsAccepted} of ${rows}`);
    const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    console.log(
      JSON.stringify({ rows, beforeMb: mb(before), peakRssMb: mb(peakRss), heapMb: Math.round(heapMb) }),
    );
  } finally {
    await target.close();
  }
}

try {
  if (process.argv[2] === '--memory') {
    await memoryRun(Number(process.argv[3]));
  } else {
    const rows = Number(process.argv[2] ?? process.env.BENCH_IMPORT_ROWS ?? 200_000);
    for (const kind of ['annex-a', 'audit-history'] as const) {
      const path = await writeFile(kind, rows);
      console.log(
        `${kind === 'annex-a' ? 'Annex A list 6' : 'Audit history'} import, ${rows.toLocaleString('en-GB')} rows`,
      );
      await importInto(kind, rows, path, 'embedded database');
      if (process.env.DATABASE_URL)
        await importInto(kind, rows, path, 'PostgreSQL', process.env.DATABASE_URL);
      else console.log('  PostgreSQL             (set DATABASE_URL to measure)');
    }
    const sizes = (process.env.BENCH_MEMORY_ROWS ?? '250000,1000000').split(',').map(Number);
    const targets: [string, NodeJS.ProcessEnv][] = [
      ['embedded database', { ...process.env, DATABASE_URL: '' }],
      ...(process.env.DATABASE_URL ? [['PostgreSQL', process.env] as [string, NodeJS.ProcessEnv]] : []),
    ];
    console.log(
      'Peak memory importing Annex A list 6 (goal: under 300 MB, not growing with the file; the embedded database itself holds about 500 MB)',
    );
    for (const [label, env] of targets)
      for (const n of sizes) {
        const run = spawnSync(process.execPath, [import.meta.filename, '--memory', String(n)], {
          encoding: 'utf8',
          env,
        });
        const line = run.stdout.trim().split('\n').pop() ?? '';
        try {
          const r = JSON.parse(line) as { rows: number; beforeMb: number; peakRssMb: number; heapMb: number };
          console.log(
            `  ${label.padEnd(18)} ${r.rows.toLocaleString('en-GB').padStart(9)} rows   peak RSS while importing ${r.peakRssMb} MB, ${r.peakRssMb - r.beforeMb} MB above the ${r.beforeMb} MB held before it   JS heap at end ${r.heapMb} MB`,
          );
        } catch {
          console.log(`  ${n} rows: the run failed: ${run.stderr.slice(-500)}`);
        }
      }
  }
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
