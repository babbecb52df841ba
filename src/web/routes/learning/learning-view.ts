import { dateParts } from '../../../domain/date-input.ts';
import type { FieldError } from '../../../domain/validation.ts';
import {
  badDateParts,
  LEARNING_FORMATS,
  type LearningSession,
  type learningFormThemes,
  MAX_ATTENDED,
  MAX_NOTES,
  MAX_TITLE,
} from '../../../services/learning/learning-sessions.ts';

/** The learning session form's fields, as text, to fill it in. */
export interface FormValues {
  title: string;
  'heldOn-day': string;
  'heldOn-month': string;
  'heldOn-year': string;
  format: string;
  attended: string;
  notes: string;
  themes: string[];
}

/** What was sent, to fill the form in again when it is refused (other fields are left out). */
export function formValues(body: FormValues): FormValues {
  return {
    title: body.title,
    'heldOn-day': body['heldOn-day'],
    'heldOn-month': body['heldOn-month'],
    'heldOn-year': body['heldOn-year'],
    format: body.format,
    attended: body.attended,
    notes: body.notes,
    themes: body.themes,
  };
}

export const emptyValues = (): FormValues => ({
  title: '',
  'heldOn-day': '',
  'heldOn-month': '',
  'heldOn-year': '',
  format: '',
  attended: '',
  notes: '',
  themes: [],
});

/** A session as it is saved, to change it. */
export function sessionValues(session: LearningSession): FormValues {
  const date = dateParts(session.heldOn);
  return {
    title: session.title,
    'heldOn-day': date.day,
    'heldOn-month': date.month,
    'heldOn-year': date.year,
    format: session.format,
    attended: String(session.attended),
    notes: session.notes,
    themes: session.themes.map((t) => t.key),
  };
}

/** The form page: a new session, or one to change; its date's parts marked when the date is wrong. */
export function formView(options: {
  session?: LearningSession;
  values: FormValues;
  errors?: FieldError[];
  themes: Awaited<ReturnType<typeof learningFormThemes>>;
  today: string;
}) {
  const { session, values, errors, themes, today } = options;
  const dateError = errors?.find((e) => e.field.startsWith('heldOn-'));
  return {
    pageTitle: session ? `Change ${session.title}` : 'Record a learning session',
    session,
    values,
    errors,
    dateError: dateError ? { text: dateError.message } : undefined,
    badParts: dateError ? badDateParts(values, today) : [],
    formatItems: LEARNING_FORMATS.map((f) => ({
      value: f.value,
      text: f.label,
      checked: values.format === f.value,
    })),
    themeItems: themes.map((t) => ({
      value: t.key,
      text: t.active ? t.name : `${t.name} (retired)`,
      checked: values.themes.includes(t.key),
    })),
    maxTitle: MAX_TITLE,
    maxNotes: MAX_NOTES,
    maxAttended: MAX_ATTENDED,
  };
}
