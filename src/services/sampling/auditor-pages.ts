import type { Db } from '../../data/db.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { currentCycle, listReturnCycles } from '../../metrics/returns.ts';
import { type AuditorSettingsInput, getAuditor, listAuditors, updateAuditorSettings } from './auditors.ts';
import { managersNotTrainedInTime } from './training.ts';

/** What the auditors pages show: everyone who audits this cycle, and one auditor's training and capacity. */

/** The auditors with what they have this cycle, and how many are trained, may do dip samples, can take. */
export async function auditorsPage(db: Db, councilId: string, today: IsoDate) {
  const cycle = currentCycle(await listReturnCycles(db, councilId), today);
  const auditors = await listAuditors(db, councilId, { monthId: cycle?.id, today });
  return {
    cycle,
    auditors,
    /** managers not trained within the council's new-manager period, with team and start date */
    notTrainedInTime: await managersNotTrainedInTime(db, councilId, today),
    counts: {
      trained: auditors.filter((a) => a.trained).length,
      dipSamples: auditors.filter((a) => a.mayDoDipSamples).length,
      capacity: auditors.filter((a) => a.trained).reduce((n, a) => n + a.capacity, 0),
    },
  };
}

/** A member of the council's active staff as an auditor, to record their training and capacity. */
export async function auditorToEdit(db: Db, councilId: string, staffId: string) {
  const auditor = await getAuditor(db, councilId, staffId);
  if (!auditor) throw new NotFoundError('auditor');
  return auditor;
}

/** Records their training and capacity; returns their name and the training date saved. */
export async function saveAuditorSettings(
  db: Db,
  councilId: string,
  staffId: string,
  input: AuditorSettingsInput,
  today: IsoDate,
) {
  const saved = await updateAuditorSettings(db, councilId, staffId, input, today);
  const auditor = await getAuditor(db, councilId, staffId);
  return { name: auditor?.name ?? null, trainedOn: saved.trainedOn };
}
