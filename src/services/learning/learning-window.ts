import type { Db } from '../../data/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { getPhaseLengths } from '../programme/cycles.ts';

export const MIN_WINDOW_MONTHS = 1;
export const MAX_WINDOW_MONTHS = 24;

/**
 * Saves how many months either side of the learning the Closing the loop comparison looks, from
 * 1 to 24 (ValidationError, field `windowMonths`: nothing saved).
 */
export async function setLearningWindow(db: Db, councilId: string, input: unknown): Promise<number> {
  const text = typeof input === 'string' ? input.trim() : '';
  const between = `Enter the number of months, from ${MIN_WINDOW_MONTHS} to ${MAX_WINDOW_MONTHS}`;
  if (text === '') throw new ValidationError([{ field: 'windowMonths', message: between }]);
  if (!/^\d+$/.test(text))
    throw new ValidationError([
      { field: 'windowMonths', message: 'Enter the number of months as a whole number, like 6' },
    ]);
  const months = Number(text);
  if (months < MIN_WINDOW_MONTHS || months > MAX_WINDOW_MONTHS)
    throw new ValidationError([{ field: 'windowMonths', message: between }]);
  const phaseLengths = JSON.stringify(await getPhaseLengths(db, councilId));
  await db
    .insertInto('council_settings')
    .values({ council_id: councilId, phase_lengths: phaseLengths, learning_window_months: months })
    .onConflict((oc) =>
      oc.column('council_id').doUpdateSet({ learning_window_months: months, updated_at: new Date() }),
    )
    .execute();
  return months;
}
