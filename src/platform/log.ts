import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON line per event. Nothing that could identify a child, a family or a member of staff is
 * logged: requests are logged by route pattern (not the path with its identifiers), without query
 * strings, bodies, cookies or headers beyond the request id.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // pino's own pid and hostname are replaced by a base, so they are named again: with several
      // instances running, they say which one wrote the line
      base: { service: 'qaloop', pid: process.pid, hostname: hostname() },
      redact: {
        paths: ['req.headers', 'req.body', 'password', '*.password', 'email', '*.email', 'name', '*.name'],
        remove: true,
      },
    },
    destination,
  );
}

/**
 * What to log about a failure: its kind (the error's name) and database code, never its message,
 * since a database error's message repeats the values it was given (a name, a date of birth).
 */
export function failureKind(err: unknown): { type: string; code?: string } {
  const e = err as { name?: unknown; code?: unknown } | null;
  const type = err instanceof Error ? err.name : typeof e?.name === 'string' ? e.name : typeof err;
  return typeof e?.code === 'string' ? { type, code: e.code } : { type };
}

export type { Logger };
