import type { Db } from '../../data/db.ts';
import { type CohortDefinition, emptyDefinition } from '../../domain/cohort-definition.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  type CohortFormBody,
  cohortInput,
  definitionFromForm,
  type FormValues,
  formValues,
  sentValues,
  text,
} from './cohort-form.ts';
import { type CohortBreakdown, type CohortScope, cohortBreakdown, latestScope } from './cohort-query.ts';
import {
  type CohortFormOptions,
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
  MAX_NAME,
  updateCohort,
} from './cohorts.ts';

/**
 * What the cohort pages show: the list with each cohort's size now, one cohort with where its
 * children are, and the form with its choices and "Check size".
 */

/** The council's cohorts, in use (each with its size on the latest case data) and archived. */
export async function cohortListPage(db: Db, councilId: string) {
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
  return {
    scope,
    active: active.map((c) => ({ ...c, size: sizes.get(c.id) })),
    archived: cohorts.filter((c) => c.archived),
  };
}

/** A cohort's size and where its children are; when it holds nobody, which filters remove everyone. */
export interface CohortSize {
  breakdown: CohortBreakdown;
  /** the filters that, cleared alone, would let children in: most first */
  letIn: FilterEffect[];
  /** how many filters are set (counted only for an empty cohort) */
  filtersSet: number;
}

async function sizeOf(
  db: Db,
  councilId: string,
  scope: CohortScope,
  d: CohortDefinition,
): Promise<CohortSize> {
  const breakdown = await cohortBreakdown(db, scope, d);
  let effects: FilterEffect[] = [];
  if (breakdown.children === 0) effects = await filterEffects(db, scope, d, await cohortNames(db, councilId));
  return {
    breakdown,
    letIn: effects.filter((e) => e.childrenWithout > 0).sort((a, b) => b.childrenWithout - a.childrenWithout),
    filtersSet: effects.length,
  };
}

/** One cohort, with its size on the latest case data (none before any is loaded). */
export async function cohortPage(db: Db, councilId: string, cohortId: string) {
  const cohort = await getCohort(db, councilId, cohortId);
  const scope = await latestScope(db, councilId);
  const size = scope && cohort.definition ? await sizeOf(db, councilId, scope, cohort.definition) : undefined;
  return { cohort, scope, size };
}

export interface CohortFormPage {
  /** the cohort being changed; none for a new one */
  cohort?: CohortView;
  values: FormValues;
  errors?: FieldError[];
  /** "Check size": the size of the filters sent, or that there is no case data to count */
  preview?: CohortSize | { noData: true };
  scope: CohortScope | undefined;
  /** what the form offers to choose */
  options: CohortFormOptions;
}

async function formPage(
  db: Db,
  councilId: string,
  page: Omit<CohortFormPage, 'scope' | 'options'>,
  scope?: CohortScope,
): Promise<CohortFormPage> {
  const latest = scope ?? (await latestScope(db, councilId));
  return { ...page, scope: latest, options: await cohortFormOptions(db, councilId, latest) };
}

/** The form for a new cohort: empty, or a copy of the cohort `from` names to change and save anew. */
export async function newCohortPage(db: Db, councilId: string, from: string) {
  if (from) {
    try {
      const source = await getCohort(db, councilId, from);
      if (source.definition)
        return formPage(db, councilId, {
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
  return formPage(db, councilId, {
    values: formValues({ name: '', description: '', definition: emptyDefinition() }),
  });
}

/** The form to change a cohort, filled in from what was saved. */
export async function editCohortPage(db: Db, councilId: string, cohortId: string) {
  const cohort = await getCohort(db, councilId, cohortId);
  return formPage(db, councilId, {
    cohort,
    values: formValues({
      name: cohort.name,
      description: cohort.description,
      definition: cohort.definition ?? emptyDefinition(),
    }),
  });
}

/** "Check size": the filters sent checked and counted, nothing saved. */
async function checkedForm(db: Db, councilId: string, body: CohortFormBody, cohort?: CohortView) {
  const values = sentValues(body);
  const checked = checkDefinition(definitionFromForm(body), await knownPlaces(db, councilId));
  if (!checked.ok) return formPage(db, councilId, { cohort, values, errors: checked.errors });
  const scope = await latestScope(db, councilId);
  return formPage(
    db,
    councilId,
    { cohort, values, preview: scope ? await sizeOf(db, councilId, scope, checked.value) : { noData: true } },
    scope,
  );
}

/**
 * The form sent: counted when its button is "Check size" (`action=check`), else saved. The form is
 * shown again (`page`) with the count, or with what stops it being saved; or the cohort `saved`.
 */
type Submitted = { page: CohortFormPage } | { saved: { id: string; name: string } };

/** A new cohort's form sent. */
export async function submitNewCohort(
  db: Db,
  person: SignedInUser,
  body: CohortFormBody,
): Promise<Submitted> {
  const { councilId } = person;
  if (text(body.action) === 'check') return { page: await checkedForm(db, councilId, body) };
  try {
    const id = await createCohort(db, councilId, cohortInput(body), { createdBy: person.staffId });
    return { saved: { id, name: text(body.name) } };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { page: await formPage(db, councilId, { values: sentValues(body), errors: err.errors }) };
  }
}

/** A cohort's form sent to change it. */
export async function submitCohortChange(
  db: Db,
  councilId: string,
  cohortId: string,
  body: CohortFormBody,
): Promise<Submitted> {
  const cohort = await getCohort(db, councilId, cohortId);
  if (text(body.action) === 'check') return { page: await checkedForm(db, councilId, body, cohort) };
  try {
    await updateCohort(db, councilId, cohort.id, cohortInput(body));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { page: await formPage(db, councilId, { cohort, values: sentValues(body), errors: err.errors }) };
  }
  return { saved: { id: cohort.id, name: cohort.name } };
}
