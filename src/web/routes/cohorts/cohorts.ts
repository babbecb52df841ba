import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  COHORT_STATUS_LABELS,
  COHORT_STATUSES,
  type CohortDefinition,
  emptyDefinition,
  PLACEMENT_KIND_LABELS,
  PLACEMENT_KINDS,
  REPEAT_KIND_LABELS,
  REPEAT_KINDS,
} from '../../../domain/cohort-definition.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { ETHNICITY_CODES } from '../../../import/values.ts';
import {
  type CohortBreakdown,
  type CohortScope,
  cohortBreakdown,
  latestScope,
} from '../../../services/sampling/cohort-query.ts';
import {
  archiveCohort,
  type CohortView,
  checkDefinition,
  cohortFormOptions,
  cohortNames,
  cohortSizes,
  createCohort,
  ensureExampleCohorts,
  type FilterEffect,
  filterEffects,
  getCohort,
  hasCohorts,
  knownPlaces,
  listCohorts,
  MAX_DESCRIPTION,
  MAX_NAME,
  restoreCohort,
  updateCohort,
} from '../../../services/sampling/cohorts.ts';

type Body = Record<string, unknown>;
type FormValues = Record<string, string | string[]>;

const cohortParam = z.object({ cohortId: z.uuid() });

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] =>
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
function dateField(body: Body, field: string): string | null {
  const [day, month, year] = ['day', 'month', 'year'].map((p) => text(body[`${field}-${p}`]));
  if (!day && !month && !year) return null;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'not a date';
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** The filters as the form sends them, for the service to check. */
export function definitionFromForm(body: Body): Record<string, unknown> {
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

/** A saved cohort as the form's fields. */
function formValues(cohort: { name: string; description: string; definition: CohortDefinition }): FormValues {
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
function sentValues(body: Body): FormValues {
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
function linkedErrors(errors: FieldError[]): FieldError[] {
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

/** The cohort's size and, when it holds nobody, which filters remove everyone. */
async function sizeOf(db: Db, councilId: string, scope: CohortScope, d: CohortDefinition) {
  const breakdown = withShares(await cohortBreakdown(db, scope, d));
  let effects: FilterEffect[] = [];
  if (breakdown.children === 0) effects = await filterEffects(db, scope, d, await cohortNames(db, councilId));
  return {
    ...breakdown,
    letIn: effects.filter((e) => e.childrenWithout > 0).sort((a, b) => b.childrenWithout - a.childrenWithout),
    filtersSet: effects.length,
  };
}

const ethnicityText = (e: string) => {
  const label = ETHNICITY_CODES[e.toUpperCase() as keyof typeof ETHNICITY_CODES];
  return label ? `${label} (${e})` : e;
};

/** The choices the form offers, as GOV.UK items without their checked state (the page sets it). */
async function formChoices(db: Db, councilId: string, scope: CohortScope | undefined, values: FormValues) {
  const options = await cohortFormOptions(db, councilId, scope);
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

/**
 * Cohorts, for the QA lead: who could be audited, saved under a name, with its size and where its
 * children are on the latest case data before anything is drawn. Cohorts are archived, never
 * deleted. Everything works with plain form posts.
 */
export default async function cohortRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const config = { access: 'sampling.manage' as const };

  const councilOf = (request: FastifyRequest) => (request.user as { councilId: string }).councilId;

  app.get('/cohorts', { config }, async (request, reply) => {
    const councilId = councilOf(request);
    // a council made before cohorts existed gets the examples the first time anyone looks
    if (!(await hasCohorts(db, councilId))) await ensureExampleCohorts(db, councilId);
    const cohorts = await listCohorts(db, councilId);
    const scope = await latestScope(db, councilId);
    const active = cohorts.filter((c) => !c.archived);
    const sizes = scope
      ? await cohortSizes(
          db,
          scope,
          active.flatMap((c) => (c.definition ? [{ key: c.id, definition: c.definition }] : [])),
        )
      : new Map<string, number>();
    return reply.render('pages/cohorts/list.njk', {
      pageTitle: 'Cohorts',
      scope,
      active: active.map((c) => ({ ...c, size: sizes.get(c.id) })),
      archived: cohorts.filter((c) => c.archived),
    });
  });

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: {
      cohort?: CohortView;
      values: FormValues;
      errors?: FieldError[];
      preview?: Awaited<ReturnType<typeof sizeOf>> | { noData: true };
    },
  ) {
    const councilId = councilOf(request);
    const scope = await latestScope(db, councilId);
    const { cohort } = page;
    return reply.render('pages/cohorts/form.njk', {
      pageTitle: cohort ? `Change ${cohort.name}` : 'Create a cohort',
      cohort,
      action: cohort ? `/cohorts/${cohort.id}/edit` : '/cohorts/new',
      values: page.values,
      errors: page.errors ? linkedErrors(page.errors) : undefined,
      preview: page.preview,
      scope,
      choices: await formChoices(db, councilId, scope, page.values),
      maxName: MAX_NAME,
      maxDescription: MAX_DESCRIPTION,
    });
  }

  /** "Check size": the filters checked and counted, nothing saved. */
  async function preview(request: FastifyRequest<{ Body: Body }>, reply: FastifyReply, cohort?: CohortView) {
    const councilId = councilOf(request);
    const body = request.body ?? {};
    const values = sentValues(body);
    const checked = checkDefinition(definitionFromForm(body), await knownPlaces(db, councilId));
    if (!checked.ok) {
      reply.code(400);
      return formPage(request, reply, { cohort, values, errors: checked.errors });
    }
    const scope = await latestScope(db, councilId);
    return formPage(request, reply, {
      cohort,
      values,
      preview: scope ? await sizeOf(db, councilId, scope, checked.value) : { noData: true },
    });
  }

  const input = (body: Body) => ({
    name: body.name,
    description: body.description,
    definition: definitionFromForm(body),
  });

  app.get<{ Querystring: { from?: string } }>('/cohorts/new', { config }, async (request, reply) => {
    const councilId = councilOf(request);
    const from = request.query?.from;
    if (from) {
      // a copy of another cohort, to change and save under a new name
      try {
        const source = await getCohort(db, councilId, from);
        if (source.definition)
          return formPage(request, reply, {
            values: formValues({
              name: `Copy of ${source.name}`.slice(0, MAX_NAME),
              description: source.description,
              definition: source.definition,
            }),
          });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return formPage(request, reply, {
      values: formValues({ name: '', description: '', definition: emptyDefinition() }),
    });
  });

  app.post<{ Body: Body }>('/cohorts/new', { config }, async (request, reply) => {
    const body = request.body ?? {};
    if (text(body.action) === 'check') return preview(request, reply);
    try {
      const id = await createCohort(db, councilOf(request), input(body), {
        createdBy: request.user?.staffId ?? null,
      });
      request.session.flash = { kind: 'success', text: `The cohort “${text(body.name)}” has been saved` };
      return reply.redirect(`/cohorts/${id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(request, reply, { values: sentValues(body), errors: err.errors });
    }
  });

  /** The cohort named in the address, or the 404 page. */
  async function cohortOf(request: FastifyRequest): Promise<CohortView | undefined> {
    const params = cohortParam.safeParse(request.params);
    if (!params.success) return undefined;
    try {
      return await getCohort(db, councilOf(request), params.data.cohortId);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  app.get('/cohorts/:cohortId', { config }, async (request, reply) => {
    const cohort = await cohortOf(request);
    if (!cohort) return reply.callNotFound();
    const councilId = councilOf(request);
    const scope = await latestScope(db, councilId);
    const size =
      scope && cohort.definition ? await sizeOf(db, councilId, scope, cohort.definition) : undefined;
    return reply.render('pages/cohorts/cohort.njk', {
      pageTitle: cohort.name,
      cohort,
      scope,
      size,
    });
  });

  app.get('/cohorts/:cohortId/edit', { config }, async (request, reply) => {
    const cohort = await cohortOf(request);
    if (!cohort) return reply.callNotFound();
    return formPage(request, reply, {
      cohort,
      values: formValues({
        name: cohort.name,
        description: cohort.description,
        definition: cohort.definition ?? emptyDefinition(),
      }),
    });
  });

  app.post<{ Body: Body }>('/cohorts/:cohortId/edit', { config }, async (request, reply) => {
    const cohort = await cohortOf(request);
    if (!cohort) return reply.callNotFound();
    const body = request.body ?? {};
    if (text(body.action) === 'check') return preview(request, reply, cohort);
    try {
      await updateCohort(db, councilOf(request), cohort.id, input(body));
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(request, reply, { cohort, values: sentValues(body), errors: err.errors });
    }
    request.session.flash = { kind: 'success', text: 'The cohort has been saved' };
    return reply.redirect(`/cohorts/${cohort.id}`);
  });

  app.post('/cohorts/:cohortId/archive', { config }, async (request, reply) => {
    const cohort = await cohortOf(request);
    if (!cohort) return reply.callNotFound();
    await archiveCohort(db, councilOf(request), cohort.id);
    request.session.flash = {
      kind: 'success',
      text: `“${cohort.name}” has been archived. Samples drawn from it keep it.`,
    };
    return reply.redirect('/cohorts');
  });

  app.post('/cohorts/:cohortId/restore', { config }, async (request, reply) => {
    const cohort = await cohortOf(request);
    if (!cohort) return reply.callNotFound();
    await restoreCohort(db, councilOf(request), cohort.id);
    request.session.flash = { kind: 'success', text: `“${cohort.name}” is in use again` };
    return reply.redirect(`/cohorts/${cohort.id}`);
  });
}
