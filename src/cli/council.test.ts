import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, createTestApp } from '../../test/helpers/app.ts';
import { openDb } from '../data/db.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qaloop.js');
const BASE_URL = 'https://qaloop.example.gov.uk';
let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-council-'));
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qaloop(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        QALOOP_DATA_DIR: dataDir,
        QALOOP_LOG_LEVEL: 'warn',
        QALOOP_BASE_URL: BASE_URL,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function councils(): Promise<{ code: string; name: string; demo: boolean; people: number }[]> {
  const list = await qaloop(['council', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  return JSON.parse(list.stdout);
}

const LINK = /https:\/\/qaloop\.example\.gov\.uk\/sign-in\/link\/(\S+)/;

test('council create sets up a council and its administrator, and prints a link that signs them in once', async () => {
  const run = await qaloop([
    'council',
    'create',
    '--code',
    'nth',
    '--name',
    'Northshire County Council',
    '--admin-email',
    'jo.bloggs@northshire.gov.uk',
    '--admin-name',
    'Jo Bloggs',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /Set up Northshire County Council \(NTH\) with its first administrator, Jo Bloggs/,
  );
  assert.match(run.stdout, /It works once, for 24 hours: until /);
  const token = run.stdout.match(LINK)?.[1];
  assert.ok(token, 'the link is printed');

  const db = await openDb({ databaseUrl: undefined, dataDir });
  try {
    const events = await db
      .selectFrom('security_events')
      .select(['kind', 'actor_id'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.kind, e.actor_id]),
      [
        ['council_created', null],
        ['sign_in_link_created', null],
      ],
    );
    const app = await createTestApp(db, { demo: false });
    try {
      const jo = new Agent(app);
      const page = await jo.get(`/sign-in/link/${token}`);
      assert.equal(page.statusCode, 200);
      const used = await jo.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
      assert.equal(used.statusCode, 302);
      assert.equal(used.headers.location, '/account/password');
      const people = await jo.get('/admin/people');
      assert.equal(people.statusCode, 200, 'signed in as the administrator');
      assert.match(people.body, /Jo Bloggs/);
      const twice = await new Agent(app).post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
      assert.equal(twice.statusCode, 410);
    } finally {
      await app.close();
    }
  } finally {
    await db.destroy();
  }
});

test('the same code again, or an email address already in use, is refused (exit 1) and changes nothing', async () => {
  const before = await councils();
  const again = await qaloop([
    'council',
    'create',
    '--code',
    'NTH',
    '--name',
    'Other',
    '--admin-email',
    'x@other.gov.uk',
  ]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /A council with the code NTH already exists/);
  const sameEmail = await qaloop([
    'council',
    'create',
    '--code',
    'OTH',
    '--name',
    'Other',
    '--admin-email',
    'JO.BLOGGS@northshire.gov.uk',
  ]);
  assert.equal(sameEmail.code, 1);
  assert.match(sameEmail.stderr, /already has an account with this email address/);
  assert.deepEqual(await councils(), before);
});

test('bad options are usage errors (exit 2) with the usage', async () => {
  for (const args of [
    ['council', 'create', '--code', 'X', '--name', 'Too short', '--admin-email', 'a@b.gov.uk'],
    ['council', 'create', '--code', 'NO SPACES', '--name', 'N', '--admin-email', 'a@b.gov.uk'],
    ['council', 'create', '--code', 'ABC', '--name', 'No email'],
    ['council', 'create', '--code', 'ABC', '--name', 'Bad email', '--admin-email', 'not-an-email'],
    ['council', 'frobnicate'],
  ]) {
    const run = await qaloop(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /Usage: qaloop/);
  }
  assert.equal((await councils()).length, 1);
});

test('council list shows each council; council link makes a fresh link and voids the old one', async () => {
  const list = await qaloop(['council', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /Code\s+Name\s+Demo\s+People\s+Set up/);
  assert.match(list.stdout, /NTH\s+Northshire County Council\s+no\s+1\s+\d{4}-\d{2}-\d{2}/);
  assert.deepEqual(
    (await councils()).map((c) => [c.code, c.name, c.demo, c.people]),
    [['NTH', 'Northshire County Council', false, 1]],
  );

  const first = await qaloop([
    'council',
    'link',
    '--council',
    'nth',
    '--email',
    'jo.bloggs@northshire.gov.uk',
  ]);
  assert.equal(first.code, 0, first.stderr);
  const second = await qaloop([
    'council',
    'link',
    '--council',
    'NTH',
    '--email',
    'jo.bloggs@northshire.gov.uk',
  ]);
  const [a, b] = [first.stdout.match(LINK)?.[1], second.stdout.match(LINK)?.[1]];
  assert.ok(a && b && a !== b);
  const unknown = await qaloop([
    'council',
    'link',
    '--council',
    'NTH',
    '--email',
    'nobody@northshire.gov.uk',
  ]);
  assert.equal(unknown.code, 1);

  const db = await openDb({ databaseUrl: undefined, dataDir });
  try {
    const app = await createTestApp(db, { demo: false });
    try {
      const old = await new Agent(app).post(`/sign-in/link/${a}`, {}, `/sign-in/link/${a}`);
      assert.equal(old.statusCode, 410, 'the earlier link no longer works');
      const fresh = await new Agent(app).post(`/sign-in/link/${b}`, {}, `/sign-in/link/${b}`);
      assert.equal(fresh.statusCode, 302);
    } finally {
      await app.close();
    }
  } finally {
    await db.destroy();
  }
});
