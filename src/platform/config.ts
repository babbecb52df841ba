import { resolve } from 'node:path';
import { z } from 'zod';
import { isRole, ROLES } from '../domain/roles.ts';

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

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
  // The app's own login (role qaloop_app), for its requests; DATABASE_URL stays the owner's, for
  // migrations. Without it the app takes the role qaloop_app on the owner's connection.
  QALOOP_APP_DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'QALOOP_APP_DATABASE_URL must start with postgres:// or postgresql://',
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
  // Messages to auditors: none records them as skipped and sends nothing (the default, for demos)
  QALOOP_MAIL: z.enum(['none', 'smtp', 'notify']).default('none'),
  QALOOP_SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\/[^/]+/.test(v), {
    message: 'QALOOP_SMTP_URL must look like smtp://host:port or smtps://user:password@host:465',
  }),
  QALOOP_MAIL_FROM: optionalText,
  QALOOP_NOTIFY_API_KEY: optionalText,
  QALOOP_NOTIFY_TEMPLATE_ID: optionalText.refine(
    (v) => v === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
    { message: 'QALOOP_NOTIFY_TEMPLATE_ID must be the template’s ID, as GOV.UK Notify shows it' },
  ),
  QALOOP_BASE_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^/]+/.test(v), {
    message: 'QALOOP_BASE_URL must start with https:// or http://',
  }),
  QALOOP_REMINDER_WORKING_DAYS: z.coerce.number().int().min(1).max(15).default(3),
  // Single sign-on through the council's OpenID Connect provider (Microsoft Entra ID and others)
  QALOOP_OIDC_ISSUER: optionalText.refine((v) => v === undefined || /^https?:\/\/[^/]+/.test(v), {
    message: 'QALOOP_OIDC_ISSUER must be the provider’s issuer address, starting with https://',
  }),
  QALOOP_OIDC_CLIENT_ID: optionalText,
  QALOOP_OIDC_CLIENT_SECRET: optionalText,
  /** the claim whose values name QA Loop roles (Entra app roles: `roles`) */
  QALOOP_OIDC_ROLES_CLAIM: optionalText,
  /** claim value=role pairs, comma separated (`QALoop.QALead=qa_lead,QALoop.Auditor=auditor`) */
  QALOOP_OIDC_ROLE_MAP: optionalText,
  /** 1 when the provider's directory owns its email addresses (Entra) and sends no email_verified */
  QALOOP_OIDC_EMAILS_VERIFIED: z.enum(['0', '1']).default('0'),
  /** the words on the sign-in button */
  QALOOP_OIDC_LABEL: optionalText,
  QALOOP_LOCAL_PASSWORDS: z.enum(['0', '1']).default('1'),
  /** seconds between SIGTERM and closing, while readiness says 'shutting down' (load balancers) */
  QALOOP_SHUTDOWN_DRAIN_SECONDS: z.coerce.number().int().min(0).max(120).default(0),
  /** seconds between looks for imports left running by an instance that stopped (PostgreSQL) */
  QALOOP_IMPORT_WATCH_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
});

/** Single sign-on, when configured: the provider and QA Loop's registration with it. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** the claim whose values map to roles, when roles come from the provider */
  rolesClaim: string | undefined;
  /** claim value to QA Loop role key; values that are role keys already map to themselves */
  roleMap: Record<string, string>;
  /** trust the email claim without email_verified (a directory that owns its addresses) */
  emailsVerified: boolean;
  label: string;
}

/** How messages to people go out. */
export type MailConfig =
  | { mode: 'none' }
  | { mode: 'smtp'; smtpUrl: string; from: string }
  | { mode: 'notify'; apiKey: string; templateId: string };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** the app role's own connection string (PostgreSQL), when it has a login of its own */
  appDatabaseUrl?: string | undefined;
  demo: boolean;
  sessionIdleMinutes: number;
  secureCookies: 'auto' | boolean;
  /** how many proxies in front of QA Loop to trust for the client's address and protocol */
  trustProxy: number;
  logLevel: string;
  /** how messages to auditors are sent, if at all */
  mail: MailConfig;
  /** the address people use to reach QA Loop, for links in messages (no trailing slash) */
  baseUrl: string;
  /** an auditor is reminded when their audits are due within this many working days */
  reminderWorkingDays: number;
  /** single sign-on, when QALOOP_OIDC_ISSUER is set */
  oidc: OidcConfig | undefined;
  /** whether people may sign in with a QA Loop password (QALOOP_LOCAL_PASSWORDS=0 turns it off) */
  localPasswords: boolean;
  /** seconds to go on serving after SIGTERM, readiness saying 'shutting down', before closing */
  shutdownDrainSeconds: number;
  /** seconds between looks for imports whose instance stopped while reading them, to take them up */
  importWatchSeconds: number;
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
    appDatabaseUrl: e.QALOOP_APP_DATABASE_URL,
    demo: e.QALOOP_DEMO === '1',
    sessionIdleMinutes: e.QALOOP_SESSION_IDLE_MINUTES,
    secureCookies: e.QALOOP_SECURE_COOKIES === 'auto' ? 'auto' : e.QALOOP_SECURE_COOKIES === '1',
    trustProxy: e.QALOOP_TRUST_PROXY,
    logLevel: e.QALOOP_LOG_LEVEL,
    mail: mailConfig(e),
    baseUrl: (e.QALOOP_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    reminderWorkingDays: e.QALOOP_REMINDER_WORKING_DAYS,
    oidc: oidcConfig(e),
    localPasswords: e.QALOOP_LOCAL_PASSWORDS === '1',
    shutdownDrainSeconds: e.QALOOP_SHUTDOWN_DRAIN_SECONDS,
    importWatchSeconds: e.QALOOP_IMPORT_WATCH_SECONDS,
  };
}

function oidcConfig(e: z.infer<typeof envSchema>): OidcConfig | undefined {
  if (!e.QALOOP_OIDC_ISSUER) {
    if (e.QALOOP_LOCAL_PASSWORDS === '0')
      throw new ConfigError(
        'QALOOP_LOCAL_PASSWORDS: passwords cannot be turned off until single sign-on is set up (QALOOP_OIDC_ISSUER)',
      );
    return undefined;
  }
  if (!e.QALOOP_OIDC_CLIENT_ID)
    throw new ConfigError(
      'QALOOP_OIDC_CLIENT_ID: give QA Loop’s client ID at the provider when QALOOP_OIDC_ISSUER is set',
    );
  const roleMap: Record<string, string> = {};
  for (const pair of (e.QALOOP_OIDC_ROLE_MAP ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [value, role] = pair.split('=').map((p) => p.trim());
    if (!value || !role)
      throw new ConfigError(
        `QALOOP_OIDC_ROLE_MAP: "${pair}" should be a claim value, "=", and a QA Loop role, like QALoop.Auditor=auditor`,
      );
    if (!isRole(role))
      throw new ConfigError(
        `QALOOP_OIDC_ROLE_MAP: "${role}" is not a QA Loop role (one of ${ROLES.join(', ')})`,
      );
    roleMap[value] = role;
  }
  return {
    issuer: e.QALOOP_OIDC_ISSUER,
    clientId: e.QALOOP_OIDC_CLIENT_ID,
    clientSecret: e.QALOOP_OIDC_CLIENT_SECRET,
    rolesClaim: e.QALOOP_OIDC_ROLES_CLAIM,
    roleMap,
    emailsVerified: e.QALOOP_OIDC_EMAILS_VERIFIED === '1',
    label: e.QALOOP_OIDC_LABEL ?? 'Sign in with your council account',
  };
}

function mailConfig(e: z.infer<typeof envSchema>): MailConfig {
  if (e.QALOOP_MAIL === 'smtp') {
    if (!e.QALOOP_SMTP_URL)
      throw new ConfigError('QALOOP_SMTP_URL: give the mail server (smtp://host:port) when QALOOP_MAIL=smtp');
    if (!e.QALOOP_MAIL_FROM)
      throw new ConfigError('QALOOP_MAIL_FROM: give the address messages come from when QALOOP_MAIL=smtp');
    return { mode: 'smtp', smtpUrl: e.QALOOP_SMTP_URL, from: e.QALOOP_MAIL_FROM };
  }
  if (e.QALOOP_MAIL === 'notify') {
    if (!e.QALOOP_NOTIFY_API_KEY)
      throw new ConfigError('QALOOP_NOTIFY_API_KEY: give the GOV.UK Notify API key when QALOOP_MAIL=notify');
    if (!e.QALOOP_NOTIFY_TEMPLATE_ID)
      throw new ConfigError(
        'QALOOP_NOTIFY_TEMPLATE_ID: give the GOV.UK Notify template ID when QALOOP_MAIL=notify',
      );
    return { mode: 'notify', apiKey: e.QALOOP_NOTIFY_API_KEY, templateId: e.QALOOP_NOTIFY_TEMPLATE_ID };
  }
  return { mode: 'none' };
}
