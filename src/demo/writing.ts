/**
 * The demo council's language figures: audits the demo wrote without submitting them through the
 * form (its history) are counted like any audit submitted before counting existed, so the
 * "Language in audit write-ups" report and each auditor's own picture have figures.
 */
import type { Db } from '../data/db.ts';
import { countLanguageOfUncountedAudits } from '../services/audits/writing-suggestions.ts';

export async function countDemoLanguage(db: Db): Promise<number> {
  return countLanguageOfUncountedAudits(db);
}
