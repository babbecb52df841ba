/**
 * The improvement plan's words and rules (domain.md §12, issue 18): the ratings a plan uses, how a
 * rating is read from a Word cell's word or colour, the measures an outcome is judged by, and the
 * suggested rating from a measure's figure against its target under the council's thresholds.
 * Too few audits to tell is said in words, never shown as a colour.
 */
import type { Proportion } from './statistics.ts';

/** The improvement plan's ratings: red, amber, green, or the words a plan uses besides. */
export type RagRating = 'red' | 'amber' | 'green' | 'complete' | 'not_started';
/** A rating QA Loop suggests from the evidence, or too few audits to tell. */
export type RagSuggestion = 'red' | 'amber' | 'green' | 'too_few';
/** What an outcome's audit measure counts. */
export type PlanMeasureKind = 'section' | 'theme' | 'question' | 'actions_on_time' | 'oversight';

/** The ratings in the order a plan lists them, with their words. */
export const RAG_RATINGS: readonly { value: RagRating; label: string }[] = [
  { value: 'red', label: 'Red' },
  { value: 'amber', label: 'Amber' },
  { value: 'green', label: 'Green' },
  { value: 'complete', label: 'Complete' },
  { value: 'not_started', label: 'Not started' },
];

export const RAG_VALUES: readonly RagRating[] = RAG_RATINGS.map((r) => r.value);

export function ragLabel(rag: RagRating | RagSuggestion | null | undefined): string {
  if (rag === 'too_few') return 'Too few audits to tell';
  if (!rag) return 'Not rated';
  return RAG_RATINGS.find((r) => r.value === rag)?.label ?? rag;
}

/**
 * A rating from a cell's text: "Red", "R", "amber", "G", "Complete(d)", "Not started", "Green –
 * on track"… Null when the text names no rating.
 */
export function ragFromText(text: string): RagRating | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!t) return null;
  if (/^(r|red)\b/.test(t)) return 'red';
  if (/^(a|amber)\b/.test(t)) return 'amber';
  if (/^(g|green)\b/.test(t)) return 'green';
  if (/^(complete|completed|done|achieved)\b/.test(t)) return 'complete';
  if (/^(not started|not yet started|n\/s)\b/.test(t)) return 'not_started';
  return null;
}

/**
 * A rating from a cell's shading, as a hex colour ("FF0000", "#ffc000", "00B050"): the nearest of
 * red, amber and green by hue, when the colour is saturated enough to be one of them. White, greys
 * and "auto" give null.
 */
export function ragFromColour(colour: string | null | undefined): RagRating | null {
  if (!colour) return null;
  const hex = colour.trim().replace(/^#/, '');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return null;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  if (max < 0.25 || delta < 0.25) return null;
  let hue: number;
  if (max === r) hue = (60 * ((g - b) / delta) + 360) % 360;
  else if (max === g) hue = 60 * ((b - r) / delta) + 120;
  else hue = 60 * ((r - g) / delta) + 240;
  if (hue < 20 || hue >= 330) return 'red';
  if (hue < 65) return 'amber';
  if (hue >= 75 && hue < 170) return 'green';
  return null;
}

/** The kinds of measure, with their words. */
export const MEASURE_KINDS: readonly { value: PlanMeasureKind; label: string; hint: string }[] = [
  {
    value: 'section',
    label: 'A section of an audit tool',
    hint: 'The share of audits graded good or better on the section, e.g. "The plan: SMART".',
  },
  {
    value: 'theme',
    label: 'A practice theme',
    hint: 'The share of audits where auditors found the theme, e.g. management oversight.',
  },
  {
    value: 'question',
    label: 'A dip-sample question',
    hint: 'The share of audits giving an answer, e.g. "Was the child seen alone?" answered yes.',
  },
  {
    value: 'actions_on_time',
    label: 'Audit actions completed on time',
    hint: 'The share of actions from audits, of every grade, completed by their due date.',
  },
  {
    value: 'oversight',
    label: 'Management oversight recorded',
    hint: 'The share of submitted audits whose case manager has recorded their oversight.',
  },
];

export function measureKindLabel(kind: PlanMeasureKind): string {
  return MEASURE_KINDS.find((k) => k.value === kind)?.label ?? kind;
}

/** The council's thresholds for a suggested rating (a plan's columns of the same names). */
export interface RatingThresholds {
  /** the fewest audits (or actions) before a figure is given a suggested rating */
  minimumCount: number;
  greenWhen: 'interval_above' | 'figure_above';
  redWhen: 'interval_below' | 'figure_below';
}

export const DEFAULT_THRESHOLDS: RatingThresholds = {
  minimumCount: 10,
  greenWhen: 'interval_above',
  redWhen: 'interval_below',
};

export const GREEN_WHEN_LABELS: Record<RatingThresholds['greenWhen'], string> = {
  interval_above: 'The whole 95% interval is at or above the target',
  figure_above: 'The figure is at or above the target',
};

export const RED_WHEN_LABELS: Record<RatingThresholds['redWhen'], string> = {
  interval_below: 'The whole 95% interval is below the target',
  figure_below: 'The figure is below the target',
};

/** A suggestion with the plain words for why. */
export interface Suggestion {
  rag: RagSuggestion;
  why: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * The suggested rating for one measure's figure against its target. `better: 'lower'` turns the
 * figure round (a theme found in fewer audits is better): the share of audits without it is judged
 * against 1 − target. Amber whenever neither green nor red holds.
 */
export function suggestRating(
  figure: Proportion | null,
  target: number,
  better: 'higher' | 'lower',
  thresholds: RatingThresholds,
): Suggestion {
  if (!figure || figure.rate === null || !figure.ci95 || figure.total < thresholds.minimumCount)
    return {
      rag: 'too_few',
      why: `${figure?.total ?? 0} of the ${thresholds.minimumCount} needed to tell`,
    };
  const [lower, upper] = figure.ci95;
  const value = better === 'higher' ? figure.rate : 1 - figure.rate;
  const low = better === 'higher' ? lower : 1 - upper;
  const high = better === 'higher' ? upper : 1 - lower;
  const goal = better === 'higher' ? target : 1 - target;
  const words = better === 'higher' ? `target ${pct(target)}` : `target at most ${pct(target)}`;
  const greenEdge = thresholds.greenWhen === 'interval_above' ? low : value;
  const redEdge = thresholds.redWhen === 'interval_below' ? high : value;
  if (greenEdge >= goal)
    return {
      rag: 'green',
      why:
        thresholds.greenWhen === 'interval_above'
          ? `the whole interval meets the ${words}`
          : `the figure meets the ${words}`,
    };
  if (redEdge < goal)
    return {
      rag: 'red',
      why:
        thresholds.redWhen === 'interval_below'
          ? `the whole interval falls short of the ${words}`
          : `the figure falls short of the ${words}`,
    };
  return { rag: 'amber', why: `the interval spans the ${words}` };
}

const ORDER: Record<RagSuggestion, number> = { red: 0, amber: 1, green: 2, too_few: 3 };

/**
 * An outcome's suggestion from its measures' suggestions: the weakest of those that can tell; too
 * few when none can; null when the outcome has no measures.
 */
export function combineSuggestions(suggestions: readonly Suggestion[]): Suggestion | null {
  if (suggestions.length === 0) return null;
  const telling = suggestions.filter((s) => s.rag !== 'too_few');
  if (telling.length === 0) return { rag: 'too_few', why: 'too few audits on every measure to tell' };
  const worst = [...telling].sort((a, b) => ORDER[a.rag] - ORDER[b.rag])[0];
  return telling.length === 1
    ? worst
    : { rag: worst.rag, why: `the weakest of ${telling.length} measures: ${worst.why}` };
}

/**
 * Whether a rating needs a reason: when QA Loop suggested red, amber or green and the rating set
 * is another of those three. "Complete" and "Not started" are statements about the work, not the
 * evidence, and need no reason; nor does a rating when the suggestion is "too few to tell".
 */
export function ratingNeedsReason(rag: RagRating, suggested: RagSuggestion | null | undefined): boolean {
  if (!suggested || suggested === 'too_few') return false;
  if (rag === 'complete' || rag === 'not_started') return false;
  return rag !== suggested;
}

/** Sorts references the way a plan reads them: 1.2 before 1.10, 2 before 10. */
export function compareRefs(a: string, b: string): number {
  const pa = a.split(/[.\s]+/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.\s]+/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (Number.isNaN(x) || Number.isNaN(y)) return a.localeCompare(b, 'en-GB', { numeric: true });
    if (x !== y) return x - y;
  }
  return 0;
}
