import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { validateTheme } from '../../domain/practice-themes.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';

export async function listPracticeThemes(
  db: Db,
  councilId: string,
  options: { includeRetired?: boolean } = {},
) {
  let q = db
    .selectFrom('practice_themes')
    .select(['id', 'key', 'name', 'description', 'active'])
    .where('council_id', '=', councilId);
  if (!options.includeRetired) q = q.where('active', '=', true);
  return q.orderBy('active', 'desc').orderBy('name').execute();
}

/** Adds a theme, or renames/redescribes one; names are unique in the council whatever their case. */
export async function savePracticeTheme(db: Db, councilId: string, input: unknown, themeId?: string) {
  return inTransaction(db, async (trx) => {
    const all = await listPracticeThemes(trx, councilId, { includeRetired: true });
    if (themeId && !all.some((t) => t.id === themeId)) throw new NotFoundError('practice theme');
    const checked = validateTheme(
      input,
      all.filter((t) => t.id !== themeId).map((t) => t.name),
    );
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { name, description } = checked.value;
    if (themeId) {
      await trx.updateTable('practice_themes').set({ name, description }).where('id', '=', themeId).execute();
      return themeId;
    }
    let key = checked.value.key;
    while (all.some((t) => t.key === key)) key = `${key}_2`;
    const row = await trx
      .insertInto('practice_themes')
      .values({ council_id: councilId, key, name, description })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** Retires a theme (kept for past findings, no longer offered) or brings it back. */
export async function setPracticeThemeActive(db: Db, councilId: string, themeId: string, active: boolean) {
  const result = await db
    .updateTable('practice_themes')
    .set({ active })
    .where('id', '=', themeId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('practice theme');
}
