/**
 * Several instances of QA Loop on one PostgreSQL database, as a council runs it behind a load
 * balancer: real `qaloop serve` processes on loopback, each with its own data folder (nothing on
 * one instance's disk is seen by another). A file sent to one is imported by whichever takes it
 * and its progress is seen through any; a person signed in through one is signed in on the others;
 * an instance killed while importing leaves nothing half-written, and the other, still running,
 * notices and finishes the job;
 * the reminder sweep runs once however many instances are running.
 *
 * PostgreSQL only: the embedded database is held by one process by design.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { dbConnection } from '../../src/data/db.ts';
import { QUEUES, startQueue } from '../../src/data/queue.ts';
import { createImportToken } from '../../src/services/case-data/import-tokens.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';
import { type ServeProcess, startServe, stopped } from '../helpers/serve.ts';

const ON_POSTGRES = !!process.env.DATABASE_URL;
const skip = ON_POSTGRES ? false : 'PostgreSQL only (set DATABASE_URL): the embedded database is one process';

type Instance = ServeProcess;

let t: TestDbWithDemo;
let databaseUrl: string;
let token: string;
let councilId: string;
const instances: Instance[] = [];

async function startInstance(): Promise<Instance> {
  const instance = await startServe(databaseUrl, {
    QALOOP_LOG_LEVEL: 'info',
    // Looks for imports whose instance stopped every second, not every 15.
    QALOOP_IMPORT_WATCH_SECONDS: '1',
  });
  instances.push(instance);
  return instance;
}

function kill(instance: Instance): Promise<void> {
  return new Promise((resolve) => {
    if (stopped(instance)) return resolve();
    instance.child.once('exit', () => resolve());
    instance.child.kill('SIGKILL');
  });
}

/** Asks again until `done` says the answer is the one waited for, or gives up with the last answer. */
async function until<T>(ask: () => Promise<T>, done: (answer: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 180_000;
  let answer = await ask();
  while (!done(answer)) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}: ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 250));
    answer = await ask();
  }
  return answer;
}

/** An Annex A list 6 (children in need) with `rows` children, each with its own reference. */
function list6(prefix: string, rows: number): string {
  const lines = ['ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate'];
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix}${String(i).padStart(6, '0')},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`);
  return `${lines.join('\r\n')}\r\n`;
}

/** Sends a list 6 as the data warehouse does; confirmed, since a small one shrinks the demo's list. */
async function sendExtract(instance: Instance, fileName: string, body: string) {
  const res = await fetch(
    `${instance.base}/api/imports?format=annex-a&fileName=${encodeURIComponent(fileName)}&asOf=2026-11-20&allowShrink=true`,
    { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body },
  );
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { jobId: string }).jobId;
}

async function status(instance: Instance, jobId: string) {
  const res = await fetch(`${instance.base}/api/imports/${jobId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as {
    state: string;
    rowsRead: number;
    importId: string | null;
    message: string | null;
  };
}

const childrenLike = async (prefix: string) =>
  Number(
    (
      await t.db
        .selectFrom('children')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', councilId)
        .where('external_id', 'like', `${prefix}%`)
        .executeTakeFirstOrThrow()
    ).n,
  );

before(async () => {
  if (!ON_POSTGRES) return;
  t = await createTestDb({ demo: true });
  const connection = dbConnection(t.db);
  if (connection?.kind !== 'postgres') throw new Error('Expected a PostgreSQL test database');
  databaseUrl = connection.url;
  const admin = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  councilId = admin.council_id;
  token = (await createImportToken(t.db, councilId, { name: 'Data warehouse' }, admin.id)).token;
  // Two instances at once, as a load balancer has them.
  await Promise.all([startInstance(), startInstance()]);
});

after(async () => {
  for (const instance of instances) {
    await kill(instance);
    rmSync(instance.dataDir, { recursive: true, force: true });
  }
  await t?.close();
});

/** How many imports the council has recorded. */
async function importsOfCouncil(): Promise<number> {
  const row = await t.db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Waits until the job is reading rows (the file is big enough to be caught doing so), and gives the
 * instance its row names as reading it, and another still running.
 */
async function readerOf(jobId: string): Promise<{ reader: Instance; other: Instance }> {
  const reading = await until(
    () =>
      t.db
        .selectFrom('import_jobs')
        .select(['state', 'rows_read', 'instance'])
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow(),
    (j) => (j.state === 'running' && j.rows_read > 0) || j.state === 'done' || j.state === 'failed',
    'the import to start reading rows',
  );
  assert.equal(reading.state, 'running', 'the file is big enough to be caught while it is read');
  const reader = instances.find((i) => !stopped(i) && reading.instance === `${hostname()}:${i.child.pid}`);
  assert.ok(reader, `the job's row names one of the running instances (${reading.instance})`);
  const other = instances.find((i) => i !== reader && !stopped(i));
  assert.ok(other, 'another instance is running');
  return { reader, other };
}

test('a file sent to one instance is imported, and its progress and end are seen through the other', {
  skip,
}, async () => {
  const [one, two] = instances;
  const jobId = await sendExtract(one, 'list6.csv', list6('INS-A-', 50));
  const ended = await until(
    () => status(two, jobId),
    (s) => s.state !== 'queued' && s.state !== 'running',
    'the import to end',
  );
  assert.equal(ended.state, 'done', ended.message ?? '');
  assert.equal(ended.rowsRead, 50);
  assert.ok(ended.importId);
  assert.equal(await childrenLike('INS-A-'), 50);
  const chunks = await t.db
    .selectFrom('import_upload_chunks')
    .select('seq')
    .where('job_id', '=', jobId)
    .execute();
  assert.equal(chunks.length, 0, 'the file has gone from the database');
});

test('a person signed in through one instance is signed in on the other', { skip }, async () => {
  const [one, two] = instances;
  const signInPage = await fetch(`${one.base}/sign-in`);
  const csrfCookie = signInPage.headers.getSetCookie().map((c) => c.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await signInPage.text())?.[1];
  assert.ok(csrf, 'the sign-in page has its CSRF token');
  const signedIn = await fetch(`${one.base}/sign-in/demo`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: csrfCookie.join('; '),
      referer: `${one.base}/sign-in`,
    },
    body: new URLSearchParams({ _csrf: csrf, role: 'qa_lead' }).toString(),
  });
  assert.equal(signedIn.status, 302);
  const cookies = new Map(csrfCookie.map((c) => c.split('=') as [string, string]));
  for (const c of signedIn.headers.getSetCookie()) {
    const [name, value] = c.split(';')[0].split('=');
    cookies.set(name, value);
  }
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const onTwo = await fetch(`${two.base}/imports`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(onTwo.status, 200, 'the Case data page opens on the other instance');
  assert.match(await onTwo.text(), /Case data/);
  const without = await fetch(`${two.base}/imports`, { redirect: 'manual' });
  assert.notEqual(without.status, 200, 'and not without the cookie');
});

test('the reminder sweep asked for on every instance at once runs once', { skip }, async () => {
  const running = instances.filter((i) => !stopped(i));
  assert.ok(running.length >= 2, 'at least two instances are running');
  const sweepsLogged = () =>
    running.reduce(
      (n, i) =>
        n +
        i
          .log()
          .split('\n')
          .filter((l) => l.includes('"msg":"reminder sweep"')).length,
      0,
    );
  const before = sweepsLogged();
  // Each instance asks for it, as each one's daily schedule would: the queue holds one at a time.
  const senders = await Promise.all(running.map(() => startQueue(t.db, { background: false })));
  try {
    const sent = await Promise.all(senders.map((q) => q.send('reminderSweep', { today: '2026-11-20' })));
    assert.equal(
      sent.filter((id) => id !== null).length,
      1,
      'one sweep is queued, the others are turned away',
    );
    await until(
      async () => sweepsLogged(),
      (n) => n > before,
      'the sweep to run',
    );
    // Given time to run again, it does not.
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(sweepsLogged(), before + 1, 'it ran once, on one instance');
    const { rows } = await sql<{ state: string }>`
      select state from pgboss.job where name = ${QUEUES.reminderSweep.name}
    `.execute(t.db);
    assert.deepEqual(
      rows.map((r) => r.state),
      ['completed'],
      'one sweep job, completed',
    );
  } finally {
    for (const q of senders) await q.stop();
  }
});

test('the instance reading an import killed outright leaves nothing half-written, and the other finishes it', {
  skip,
}, async () => {
  const rows = 40_000;
  const importsBefore = await importsOfCouncil();
  const jobId = await sendExtract(instances[0], 'big list6.csv', list6('INS-C-', rows));
  // Caught once it is reading rows, on whichever instance took the job from the queue.
  // The job's row names the instance reading it: that one, and only that one, is killed outright.
  const { reader, other } = await readerOf(jobId);
  await kill(reader);
  assert.equal(await childrenLike('INS-C-'), 0, 'nothing of the import was kept');

  // The other instance notices that the job's reader has gone (its lock went with its connection)
  // and reads the job again, to the end. (Watched in the database: the status address allows the
  // data warehouse two questions a second, and this may take longer than a minute.)
  await until(
    () => t.db.selectFrom('import_jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow(),
    (j) => j.state !== 'queued' && j.state !== 'running',
    'the other instance to finish the job',
  );
  const ended = await status(other, jobId);
  assert.equal(ended.state, 'done', ended.message ?? '');
  assert.equal(ended.rowsRead, rows);
  assert.equal(await childrenLike('INS-C-'), rows, 'every child present exactly once');
  const made = await t.db
    .selectFrom('imports')
    .select('id')
    .where('council_id', '=', councilId)
    .where('file_name', '=', 'big list6.csv')
    .execute();
  assert.equal(made.length, 1, 'one import recorded');
  assert.equal(made[0].id, ended.importId);
  const importsAfter = await importsOfCouncil();
  assert.equal(importsAfter, importsBefore + 1);
  const job = await t.db
    .selectFrom('import_jobs')
    .select(['attempts', 'instance'])
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow();
  assert.equal(job.attempts, 2, 'read twice: once by the killed instance, once to the end');
  assert.equal(job.instance, `${hostname()}:${other.child.pid}`, 'the other instance read it to the end');
  assert.ok(
    other
      .log()
      .split('\n')
      .some(
        (l) =>
          l.includes('"msg":"import job taken up: the instance reading it stopped"') && l.includes(jobId),
      ),
    'it took the job up on noticing its reader had stopped, not waiting for the job queue to give it out again',
  );
  const chunks = await t.db
    .selectFrom('import_upload_chunks')
    .select('seq')
    .where('job_id', '=', jobId)
    .execute();
  assert.equal(chunks.length, 0, 'the file has gone from the database');
  assert.equal(instances.length, 2, 'no other instance was started');
  assert.ok(!stopped(other), 'the other instance is still running');
});

test('the instance reading an import stopped with SIGTERM gives the job back, and another reads it without counting the stop', {
  skip,
}, async () => {
  // The killed instance's place is taken, as a rolling restart does.
  await startInstance();
  const rows = 40_000;
  const sender = instances.find((i) => !stopped(i));
  assert.ok(sender);
  const jobId = await sendExtract(sender, 'restart list6.csv', list6('INS-T-', rows));
  const { reader, other } = await readerOf(jobId);
  const exited = new Promise<number | null>((resolve) => reader.child.once('exit', (code) => resolve(code)));
  reader.child.kill('SIGTERM');
  assert.equal(await exited, 0, 'the instance stopped cleanly, not forced out');

  await until(
    () => t.db.selectFrom('import_jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow(),
    (j) => j.state !== 'queued' && j.state !== 'running',
    'the other instance to finish the job',
  );
  const ended = await status(other, jobId);
  assert.equal(ended.state, 'done', ended.message ?? '');
  assert.equal(await childrenLike('INS-T-'), rows, 'every child present exactly once');
  const job = await t.db
    .selectFrom('import_jobs')
    .select(['attempts', 'instance'])
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow();
  assert.equal(job.attempts, 1, 'the stop was not counted as an attempt');
  assert.equal(job.instance, `${hostname()}:${other.child.pid}`);
  const made = await t.db
    .selectFrom('imports')
    .select('id')
    .where('file_name', '=', 'restart list6.csv')
    .execute();
  assert.equal(made.length, 1, 'one import recorded');
});
