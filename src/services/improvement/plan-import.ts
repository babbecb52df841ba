import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { formatDate, todayInLondon } from '../../domain/dates.ts';
import type { RagRating } from '../../domain/improvement-plan.ts';
import { NotFoundError } from '../../domain/validation.ts';
import {
  isOverallColumn,
  type PlanFileFormat,
  type ReadPlan,
  type ReadProblem,
  readImprovementPlan,
} from '../../import/improvement-plan.ts';

/**
 * The council's improvement plan imported from the Word document or spreadsheet it already keeps
 * (issue 18): read and kept as a preview, with the rating columns matched to the council's
 * localities and the rows that could not be read; then saved as the council's current plan (the
 * one before it archived, never deleted) or discarded.
 */

/** A preview that can no longer be saved or discarded, or that belongs to no one here. */
export class PlanImportRefusedError extends Error {}

/** A rating column of the file and what it is in QA Loop: a locality, the overall rating, or nothing. */
export interface PlanColumnMatch {
  column: string;
  /** the locality's id; null for the overall rating and for a column that matched nothing */
  localityId: string | null;
  /** the locality's name, "Overall", or null when the column matched nothing */
  name: string | null;
}

/** What `plan_imports.read` holds. */
interface StoredRead {
  plan: ReadPlan;
  columns: PlanColumnMatch[];
}

export interface PlanImportPreview {
  id: string;
  fileName: string;
  format: PlanFileFormat;
  status: 'preview' | 'applied' | 'discarded';
  createdAt: Date;
  uploadedByName: string | null;
  decidedAt: Date | null;
  planId: string | null;
  plan: ReadPlan;
  columns: PlanColumnMatch[];
  problems: ReadProblem[];
  /** the plan that saving this one would archive */
  currentPlan: { id: string; title: string } | null;
  counts: { areas: number; outcomes: number; ratings: number };
}

/** A locality's name with case and spacing ignored. */
const nameKey = (name: string) => name.toLowerCase().replace(/\s+/g, '');

const wordList = (names: readonly string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * Matches each rating column to a locality of the council, or the overall rating. Several columns
 * may be the same rating (one area's table says "RAG", another's "Overall"): an outcome's first
 * rating for each is the one read.
 */
export function matchColumns(
  columns: readonly string[],
  localities: readonly { id: string; name: string }[],
): { columns: PlanColumnMatch[]; problems: ReadProblem[] } {
  const byName = new Map(localities.map((l) => [nameKey(l.name), l]));
  const matched: PlanColumnMatch[] = [];
  const problems: ReadProblem[] = [];
  const names = localities.map((l) => l.name).sort((a, b) => a.localeCompare(b, 'en-GB'));
  for (const column of columns) {
    const locality = byName.get(nameKey(column));
    const target = locality
      ? { localityId: locality.id, name: locality.name }
      : isOverallColumn(column)
        ? { localityId: null, name: 'Overall' }
        : undefined;
    if (!target) {
      matched.push({ column, localityId: null, name: null });
      problems.push({
        where: `The column “${column}”`,
        message: names.length
          ? `No locality of the council is called “${column}”, so its ratings are left out. The council’s localities are ${wordList(names)}: rename the column to one of them (or to Overall) and import the plan again.`
          : `The council has no localities in QA Loop, so the ratings in “${column}” are left out: only an Overall or RAG column is read.`,
      });
      continue;
    }
    matched.push({ column, ...target });
  }
  return { columns: matched, problems };
}

/**
 * An outcome's ratings by locality id ('' for overall): the first rating read for each from the
 * columns matched, in the file's order.
 */
export function outcomeRatings(
  ratings: readonly { column: string; rag: RagRating | null }[],
  columns: readonly PlanColumnMatch[],
): Map<string, RagRating> {
  const target = new Map(columns.filter((c) => c.name !== null).map((c) => [c.column, c.localityId ?? '']));
  const out = new Map<string, RagRating>();
  for (const r of ratings) {
    const key = target.get(r.column);
    if (key === undefined || r.rag === null || out.has(key)) continue;
    out.set(key, r.rag);
  }
  return out;
}

/** The ratings a preview shows: each locality matched, in the file's order, then Overall. */
export function ratingTargets(
  columns: readonly PlanColumnMatch[],
): { localityId: string | null; name: string }[] {
  const seen = new Map<string, { localityId: string | null; name: string }>();
  for (const c of columns)
    if (c.name !== null && c.localityId !== null && !seen.has(c.localityId))
      seen.set(c.localityId, { localityId: c.localityId, name: c.name });
  const targets = [...seen.values()];
  if (columns.some((c) => c.name !== null && c.localityId === null))
    targets.push({ localityId: null, name: 'Overall' });
  return targets;
}

function countsOf(plan: ReadPlan, columns: readonly PlanColumnMatch[]) {
  let outcomes = 0;
  let ratings = 0;
  for (const area of plan.areas)
    for (const o of area.outcomes) {
      outcomes++;
      ratings += outcomeRatings(o.ratings, columns).size;
    }
  return { areas: plan.areas.length, outcomes, ratings };
}

/**
 * Reads a plan from a file and keeps what was read as a preview to confirm. A file that cannot be
 * read as a plan at all is refused (UnreadableFileError) and nothing is kept.
 */
export async function previewPlanImport(
  db: Db,
  councilId: string,
  filePath: string,
  options: { fileName: string; uploadedBy: string | null },
): Promise<PlanImportPreview> {
  const { format, plan } = await readImprovementPlan(filePath, options.fileName);
  const localities = await db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .execute();
  const { columns, problems } = matchColumns(plan.columns, localities);
  const stored: StoredRead = { plan, columns };
  const row = await db
    .insertInto('plan_imports')
    .values({
      council_id: councilId,
      file_name: options.fileName.slice(0, 255),
      format,
      read: JSON.stringify(stored),
      problems: JSON.stringify([...problems, ...plan.problems]),
      uploaded_by: options.uploadedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return getPlanImport(db, councilId, row.id);
}

/** A kept preview of the council's, with the plan saving it would archive. */
export async function getPlanImport(
  db: Db,
  councilId: string,
  planImportId: string,
): Promise<PlanImportPreview> {
  const row = await db
    .selectFrom('plan_imports as i')
    .leftJoin('staff as s', 's.id', 'i.uploaded_by')
    .selectAll('i')
    .select('s.name as uploaded_by_name')
    .where('i.id', '=', planImportId)
    .where('i.council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('plan import');
  const current = await db
    .selectFrom('improvement_plans')
    .select(['id', 'title'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
  const stored = row.read as StoredRead;
  return {
    id: row.id,
    fileName: row.file_name,
    format: row.format,
    status: row.status,
    createdAt: row.created_at,
    uploadedByName: row.uploaded_by_name ?? null,
    decidedAt: row.decided_at,
    planId: row.plan_id,
    plan: stored.plan,
    columns: stored.columns,
    problems: row.problems as ReadProblem[],
    currentPlan: current ?? null,
    counts: countsOf(stored.plan, stored.columns),
  };
}

/** The latest previews of the council, newest first. */
export async function recentPlanImports(db: Db, councilId: string, limit = 10) {
  return db
    .selectFrom('plan_imports as i')
    .leftJoin('staff as s', 's.id', 'i.uploaded_by')
    .select([
      'i.id',
      'i.file_name as fileName',
      'i.status',
      'i.created_at as createdAt',
      's.name as uploadedBy',
    ])
    .where('i.council_id', '=', councilId)
    .orderBy('i.created_at', 'desc')
    .limit(limit)
    .execute();
}

export interface PlanImportResult {
  planId: string;
  archivedPlanId: string | null;
  areas: number;
  outcomes: number;
  ratings: number;
}

/** The title a plan is saved under: the document's own, or the file's name without its ending. */
const titleOf = (plan: ReadPlan, fileName: string) =>
  (plan.title?.trim() || fileName.replace(/\.[a-z0-9]+$/i, '').trim() || 'Improvement plan').slice(0, 200);

/**
 * Saves a preview as the council's current plan, in one transaction: the current plan (if any)
 * archived, the new one written with its areas, outcomes and the ratings read (kept as ratings
 * from the import), and the preview marked applied. Refused, with nothing changed, when the
 * preview was saved or discarded already; another council's preview is not found.
 */
export async function applyPlanImport(
  db: Db,
  councilId: string,
  planImportId: string,
  person: { staffId: string | null } | null,
): Promise<PlanImportResult> {
  const by = person?.staffId ?? null;
  return inTransaction(db, async (trx) => {
    const kept = await trx
      .selectFrom('plan_imports')
      .selectAll()
      .where('id', '=', planImportId)
      .where('council_id', '=', councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!kept) throw new NotFoundError('plan import');
    if (kept.status === 'applied') throw new PlanImportRefusedError('This plan has already been saved.');
    if (kept.status === 'discarded')
      throw new PlanImportRefusedError('This plan was discarded: upload the file again to save it.');
    const { plan, columns } = kept.read as StoredRead;
    const now = new Date();
    const archived = await trx
      .updateTable('improvement_plans')
      .set({ status: 'archived' })
      .where('council_id', '=', councilId)
      .where('status', '=', 'current')
      .returning('id')
      .executeTakeFirst();
    const source = `Imported from ${kept.file_name} on ${formatDate(todayInLondon(now))}`;
    const saved = await trx
      .insertInto('improvement_plans')
      .values({ council_id: councilId, title: titleOf(plan, kept.file_name), source, created_by: by })
      .returning('id')
      .executeTakeFirstOrThrow();
    let outcomes = 0;
    const ratings: {
      council_id: string;
      outcome_id: string;
      locality_id: string | null;
      rag: RagRating;
      source: 'import';
      set_by: string | null;
      set_at: Date;
    }[] = [];
    for (const [position, area] of plan.areas.entries()) {
      const { id: areaId } = await trx
        .insertInto('plan_areas')
        .values({
          council_id: councilId,
          plan_id: saved.id,
          number: area.number,
          title: area.title,
          want_to_see: area.wantToSee.join('\n'),
          needs_to_change: area.needsToChange.join('\n'),
          position,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (!area.outcomes.length) continue;
      const inserted = await trx
        .insertInto('plan_outcomes')
        .values(
          area.outcomes.map((o, i) => ({
            council_id: councilId,
            plan_id: saved.id,
            area_id: areaId,
            ref: o.ref,
            outcome: o.outcome,
            lead: o.lead,
            position: i,
          })),
        )
        .returning(['id', 'ref'])
        .execute();
      const idOf = new Map(inserted.map((o) => [o.ref, o.id]));
      outcomes += inserted.length;
      for (const o of area.outcomes)
        for (const [locality, rag] of outcomeRatings(o.ratings, columns)) {
          ratings.push({
            council_id: councilId,
            outcome_id: idOf.get(o.ref) as string,
            locality_id: locality || null,
            rag,
            source: 'import',
            set_by: by,
            set_at: now,
          });
        }
    }
    if (ratings.length) await trx.insertInto('plan_ratings').values(ratings).execute();
    await trx
      .updateTable('plan_imports')
      .set({ status: 'applied', plan_id: saved.id, decided_at: now })
      .where('id', '=', planImportId)
      .execute();
    return {
      planId: saved.id,
      archivedPlanId: archived?.id ?? null,
      areas: plan.areas.length,
      outcomes,
      ratings: ratings.length,
    };
  });
}

/** Marks a preview discarded: it can no longer be saved. */
export async function discardPlanImport(db: Db, councilId: string, planImportId: string): Promise<void> {
  const result = await db
    .updateTable('plan_imports')
    .set({ status: 'discarded', decided_at: new Date() })
    .where('id', '=', planImportId)
    .where('council_id', '=', councilId)
    .where('status', '=', 'preview')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return;
  const found = await db
    .selectFrom('plan_imports')
    .select('status')
    .where('id', '=', planImportId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!found) throw new NotFoundError('plan import');
  throw new PlanImportRefusedError(
    found.status === 'applied' ? 'This plan has already been saved.' : 'This plan was discarded already.',
  );
}
