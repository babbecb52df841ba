/**
 * Small-number suppression for anything a scrutiny reader can open: counts from 1 to 4 could
 * identify a child, so they are shown as "fewer than 5". Zero is shown as zero.
 */
export const SUPPRESSION_THRESHOLD = 5;

export type Suppressed = { value: number; suppressed: false } | { value: null; suppressed: true };

export function suppress(count: number): Suppressed {
  if (count > 0 && count < SUPPRESSION_THRESHOLD) return { value: null, suppressed: true };
  return { value: count, suppressed: false };
}

export function suppressedText(count: number): string {
  const s = suppress(count);
  return s.suppressed ? `fewer than ${SUPPRESSION_THRESHOLD}` : String(s.value);
}
