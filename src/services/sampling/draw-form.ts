import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { StratifyBy } from '../../data/schema.ts';
import { type ActivityKind, isActivityKind } from '../../domain/activity-kinds.ts';
import { sampleSizeFor } from '../../domain/sampling.ts';
import { type FieldError, validate } from '../../domain/validation.ts';
import { type DrawRequest, drawRequestSchema, MAX_SEED, STRATIFY_LABELS } from './samples.ts';

/**
 * The draw form as a person fills it in: read as typed, kept to show again, and turned into the
 * service's request with the problems only the form can have (a number that is not one, a fixed
 * number from each stratum left out).
 */

/** The draw form as typed: every field a string, kept as it was to show it again. */
export interface DrawForm {
  monthId: string;
  cohortId: string;
  /** "yes": children already in a sample of the cycle may be drawn, on purpose */
  includeSampled: string;
  kind: string;
  /** the audit tool chosen under each kind: the one under the kind chosen is the sample's */
  toolFullAudit: string;
  toolDipSample: string;
  toolThemed: string;
  toolMultiAgency: string;
  sizeKind: string;
  count: string;
  percent: string;
  method: string;
  stratifyBy: string;
  allocation: string;
  perStratum: string;
  seed: string;
  allowSameTeam: string;
  /** the seed the last check used, so that drawing after it draws what was checked */
  previewSeed: string;
  /** the snapshot the last check (or the sample drawn again) used */
  snapshotId: string;
  /** the sample being drawn again, whose left-out children are left out again */
  againOf: string;
  /** the reverse question: how many for ±margin percentage points */
  margin: string;
  /** a dip sample of reviewing officers' footprint: 'iro', 'cp_adviser', or '' for none */
  footprint: string;
}

export const DRAW_FORM_FIELDS: readonly (keyof DrawForm)[] = [
  'monthId',
  'cohortId',
  'includeSampled',
  'kind',
  'toolFullAudit',
  'toolDipSample',
  'toolThemed',
  'toolMultiAgency',
  'footprint',
  'sizeKind',
  'count',
  'percent',
  'method',
  'stratifyBy',
  'allocation',
  'perStratum',
  'seed',
  'allowSameTeam',
  'previewSeed',
  'snapshotId',
  'againOf',
  'margin',
];

/** The field holding the audit tool chosen for each kind of activity. */
export const TOOL_FIELDS: Record<ActivityKind, keyof DrawForm> = {
  full_audit: 'toolFullAudit',
  dip_sample: 'toolDipSample',
  themed: 'toolThemed',
  multi_agency: 'toolMultiAgency',
};

/** The audit tool the form chose for the kind it chose: '' when none. */
export function chosenTool(form: DrawForm): string {
  return isActivityKind(form.kind) ? form[TOOL_FIELDS[form.kind]] : '';
}

/** The draw form's fields as a route reads them: each one text, '' when absent. */
export type DrawFormFields = Partial<Record<keyof DrawForm, string>>;

/** The fields a person sees, in page order, so the error summary lists problems as the page shows them. */
const FIELD_ORDER: string[] = DRAW_FORM_FIELDS.filter(
  (f) => f !== 'previewSeed' && f !== 'snapshotId' && f !== 'againOf',
);

/** One field as typed, trimmed and kept short: '' when absent; the first value when sent twice. */
export function fieldText(value: unknown): string {
  if (Array.isArray(value)) return fieldText(value[0]);
  return typeof value === 'string' ? value.trim().slice(0, 200) : '';
}

/** The draw form from a form sent. */
export function readDrawForm(body: DrawFormFields): DrawForm {
  return Object.fromEntries(DRAW_FORM_FIELDS.map((f) => [f, fieldText(body[f])])) as unknown as DrawForm;
}

/** The address of a draw form filled in: "Draw a sample from this cohort", "Draw again with this seed". */
export interface DrawAddress extends DrawFormFields {
  cohort?: string;
  month?: string;
  snapshot?: string;
  /** the sample drawn again */
  again?: string;
}

/** A draw form filled in from an address. */
export function drawFormFromAddress(query: DrawAddress): DrawForm {
  const form = readDrawForm({
    ...query,
    cohortId: query.cohort ?? query.cohortId,
    monthId: query.month ?? query.monthId,
  });
  form.snapshotId = fieldText(query.snapshot);
  form.againOf = fieldText(query.again);
  // a seed chosen as the form opens, so the same form sent twice draws once (the service sees a repeat)
  form.previewSeed = String(randomInt(0, MAX_SEED));
  form.margin = '';
  return form;
}

/**
 * A number as a person types it: "1,000", " 20 ", "12.5%". Empty is null; anything that is not a
 * number is NaN, which the schema refuses with its message.
 */
export function numberFrom(value: string): number | null {
  const s = value.replace(/[,\s%]/g, '');
  if (s === '') return null;
  return /^(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : Number.NaN;
}

export const isUuid = (v: string) => z.uuid().safeParse(v).success;

/** The form as the service's request, with the problems only the form can have. */
export function readDrawRequest(form: DrawForm): { request?: DrawRequest; errors: FieldError[] } {
  const stratified = form.method === 'stratified';
  const fixed = stratified && form.allocation === 'fixed';
  const perStratum = fixed ? numberFrom(form.perStratum) : null;
  const previewSeed = numberFrom(form.previewSeed);
  const errors: FieldError[] = [];
  if (fixed && perStratum === null) {
    const by = STRATIFY_LABELS[form.stratifyBy as StratifyBy] ?? 'stratum';
    errors.push({ field: 'perStratum', message: `Enter how many children to draw from each ${by}, like 5` });
  }
  const checked = validate(drawRequestSchema, {
    monthId: form.monthId,
    cohortId: form.cohortId,
    kind: form.kind || undefined,
    toolId: chosenTool(form) || null,
    // a fixed number from each stratum decides the size: the size question does not apply
    sizeKind: fixed ? 'count' : form.sizeKind || undefined,
    count: !fixed && form.sizeKind === 'count' ? numberFrom(form.count) : null,
    percent: !fixed && form.sizeKind === 'percent' ? numberFrom(form.percent) : null,
    method: form.method || undefined,
    stratifyBy: stratified ? form.stratifyBy || null : null,
    perStratum,
    seed:
      form.seed !== ''
        ? numberFrom(form.seed)
        : previewSeed !== null && Number.isInteger(previewSeed)
          ? previewSeed
          : null,
    allowSameTeam: form.allowSameTeam === 'yes',
    snapshotId: isUuid(form.snapshotId) ? form.snapshotId : null,
    includeSampled: form.includeSampled === 'yes',
    againOf: isUuid(form.againOf) ? form.againOf : null,
    // asked only under "Dip sample": another kind of activity has no footprint
    footprint: form.kind === 'dip_sample' && form.footprint !== '' ? form.footprint : null,
  });
  if (!checked.ok)
    errors.push(...checked.errors.filter((e) => !(fixed && (e.field === 'count' || e.field === 'sizeKind'))));
  return {
    request: checked.ok && errors.length === 0 ? checked.value : undefined,
    errors: orderedErrors(errors),
  };
}

/** Errors in the order the form shows its fields. */
export function orderedErrors(errors: FieldError[]): FieldError[] {
  const rank = (f: string) => (FIELD_ORDER.includes(f) ? FIELD_ORDER.indexOf(f) : FIELD_ORDER.length);
  return [...errors].sort((a, b) => rank(a.field) - rank(b.field));
}

/** "±12.3 percentage points" */
export const pointsText = (margin: number) => `±${Number((margin * 100).toFixed(1))} percentage points`;

export interface ReverseAnswer {
  margin: string;
  size: number;
  all: boolean;
}

/** The reverse question: how many children for a margin of error, typed in percentage points. */
export function reverseAnswer(
  typed: string,
  cohortSize: number,
): { answer?: ReverseAnswer; error?: FieldError } {
  if (typed === '') return {};
  const points = numberFrom(typed);
  if (points === null || Number.isNaN(points) || !(points > 0 && points < 100))
    return {
      error: {
        field: 'margin',
        message: 'Enter a margin of error between 0 and 100 percentage points, like 10',
      },
    };
  const size = sampleSizeFor(points / 100, cohortSize);
  return { answer: { margin: pointsText(points / 100), size, all: size >= cohortSize } };
}
