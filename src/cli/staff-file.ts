import { basename } from 'node:path';
import type { Db } from '../data/db.ts';
import { ROLE_LABELS, type Role } from '../domain/roles.ts';
import {
  applyStaffImport,
  CHANGED_FIELD_LABELS,
  discardStaffImport,
  type LeaverWithOpenWork,
  previewStaffFile,
  type StaffImportPreview,
  type StaffImportResult,
} from '../services/organisation/staff-import.ts';

/** `--strict` and some rows were refused: nothing was changed. */
export class StaffFileRefusedError extends Error {}

const roleList = (roles: readonly Role[]) =>
  roles.length ? roles.map((r) => ROLE_LABELS[r]).join(', ') : 'none';
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The preview as lines for a terminal: joiners, movers, leavers, role changes, new teams, rows refused. */
export function previewLines(preview: StaffImportPreview): string[] {
  const { plan } = preview;
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    if (!items.length) return;
    lines.push(`${title}:`);
    for (const i of items) lines.push(`  ${i}`);
  };
  lines.push(
    `Staff file ${preview.fileName} as of ${preview.asOf}: ${plural(preview.rowsRead, 'row', 'rows')} read, ${plural(preview.rowsRefused, 'row', 'rows')} refused.`,
  );
  section(
    `Joiners (${plan.joiners.length})`,
    plan.joiners.map((j) => `row ${j.row}: ${j.name} <${j.email}>, ${j.jobTitle}, ${j.team}`),
  );
  section(
    `Movers (${plan.movers.length})`,
    plan.movers.map(
      (m) =>
        `row ${m.row}: ${m.name}: ${m.changes.map((c) => `${CHANGED_FIELD_LABELS[c.field].toLowerCase()} ${c.before ?? 'none'} → ${c.after ?? 'none'}`).join('; ')}`,
    ),
  );
  section(
    `Leavers (${plan.leavers.length}): deactivated, their audits and history kept`,
    plan.leavers.map(
      (l) => `${l.row === null ? 'not in the file' : `row ${l.row}`}: ${l.name}, left ${l.leftOn}`,
    ),
  );
  section(
    `Leaving later (${plan.futureLeavers.length}): deactivated when the date passes`,
    plan.futureLeavers.map((l) => `row ${l.row}: ${l.name}, leaves ${l.leftOn}`),
  );
  section(
    `Role changes (${plan.roleChanges.length})`,
    plan.roleChanges.map((r) => `row ${r.row}: ${r.name}: ${roleList(r.before)} → ${roleList(r.after)}`),
  );
  section(
    `New teams (${plan.newTeams.length})`,
    plan.newTeams.map((t) => `${t.name} (service area: ${t.serviceArea})`),
  );
  section(
    `Not added (${plan.notAdded.length}): their leaving date has passed`,
    plan.notAdded.map((n) => `row ${n.row}: ${n.name}`),
  );
  section(
    `Left deactivated (${plan.stillDeactivated.length}): an administrator can enable them`,
    plan.stillDeactivated.map((n) => `row ${n.row}: ${n.name}`),
  );
  section(
    `Rows refused (${preview.rowsRefused})`,
    preview.errors.map(
      (e) => `${e.sheet ? `sheet ${e.sheet}, ` : ''}row ${e.row}, column ${e.column}: ${e.message}`,
    ),
  );
  lines.push(
    `Unchanged: ${plural(plan.unchanged, 'person', 'people')} in the file; not in this file: ${plural(plan.notInFile, 'person', 'people')}, unchanged.`,
  );
  return lines;
}

function openWorkLines(leavers: readonly LeaverWithOpenWork[]): string[] {
  if (!leavers.length) return [];
  const lines = ['Leavers with open work to give to someone else (Imports page in QA Loop):'];
  for (const l of leavers)
    lines.push(
      `  ${l.name}: ${plural(l.audits.length, 'audit', 'audits')} not submitted, ${plural(l.actions.length, 'action', 'actions')} open, ${plural(l.moderations.length, 'moderation', 'moderations')} to do`,
    );
  return lines;
}

/**
 * `qaloop import PATH --format staff`: previews the staff file and, unless `dryRun`, applies it at
 * once (the command line has no confirm step). With `strict`, any refused row refuses the whole
 * file and nothing changes. Returns what to print.
 */
export async function importStaffFile(
  db: Db,
  councilId: string,
  options: { path: string; asOf: string; json: boolean; dryRun: boolean; strict: boolean },
): Promise<string> {
  const preview = await previewStaffFile(db, councilId, options.path, {
    fileName: basename(options.path),
    asOf: options.asOf,
    uploadedBy: null,
    source: 'command_line',
  });
  const refused = options.strict && preview.rowsRefused > 0;
  let result: StaffImportResult | undefined;
  if (refused || options.dryRun) await discardStaffImport(db, councilId, preview.importId, null);
  else
    result = await applyStaffImport(db, councilId, preview.importId, {
      decidedBy: null,
      source: 'command_line',
    });
  const { updates: _updates, ...plan } = preview.plan;
  if (options.json) {
    const out = JSON.stringify({
      format: 'staff',
      asOf: preview.asOf,
      rowsRead: preview.rowsRead,
      rowsRefused: preview.rowsRefused,
      errors: preview.errors,
      plan,
      applied: !!result,
      ...(result ? { result } : {}),
    });
    if (refused) throw new StaffFileRefusedError(out);
    return out;
  }
  const lines = previewLines(preview);
  if (refused) {
    lines.push(
      `Nothing was changed: ${plural(preview.rowsRefused, 'row is', 'rows are')} refused (--strict).`,
    );
    throw new StaffFileRefusedError(lines.join('\n'));
  }
  if (!result) lines.push('Nothing was changed (--dry-run).');
  else {
    lines.push(
      `Applied: ${plural(result.joiners, 'joiner', 'joiners')}, ${plural(result.movers, 'mover', 'movers')}, ${plural(result.leavers, 'leaver', 'leavers')} deactivated, ${plural(result.newTeams, 'new team', 'new teams')}; roles granted ${result.roles.granted}, waiting for a QA lead ${result.roles.pending}, removed ${result.roles.removed}.`,
    );
    lines.push(...openWorkLines(result.leaversWithOpenWork));
  }
  return lines.join('\n');
}
