/**
 * Small-number suppression for anything a scrutiny reader can open. Suppression protects small
 * cells: a count from 1 to 4 could identify a child, so it is shown as "fewer than 5" (primary
 * suppression); and a count that would give a hidden count back (by subtracting the figures shown
 * from a total shown) is withheld too (complementary suppression). Nothing else is hidden. Zero is
 * shown as zero.
 *
 * The headline figures are kept: a report's council-wide totals, and the good-or-better rate of the
 * year and of any month with ENOUGH_TO_PUBLISH audits or more, are always published. Where a small
 * cell needs a partner, the partner is chosen so that as little is hidden as can be: never a kept
 * figure while an ordinary one will do, a count before a zero (a zero beside a small count shows
 * how small it is), then the fewest and smallest counts.
 */
export const SUPPRESSION_THRESHOLD = 5;

/** A month (or a year, or a group) with this many audits or more has its total and rate published. */
export const ENOUGH_TO_PUBLISH = 10;

export type Suppressed = { value: number; suppressed: false } | { value: null; suppressed: true };

/** True for a count from 1 to 4. */
export const isSmallCount = (n: number) => n > 0 && n < SUPPRESSION_THRESHOLD;

export function suppress(count: number): Suppressed {
  if (isSmallCount(count)) return { value: null, suppressed: true };
  return { value: count, suppressed: false };
}

export function suppressedText(count: number): string {
  const s = suppress(count);
  return s.suppressed ? `fewer than ${SUPPRESSION_THRESHOLD}` : String(s.value);
}

// ---- the engine ---------------------------------------------------------------------------------

/**
 * How much a figure must be kept: 0 an ordinary count; 1 a month's total or rate with enough
 * audits; 2 a council-wide total or the year's rate. A kept figure is never hidden for being small
 * (a rate of enough audits is published whatever its count), and is withheld as a partner only when
 * nothing else in its line can be.
 */
export type Keep = 0 | 1 | 2;

/**
 * How much a total is kept: the report's (2) whenever it is not small; a month's or a group's only
 * when it has ENOUGH_TO_PUBLISH audits, so a smaller month's total can partner a small one.
 */
export function keptTotal(n: number, keep: Keep): Keep {
  if (keep === 2) return isSmallCount(n) ? 0 : 2;
  return n >= ENOUGH_TO_PUBLISH ? keep : 0;
}

export interface SuppressionCell {
  /** the count */
  n: number;
  keep?: Keep;
  /** hidden whatever its count (hidden in another table this one shares totals with) */
  hidden?: boolean;
  /**
   * a figure not shown but that a reader can work out from those shown (the audits below good, as
   * the audits graded less those good or better): hidden when small, and hiding it as a partner
   * costs nothing, but a line it is in must not then give it back
   */
  derived?: boolean;
  /**
   * a figure every reader knows whatever is shown (a part of a total of none is none): never hidden
   * as a partner, as hiding it would protect nothing
   */
  known?: boolean;
}

/**
 * Which cells to hide. `lines` are sets of cells of which one is the sum of the others (a row of
 * counts and its total; the good grades and good or better), so any one of them can be worked out
 * from the rest. Cells from 1 to 4 are hidden unless kept; then, while some line has exactly one
 * hidden cell, another cell of that line is hidden too, chosen (looking ahead to what each choice
 * leads to) to hide least. When it ends, no line has exactly one hidden cell, so no hidden count can
 * be worked out by subtracting the others from a total, nor in steps through several lines.
 */
export function suppressCells(
  cells: readonly SuppressionCell[],
  lines: readonly (readonly number[])[],
): boolean[] {
  const ls = lines.map((l) => [...new Set(l)]).filter((l) => l.length > 1);
  const of: number[][] = cells.map(() => []);
  ls.forEach((l, k) => {
    for (const i of l) of[i].push(k);
  });
  // a figure that is another's only part, beside parts known to be none, is that figure (a breakdown
  // of one group, a report of one month, the audits supported when none were upgraded or
  // downgraded): it is kept as much, as publishing one publishes the other
  const kept = cells.map((c) => c.keep ?? 0);
  const pairs = ls.map((l) => l.filter((i) => !cells[i].known)).filter((l) => l.length === 2);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [a, b] of pairs) {
      const most = Math.max(kept[a], kept[b]) as Keep;
      if (kept[a] !== most || kept[b] !== most) {
        kept[a] = kept[b] = most;
        changed = true;
      }
    }
  }
  const primary = cells.map((c, i) => Boolean(c.hidden) || (!kept[i] && isSmallCount(c.n)));
  const keep = (i: number) => kept[i];
  const hiddenIn = (hidden: readonly boolean[], k: number) => ls[k].filter((i) => hidden[i]).length;

  /** What a result hides beyond the small cells: kept figures first, then zeros, then counts. */
  const cost = (hidden: readonly boolean[]) => {
    const out = [0, 0, 0, 0, 0];
    hidden.forEach((h, i) => {
      if (!h || primary[i] || cells[i].derived) return;
      if (keep(i) === 2) out[0]++;
      else if (keep(i) === 1) out[1]++;
      else if (cells[i].n === 0) out[2]++;
      out[3]++;
      out[4] += cells[i].n;
    });
    return out;
  };

  // look ahead at a few partners each time; a big table takes the quick way
  const tries = cells.length * ls.length > 40_000 ? 1 : 6;
  // with nothing barred a partner is always found
  let best = prune(solveGreedy(new Set(), primary) as boolean[]);
  // The greedy choice can end up withholding a kept figure that another set of partners would not
  // need: take each such figure back, find other partners for what it protected (never a figure
  // taken back), and keep the result if it hides less.
  const barred = new Set<number>();
  for (const i of keptPartners(best)) {
    barred.add(i);
    const start = [...best];
    start[i] = false;
    const next = solveGreedy(barred, start, tries > 1);
    if (next && compare(cost(prune(next)), cost(best)) < 0) best = prune(next);
    else barred.delete(i);
  }
  return best;

  /** Shows again any partner no line needs (the most kept first), so nothing is hidden for nothing. */
  function prune(start: readonly boolean[]): boolean[] {
    const hidden = [...start];
    const order = hidden
      .map((_, i) => i)
      .filter((i) => hidden[i] && !primary[i])
      .sort((a, b) => keep(b) - keep(a) || cells[b].n - cells[a].n || a - b);
    for (const i of order) {
      hidden[i] = false;
      const leaks = of[i].some(
        (k) => hiddenIn(hidden, k) === 1 && ls[k].some((j) => !hidden[j] && !cells[j].known),
      );
      if (leaks) hidden[i] = true;
    }
    return hidden;
  }

  /** The kept figures a result withholds as partners, the most kept first. */
  function keptPartners(hidden: readonly boolean[]): number[] {
    return hidden
      .map((h, i) => (h && !primary[i] && !cells[i].derived && keep(i) > 0 ? i : -1))
      .filter((i) => i >= 0)
      .sort((a, b) => keep(b) - keep(a) || a - b);
  }

  /**
   * Closes every line with one hidden cell, choosing partners (never a barred one) with a look
   * ahead. Without a barred cell it always succeeds; with one it may not (undefined).
   */
  function solveGreedy(
    bar: ReadonlySet<number>,
    start: readonly boolean[],
    deep = false,
  ): boolean[] | undefined {
    const partners = (hidden: readonly boolean[], k: number) =>
      ls[k].filter((i) => !hidden[i] && !cells[i].known && !bar.has(i));
    /** The first line with exactly one hidden cell that a reader could work back, or -1. */
    const open = (hidden: readonly boolean[]) =>
      ls.findIndex((l, k) => hiddenIn(hidden, k) === 1 && l.some((i) => !hidden[i] && !cells[i].known));

    /** The cells of a line that may partner its hidden one, the likeliest first. */
    const candidates = (hidden: readonly boolean[], k: number) =>
      partners(hidden, k)
        .map((i) => {
          // lines this cell would close (one hidden now) less those it would open (none hidden now)
          // and how kept the partner must be of a line it would open (one of kept figures only forces a
          // kept figure out)
          let net = 0;
          let forces = 0;
          for (const m of of[i]) {
            const h = hiddenIn(hidden, m);
            if (h === 1) net++;
            else if (h === 0) {
              net--;
              const others = ls[m].filter((j) => j !== i && !cells[j].known && !bar.has(j));
              forces = Math.max(forces, others.length ? Math.min(...others.map(keep)) : 3);
            }
          }
          const c = cells[i];
          return { i, rank: [keep(i), forces, !c.derived && c.n === 0 ? 1 : 0, -net, c.derived ? 0 : c.n] };
        })
        .sort((a, b) => compare(a.rank, b.rank) || a.i - b.i)
        .map((x) => x.i);

    /** Closes every open line the quick way: the likeliest partner each time (undefined if stuck). */
    const complete = (start: readonly boolean[]) => {
      const hidden = [...start];
      for (let k = open(hidden); k >= 0; k = open(hidden)) {
        const first = candidates(hidden, k)[0];
        if (first === undefined) return undefined;
        hidden[first] = true;
      }
      return hidden;
    };

    const hidden = [...start];
    for (let k = open(hidden); k >= 0; k = open(hidden)) {
      let chosen = -1;
      let chosenCost: number[] = [];
      for (const i of candidates(hidden, k).slice(0, tries)) {
        const next = [...hidden];
        next[i] = true;
        const done = deep ? solveGreedy(bar, next) : complete(next);
        if (!done) continue;
        const c = cost(done);
        if (chosen < 0 || compare(c, chosenCost) < 0) {
          chosen = i;
          chosenCost = c;
        }
      }
      // stuck (every partner barred, or each leads to a line that cannot be closed)
      if (chosen < 0) return undefined;
      hidden[chosen] = true;
    }
    return hidden;
  }
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * A suppression problem built figure by figure: `add` a count and get its id, `sum` says a total is
 * its parts added up, `solve` says which ids to hide (suppressCells).
 */
export class Suppression {
  private readonly cells: SuppressionCell[] = [];
  private readonly lines: number[][] = [];

  add(n: number, options: Omit<SuppressionCell, 'n'> = {}): number {
    this.cells.push({ n, ...options });
    return this.cells.length - 1;
  }

  /**
   * The total is the parts added up (a reader can work any one out from the others). A total of
   * none has parts of none, which every reader knows: they are never partners.
   */
  sum(total: number, parts: readonly number[]): void {
    this.lines.push([total, ...parts]);
    if (this.cells[total].n === 0)
      for (const id of [total, ...parts]) this.cells[id] = { ...this.cells[id], known: true };
  }

  /** Marks a figure hidden whatever its count. */
  hide(id: number): void {
    this.cells[id] = { ...this.cells[id], hidden: true };
  }

  count(id: number): number {
    return this.cells[id].n;
  }

  solve(): (id: number) => boolean {
    const hidden = suppressCells(this.cells, this.lines);
    return (id) => hidden[id];
  }
}

/**
 * Suppresses a table of counts that adds up to a shown total. Counts of 1 to 4 are hidden; when
 * only one is, the total would give it away, so the next smallest count is hidden too (secondary
 * suppression). The total itself is hidden only when it is small. Returns the text to show for each
 * cell and for the total.
 */
export function suppressTable<K extends string>(
  cells: Record<K, number>,
  total: number,
): Record<K | 'total', string> {
  const keys = Object.keys(cells) as K[];
  const hidden = suppressCells(
    [...keys.map((k) => ({ n: cells[k] })), { n: total, keep: isSmallCount(total) ? 0 : 2 } as const],
    [[...keys.map((_, i) => i), keys.length]],
  );
  const out = {} as Record<K | 'total', string>;
  for (const [i, k] of keys.entries())
    out[k] = hidden[i]
      ? isSmallCount(cells[k])
        ? `fewer than ${SUPPRESSION_THRESHOLD}`
        : 'withheld'
      : String(cells[k]);
  out.total = suppressedText(total);
  return out;
}

/**
 * Which cells of a table of counts to hide when its rows and columns add up to totals that are
 * shown (suppressCells with each row and each column a line). `alsoHidden` marks cells that must be
 * hidden whatever their count: the total row of a breakdown is hidden as it was in the table it
 * shares its totals with, so the two tables agree. `keep` marks the figures to keep (Keep): the
 * table's totals, so a partner is found among the counts first.
 */
export function suppressGrid(
  grid: readonly (readonly number[])[],
  alsoHidden?: readonly (readonly boolean[])[],
  keep?: readonly (readonly Keep[])[],
): boolean[][] {
  const width = grid[0]?.length ?? 0;
  const cells = grid.flatMap((row, i) =>
    row.map((n, j) => ({ n, hidden: Boolean(alsoHidden?.[i]?.[j]), keep: keep?.[i]?.[j] ?? 0 })),
  );
  const lines = [
    ...grid.map((row, i) => row.map((_, j) => i * width + j)),
    ...Array.from({ length: width }, (_, j) => grid.map((_, i) => i * width + j)),
  ];
  const hidden = suppressCells(cells, lines);
  return grid.map((row, i) => row.map((_, j) => hidden[i * width + j]));
}
