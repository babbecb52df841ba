import { dateParts } from '../../../domain/date-input.ts';
import {
  RAG_RATINGS,
  type RagRating,
  type RagSuggestion,
  ragLabel,
  type Suggestion,
} from '../../../domain/improvement-plan.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type {
  CurrentRating,
  OutcomePage,
  PlanArea,
  PlanOutcome,
  PlanOverview,
} from '../../../services/improvement/plan.ts';
import { OVERALL } from '../../../services/improvement/plan.ts';

/**
 * What the plan's pages show: a rating as a GOV.UK tag with its word (never colour alone), "Not
 * rated" when there is none, and the suggestion beside a rating that differs from it.
 */

const TAG_CLASSES: Record<RagRating, string> = {
  red: 'govuk-tag--red',
  amber: 'govuk-tag--orange',
  green: 'govuk-tag--green',
  complete: 'govuk-tag--blue',
  not_started: 'govuk-tag--grey',
};

/** A rating as a tag: its word, and a colour that only repeats the word. */
export function ragTag(rag: RagRating) {
  return { text: ragLabel(rag), classes: TAG_CLASSES[rag] };
}

/** A suggestion in words: a tag for red, amber or green, plain words when too few to tell. */
export function suggestionView(suggestion: Suggestion | RagSuggestion | null | undefined) {
  if (!suggestion) return null;
  const rag = typeof suggestion === 'string' ? suggestion : suggestion.rag;
  const why = typeof suggestion === 'string' ? '' : suggestion.why;
  return {
    text: ragLabel(rag),
    tag: rag === 'too_few' ? null : ragTag(rag),
    why,
  };
}

/** A grid cell: the current rating, and the suggestion when it differs from the rating. */
export function cellView(current: CurrentRating | undefined, suggestion: Suggestion | null | undefined) {
  const differs =
    suggestion && suggestion.rag !== 'too_few' && (!current || current.rag !== suggestion.rag)
      ? suggestion
      : null;
  return {
    tag: current ? ragTag(current.rag) : null,
    reason: current?.reason ?? '',
    suggestion: suggestionView(differs),
  };
}

/** The plan page: each area's outcomes with one cell per locality and Overall. */
export function planView(overview: PlanOverview, suggestions: Map<string, Map<string, Suggestion | null>>) {
  const places = [
    ...overview.localities.map((l) => ({ key: l.id, name: l.name })),
    { key: '', name: 'Overall' },
  ];
  return {
    plan: overview.plan,
    places,
    outcomeCount: overview.areas.reduce((n, a) => n + a.outcomes.length, 0),
    areas: overview.areas.map((a) => ({
      ...a,
      heading: [a.number, a.title].filter(Boolean).join(' '),
      outcomes: a.outcomes.map((o) => ({
        ...o,
        cells: places.map((p) => ({
          place: p.name,
          ...cellView(o.ratings.get(p.key), suggestions.get(o.id)?.get(p.key)),
        })),
      })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Forms

export interface AreaValues {
  number: string;
  title: string;
  wantToSee: string;
  needsToChange: string;
  position: string;
}

export function areaValues(area?: PlanArea, place?: number): AreaValues {
  return {
    number: area?.number ?? '',
    title: area?.title ?? '',
    wantToSee: area?.want_to_see ?? '',
    needsToChange: area?.needs_to_change ?? '',
    position: place ? String(place) : '',
  };
}

export interface OutcomeValues {
  area: string;
  ref: string;
  outcome: string;
  lead: string;
  leadStaffId: string;
  'dueOn-day': string;
  'dueOn-month': string;
  'dueOn-year': string;
  evidenceNotes: string;
}

export function outcomeValues(outcome?: PlanOutcome, areaId = ''): OutcomeValues {
  const due = dateParts(outcome?.due_on ?? null);
  return {
    area: outcome?.area_id ?? areaId,
    ref: outcome?.ref ?? '',
    outcome: outcome?.outcome ?? '',
    lead: outcome?.lead ?? '',
    leadStaffId: outcome?.lead_staff_id ?? '',
    'dueOn-day': due.day,
    'dueOn-month': due.month,
    'dueOn-year': due.year,
    evidenceNotes: outcome?.evidence_notes ?? '',
  };
}

export interface OutcomePageValues {
  locality: string;
  rag: string;
  reason: string;
  'writtenOn-day': string;
  'writtenOn-month': string;
  'writtenOn-year': string;
  text: string;
}

export const emptyOutcomePageValues = (): OutcomePageValues => ({
  locality: '',
  rag: '',
  reason: '',
  'writtenOn-day': '',
  'writtenOn-month': '',
  'writtenOn-year': '',
  text: '',
});

const when = (s: RagSuggestion | null) => (s ? ragLabel(s) : 'Nothing to suggest from');

/** The outcome's page: details, the grid with suggestions, the forms, history and updates. */
export function outcomeView(
  page: OutcomePage,
  values: OutcomePageValues,
  errors: FieldError[] | undefined,
  badParts: string[],
) {
  const dateError = errors?.find((e) => e.field.startsWith('writtenOn-'));
  return {
    pageTitle: `Outcome ${page.outcome.ref}`,
    ...page,
    areaHeading: [page.area.number, page.area.title].filter(Boolean).join(' '),
    grid: page.grid.map((g) => ({
      place: g.place,
      tag: g.current ? ragTag(g.current.rag) : null,
      current: g.current,
      suggestion: suggestionView(g.suggestion),
      differs: Boolean(
        g.current && g.suggestion && g.suggestion.rag !== 'too_few' && g.suggestion.rag !== g.current.rag,
      ),
    })),
    history: page.history.map((h) => ({
      ...h,
      fromText: h.from ? ragLabel(h.from) : 'Not rated',
      toTag: ragTag(h.to),
      suggestedText: when(h.suggested),
    })),
    localityItems: [
      ...page.localities.map((l) => ({ value: l.id, text: l.name, checked: values.locality === l.id })),
      { value: OVERALL, text: 'Overall', checked: values.locality === OVERALL },
    ],
    ragItems: RAG_RATINGS.map((r) => ({ value: r.value, text: r.label, checked: values.rag === r.value })),
    values,
    errors,
    dateError: dateError ? { text: dateError.message } : undefined,
    badParts,
    hasMeasures: Boolean(page.evidence && page.evidence.measures.length > 0),
  };
}

export function outcomeFormValues(body: OutcomeValues): OutcomeValues {
  return {
    area: body.area,
    ref: body.ref,
    outcome: body.outcome,
    lead: body.lead,
    leadStaffId: body.leadStaffId,
    'dueOn-day': body['dueOn-day'],
    'dueOn-month': body['dueOn-month'],
    'dueOn-year': body['dueOn-year'],
    evidenceNotes: body.evidenceNotes,
  };
}
