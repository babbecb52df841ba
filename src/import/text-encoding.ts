import { PassThrough, type Readable } from 'node:stream';
import iconv from 'iconv-lite';

/** How much of a file is looked at to tell its encoding. */
const SAMPLE_BYTES = 64 * 1024;

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'windows-1252';

/**
 * The encoding of a file from its first bytes: a UTF-16 byte-order mark, valid UTF-8 (with or
 * without a BOM), or otherwise Windows-1252 — what Excel on Windows writes as "CSV" — which any
 * byte sequence is.
 */
export function detectEncoding(sample: Buffer, complete: boolean): TextEncodingName {
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  // a multi-byte character may be cut at the end of the sample: leave its bytes out
  let end = sample.length;
  if (!complete) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (sample[end - back - 1] & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && sample[end - back - 1] >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * Turns a stream of bytes in any of the encodings councils' files come in into a stream of text,
 * without a byte-order mark, looking only at the first 64 KB to decide: constant memory.
 */
export function decodeText(source: Readable): Readable {
  const out = new PassThrough({ readableObjectMode: false, encoding: 'utf8' });
  let held: Buffer[] = [];
  let heldBytes = 0;
  let decoder: NodeJS.ReadWriteStream | undefined;

  const start = (complete: boolean) => {
    const sample = Buffer.concat(held);
    const encoding = detectEncoding(sample, complete);
    const d =
      encoding === 'utf-8'
        ? iconv.decodeStream('utf8', { stripBOM: true })
        : encoding === 'utf-16le'
          ? iconv.decodeStream('utf16le', { stripBOM: true })
          : iconv.decodeStream('win1252');
    d.on('error', (err: Error) => out.destroy(err));
    d.pipe(out);
    d.write(sample);
    decoder = d;
    held = [];
  };

  source.on('data', (chunk: Buffer) => {
    if (decoder) {
      if (!decoder.write(chunk)) {
        source.pause();
        decoder.once('drain', () => source.resume());
      }
      return;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= SAMPLE_BYTES) start(false);
  });
  source.on('end', () => {
    if (!decoder) start(true);
    decoder?.end();
  });
  source.on('error', (err) => out.destroy(err));
  out.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return out;
}
