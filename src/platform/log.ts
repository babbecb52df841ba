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
      base: { service: 'qaloop' },
      redact: {
        paths: ['req.headers', 'req.body', 'password', '*.password', 'email', '*.email', 'name', '*.name'],
        remove: true,
      },
    },
    destination,
  );
}

export type { Logger };
