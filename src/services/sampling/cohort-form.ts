import type { CohortDefinition } from '../../domain/cohort-definition.ts';
import type { FieldError } from '../../domain/validation.ts';

/**
 * The cohort form as a person fills it in: the filters read from what it sends (for checkCohort to
 * refuse with its own messages), a saved cohort as its fields, and its errors in the form's order.
 */

/** A cohort form as sent: each field text, or several values for checkboxes. */
export type CohortFormBody = Record<string, unknown>;
/** The form's fields, to fill it in. */
export type FormValues = Record<string, string | string[]>;

/** One field as typed, trimmed: '' when absent or sent more than once. */
export const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** A field that may be sent several times: every non-empty value, trimmed. */
export const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .filter((x): x is string => typeof x === 'string')
    .map((x) => x.trim())
    .filter(Boolean);
const words = (v: string) =>
  v
    .split(/[,;\n]/)
    .map((w) => w.trim())
    .filter(Boolean);

/** A whole number as typed; anything else is handed on as typed so that its field says what is wrong. */
function numberField(v: unknown): number | string | null {
  const s = text(v);
  if (!s) return null;
  return /^\d{1,4}$/.test(s) ? Number(s) : s;
}

const DATE_FIELDS = ['cpPlanStartedFrom', 'cpPlanStartedTo'] as const;

/** A GOV.UK date input's three parts as YYYY-MM-DD; empty is null; parts missing or not numbers are refused by the check. */
function dateField(body: CohortFormBody, field: string): string | null {
  const [day, month, year] = ['day', 'month', 'year'].map((p) => text(body[`${field}-${p}`]));
  if (!day && !month && !year) return null;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'not a date';
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/**
 * The step up's window as typed. Left empty, it is the usual window, unless it is the one thing
 * the step up needs (something ticked to come before the plan, and not "any time before").
 */
function stepUpMonths(body: CohortFormBody): number | string | null | undefined {
  const months = numberField(body.cpPlanAfterWithinMonths);
  if (months !== null) return months;
  const needed = list(body.cpPlanAfter).length > 0 && text(body.cpPlanAfterWhen) !== 'ever';
  return needed ? null : undefined;
}

/** The filters as the form sends them, for the service to check. */
export function definitionFromForm(body: CohortFormBody): Record<string, unknown> {
  const options = list(body.options);
  return {
    serviceAreaIds: list(body.serviceAreaIds),
    teamIds: list(body.teamIds),
    localityIds: list(body.localityIds),
    statuses: list(body.statuses),
    cinPlanLongerThanMonths: numberField(body.cinPlanLongerThanMonths),
    cameIntoCareWithinMonths: numberField(body.cameIntoCareWithinMonths),
    cpPlanStartedFrom: dateField(body, 'cpPlanStartedFrom'),
    cpPlanStartedTo: dateField(body, 'cpPlanStartedTo'),
    referredWithinMonths: numberField(body.referredWithinMonths),
    assessmentCompletedWithinMonths: numberField(body.assessmentCompletedWithinMonths),
    previousCpPlan: text(body.previousCpPlan) === 'yes',
    cpPlanAfter: list(body.cpPlanAfter),
    cpPlanAfterWhen: text(body.cpPlanAfterWhen) || undefined,
    cpPlanAfterWithinMonths: stepUpMonths(body),
    cpCategoryWords: words(text(body.cpCategoryWords)),
    repeatOf: list(body.repeatOf),
    placementKinds: list(body.placementKinds),
    ageFrom: numberField(body.ageFrom),
    ageTo: numberField(body.ageTo),
    disability: text(body.disability) || 'any',
    uasc: text(body.uasc) || 'any',
    ethnicities: 'ethnicitiesText' in body ? words(text(body.ethnicitiesText)) : list(body.ethnicities),
    onePerFamily: options.includes('onePerFamily'),
    excludeClosed: options.includes('excludeClosed'),
    excludeAuditedWithinMonths: numberField(body.excludeAuditedWithinMonths),
  };
}

/** What the form sends for a cohort to be saved: its name, description and filters. */
export const cohortInput = (body: CohortFormBody) => ({
  name: body.name,
  description: body.description,
  definition: definitionFromForm(body),
});

/** A saved cohort as the form's fields. */
export function formValues(cohort: {
  name: string;
  description: string;
  definition: CohortDefinition;
}): FormValues {
  const d = cohort.definition;
  const n = (v: number | null) => (v === null ? '' : String(v));
  const values: FormValues = {
    name: cohort.name,
    description: cohort.description,
    serviceAreaIds: d.serviceAreaIds,
    teamIds: d.teamIds,
    localityIds: d.localityIds,
    statuses: d.statuses,
    cinPlanLongerThanMonths: n(d.cinPlanLongerThanMonths),
    cameIntoCareWithinMonths: n(d.cameIntoCareWithinMonths),
    referredWithinMonths: n(d.referredWithinMonths),
    assessmentCompletedWithinMonths: n(d.assessmentCompletedWithinMonths),
    previousCpPlan: d.previousCpPlan ? 'yes' : '',
    cpPlanAfter: d.cpPlanAfter,
    cpPlanAfterWhen: d.cpPlanAfterWhen,
    cpPlanAfterWithinMonths: String(d.cpPlanAfterWithinMonths),
    cpCategoryWords: d.cpCategoryWords.join(', '),
    repeatOf: d.repeatOf,
    placementKinds: d.placementKinds,
    ageFrom: n(d.ageFrom),
    ageTo: n(d.ageTo),
    disability: d.disability,
    uasc: d.uasc,
    ethnicities: d.ethnicities,
    ethnicitiesText: d.ethnicities.join(', '),
    options: [...(d.onePerFamily ? ['onePerFamily'] : []), ...(d.excludeClosed ? ['excludeClosed'] : [])],
    excludeAuditedWithinMonths: n(d.excludeAuditedWithinMonths),
  };
  for (const field of DATE_FIELDS) {
    const [year, month, day] = (d[field] ?? '').split('-');
    values[`${field}-day`] = day ? String(Number(day)) : '';
    values[`${field}-month`] = month ? String(Number(month)) : '';
    values[`${field}-year`] = year ?? '';
  }
  return values;
}

/** What was sent, to fill the form in again. */
export function sentValues(body: CohortFormBody): FormValues {
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf' || k === 'action') continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  // a form sent with every option unticked sends no options: none are chosen
  if (!out.options) out.options = [];
  return out;
}

/** The fields in the order the form shows them. */
const FORM_ORDER = [
  'name',
  'description',
  'serviceAreaIds',
  'teamIds',
  'localityIds',
  'statuses',
  'cinPlanLongerThanMonths',
  'cameIntoCareWithinMonths',
  'referredWithinMonths',
  'assessmentCompletedWithinMonths',
  'cpPlanStartedFrom',
  'cpPlanStartedTo',
  'previousCpPlan',
  'cpPlanAfter',
  'cpPlanAfterWhen',
  'cpPlanAfterWithinMonths',
  'cpCategoryWords',
  'repeatOf',
  'placementKinds',
  'ageFrom',
  'ageTo',
  'disability',
  'uasc',
  'ethnicities',
  'onePerFamily',
  'excludeClosed',
  'excludeAuditedWithinMonths',
];

/** Errors in the order of the form, each linked to the field to go to: a date's first box. */
export function linkedErrors(errors: FieldError[]): FieldError[] {
  const rank = (field: string) => {
    const i = FORM_ORDER.indexOf(field);
    return i < 0 ? FORM_ORDER.length : i;
  };
  return [...errors]
    .sort((a, b) => rank(a.field) - rank(b.field))
    .map((e) =>
      (DATE_FIELDS as readonly string[]).includes(e.field) ? { ...e, field: `${e.field}-day` } : e,
    );
}
