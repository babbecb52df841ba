/**
 * A report as a reader sees it, whatever the format: a title, a summary in sentences, notes on how
 * the figures are counted, then sections of charts and tables. Every report builds one of these from
 * its figures; src/reports/render.ts turns it into an HTML page, CSV, an Excel workbook or a Word
 * document, so the same figures read the same everywhere.
 */

import { monthName } from '../domain/dates.ts';
import type { Proportion } from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH, SUPPRESSION_THRESHOLD } from '../domain/suppression.ts';

/** A count as published: the number, or why it is not shown. */
export type Count = number | SuppressedCount;
export type SuppressedCount = 'fewer than 5' | 'withheld';

/** A proportion whose count or total may be suppressed; its rate and interval are then null. */
export interface Share {
  count: Count;
  total: Count;
  rate: number | null;
  ci95: [number, number] | null;
}

export type ColumnKind = 'text' | 'count' | 'share' | 'number';

export interface Column {
  /** a machine name, used as the CSV and Excel column name */
  key: string;
  header: string;
  kind: ColumnKind;
  /** places after the point for 'number' columns */
  decimals?: number;
}

export interface TableRow {
  /** values by column key: string for text, Count for count, Share for share, number for number */
  cells: Record<string, string | number | Share | null | undefined>;
  /** a total row, set apart */
  total?: boolean;
}

export interface ReportTable {
  id: string;
  title: string;
  columns: Column[];
  rows: TableRow[];
  /** said instead of the table when it has no rows */
  empty?: string;
}

/** A chart to draw, from the figures of a table beside it. */
export type ChartSpec =
  | {
      kind: 'spc';
      title: string;
      yTitle: string;
      percent: boolean;
      /** monthly values 0–1 (null: none that month) */
      series: { label: string; value: number | null }[];
    }
  | {
      kind: 'rates';
      title: string;
      xTitle?: string;
      rows: { group: string; rate: number | null; ci95: [number, number] | null; series?: string }[];
    }
  | {
      kind: 'stacked';
      title: string;
      categories: string[];
      rows: { group: string; category: string; count: number }[];
    };

export interface ReportSection {
  id: string;
  heading: string;
  paragraphs?: string[];
  charts?: ChartSpec[];
  tables: ReportTable[];
}

export interface ReportDocument {
  title: string;
  /** the council, the filters, "For publication" */
  subtitle: string[];
  summary: string[];
  /** how the figures are counted */
  notes: string[];
  sections: ReportSection[];
  publication: boolean;
}

// ---- words ----------------------------------------------------------------------------------

/** "April 2026 to November 2026", or one month's name. */
export function rangeWords(from: string, to: string): string {
  const a = monthName(`${from.slice(0, 7)}-01`);
  const b = monthName(`${to.slice(0, 7)}-01`);
  return from.slice(0, 7) === to.slice(0, 7) ? a : `${a} to ${b}`;
}

/** "Requires improvement" from "requires_improvement". */
export function gradeWords(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const percent = (x: number) => `${Math.round(x * 100)}%`;

export function countText(c: Count | null | undefined): string {
  if (c === null || c === undefined) return '';
  return typeof c === 'number' ? c.toLocaleString('en-GB') : c;
}

/** "21 of 44 (48%, 95% CI 34% to 62%)"; "none" when the total is 0; the reason when suppressed. */
export function shareText(s: Share | Proportion | null | undefined, none = 'None'): string {
  if (!s) return '';
  if (typeof s.count !== 'number' || typeof s.total !== 'number') {
    return typeof s.total === 'number'
      ? `${countText(s.count)} of ${countText(s.total)}`
      : `${countText(s.count)} (of ${countText(s.total)})`;
  }
  if (s.total === 0) return none;
  const interval = s.ci95 ? `, 95% CI ${percent(s.ci95[0])} to ${percent(s.ci95[1])}` : '';
  return `${countText(s.count)} of ${countText(s.total)} (${percent(s.count / s.total)}${interval})`;
}

export function numberText(n: number | null | undefined, decimals = 1): string {
  if (n === null || n === undefined) return '';
  return n.toFixed(decimals);
}

/** A cell as words. */
export function cellText(column: Column, value: TableRow['cells'][string]): string {
  switch (column.kind) {
    case 'share':
      return shareText(value as Share | null);
    case 'count':
      return countText(value as Count | null);
    case 'number':
      return typeof value === 'number' ? numberText(value, column.decimals) : String(value ?? '');
    default:
      return String(value ?? '');
  }
}

// ---- publication ----------------------------------------------------------------------------

export const FEWER_THAN = `fewer than ${SUPPRESSION_THRESHOLD}` as const;

/** True for a count that is published as "fewer than 5". */
export const isSmall = (n: number) => n > 0 && n < SUPPRESSION_THRESHOLD;

/** A count as published on its own (no total beside it can give it away). */
export function publishCount(n: number): Count {
  return isSmall(n) ? FEWER_THAN : n;
}

/** A count as published when suppression (src/domain/suppression.ts) says whether it is hidden. */
export function shownCount(n: number, hidden: boolean): Count {
  return hidden ? (isSmall(n) ? FEWER_THAN : 'withheld') : n;
}

/** A share of a total as published: the rate and its interval only when count and total are shown. */
export function shownShare(p: Proportion, countHidden: boolean, totalHidden: boolean): Share {
  if (!countHidden && !totalHidden) return p;
  return {
    count: shownCount(Number(p.count), countHidden),
    total: shownCount(Number(p.total), totalHidden),
    rate: null,
    ci95: null,
  };
}

/**
 * A proportion as published: a count or total from 1 to 4 is shown as "fewer than 5", and then the
 * other and the rate (which would give it back) are withheld. `withhold` withholds it all, for a share
 * whose count could be worked out from cells hidden elsewhere.
 */
export function publishShare(p: Proportion | Share, withhold = false): Share {
  if (typeof p.count !== 'number' || typeof p.total !== 'number') return p as Share;
  // withheld because its cells are hidden elsewhere: its total would give them back too
  if (withhold)
    return { count: 'withheld', total: isSmall(p.total) ? FEWER_THAN : 'withheld', rate: null, ci95: null };
  if (isSmall(p.total)) return { count: 'withheld', total: FEWER_THAN, rate: null, ci95: null };
  const rest = p.total - p.count;
  if (isSmall(p.count)) return { count: FEWER_THAN, total: p.total, rate: null, ci95: null };
  if (isSmall(rest)) return { count: 'withheld', total: p.total, rate: null, ci95: null };
  return p as Share;
}

export const PUBLICATION_NOTE =
  'Prepared for publication: no child, worker or team below service level is named, counts from 1 to 4 ' +
  'are shown as “fewer than 5”, and figures that would let them be worked out are withheld. The ' +
  `council-wide totals, and the good-or-better rate of the year and of every month with ${ENOUGH_TO_PUBLISH} ` +
  'audits or more, are always given.';
