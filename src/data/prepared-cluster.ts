/**
 * The empty embedded database as PGlite's initdb makes it, prepared once and kept beside this file,
 * so that a new data folder (a fresh clone's first `npm start`, `qaloop migrate` on a new folder)
 * starts from a copy rather than running initdb: initdb compiled to WebAssembly took 8 to 10 s of
 * processor time on a two-core machine, a copy well under one. It holds no table of QA Loop's (the
 * migrations run on it as on any new database), so it changes only with PGlite, and it is used only
 * when it was made by the PGlite installed; otherwise initdb runs as before.
 *
 *   node src/data/prepared-cluster.ts     # make it again (after upgrading PGlite)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

export const PREPARED_CLUSTER = join(import.meta.dirname, 'empty-cluster.tar.gz');
const PREPARED_WITH = join(import.meta.dirname, 'empty-cluster.json');

/** The version of the PGlite package installed. */
export function installedPgliteVersion(): string {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The PGlite version the prepared cluster was made by, or undefined when there is none. */
export function preparedClusterVersion(): string | undefined {
  if (!existsSync(PREPARED_CLUSTER) || !existsSync(PREPARED_WITH)) return undefined;
  return (JSON.parse(readFileSync(PREPARED_WITH, 'utf8')) as { pglite?: string }).pglite;
}

/** The prepared cluster (PGlite's dump, gzipped), when the installed PGlite made it. */
export function preparedCluster(): Uint8Array<ArrayBuffer> | undefined {
  if (preparedClusterVersion() !== installedPgliteVersion()) return undefined;
  return new Uint8Array(readFileSync(PREPARED_CLUSTER));
}

/**
 * Writes the prepared cluster's files into `pgdata`, which must hold no database (it is replaced). Done here
 * rather than by PGlite's own loader, which unpacks through the WebAssembly file system and took
 * several times as long. Returns false (having written nothing) when there is no prepared cluster
 * for the installed PGlite.
 */
export function unpackPreparedCluster(pgdata: string): boolean {
  const packed = preparedCluster();
  if (!packed) return false;
  // unpacked beside the folder and moved into place whole, so a start cut short leaves no half
  // database behind (the next start finds the folder empty and unpacks it again)
  const unpacking = `${pgdata}.unpacking`;
  rmSync(unpacking, { recursive: true, force: true });
  const tar = gunzipSync(packed);
  const files: [string, Buffer][] = [];
  const folders: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number) =>
      header
        .subarray(from, from + length)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const path = normalize(name.replace(/^\/+/, ''));
    if (path.startsWith('..') || path.includes(`${sep}..${sep}`)) throw new Error(`unsafe path ${name}`);
    if (type === '5') folders.push(path);
    else if (type === '0') files.push([path, tar.subarray(at + 512, at + 512 + size)]);
    else throw new Error(`the prepared cluster holds an entry of type ${type}, which is not read here`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  mkdirSync(unpacking, { recursive: true });
  for (const folder of folders) mkdirSync(join(unpacking, folder), { recursive: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(unpacking, path)), { recursive: true });
    writeFileSync(join(unpacking, path), content);
  }
  rmSync(pgdata, { recursive: true, force: true });
  renameSync(unpacking, pgdata);
  return true;
}

/** Makes the prepared cluster with the installed PGlite. */
export async function writePreparedCluster(): Promise<void> {
  const pglite = await PGlite.create();
  try {
    // everything initdb wrote goes into the data files, so the copy opens with no log to replay
    await pglite.exec('checkpoint');
    const dump = await pglite.dumpDataDir('gzip');
    writeFileSync(PREPARED_CLUSTER, Buffer.from(await dump.arrayBuffer()));
    writeFileSync(PREPARED_WITH, `${JSON.stringify({ pglite: installedPgliteVersion() }, null, 2)}\n`);
  } finally {
    await pglite.close();
  }
}

if (import.meta.main) {
  await writePreparedCluster();
  console.log(`Wrote ${PREPARED_CLUSTER} for PGlite ${installedPgliteVersion()}.`);
}
