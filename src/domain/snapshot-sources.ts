/**
 * Where the rows of a snapshot came from. Each import replaces, in the snapshot of its date, what
 * an earlier import brought from the same source: `annex_a:6` is Annex A list 6, `ssd` the
 * Standard Safeguarding Dataset, `mapped:<name>` an extract read through a saved column mapping.
 */
export const ANNEX_A_LISTS = {
  2: 'Early help',
  3: 'Referrals',
  4: 'Assessments',
  5: 'Section 47 enquiries',
  6: 'Children in need',
  7: 'Child protection',
  8: 'Children in care',
  9: 'Care leavers',
} as const;

export type AnnexAList = keyof typeof ANNEX_A_LISTS;

export function annexASource(list: AnnexAList): string {
  return `annex_a:${list}`;
}

/** A source as people say it: "Annex A list 6 (Children in need)". */
export function sourceLabel(source: string): string {
  const annex = /^annex_a:(\d+)$/.exec(source);
  if (annex) {
    const list = Number(annex[1]) as AnnexAList;
    return `Annex A list ${list}${ANNEX_A_LISTS[list] ? ` (${ANNEX_A_LISTS[list]})` : ''}`;
  }
  if (source === 'ssd') return 'Standard Safeguarding Dataset';
  if (source.startsWith('mapped:')) return `Mapped extract "${source.slice('mapped:'.length)}"`;
  if (source === 'recorded') return 'Recorded before snapshots';
  return source;
}
