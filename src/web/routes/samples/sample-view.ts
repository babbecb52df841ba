import type { AuditStatus, StratifyBy } from '../../../data/schema.ts';
import { ACTIVITY_KIND_HINTS, ACTIVITY_KIND_LABELS, ACTIVITY_KINDS } from '../../../domain/activity-kinds.ts';
import { describeDefinition } from '../../../domain/cohort-definition.ts';
import { monthName } from '../../../domain/dates.ts';
import { FOOTPRINT_LABELS, REVIEWING_OFFICER_KINDS } from '../../../domain/reviewing-officers.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type { AuditorChoice } from '../../../services/sampling/allocation.ts';
import { EXEMPTION_REASONS } from '../../../services/sampling/allocation.ts';
import { pointsText, TOOL_FIELDS } from '../../../services/sampling/draw-form.ts';
import type { AuditToAllocate, DrawPage, SamplePage } from '../../../services/sampling/sample-pages.ts';
import {
  type AlreadySampled,
  type DrawRequest,
  type SamplePlan,
  STRATIFY_LABELS,
} from '../../../services/sampling/samples.ts';

/** The sampling pages' words and links, made from what their services return. */

const STATUS_TAGS: Record<AuditStatus, { text: string; classes: string }> = {
  unallocated: { text: 'Not allocated', classes: 'govuk-tag--yellow' },
  allocated: { text: 'Allocated', classes: 'govuk-tag--blue' },
  in_progress: { text: 'In progress', classes: 'govuk-tag--turquoise' },
  submitted: { text: 'Returned', classes: 'govuk-tag--green' },
  exempted: { text: 'Exempted', classes: 'govuk-tag--grey' },
};

/** "±12.3 percentage points at 95% confidence" */
export function marginText(margin: number | null): string {
  if (margin === null) return 'None: the sample is empty';
  if (margin === 0) return 'None: every child in the cohort is drawn';
  return `±${(margin * 100).toFixed(1)} percentage points at 95% confidence`;
}

/** At most this many children already in a sample are listed by reference; the rest are counted. */
const MAX_LISTED = 200;

/**
 * Children of the cohort already in a sample of the cycle: how many, whether they were left out of
 * the draw or let in on purpose, and who they are (case reference, and the samples they are in).
 */
function alreadySampledView(
  children: AlreadySampled[],
  letIn: boolean,
  onePerFamily: boolean,
  againOf: string | null = null,
) {
  const n = children.length;
  const who = `${n.toLocaleString('en-GB')} ${n === 1 ? 'child' : 'children'} of the cohort`;
  const why = `already in a sample of this cycle${onePerFamily ? ', or with a brother or sister in one' : ''}`;
  const text = letIn
    ? n > 0
      ? `None: ${who} already in a sample of this cycle may be drawn again, on purpose`
      : 'None: children already in a sample of this cycle may be drawn again, on purpose'
    : n === 0
      ? 'None: no child of the cohort is in another sample of this cycle'
      : againOf
        ? `${who}, as when “${againOf}” was drawn: ${why} then`
        : `${who}, ${why}`;
  return {
    count: n,
    letIn,
    text,
    children: children.slice(0, MAX_LISTED),
    more: Math.max(0, n - MAX_LISTED),
  };
}

/** The preview panel: what a draw would give. */
function previewView(plan: SamplePlan, request: DrawRequest) {
  const stratified = request.method === 'stratified';
  return {
    seed: plan.seed,
    asOf: plan.scope.asOf,
    cohortName: plan.cohortName,
    tool: plan.tool.name,
    cohortSize: plan.cohortSize,
    onePerFamily: plan.definition.onePerFamily,
    sampleSize: plan.sampleSize,
    margin: marginText(plan.marginOfError),
    stratifiedBy: stratified && request.stratifyBy ? STRATIFY_LABELS[request.stratifyBy] : null,
    strata: stratified ? plan.strata : [],
    notes: plan.notes,
    alreadySampled: alreadySampledView(
      plan.alreadySampled,
      plan.includeSampled,
      plan.definition.onePerFamily,
      plan.againOf?.name,
    ),
    sizes: plan.sizesForMargins.map((s) => ({
      margin: pointsText(s.margin),
      size: s.size,
      all: s.size >= plan.cohortSize,
    })),
  };
}

/** The draw form (pages/samples/new.njk). */
export function drawView(page: DrawPage) {
  const preview = page.plan && page.request ? previewView(page.plan, page.request) : undefined;
  return {
    pageTitle: preview ? 'Check the sample' : 'Draw a sample',
    errors: page.errors,
    values: page.values,
    cycles: page.cycles,
    cohorts: page.cohorts,
    kinds: ACTIVITY_KINDS.map((value) => {
      const choice = page.tools.find((t) => t.kind === value);
      const chosen = choice ? page.values[choice.field] : '';
      return {
        value,
        text: ACTIVITY_KIND_LABELS[value],
        hint: ACTIVITY_KIND_HINTS[value],
        // the audit tool its audits will use: a choice among the council's tools of the kind
        tool: choice && {
          field: choice.field,
          words: ACTIVITY_KIND_LABELS[value].toLowerCase(),
          planned: choice.planned?.name ?? null,
          hasTools: choice.tools.length > 0,
          items: [
            ...(chosen === '' ? [{ value: '', text: 'Choose the audit tool', selected: true }] : []),
            ...choice.tools.map((t) => ({
              value: t.id,
              text: t.id === choice.planned?.id ? `${t.name} (planned for this cycle)` : t.name,
              selected: t.id === chosen,
            })),
          ],
        },
      };
    }),
    // a dip sample may look at reviewing officers' footprint, each audit going to their manager
    footprints: [
      { value: '', text: 'No: an ordinary dip sample', checked: page.values.footprint === '' },
      ...REVIEWING_OFFICER_KINDS.map((value) => ({
        value,
        text: FOOTPRINT_LABELS[value],
        checked: page.values.footprint === value,
      })),
    ],
    strataOptions: Object.entries(STRATIFY_LABELS).map(([value, label]) => ({
      value,
      text: label.charAt(0).toUpperCase() + label.slice(1),
    })),
    stratumWord: STRATIFY_LABELS[page.values.stratifyBy as StratifyBy] ?? 'stratum',
    preview,
    reverse: page.reverse,
    olderData: page.olderData
      ? {
          asOf: page.olderData.asOf,
          latestAsOf: page.olderData.latestAsOf,
          latestHref: `/samples/new?${page.olderData.latestQuery}`,
        }
      : undefined,
  };
}

/** What the last automatic allocation of a sample did, kept in the session for its page. */
export interface AllocationResult {
  sampleId: string;
  allocated: number;
  /** the first MAX_EXPLAINED of those not allocated, with why */
  unallocated: { auditId: string; reason: string }[];
  notAllocated: number;
}

/** "Draw again with this seed": the draw form filled in as the sample was drawn. */
function drawAgainHref(sample: SamplePage['sample']) {
  if (!sample.cohort_id) return null;
  const stratified = sample.method === 'stratified' && sample.stratify_by;
  const query = new URLSearchParams({
    cohort: sample.cohort_id ?? '',
    month: sample.month_id,
    kind: sample.kind,
    sizeKind: sample.per_stratum ? 'count' : sample.size_kind,
    ...(sample.per_stratum
      ? {}
      : sample.size_kind === 'percent'
        ? { percent: String(sample.size_value) }
        : { count: String(sample.size_value) }),
    method: sample.method,
    ...(stratified ? { stratifyBy: sample.stratify_by as string } : {}),
    ...(sample.per_stratum ? { allocation: 'fixed', perStratum: String(sample.per_stratum) } : {}),
    ...(sample.tool_id ? { [TOOL_FIELDS[sample.kind]]: sample.tool_id } : {}),
    seed: String(sample.seed),
    ...(sample.allow_same_team ? { allowSameTeam: 'yes' } : {}),
    ...(sample.footprint ? { footprint: sample.footprint } : {}),
    ...(sample.snapshot_id ? { snapshot: sample.snapshot_id } : {}),
    // the children it left out are left out again; or let in, as they were
    ...(sample.include_sampled ? { includeSampled: 'yes' } : { again: sample.id }),
  });
  return `/samples/new?${query}`;
}

/** "27 Nov 2026": short months keep the table narrow */
const shortDate = (iso: string) =>
  new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });

/** A sample and its audits (pages/samples/sample.njk), with what the last allocation did, once. */
export function sampleView(
  { sample, audits, names, why, leftOut, officers }: SamplePage,
  errors: FieldError[] | undefined,
  kept: AllocationResult | undefined,
) {
  const count = (...statuses: AuditStatus[]) => audits.filter((a) => statuses.includes(a.status)).length;
  const refs = new Map(audits.map((a) => [a.id, a.child_ref]));
  const result = kept && {
    allocated: kept.allocated,
    notAllocated: kept.notAllocated ?? kept.unallocated.length,
    unallocated: kept.unallocated.map((u) => ({ childRef: refs.get(u.auditId) ?? '', reason: u.reason })),
  };
  const stratified = sample.method === 'stratified' && sample.stratify_by;
  const by = STRATIFY_LABELS[sample.stratify_by as StratifyBy];
  return {
    pageTitle: `Sample: ${sample.cohort_name}`,
    errors,
    sample,
    monthName: monthName(sample.month),
    kind: sample.footprint
      ? `${ACTIVITY_KIND_LABELS[sample.kind]}: ${FOOTPRINT_LABELS[sample.footprint]}, each audit with the officer’s service manager`
      : ACTIVITY_KIND_LABELS[sample.kind],
    tool:
      sample.tool_name ??
      `Not recorded: its audits use the cycle’s planned ${ACTIVITY_KIND_LABELS[sample.kind].toLowerCase()} tool, else the council’s own`,
    definition: describeDefinition(sample.definition, names),
    method: stratified
      ? `Stratified by ${by}, ${sample.per_stratum ? `${sample.per_stratum} from each ${by}` : 'in proportion to their size'}`
      : 'Simple random sample',
    size: sample.per_stratum
      ? `${sample.sample_size} (${sample.per_stratum} from each ${by}, fewer where there are not enough)`
      : sample.size_kind === 'percent'
        ? `${sample.sample_size} (${sample.size_value}% of the cohort)`
        : String(sample.sample_size),
    margin: marginText(sample.margin_of_error),
    leftOut: alreadySampledView(leftOut, sample.include_sampled, sample.definition.onePerFamily),
    drawAgainHref: drawAgainHref(sample),
    strata: stratified ? sample.strata : [],
    progress: {
      allocated: count('allocated', 'in_progress'),
      returned: count('submitted'),
      unallocated: count('unallocated'),
      exempted: count('exempted'),
    },
    audits: audits.map((a) => ({
      ...a,
      tag: STATUS_TAGS[a.status],
      due: a.due_on ? shortDate(a.due_on) : '',
      why: why.get(a.id),
      reviewingOfficer: officers.get(a.id) ?? null,
      exemption: a.exemption_reason
        ? [EXEMPTION_REASONS.find((r) => r.value === a.exemption_reason)?.text, a.exemption_note]
            .filter(Boolean)
            .join(': ')
        : null,
    })),
    result,
  };
}

/** Where the allocation and exemption pages go back to: the audit's sample, or its cycle. */
export const backTo = (audit: AuditToAllocate) =>
  audit.sample_id ? `/samples/${audit.sample_id}` : `/programme/months/${audit.month_id}`;

const isClosed = (audit: AuditToAllocate) => audit.status === 'exempted' || audit.status === 'submitted';

interface FormExtra {
  errors?: FieldError[];
  values?: Record<string, string>;
}

/** Choosing an audit's auditor (pages/samples/allocation.njk). */
export function allocationView(audit: AuditToAllocate, choices: AuditorChoice[], extra: FormExtra = {}) {
  return {
    pageTitle: audit.auditor_id ? 'Change the auditor' : 'Allocate the audit',
    errors: extra.errors,
    values: extra.values ?? {},
    audit,
    kind: ACTIVITY_KIND_LABELS[audit.kind],
    back: backTo(audit),
    closed: isClosed(audit),
    eligible: choices.filter((c) => c.reason === null && c.id !== audit.auditor_id),
    ineligible: choices.filter((c) => c.reason !== null && c.id !== audit.auditor_id),
  };
}

/** Exempting an audit (pages/samples/exempt.njk). */
export function exemptView(audit: AuditToAllocate, extra: FormExtra = {}) {
  return {
    pageTitle: 'Exempt the audit',
    errors: extra.errors,
    values: extra.values ?? {},
    audit,
    kind: ACTIVITY_KIND_LABELS[audit.kind],
    back: backTo(audit),
    reasons: EXEMPTION_REASONS,
    closed: isClosed(audit),
  };
}
