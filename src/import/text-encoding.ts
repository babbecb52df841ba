import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { UnreadableFileError } from './types.ts';

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

/** What a reader is told about a file's text, and how its place is named in a refusal. */
export interface DecodeOptions {
  /** the file's name as a person knows it, for the refusal of a file that is not what it seemed */
  file?: string;
  /** called once, when the encoding has been decided */
  onEncoding?: (encoding: TextEncodingName) => void;
}

/** What a person is told when a file is read as Windows-1252. */
export function windows1252Notice(file: string): string {
  return `${file} was read as Windows-1252 (it is not UTF-8): check that names with accents, like Zoë or José, look right. To be sure, save it from Excel as "CSV UTF-8 (Comma delimited)" and import it again.`;
}

/**
 * Where the first byte that is not UTF-8 is, from `from`: the start of a sequence no UTF-8 text
 * holds (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut short),
 * or -1 when all of it is UTF-8. As the WHATWG decoder reads it, so it agrees with TextDecoder.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = bytes[i + k];
      if (d === undefined || d < lo || d > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end of `bytes` start a UTF-8 character the next chunk may finish. */
function unfinishedTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const c = bytes[bytes.length - back];
    if ((c & 0xc0) === 0x80) continue;
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** An `onEncoding` that gives `notice` the notice for `file` when it is read as Windows-1252. */
export function tellWindows1252(file: string, notice: (message: string) => void) {
  return (encoding: TextEncodingName) => {
    if (encoding === 'windows-1252') notice(windows1252Notice(file));
  };
}

const count = (n: number) => n.toLocaleString('en-GB');

/**
 * UTF-8 text from bytes, refusing (UnreadableFileError) at the first byte that is not UTF-8, with
 * its place, once a character above ASCII has been read as UTF-8: such a byte would otherwise
 * become U+FFFD (�) in a name without a word. Until then the file may still be Windows-1252, and
 * is read as that from the first byte that is not UTF-8. The line is counted from the newline bytes
 * before it (in UTF-8 a newline byte is only ever a newline).
 */
class StrictUtf8 extends Transform {
  readonly #file: string;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  #carry: Buffer = Buffer.alloc(0);
  #offset = 0;
  #lines = 0;
  /** whether any byte above ASCII has been read as UTF-8 yet */
  #sawNonAscii = false;
  /**
   * Set when the first byte above ASCII is not UTF-8: everything before was ASCII, which reads the
   * same in Windows-1252, so the file was Windows-1252 all along (Excel's usual CSV, with its first
   * accented name after the first 64 KB). The rest is read as that.
   */
  #windows1252: ReturnType<typeof iconv.getDecoder> | undefined;
  readonly #onWindows1252: () => void;

  constructor(file: string, onWindows1252: () => void = () => {}) {
    super({ decodeStrings: true, encoding: 'utf8' });
    this.#file = file;
    this.#onWindows1252 = onWindows1252;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    if (this.#windows1252) {
      this.#carry = Buffer.alloc(0);
      done(null, this.#windows1252.write(data));
      return;
    }
    const end = data.length - unfinishedTail(data);
    this.#carry = Buffer.from(data.subarray(end));
    this.#pass(data.subarray(0, end), done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.#carry.length) done();
    else if (this.#windows1252) done(null, this.#windows1252.write(this.#carry));
    else this.#pass(this.#carry, done, true);
  }

  #pass(bytes: Buffer, done: TransformCallback, last = false): void {
    let text: string;
    try {
      text = this.#decoder.decode(bytes, { stream: !last });
    } catch {
      const at = Math.max(0, firstInvalidUtf8(bytes));
      if (this.#sawNonAscii || bytes.subarray(0, at).some((b) => b >= 0x80)) {
        done(this.#refusal(bytes, at));
        return;
      }
      this.#windows1252 = iconv.getDecoder('win1252');
      this.#onWindows1252();
      done(null, bytes.subarray(0, at).toString('latin1') + this.#windows1252.write(bytes.subarray(at)));
      return;
    }
    if (!this.#sawNonAscii && bytes.some((b) => b >= 0x80)) this.#sawNonAscii = true;
    for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) this.#lines++;
    this.#offset += bytes.length;
    done(null, text);
  }

  #refusal(bytes: Buffer, at: number): UnreadableFileError {
    let lines = this.#lines;
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < at; i = bytes.indexOf(0x0a, i + 1)) lines++;
    const byte = bytes[at] ?? 0;
    return new UnreadableFileError(
      `${this.#file} cannot be read: it starts as UTF-8 but byte ${count(this.#offset + at + 1)} (on line ${count(lines + 1)}, 0x${byte.toString(16).toUpperCase().padStart(2, '0')}) is not UTF-8, so the text after it would be read wrong. The file may mix two encodings: save it from Excel as "CSV UTF-8 (Comma delimited)", or correct that line, and import it again.`,
    );
  }
}

/**
 * Turns a stream of bytes in any of the encodings councils' files come in into a stream of text,
 * without a byte-order mark, looking only at the first 64 KB to decide: constant memory. A file
 * whose first 64 KB are UTF-8 is read as UTF-8 to its end; if a later byte is not UTF-8, the file
 * is read as Windows-1252 from there when everything before was plain ASCII (which reads the same in
 * both), and refused with the byte's place otherwise (it would be read two ways). A file read as
 * Windows-1252 is told to `onEncoding`, so the person can be told.
 */
export function decodeText(source: Readable, options: DecodeOptions = {}): Readable {
  const out = new PassThrough({ readableObjectMode: false, encoding: 'utf8' });
  let held: Buffer[] = [];
  let heldBytes = 0;
  let decoder: NodeJS.ReadWriteStream | undefined;

  const start = (complete: boolean) => {
    const sample = Buffer.concat(held);
    const encoding = detectEncoding(sample, complete);
    options.onEncoding?.(encoding);
    const d: NodeJS.ReadWriteStream =
      encoding === 'utf-8'
        ? new StrictUtf8(options.file ?? 'The file', () => options.onEncoding?.('windows-1252'))
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
