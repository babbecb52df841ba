import type { Db } from '../../data/db.ts';
import {
  getAfterSubmissionSettings,
  type SeniorLeaderChoice,
  saveEscalationDirector,
  seniorLeaderChoices,
} from '../audits/reaudits.ts';
import { getPhaseLengths, listClosureDays } from '../programme/cycles.ts';
import { getTrainingPeriods } from '../sampling/training.ts';

/**
 * The council's settings page: its phase lengths and closure days, when audits are re-audited,
 * and who may be chosen to receive escalations as the Assistant Director for quality assurance.
 */
export async function councilSettingsPage(db: Db, councilId: string) {
  return {
    lengths: await getPhaseLengths(db, councilId),
    after: await getAfterSubmissionSettings(db, councilId),
    closures: await listClosureDays(db, councilId),
    directors: await seniorLeaderChoices(db, councilId),
    /** auditor training: months until a refresher, months a new manager has to be trained */
    training: await getTrainingPeriods(db, councilId),
  };
}

/**
 * Saves who receives every escalation as the Assistant Director for quality assurance; returns the
 * person chosen, or undefined when they are to be found by job title (ValidationError: nothing saved).
 */
export async function chooseEscalationDirector(
  db: Db,
  councilId: string,
  input: { escalationDirectorId: string },
): Promise<SeniorLeaderChoice | undefined> {
  const id = await saveEscalationDirector(db, councilId, input);
  return id ? (await seniorLeaderChoices(db, councilId)).find((c) => c.id === id) : undefined;
}
