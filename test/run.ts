/**
 * `npm test`: every test file, each in its own process, several at once. The databases the files
 * start from are made once first (test/global-setup.ts). Files that take longest start first, so
 * that the run does not end waiting on one of them: the browser journeys (which mostly wait on
 * Chromium), then the command's tests (which start processes of their own), then the rest.
 *
 *   node test/run.ts [FOLDER_OR_FILE ...]     default: test/e2e and src
 *
 * QALOOP_TEST_CONCURRENCY sets how many files run at once (default: twice the CPU cores, at least 4);
 * the run ends listing its slowest files, QALOOP_TEST_SLOWEST of them (default 15).
 */
import { existsSync, globSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test/e2e', 'src']).flatMap((root) => {
  if (!existsSync(root)) throw new Error(`No such folder or file: ${root}`);
  return statSync(root).isDirectory() ? globSync(join(root, '**/*.test.ts')).sort() : [root];
});

/** Longest first: browser journeys, then the command's tests, then the demo's, then the rest. */
function weight(file: string): number {
  if (file.startsWith('test/e2e/pages')) return 0;
  if (file.startsWith('test/e2e/')) return 1;
  if (file.startsWith('src/cli/')) return 2;
  if (file.startsWith('src/demo/')) return 3;
  if (file.startsWith('src/web/')) return 4;
  return 5;
}
files.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));

// Test processes compile the same modules: keep their compiled code between processes and runs.
process.env.NODE_COMPILE_CACHE ??= join('node_modules', '.cache', 'node-compile');

const concurrency = Number(process.env.QALOOP_TEST_CONCURRENCY) || Math.max(4, availableParallelism() * 2);
const started = Date.now();
let failed = false;

// globalSetupPath is Node 24's (the flag --test-global-setup); @types/node does not list it yet.
const stream = run({
  files,
  concurrency,
  isolation: 'process',
  globalSetupPath: join(import.meta.dirname, 'global-setup.ts'),
} as Parameters<typeof run>[0]);
// Each file's time, from its first test's start to its last test's end, for the slowest-files list.
const fileSeconds = new Map<string, number>();
function timeFile(event: { file?: string; nesting: number; details: { duration_ms: number } }) {
  if (!event.file || event.nesting !== 0) return;
  fileSeconds.set(event.file, (fileSeconds.get(event.file) ?? 0) + event.details.duration_ms / 1000);
}
stream.on('test:pass', timeFile);
stream.on('test:fail', (event) => {
  timeFile(event);
  // A failing hook or suite fails the run as its tests do.
  if (!event.todo) failed = true;
});
stream.on('end', () => {
  process.exitCode = failed ? 1 : 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n${files.length} test files, ${concurrency} at a time, in ${seconds} s`);
  const slowest = [...fileSeconds]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(process.env.QALOOP_TEST_SLOWEST) || 15);
  console.log('Slowest files (seconds in their tests):');
  for (const [file, s] of slowest)
    console.log(`  ${s.toFixed(0).padStart(5)}  ${relative(process.cwd(), file)}`);
});
stream.compose(spec).pipe(process.stdout);
