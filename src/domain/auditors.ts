/**
 * Who may audit what (domain brief §4). Any manager trained in auditing may be allocated full case
 * file audits; only auditors who have been trained **and** completed at least one full audit may do
 * dip samples. These are the only places the rules are written: allocation and the auditors page
 * both ask here.
 */

export interface AuditorRecord {
  /** the date they were trained in auditing, or null when they have not been */
  trainedOn: string | null;
  /** full case file audits they have completed: submitted in QA Loop or in the imported history */
  completedFullAudits: number;
}

/** Trained in auditing on or before the date (today when not given): may be allocated audits. */
export function isTrained(auditor: Pick<AuditorRecord, 'trainedOn'>, on?: string): boolean {
  return auditor.trainedOn !== null && (on === undefined || auditor.trainedOn <= on);
}

/** May do dip samples: trained, and at least one full audit completed. */
export function mayDoDipSamples(auditor: AuditorRecord, on?: string): boolean {
  return isTrained(auditor, on) && auditor.completedFullAudits >= 1;
}

/** Why an auditor may not do dip samples, in words for the QA lead; null when they may. */
export function dipSampleBar(auditor: AuditorRecord, on?: string): string | null {
  if (!isTrained(auditor, on)) return 'Not trained';
  if (auditor.completedFullAudits < 1) return 'No full audit completed yet';
  return null;
}
