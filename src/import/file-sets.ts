import { createReadStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { declareSizes, meteredStream, readBudget } from './read-limits.ts';
import { UnreadableFileError } from './types.ts';

/** One file of a folder or zip: its path inside it, and how to read it. */
export interface FileEntry {
  /** the path inside the folder or zip, with forward slashes */
  path: string;
  /** the file's own name, without folders */
  name: string;
  /** its size once uncompressed: for a zip's entry, what the zip's directory declares */
  size: number;
  /** what the import's limits count its bytes by (src/import/read-limits.ts) */
  key: string;
  /** its bytes, counted against the import's limits as they come (a zip's entry can hold more than it declared) */
  open(): Promise<Readable>;
}

export interface FileSet {
  kind: 'folder' | 'zip';
  entries: FileEntry[];
  close(): Promise<void>;
}

/** More files than any extract has: a zip holding more is refused rather than walked. */
const MAX_ENTRIES = 500;
/** Folders are looked into this deep (an extract zipped with its folder is one level down). */
const MAX_DEPTH = 3;

/** What a path is: a zip, a folder or a single file. Zips are told by their first bytes, not their name. */
export async function pathKind(path: string): Promise<'zip' | 'folder' | 'file' | 'missing'> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 'missing';
  if (info.isDirectory()) return 'folder';
  if (!info.isFile()) return 'missing';
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.readUInt32LE(0) === 0x04034b50 && !/\.xls[xm]$/i.test(path) ? 'zip' : 'file';
  } finally {
    await handle.close();
  }
}

/**
 * The files of a folder (looked into up to three levels, never following links out of it) or of a
 * zip. A zip whose entries name paths outside itself is refused whole; folders and hidden files
 * (`__MACOSX`, `.DS_Store`) are left out.
 */
export async function openFileSet(path: string, displayName = basename(path)): Promise<FileSet> {
  const kind = await pathKind(path);
  if (kind === 'folder') return openFolder(path);
  if (kind === 'zip') return openZip(path, displayName);
  if (kind === 'missing') throw new UnreadableFileError(`${displayName}: no such file or folder`);
  throw new UnreadableFileError(`${displayName} is neither a folder nor a zip`);
}

function hidden(path: string) {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

async function openFolder(root: string): Promise<FileSet> {
  const entries: FileEntry[] = [];
  const walk = async (dir: string, depth: number) => {
    for (const item of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, item.name);
      const path = relative(root, full).split(sep).join('/');
      if (hidden(path)) continue;
      if (item.isDirectory() && depth < MAX_DEPTH) await walk(full, depth + 1);
      else if (item.isFile()) {
        const info = await lstat(full);
        const key = full;
        entries.push({
          path,
          name: item.name,
          size: info.size,
          key,
          open: async () => {
            declareSizes([{ key, size: info.size }]);
            return meteredStream(createReadStream(full), key);
          },
        });
        if (entries.length > MAX_ENTRIES)
          throw new UnreadableFileError(`The folder holds more than ${MAX_ENTRIES} files`);
      }
    }
  };
  await walk(root, 1);
  entries.sort((a, b) => a.path.localeCompare(b.path));
  return { kind: 'folder', entries, close: async () => {} };
}

async function openZip(path: string, displayName: string): Promise<FileSet> {
  let zip: yauzl.ZipFile;
  try {
    // yauzl refuses entry names that are absolute or climb out with "..", and checks sizes
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch (err) {
    throw new UnreadableFileError(`${displayName} cannot be read as a zip: ${(err as Error).message}`);
  }
  const entries: FileEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName.replace(/\\/g, '/');
      if (name.endsWith('/') || hidden(name)) continue;
      if (entries.length >= MAX_ENTRIES)
        throw new UnreadableFileError(`${displayName} holds more than ${MAX_ENTRIES} files`);
      const key = `${path}!${name}`;
      entries.push({
        path: name,
        name: name.split('/').pop() ?? name,
        size: entry.uncompressedSize,
        key,
        // The declared size is counted before anything is inflated, and the bytes as they inflate.
        open: async () => {
          const budget = readBudget();
          budget?.countBytes(key, entry.uncompressedSize);
          return meteredStream(await zip.openReadStreamPromise(entry), key, budget);
        },
      });
    }
  } catch (err) {
    zip.close();
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`${displayName} cannot be read as a zip: ${(err as Error).message}`);
  }
  entries.sort((a, b) => a.path.localeCompare(b.path));
  return {
    kind: 'zip',
    entries,
    close: async () => zip.close(),
  };
}
