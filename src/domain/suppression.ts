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

/**
 * Suppresses a table of counts that adds up to a shown total. Counts of 1 to 4 are hidden; when
 * only one is, the total would give it away, so the next smallest count is hidden too (secondary
 * suppression). Returns the text to show for each cell and for the total.
 */
export function suppressTable<K extends string>(
  cells: Record<K, number>,
  total: number,
): Record<K | 'total', string> {
  const keys = Object.keys(cells) as K[];
  const hidden = new Set<K>(keys.filter((k) => suppress(cells[k]).suppressed));
  if (hidden.size === 1) {
    const next = keys.filter((k) => !hidden.has(k) && cells[k] > 0).sort((a, b) => cells[a] - cells[b])[0];
    if (next !== undefined) hidden.add(next);
  }
  const out = {} as Record<K | 'total', string>;
  for (const k of keys)
    out[k] = hidden.has(k)
      ? suppress(cells[k]).suppressed
        ? `fewer than ${SUPPRESSION_THRESHOLD}`
        : 'withheld'
      : String(cells[k]);
  out.total = suppressedText(total);
  return out;
}

/**
 * Which cells of a table of counts to hide when its rows and columns add up to totals that are
 * shown. Counts from 1 to 4 are hidden (primary suppression); then, until nothing changes, any row or
 * column with exactly one hidden cell has its next smallest count hidden too (complementary
 * suppression), so no hidden count can be worked back by subtracting the others from a total.
 * `alsoHidden` marks cells that must be hidden whatever their count: the total row of a breakdown
 * is hidden as it was in the table it shares its totals with, so the two tables agree.
 */
export function suppressGrid(
  grid: readonly (readonly number[])[],
  alsoHidden?: readonly (readonly boolean[])[],
): boolean[][] {
  // cells hidden already (in a table that shares this one's totals) stay hidden
  const hidden = grid.map((row, i) =>
    row.map((n, j) => suppress(n).suppressed || Boolean(alsoHidden?.[i]?.[j])),
  );
  const lines: [number, number][][] = [
    ...grid.map((row, i) => row.map((_, j) => [i, j] as [number, number])),
    ...(grid[0] ?? []).map((_, j) => grid.map((_, i) => [i, j] as [number, number])),
  ];
  let changed = true;
  while (changed) {
    changed = false;
    for (const line of lines) {
      const hiddenHere = line.filter(([i, j]) => hidden[i][j]);
      if (hiddenHere.length !== 1) continue;
      const candidates = line
        .filter(([i, j]) => !hidden[i][j])
        .sort(([a, b], [c, d]) => (grid[a][b] || Infinity) - (grid[c][d] || Infinity));
      const next = candidates[0];
      if (!next) continue;
      hidden[next[0]][next[1]] = true;
      changed = true;
    }
  }
  return hidden;
}
