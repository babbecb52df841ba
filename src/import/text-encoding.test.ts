import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeText, firstInvalidUtf8, type TextEncodingName } from './text-encoding.ts';
import { UnreadableFileError } from './types.ts';

/** The text of bytes given in the chunks shown, and the encoding decodeText told. */
async function decode(chunks: Buffer[]): Promise<{ text: string; encoding?: TextEncodingName }> {
  let encoding: TextEncodingName | undefined;
  const out = decodeText(Readable.from(chunks), { file: 'list6.csv', onEncoding: (e) => (encoding = e) });
  let text = '';
  for await (const part of out) text += part;
  return { text, encoding };
}

/** `bytes` cut into chunks at the places given. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const places = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of places) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks.filter((c) => c.length);
}

/** ASCII rows past the 64 KB looked at to choose the encoding, so later bytes are read as it chose. */
const PAST_SAMPLE = `child_id,name\n${'A1,Sam Brook\n'.repeat(6000)}`;

test('firstInvalidUtf8 agrees with a strict UTF-8 decoder on any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
      const bytes = Buffer.from(raw);
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, valid);
    }),
    { seed: 20261207, numRuns: 2000 },
  );
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0x42, 0xe9, 0x43])), 2);
  assert.equal(firstInvalidUtf8(Buffer.from('Zoë', 'utf8')), -1);
});

test('UTF-8 cut into chunks anywhere, even inside a character, reads as the same text', async () => {
  const text = `${PAST_SAMPLE}Zoë Brontë,Ødegård 😀,Siân\n`;
  const bytes = Buffer.from(text, 'utf8');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (at) => {
      const read = await decode(cut(bytes, [...at, bytes.length - 3, bytes.length - 5]));
      assert.equal(read.text, text);
      assert.equal(read.encoding, 'utf-8');
    }),
    { seed: 20261207, numRuns: 100 },
  );
});

test('a file that is not UTF-8 is told as Windows-1252', async () => {
  const read = await decode([Buffer.from([...Buffer.from('child_id,name\nA1,Ren'), 0xe9, 0x0a])]);
  assert.equal(read.text, 'child_id,name\nA1,René\n');
  assert.equal(read.encoding, 'windows-1252');
  assert.equal((await decode([Buffer.from('child_id\nA1\n')])).encoding, 'utf-8');
});

test('a file that starts as UTF-8 and later holds a byte that is not is refused with its byte and line', async () => {
  const head = Buffer.from(`${PAST_SAMPLE}A2,Zoë\n`, 'utf8');
  const bytes = Buffer.concat([head, Buffer.from('A3,Ren'), Buffer.from([0xe9]), Buffer.from('\nA4,x\n')]);
  const byte = head.length + 'A3,Ren'.length + 1;
  const line = PAST_SAMPLE.split('\n').length + 1;
  // in chunks as a file is read (the encoding is chosen from the first 64 KB), cut anywhere near the byte
  const fileChunks = [16_384, 32_768, 49_152, 65_536];
  for (const extra of [[], [byte - 1], [byte], [70_000, byte - 2]]) {
    const chunks = cut(bytes, [...fileChunks, ...extra]);
    await assert.rejects(decode(chunks), (err: Error) => {
      assert.ok(err instanceof UnreadableFileError, err.message);
      assert.match(
        err.message,
        new RegExp(
          `^list6\\.csv cannot be read: it starts as UTF-8 but byte ${byte.toLocaleString('en-GB')} \\(on line ${line.toLocaleString('en-GB')}, 0xE9\\) is not UTF-8`,
        ),
      );
      assert.match(err.message, /CSV UTF-8/);
      return true;
    });
  }
  // a character cut short by the end of the file is refused too
  await assert.rejects(
    decode(cut(Buffer.concat([Buffer.from(`${PAST_SAMPLE}Zoë\n`), Buffer.from([0x41, 0xc3])]), fileChunks)),
    /is not UTF-8/,
  );
});

test('a Windows-1252 file whose first accented letter comes after the first 64 KB is read as Windows-1252 and told', async () => {
  // Excel's usual CSV: plain ASCII for thousands of rows, then "René". All before it reads the same
  // in either encoding, so nothing is read two ways.
  const bytes = Buffer.concat([
    Buffer.from(`${PAST_SAMPLE}A3,Ren`),
    Buffer.from([0xe9]),
    Buffer.from('\nA4,Zo'),
  ]);
  const tail = Buffer.concat([bytes, Buffer.from([0xeb, 0x0a])]);
  for (const extra of [[], [tail.length - 1], [70_000]]) {
    const read = await decode(cut(tail, [16_384, 32_768, 49_152, 65_536, ...extra]));
    assert.equal(read.text, `${PAST_SAMPLE}A3,René\nA4,Zoë\n`);
    assert.equal(read.encoding, 'windows-1252');
  }
  // one byte cut short at the very end of an ASCII file is Windows-1252 too
  const end = await decode([Buffer.concat([Buffer.from(PAST_SAMPLE), Buffer.from([0x41, 0xc3])])]);
  assert.equal(end.text, `${PAST_SAMPLE}AÃ`);
  assert.equal(end.encoding, 'windows-1252');
});
