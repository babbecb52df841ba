/**
 * Independent reviewing officers (for children looked after) and child protection advisers (who
 * chair conferences for children on a plan). Their footprint on a child's file is dip sampled and
 * the dip sample allocated to their service manager.
 */
export const REVIEWING_OFFICER_KINDS = ['iro', 'cp_adviser'] as const;
export type ReviewingOfficerKind = (typeof REVIEWING_OFFICER_KINDS)[number];

export const REVIEWING_OFFICER_LABELS: Record<ReviewingOfficerKind, string> = {
  iro: 'Independent reviewing officer',
  cp_adviser: 'Child protection adviser',
};

/** The footprint a dip sample looks at, as the sample's form offers it. */
export const FOOTPRINT_LABELS: Record<ReviewingOfficerKind, string> = {
  iro: 'IRO footprint (children looked after)',
  cp_adviser: 'CP adviser footprint (children on a child protection plan)',
};

export function isReviewingOfficerKind(value: unknown): value is ReviewingOfficerKind {
  return typeof value === 'string' && (REVIEWING_OFFICER_KINDS as readonly string[]).includes(value);
}

/**
 * The kind of reviewing officer a worker role in the extract names ("Independent Reviewing
 * Officer", "IRO", "CP Chair", "Child Protection Adviser", "Conference Chair"), or null for any
 * other role (an allocated worker).
 */
export function reviewingOfficerKindOfRole(role: string | null | undefined): ReviewingOfficerKind | null {
  const text = (role ?? '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
  if (!text) return null;
  if (/\biro\b/.test(text) || text.includes('independent reviewing')) return 'iro';
  if (/\bcpa\b/.test(text) || /\bcp (adviser|advisor|chair)\b/.test(text)) return 'cp_adviser';
  if (text.includes('child protection') && /\b(adviser|advisor|chair)\b/.test(text)) return 'cp_adviser';
  if (text.includes('conference chair')) return 'cp_adviser';
  return null;
}
