import type { z } from 'zod';

export interface FieldError {
  /** the form field (its id on the page) */
  field: string;
  message: string;
  /** where to fix it, when it is on another page (the error summary links there) */
  href?: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates input with a zod schema, giving one plain message per field, in field order. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ field, message: issue.message });
  }
  return { ok: false, errors };
}

/** Thrown by services when input breaks a rule; routes show the errors beside the fields. */
export class ValidationError extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
  }
}

/** Thrown by services when a record does not exist in the council: routes answer with the 404 page. */
export class NotFoundError extends Error {
  /** answered with the 404 page when a route lets it through */
  statusCode = 404;
  constructor(what: string) {
    super(`No such ${what}`);
  }
}
