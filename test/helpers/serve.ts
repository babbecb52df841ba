import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** A real `qaloop serve` process on loopback, with a data folder of its own. */
export interface ServeProcess {
  child: ChildProcess;
  base: string;
  dataDir: string;
  /** what it has written to its log so far, one JSON object a line */
  log: () => string;
}

export const stopped = (serve: ServeProcess) =>
  serve.child.exitCode !== null || serve.child.signalCode !== null;

/**
 * Starts `qaloop serve` on PostgreSQL at `databaseUrl` with the demo turned on and mail off (`env`
 * adds or overrides settings), and waits until /health/ready answers 200.
 */
export async function startServe(
  databaseUrl: string,
  env: Record<string, string> = {},
  timeoutMs = 90_000,
): Promise<ServeProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-instance-'));
  const child = spawn(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      QALOOP_DATA_DIR: dataDir,
      QALOOP_DEMO: '1',
      QALOOP_MAIL: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const serve: ServeProcess = { child, base: `http://127.0.0.1:${port}`, dataDir, log: () => out };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopped(serve)) throw new Error(`The instance stopped: ${out.slice(-2000)}`);
    const ready = await fetch(`${serve.base}/health/ready`).then(
      (r) => r.status === 200,
      () => false, // not listening yet
    );
    if (ready) return serve;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The instance did not become ready in ${timeoutMs / 1000} s: ${out.slice(-2000)}`);
}
