import { sourceLabel } from './snapshot-sources.ts';

/** The share of a list's children an import may remove without being confirmed: a third. */
export const DEFAULT_SHRINK_PERCENT = 33;
export const SHRINK_PERCENT_RANGE = { min: 1, max: 100 } as const;

/** What one source of a snapshot held before an import and holds after it. */
export interface ListCount {
  source: string;
  /** children the list held in the snapshot before (this date's, else the latest earlier one) */
  before: number;
  after: number;
}

/** A list the import would empty, or shrink by more than the council allows. */
export interface ListShrink extends ListCount {
  removed: number;
  /** the share removed, as a whole percentage (rounded down, so 32.9% is not shown as 33%) */
  percent: number;
}

const n = (x: number) => x.toLocaleString('en-GB');

/** How the upload page and the data warehouse confirm a shrink; the message ends with it. */
const SEND_AGAIN_CONFIRMED = 'send it again confirming that it removes children';

/** Whether a refused job's message is this guard's (its page then offers to send the file confirmed). */
export function isShrinkRefusal(message: string | null | undefined): boolean {
  return !!message?.endsWith(`${SEND_AGAIN_CONFIRMED}.`);
}

/**
 * The lists an import would empty or shrink by more than `limitPercent` of their children: an
 * empty list always (even one with nothing before it, since a file with only its header row is a
 * mistake), a shrink when the share removed is more than the limit.
 */
export function shrinksBeyond(counts: readonly ListCount[], limitPercent: number): ListShrink[] {
  const found: ListShrink[] = [];
  for (const c of counts) {
    const removed = Math.max(0, c.before - c.after);
    const share = c.before > 0 ? removed / c.before : 0;
    if (c.after === 0 || share * 100 > limitPercent)
      found.push({ ...c, removed, percent: Math.floor(share * 100) });
  }
  return found;
}

/**
 * What a person reads: "This file would remove 1,628 of the 3,513 children on Annex A list 6
 * (Children in need) (46%), more than the 33% your council allows. Nothing was imported."
 */
export function shrinkMessage(
  shrinks: readonly ListShrink[],
  limitPercent: number,
  confirm = SEND_AGAIN_CONFIRMED,
): string {
  const parts = shrinks.map((s) => {
    const list = sourceLabel(s.source);
    if (s.before === 0) return `This file lists no children on ${list}`;
    if (s.after === 0) return `This file would remove all ${n(s.before)} children on ${list}: it lists none`;
    return `This file would remove ${n(s.removed)} of the ${n(s.before)} children on ${list} (${s.percent}%), more than the ${limitPercent}% your council allows`;
  });
  return `${parts.join('. ')}. Nothing was imported. If the file is right, ${confirm}.`;
}
