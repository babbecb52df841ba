import {
  COHORT_STATUS_LABELS,
  COHORT_STATUSES,
  PLACEMENT_KIND_LABELS,
  PLACEMENT_KINDS,
  REPEAT_KIND_LABELS,
  REPEAT_KINDS,
} from '../../../domain/cohort-definition.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { ETHNICITY_CODES } from '../../../import/values.ts';
import { type FormValues, linkedErrors, list } from '../../../services/sampling/cohort-form.ts';
import type { CohortFormPage, CohortSize } from '../../../services/sampling/cohort-pages.ts';
import type { CohortBreakdown } from '../../../services/sampling/cohort-query.ts';
import { type CohortFormOptions, MAX_DESCRIPTION, MAX_NAME } from '../../../services/sampling/cohorts.ts';

/** The cohort pages' figures and choices, made from what their services return. */

const pct = (n: number, total: number) => {
  if (total === 0) return '';
  const share = (100 * n) / total;
  return share > 0 && share < 1 ? '<1%' : `${Math.round(share)}%`;
};

function withShares(b: CohortBreakdown) {
  const rows = (groups: CohortBreakdown['byTeam']) =>
    groups.map((g) => ({
      name: g.name,
      missing: g.id === null,
      children: g.children,
      text: `${g.children.toLocaleString('en-GB')} (${pct(g.children, b.children)})`,
    }));
  return {
    children: b.children,
    families: b.families,
    asOf: b.scope.asOf,
    byTeam: rows(b.byTeam),
    byServiceArea: rows(b.byServiceArea),
    byLocality: rows(b.byLocality),
  };
}

/** A cohort's size with each group's share, and the filters that empty it. */
export function sizeView(size: CohortSize) {
  return { ...withShares(size.breakdown), letIn: size.letIn, filtersSet: size.filtersSet };
}

const ethnicityText = (e: string) => {
  const label = ETHNICITY_CODES[e.toUpperCase() as keyof typeof ETHNICITY_CODES];
  return label ? `${label} (${e})` : e;
};

/** The choices the form offers, as GOV.UK items without their checked state (the page sets it). */
function formChoices(options: CohortFormOptions, values: FormValues) {
  const item = (value: string, text: string, hint?: string) => ({ value, text, ...(hint ? { hint } : {}) });
  // ethnicities chosen before and no longer in the case data stay on offer
  // (in the spelling chosen, so the box stays ticked whatever the case data's case)
  const chosen = list(values.ethnicities);
  const ethnicities = options.ethnicities.map(
    (e) => chosen.find((c) => c.toLowerCase() === e.toLowerCase()) ?? e,
  );
  for (const e of chosen) if (!ethnicities.includes(e)) ethnicities.push(e);
  return {
    serviceAreas: options.serviceAreas.map((s) => item(s.id, s.name)),
    localities: options.localities.map((l) => item(l.id, l.name)),
    teamGroups: options.teamGroups.map((g, i) => ({
      legend: g.serviceArea,
      idPrefix: i === 0 ? 'teamIds' : `teamIds-group${i + 1}`,
      items: g.teams.map((t) => item(t.id, t.name)),
    })),
    statuses: COHORT_STATUSES.map((s) =>
      item(
        s,
        COHORT_STATUS_LABELS[s],
        s === 'no_current_plan'
          ? 'Open, with no child in need, protection, care, care leaver or early help plan now'
          : s === 'pre_proceedings'
            ? 'Runs alongside a plan'
            : undefined,
      ),
    ),
    cpPlanAfter: [
      item('cin_plan', 'A child in need plan'),
      item('early_help', 'Early help or family support'),
    ],
    repeatOf: REPEAT_KINDS.map((k) => item(k, REPEAT_KIND_LABELS[k])),
    placementKinds: PLACEMENT_KINDS.map((k) => item(k, PLACEMENT_KIND_LABELS[k])),
    ethnicities: ethnicities.map((e) => item(e, ethnicityText(e))),
  };
}

/** A list of more choices than this is folded away, under a summary of how many are chosen. */
export const FOLD_CHOICES_OVER = 8;

/** The fields chosen from lists of boxes, with how many of each are chosen. */
const CHOICE_FIELDS = ['serviceAreaIds', 'teamIds', 'localityIds', 'ethnicities', 'placementKinds'];

/**
 * The groups of filters the form folds away, each with its fields: a group is open when one of
 * them is set or wrong, and its summary says how many are set.
 */
const FOLDED_GROUPS = {
  times: [
    'cinPlanLongerThanMonths',
    'cameIntoCareWithinMonths',
    'referredWithinMonths',
    'assessmentCompletedWithinMonths',
  ],
  cpPlan: [
    'cpPlanStartedFrom',
    'cpPlanStartedTo',
    'previousCpPlan',
    'cpPlanAfter',
    'cpPlanAfterWhen',
    'cpPlanAfterWithinMonths',
    'cpCategoryWords',
  ],
  repeats: ['repeatOf', 'placementKinds'],
  child: ['ageFrom', 'ageTo', 'disability', 'uasc', 'ethnicities'],
} as const;

/** Whether a filter is set on the form: typed in, ticked, or a choice other than "any". */
function isSet(values: FormValues, field: string): boolean {
  if (field === 'cpPlanStartedFrom' || field === 'cpPlanStartedTo')
    return ['day', 'month', 'year'].some((p) => list(values[`${field}-${p}`]).length > 0);
  if (field === 'disability' || field === 'uasc') return !['', 'any'].includes(list(values[field])[0] ?? '');
  if (field === 'previousCpPlan') return list(values[field]).includes('yes');
  // the step up's window is a detail of what came before, not a filter of its own
  if (field === 'cpPlanAfterWhen' || field === 'cpPlanAfterWithinMonths') return false;
  if (field === 'ethnicities')
    return list(values.ethnicities).length + list(values.ethnicitiesText).length > 0;
  return list(values[field]).length > 0;
}

/** Each folded group: how many of its filters are set, and whether it is open. */
function foldedGroups(values: FormValues, errors: FieldError[]) {
  const entries = Object.entries(FOLDED_GROUPS).map(([name, fields]) => {
    const set = fields.filter((f) => isSet(values, f)).length;
    const wrong = errors.some((e) => fields.some((f) => e.field === f || e.field.startsWith(`${f}-`)));
    return [name, { set, open: set > 0 || wrong }];
  });
  return Object.fromEntries(entries) as Record<keyof typeof FOLDED_GROUPS, { set: number; open: boolean }>;
}

/** The form to create or change a cohort (pages/cohorts/form.njk). */
export function formView(page: CohortFormPage) {
  const { cohort } = page;
  const choices = formChoices(page.options, page.values);
  return {
    pageTitle: cohort ? `Change ${cohort.name}` : 'Create a cohort',
    cohort,
    action: cohort ? `/cohorts/${cohort.id}/edit` : '/cohorts/new',
    values: page.values,
    errors: page.errors ? linkedErrors(page.errors) : undefined,
    preview: page.preview && ('noData' in page.preview ? page.preview : sizeView(page.preview)),
    scope: page.scope,
    choices,
    teamCount: choices.teamGroups.reduce((n, g) => n + g.items.length, 0),
    folds: foldedGroups(page.values, page.errors ?? []),
    chosen: Object.fromEntries(CHOICE_FIELDS.map((f) => [f, list(page.values[f]).length])),
    foldOver: FOLD_CHOICES_OVER,
    maxName: MAX_NAME,
    maxDescription: MAX_DESCRIPTION,
  };
}
