import { basename } from 'node:path';
import type { Db } from '../data/db.ts';
import { ragLabel } from '../domain/improvement-plan.ts';
import {
  applyPlanImport,
  discardPlanImport,
  outcomeRatings,
  type PlanImportPreview,
  type PlanImportResult,
  previewPlanImport,
  ratingTargets,
} from '../services/improvement/plan-import.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What was read, as lines for a terminal: each area and its outcomes with their ratings in words. */
export function planPreviewLines(preview: PlanImportPreview): string[] {
  const targets = ratingTargets(preview.columns);
  const lines = [
    `Improvement plan ${preview.fileName}: ${plural(preview.counts.areas, 'area', 'areas')}, ${plural(preview.counts.outcomes, 'outcome', 'outcomes')}, ${plural(preview.counts.ratings, 'rating', 'ratings')} read.`,
  ];
  if (preview.plan.title) lines.push(`Title: ${preview.plan.title}`);
  lines.push(`Rating columns: ${targets.map((t) => t.name).join(', ') || 'none read'}`);
  for (const area of preview.plan.areas) {
    lines.push(`${area.number} ${area.title}`);
    if (area.wantToSee.length)
      lines.push(`  What do we want to see? ${plural(area.wantToSee.length, 'item', 'items')}`);
    if (area.needsToChange.length)
      lines.push(`  What needs to change? ${plural(area.needsToChange.length, 'item', 'items')}`);
    for (const o of area.outcomes) {
      const rated = outcomeRatings(o.ratings, preview.columns);
      const ratings = targets.map((t) => `${t.name} ${ragLabel(rated.get(t.localityId ?? '') ?? null)}`);
      lines.push(
        `  ${o.ref} ${o.outcome}${o.lead ? ` (lead: ${o.lead})` : ''}${ratings.length ? `: ${ratings.join(', ')}` : ''}`,
      );
    }
  }
  if (preview.problems.length) {
    lines.push(`Not read (${preview.problems.length}):`);
    for (const p of preview.problems) lines.push(`  ${p.where}: ${p.message}`);
  }
  return lines;
}

/**
 * `qaloop import PATH --format plan`: reads the improvement plan and, unless `dryRun`, saves it at
 * once as the council's current plan (the one before it archived). Returns what to print. A file
 * that is not a plan is refused (UnreadableFileError) before anything is kept.
 */
export async function importPlanFile(
  db: Db,
  councilId: string,
  options: { path: string; json: boolean; dryRun: boolean },
): Promise<string> {
  const preview = await previewPlanImport(db, councilId, options.path, {
    fileName: basename(options.path),
    uploadedBy: null,
  });
  let result: PlanImportResult | undefined;
  if (options.dryRun) await discardPlanImport(db, councilId, preview.id);
  else result = await applyPlanImport(db, councilId, preview.id, null);
  if (options.json)
    return JSON.stringify({
      format: 'plan',
      file: preview.fileName,
      title: preview.plan.title ?? null,
      areas: preview.plan.areas,
      columns: preview.columns,
      problems: preview.problems,
      counts: preview.counts,
      applied: !!result,
      ...(result ? { result } : {}),
    });
  const lines = planPreviewLines(preview);
  if (!result) lines.push('Nothing was changed (--dry-run).');
  else
    lines.push(
      `Saved as the council’s improvement plan: ${plural(result.areas, 'area', 'areas')}, ${plural(result.outcomes, 'outcome', 'outcomes')}, ${plural(result.ratings, 'rating', 'ratings')}.${result.archivedPlanId ? ' The plan before it is archived.' : ''}`,
    );
  return lines.join('\n');
}
