import { z } from 'zod';

/**
 * Schemas for what a route reads from a form or query string. Forms are never refused by their
 * schema: a field left out or sent twice still reaches the service, which answers with its own
 * field errors in words a person can act on (src/domain/validation.ts). Parameters in the path
 * are declared strictly (`z.uuid()`): one that does not match is a page that does not exist.
 */

const raw = z.union([z.string(), z.array(z.string())]).optional();

/** One text field: '' when absent; the first value when sent more than once. */
export const formText = raw.transform((v) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')));

/** A field that may be sent several times (checkboxes): every non-empty value, in order. */
export const formList = raw.transform((v) =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => x !== ''),
);

/** An optional field: undefined when absent or empty. */
export const formOptional = formText.transform((v) => (v === '' ? undefined : v));

/**
 * A form's named fields; any others (the CSRF token, fields a service reads by pattern) pass
 * through untouched.
 */
export function formFields<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => v ?? {}, z.looseObject(shape));
}

/** A form read as a whole by its service (fields named by pattern, such as an audit's answers). */
export const anyForm = z.preprocess(
  (v) => v ?? {},
  z.record(z.string(), z.union([z.string(), z.array(z.string())])),
);

/** A path parameter that is a record's identifier. */
export const id = z.uuid();
