import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, failureKind } from './log.ts';

// Each line says which instance wrote it, and what the log leaves out.

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines: () => lines.map((l) => JSON.parse(l)) };
}

test('every line names the service, the process and the machine, so instances can be told apart', () => {
  const { logger, lines } = capture();
  logger.info({ councils: 2 }, 'retention applied');
  const [line] = lines();
  assert.equal(line.service, 'qaloop');
  assert.equal(line.pid, process.pid);
  assert.equal(line.hostname, hostname());
  assert.equal(line.councils, 2);
});

test('names, emails and passwords are removed at the top level and one level down', () => {
  const { logger, lines } = capture();
  logger.info(
    {
      name: 'Jamie Pupil',
      email: 'a@b.example',
      password: 'x',
      person: { name: 'Sam Carer', email: 'c@d.example' },
    },
    'redaction',
  );
  const text = JSON.stringify(lines());
  assert.doesNotMatch(text, /Jamie|Sam Carer|a@b\.example|c@d\.example|"password"/);
});

test('a failure is logged by its kind and database code, never its message', () => {
  const err = Object.assign(new Error('duplicate key value (name)=(Jamie Pupil)'), { code: '23505' });
  assert.deepEqual(failureKind(err), { type: 'Error', code: '23505' });
  assert.deepEqual(failureKind(new TypeError('Jamie')), { type: 'TypeError' });
});
