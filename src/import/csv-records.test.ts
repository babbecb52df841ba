import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { MAX_CSV_RECORD, readCsv } from './csv-records.ts';
import { UnreadableFileError } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'qaloop-csv-'));
const format = { name: 'a test', required: ['child_id'] };

async function rows(text: string | Buffer) {
  const path = join(dir, `f${Math.random()}.csv`);
  writeFileSync(path, text);
  const out: { row: number; child: string }[] = [];
  for await (const r of readCsv(path, 'f.csv', format)) out.push({ row: r.row, child: r.cells.child_id });
  return out;
}

test('row numbers are those a spreadsheet shows, counting blank lines and a blank line above the header', async () => {
  assert.deepEqual(await rows('\nChild ID,Name\nA1,x\n\nA2,"two\nlines"\nA3,y\n'), [
    { row: 3, child: 'A1' },
    { row: 5, child: 'A2' },
    { row: 6, child: 'A3' },
  ]);
});

test('Windows-1252 text is read as such, and a BOM is not part of the first header', async () => {
  const cp1252 = Buffer.from([...Buffer.from('child_id,name\nA1,Ren'), 0xe9, 0x0a]);
  assert.deepEqual(await rows(cp1252), [{ row: 2, child: 'A1' }]);
  assert.deepEqual(await rows(`\uFEFFchild_id\nB1\n`), [{ row: 2, child: 'B1' }]);
});

test('a stray quote is an unreadable file with its row, not a crash', async () => {
  await assert.rejects(rows('child_id,name\nA1,x\nA2,ab"c"d\n'), (err: Error) => {
    assert.ok(err instanceof UnreadableFileError, err.message);
    assert.match(err.message, /cannot be read as CSV near row/);
    return true;
  });
});

test('a quote never closed is refused once the row is too long, not read into memory to the end', async () => {
  // as from a zip that expands without end: 100 MB after an opening quote
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 'a');
  async function* endless() {
    yield Buffer.from('child_id,name\nA1,"');
    for (let i = 0; i < 1600; i++) {
      sent += chunk.length;
      yield chunk;
    }
  }
  const read = async () => {
    for await (const _ of readCsv(() => Readable.from(endless()), 'f.csv', format));
  };
  await assert.rejects(read(), (err: Error) => {
    assert.ok(err instanceof UnreadableFileError, err.message);
    assert.match(
      err.message,
      /^f\.csv cannot be read as CSV at row 2: the row is longer than 1,000,000 characters/,
    );
    return true;
  });
  assert.ok(sent < 4 * MAX_CSV_RECORD, `${sent} bytes read`);
});
