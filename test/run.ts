/**
 * `npm test`: every test file, each in its own process, several at once. The databases the files
 * start from are made once first (test/global-setup.ts). Files that take longest start first, so
 * that the run does not end waiting on one of them: the browser journeys (which mostly wait on
 * Chromium), then the command's tests (which start processes of their own), then the rest.
 *
 *   node test/run.ts [FOLDER_OR_FILE ...]     default: test/e2e and src
 *
 * QALOOP_TEST_CONCURRENCY sets how many files run at once (default: twice the CPU cores, at least 4).
 */
import { existsSync, globSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
stream.on('test:fail', (event) => {
  // A failing hook or suite fails the run as its tests do.
  if (!event.todo) failed = true;
});
stream.on('end', () => {
  process.exitCode = failed ? 1 : 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n${files.length} test files, ${concurrency} at a time, in ${seconds} s`);
});
stream.compose(spec).pipe(process.stdout);
