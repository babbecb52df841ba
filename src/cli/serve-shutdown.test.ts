import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { freePort } from '../../test/helpers/ports.ts';

// A rolling restart as a council's platform does it: SIGTERM to `qaloop serve`. Readiness turns to
// 503 'shutting down' at once, a request already in flight is answered in full, and the process
// exits 0. On PostgreSQL when DATABASE_URL is set (a database of its own), else the embedded one.

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qaloop.js');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: 'ignore' });
    child.on('close', resolve);
  });
}

/** Resolves when `text` has been read from the stream so far (or at once if it already has). */
function waitFor(read: () => string, subscribe: (f: () => void) => void, text: string | RegExp) {
  return new Promise<void>((resolve) => {
    const check = () => {
      const got = read();
      if (typeof text === 'string' ? got.includes(text) : text.test(got)) resolve();
    };
    subscribe(check);
    check();
  });
}

async function databaseUrl(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { url: undefined, drop: async () => {} };
  const name = `qaloop_shutdown_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: server });
      await dropper.connect();
      await dropper.query(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    },
  };
}

test('on SIGTERM readiness says shutting down, a request in flight is answered, and serve exits 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-shutdown-'));
  const database = await databaseUrl();
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    QALOOP_DATA_DIR: dataDir,
    QALOOP_LOG_LEVEL: 'warn',
  };
  for (const args of [
    ['migrate'],
    ['council', 'create', '--code', 'TEST', '--name', 'Test Council', '--admin-email', 'admin@test.gov.uk'],
  ])
    assert.equal(await run(args, env), 0, `qaloop ${args[0]}`);
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      QALOOP_DATA_DIR: dataDir,
      QALOOP_DEMO: '0',
      QALOOP_LOG_LEVEL: 'info',
      QALOOP_SHUTDOWN_DRAIN_SECONDS: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
    },
  });
  let log = '';
  const listeners: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    log += d;
    for (const f of listeners) f();
  });
  child.stderr.on('data', (d) => (log += d));
  const logSays = (text: string | RegExp) =>
    waitFor(
      () => log,
      (f) => listeners.push(f),
      text,
    );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let socket: Socket | undefined;
  try {
    await logSays('QA Loop is ready');
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { queue: string }).queue, 'running');

    // A request whose body is still arriving: the server has it in hand once it says "100 Continue".
    const body = 'email=someone%40council.gov.uk&password=not-the-password';
    const conn = connect(port, '127.0.0.1');
    socket = conn;
    let answer = '';
    const answerListeners: (() => void)[] = [];
    conn.on('data', (d) => {
      answer += d;
      for (const f of answerListeners) f();
    });
    const answerSays = (text: string | RegExp) =>
      waitFor(
        () => answer,
        (f) => answerListeners.push(f),
        text,
      );
    conn.write(
      `POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await answerSays('100 Continue');
    conn.write(body.slice(0, 10));

    child.kill('SIGTERM');
    await logSays('"msg":"shutting down"');
    const draining = await fetch(`http://127.0.0.1:${port}/health/ready`);
    assert.equal(draining.status, 503);
    assert.equal(((await draining.json()) as { status: string }).status, 'shutting down');

    // the app now closes: the rest of the body arrives, and the request is answered in full
    await logSays('"msg":"closing"');
    conn.write(body.slice(10));
    await answerSays(/\r\n\r\n[\s\S]*<\/html>/);
    // the sign-in form refuses a post without its CSRF token: the app's own answer, in full
    const status = Number(
      answer
        .split('\r\n')
        .find((l) => /^HTTP\/1\.1 [2-5]\d\d/.test(l))
        ?.split(' ')[1],
    );
    assert.equal(status, 403, answer.slice(0, 500));
    assert.match(answer, /<\/html>\s*$/);

    assert.equal(await exited, 0, 'graceful shutdown exits 0');
    assert.match(log, /"msg":"stopped"/);
  } finally {
    socket?.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
