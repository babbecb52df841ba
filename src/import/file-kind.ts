import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { UnreadableFileError } from './types.ts';

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * Whether an uploaded table is an Excel workbook or CSV, told by its name and its first bytes; a
 * file that is neither (an old .xls, a "workbook" that is not one, a folder) is refused with words
 * a person can act on. `file` is the name the person knows it by.
 */
export async function fileKind(
  path: string,
  file: string,
  options: { refuseEmpty?: boolean } = {},
): Promise<'csv' | 'workbook'> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UnreadableFileError(`${file}: no such file`);
  if (!info.isFile()) throw new UnreadableFileError(`${file} is a folder, not a file`);
  if (options.refuseEmpty && info.size === 0)
    throw new UnreadableFileError(`${file} is empty: it has no header row`);
  const extension = (extname(file) || extname(path)).toLowerCase();
  if (extension === '.xls')
    throw new UnreadableFileError(
      `${file} is an old-style Excel file (.xls): open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV`,
    );
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const bytes = Buffer.alloc(4);
    const { bytesRead } = await handle.read(bytes, 0, 4, 0);
    head = bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.equals(ZIP)) return 'workbook';
  if (extension === '.xlsx' || extension === '.xlsm')
    throw new UnreadableFileError(
      `${file} is not an Excel workbook, though its name ends ${extension}: if it is a CSV file, name it .csv; otherwise open it in Excel and save it as an Excel Workbook (.xlsx)`,
    );
  return 'csv';
}
