#!/usr/bin/env node
// The qaloop command. QA Loop runs on Node.js 24 (TypeScript executed directly); when this
// script is started by an older Node, it hands over to the Node 24 installed with the package.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    console.error('QA Loop needs Node.js 24: run "npm ci" in the project folder first.');
    process.exit(2);
  }
  const result = spawnSync(node24, [join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
} else {
  // Node keeps what it made of each module (types removed, compiled) in a cache on disk, so that
  // every start after the first loads the app's modules in a fraction of the time.
  module.enableCompileCache();
  await import(join(root, 'src', 'cli', 'main.ts'));
}
