import { basename } from 'node:path';
import type { Db } from '../data/db.ts';
import type { IsoDate } from '../domain/dates.ts';
import { formatDate } from '../domain/dates.ts';
import {
  applyServiceQaImport,
  previewServiceQaImport,
  ServiceQaImportRefusedError,
} from '../services/service-qa/entry-import.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * `qaloop import PATH --format service-qa`: services' QA activity from a spreadsheet. Prints each
 * row read and each row that cannot be read with its reason, then (unless `dryRun`) imports the
 * rows read, together. A file with no row that can be read is refused (ServiceQaImportRefusedError),
 * like a file that cannot be read at all (UnreadableFileError); nothing is then changed.
 */
export async function importServiceQaFile(
  db: Db,
  councilId: string,
  options: { path: string; json: boolean; dryRun: boolean; today: IsoDate },
): Promise<string> {
  const fileName = basename(options.path);
  const preview = await previewServiceQaImport(db, councilId, options.path, fileName, options.today);
  if (!preview.rows.length)
    throw new ServiceQaImportRefusedError(
      `No row of ${fileName} could be imported${preview.problems.length ? `:\n${preview.problems.map((p) => `  Row ${p.row}: ${p.message}`).join('\n')}` : ': it has no rows'}`,
    );
  const result = options.dryRun
    ? undefined
    : await applyServiceQaImport(db, councilId, options.path, fileName, {
        importedBy: null,
        today: options.today,
      });
  if (options.json)
    return JSON.stringify({
      format: 'service-qa',
      file: fileName,
      rows: preview.rows.map((r) => ({
        row: r.row,
        service: r.serviceName,
        themes: r.themeNames,
        ...r.input,
      })),
      problems: preview.problems,
      ignoredColumns: preview.ignoredColumns,
      applied: !!result,
      ...(result ? { importId: result.importId, entries: result.entries } : {}),
    });
  const lines = [
    `QA activity ${fileName}: ${plural(preview.rows.length, 'row', 'rows')} read, ${plural(preview.problems.length, 'row', 'rows')} not read.`,
  ];
  for (const r of preview.rows)
    lines.push(
      `  Row ${r.row}: ${r.serviceName}, ${formatDate(r.input.periodStart)} to ${formatDate(r.input.periodEnd)}: ${r.input.reviewed} (${r.input.reviewedCount})${r.themeNames.length ? `; themes: ${r.themeNames.join(', ')}` : ''}`,
    );
  if (preview.problems.length) {
    lines.push(`Not read (${preview.problems.length}):`);
    for (const p of preview.problems) lines.push(`  Row ${p.row}: ${p.message}`);
  }
  if (preview.ignoredColumns.length) lines.push(`Columns left out: ${preview.ignoredColumns.join(', ')}`);
  lines.push(
    result ? `Imported ${plural(result.entries, 'entry', 'entries')}.` : 'Nothing was changed (--dry-run).',
  );
  return lines.join('\n');
}
