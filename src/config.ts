import { resolve } from 'node:path';
import { z } from 'zod';

/** Environment variables QA Loop reads, validated once at start (see README: Configuration). */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  QALOOP_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'DATABASE_URL must start with postgres:// or postgresql://',
    }),
  QALOOP_DEMO: z.enum(['0', '1']).default('0'),
  QALOOP_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  QALOOP_SECURE_COOKIES: z.enum(['auto', '0', '1']).default('auto'),
  QALOOP_TRUST_PROXY: z.coerce.number().int().min(0).max(5).default(0),
  QALOOP_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  demo: boolean;
  sessionIdleMinutes: number;
  secureCookies: 'auto' | boolean;
  /** how many proxies in front of QA Loop to trust for the client's address and protocol */
  trustProxy: number;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(`${first.path.join('.')}: ${first.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.QALOOP_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    demo: e.QALOOP_DEMO === '1',
    sessionIdleMinutes: e.QALOOP_SESSION_IDLE_MINUTES,
    secureCookies: e.QALOOP_SECURE_COOKIES === 'auto' ? 'auto' : e.QALOOP_SECURE_COOKIES === '1',
    trustProxy: e.QALOOP_TRUST_PROXY,
    logLevel: e.QALOOP_LOG_LEVEL,
  };
}
