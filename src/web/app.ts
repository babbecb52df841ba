import qs from 'node:querystring';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySession from '@fastify/session';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { type Db, dbConnection } from '../data/db.ts';
import type { JobQueue } from '../data/queue.ts';
import { databaseRateLimitStore } from '../data/rate-limit-store.ts';
import { DatabaseSessionStore } from '../data/session-store.ts';
import { todayInLondon } from '../domain/dates.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/log.ts';
import access, { councilScopeHooks } from './plugins/access.ts';
import assets, { isAssetRequest } from './plugins/assets.ts';
import busy, { type BusyLimits, EMBEDDED_BUSY_LIMITS } from './plugins/busy.ts';
import childAccess from './plugins/child-access.ts';
import errors from './plugins/errors.ts';
import security from './plugins/security.ts';
import views from './plugins/views.ts';
import actionRoutes from './routes/actions/actions.ts';
import accessLogRoutes from './routes/admin/access-log.ts';
import adminImportTokenRoutes from './routes/admin/import-tokens.ts';
import organisationRoutes from './routes/admin/organisation.ts';
import adminPeopleRoutes from './routes/admin/people.ts';
import auditorRoutes from './routes/auditors/auditors.ts';
import auditDocumentRoutes from './routes/audits/audit-documents.ts';
import auditRoutes from './routes/audits/audits.ts';
import childrenRoutes from './routes/children/children.ts';
import cohortRoutes from './routes/cohorts/cohorts.ts';
import escalationRoutes from './routes/escalations/escalations.ts';
import feedbackRoutes from './routes/feedback/feedback.ts';
import healthRoutes, { type Lifecycle } from './routes/health.ts';
import helpRoutes from './routes/help.ts';
import homeRoutes from './routes/home.ts';
import columnMappingRoutes from './routes/imports/column-mappings.ts';
import importApiRoutes from './routes/imports/import-api.ts';
import importRoutes from './routes/imports/imports.ts';
import learningRoutes from './routes/learning/learning.ts';
import programmeRoutes from './routes/programme/programme.ts';
import returnsRoutes from './routes/reports/returns.ts';
import sampleRoutes from './routes/samples/samples.ts';
import settingsRoutes from './routes/settings/settings.ts';
import signInRoutes from './routes/sign-in.ts';
import gradeScaleRoutes from './routes/tools/grade-scales.ts';
import practiceThemeRoutes from './routes/tools/practice-themes.ts';
import toolBuilderRoutes from './routes/tools/tool-builder.ts';
import toolRoutes from './routes/tools/tools.ts';
import './types.ts';

export interface AppOptions {
  db: Db;
  config: Pick<Config, 'demo' | 'sessionIdleMinutes' | 'secureCookies' | 'trustProxy' | 'dataDir'> &
    /** single sign-on (none when unset), local passwords (on when unset), the address for links,
     * how often to look for imports whose instance stopped (15 s when unset) */
    Partial<Pick<Config, 'oidc' | 'localPasswords' | 'baseUrl' | 'importWatchSeconds'>>;
  logger?: Logger | false;
  /** a secret for signing cookies; a random one per process when not given */
  sessionSecret?: string;
  /** today's date in England; tests fix it so that figures and phases do not move with the calendar */
  today?: () => string;
  /** the job queue, when this process runs one (`qaloop serve`); the app stops it when it closes */
  queue?: JobQueue | null;
  /** with the demo on: the demo people's password, shown on the sign-in page */
  demoPassword?: string;
  /** when new requests are turned away as busy (src/web/plugins/busy.ts); its defaults when unset */
  busy?: Partial<BusyLimits>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** today's date in England (YYYY-MM-DD), from the app's clock */
    today(): string;
    /** the job queue (pass it to notifyAllocated and the like); null when none is running (tests) */
    queue: JobQueue | null;
    /** readiness says 'shutting down' from now on (the app goes on serving until it is closed) */
    beginShutdown(): void;
  }
}

/** Builds the QA Loop web application. Routes are thin: the work is in src/services. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db, config } = options;
  const app: FastifyInstance = Fastify({
    loggerInstance: (options.logger || undefined) as FastifyBaseLogger | undefined,
    // A number of proxy hops, never 'trust anything': X-Forwarded-For decides the rate-limit key.
    trustProxy: config.trustProxy > 0 ? (_address: string, hop: number) => hop < config.trustProxy : false,
    genReqId: () => crypto.randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });

  // First of all: each request runs in its council's scope, which the database enforces.
  councilScopeHooks(app);
  // Each route declares its params, query and body as zod schemas (see src/web/forms.ts).
  app.setValidatorCompiler(validatorCompiler);
  app.decorate('today', options.today ?? todayInLondon);
  const queue = options.queue ?? null;
  app.decorate('queue', queue);
  if (queue) app.addHook('onClose', () => queue.stop());

  // One line per request, by route pattern: no identifiers, query strings or bodies in the logs.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'not-found',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(security);
  // Before anything reads the database: past its limits the app answers "busy" at once.
  const embedded = dbConnection(db)?.kind === 'embedded';
  await app.register(busy, { limits: options.busy ?? (embedded ? EMBEDDED_BUSY_LIMITS : undefined) });
  // Assets and health checks come before sessions: they never read or write one.
  await app.register(assets);
  // Readiness says 'shutting down' from the moment the app is told to stop (cli/main.ts) or closes.
  const lifecycle: Lifecycle = { shuttingDown: false };
  app.decorate('beginShutdown', () => {
    lifecycle.shuttingDown = true;
  });
  app.addHook('preClose', async () => {
    lifecycle.shuttingDown = true;
  });
  // While shutting down each answer closes its connection, so a browser's idle keep-alive
  // connection does not hold the closing server open: its next request opens one elsewhere.
  app.addHook('onSend', async (_request, reply) => {
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
  });
  await app.register(healthRoutes, { db, queue, lifecycle });

  await app.register(fastifyFormbody, { parser: (body) => qs.parse(body) });
  // An asset's request carries no cookie past this point, so no session is read for it and its
  // answer sets none (plugins/assets.ts says why).
  app.addHook('onRequest', async (request) => {
    if (isAssetRequest(request.url)) delete request.headers.cookie;
  });
  await app.register(fastifyCookie);
  // Inactivity is timed on the server (plugins/access.ts), so the sign-in page can say why someone
  // was signed out; the cookie itself lasts 12 hours after the session was last saved (at most a
  // minute before the last request).
  const cookieMs = Math.max(config.sessionIdleMinutes * 60_000, 12 * 60 * 60_000);
  await app.register(fastifySession, {
    secret: options.sessionSecret ?? crypto.randomUUID() + crypto.randomUUID(),
    cookieName: 'qaloop.sid',
    store: new DatabaseSessionStore(db, cookieMs),
    saveUninitialized: false,
    // Saved only when it changes: the inactivity clock moves at most once a minute
    // (plugins/access.ts), so a signed-in page costs a read of the session, not a write as well.
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      maxAge: cookieMs,
      path: '/',
    },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    getToken: (request) => (request.body as Record<string, string> | undefined)?._csrf,
  });
  // CSRF on every form: any request that can change something must carry the session's token.
  // A file upload's fields are read by its route's own multipart plugin (after this hook), so its
  // token is checked just before the handler. Token-authenticated endpoints have no session or cookie.
  const csrfExempt = (request: FastifyRequest) =>
    ['GET', 'HEAD', 'OPTIONS'].includes(request.method) ||
    request.routeOptions.config?.access === 'importToken';
  const multipart = (request: FastifyRequest) =>
    String(request.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('multipart/form-data');
  app.addHook('preValidation', (request, reply, done) => {
    if (csrfExempt(request) || multipart(request)) return done();
    app.csrfProtection(request, reply, done);
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (csrfExempt(request) || !multipart(request)) return done();
    app.csrfProtection(request, reply, done);
  });
  // Counters in the database, so that several instances share one limit (data/rate-limit-store.ts).
  await app.register(fastifyRateLimit, { global: false, store: databaseRateLimitStore(db) });
  await app.register(views, { demo: config.demo });
  // an empty database: every page says how to set up the council (plugins/no-council.ts)
  await app.register((await import('./plugins/no-council.ts')).default, { db });
  await app.register(access, { db, idleMinutes: config.sessionIdleMinutes });
  await app.register(childAccess, { db });
  await app.register(errors);

  await app.register(helpRoutes);
  await app.register(signInRoutes, {
    db,
    demo: config.demo,
    demoPassword: options.demoPassword,
    oidc: config.oidc,
    localPasswords: config.localPasswords ?? true,
    baseUrl: config.baseUrl ?? '',
  });
  await app.register((await import('./routes/sign-in-oidc.ts')).default, {
    db,
    oidc: config.oidc,
    baseUrl: config.baseUrl ?? '',
  });
  await app.register(homeRoutes, { db });
  await app.register((await import('./routes/account/account.ts')).default, {
    db,
    localPasswords: config.localPasswords ?? true,
  });
  await app.register(organisationRoutes, { db });
  await app.register(adminPeopleRoutes, { db, localPasswords: config.localPasswords ?? true });
  await app.register((await import('./routes/sign-in-links.ts')).default, {
    db,
    localPasswords: config.localPasswords ?? true,
  });
  await app.register(childrenRoutes, { db });
  await app.register(accessLogRoutes, { db });
  await app.register(programmeRoutes, { db });
  await app.register(settingsRoutes, { db });
  await app.register((await import('./routes/settings/writing.ts')).default, { db });
  await app.register((await import('./routes/settings/retention.ts')).default, { db });
  await app.register(practiceThemeRoutes, { db });
  await app.register(learningRoutes, { db });
  await app.register((await import('./routes/learning/attendees.ts')).default, {
    db,
    dataDir: config.dataDir,
  });
  await app.register((await import('./routes/closing-the-loop/closing-the-loop.ts')).default, { db });
  await app.register((await import('./routes/check-and-challenge/check-and-challenge.ts')).default, { db });
  await app.register((await import('./routes/plan/plan.ts')).default, { db });
  await app.register((await import('./routes/plan/measures.ts')).default, { db });
  await app.register((await import('./routes/plan/plan-import.ts')).default, {
    db,
    dataDir: config.dataDir,
  });
  await app.register((await import('./routes/plan/plan-report.ts')).default, { db });
  await app.register(toolRoutes, { db });
  await app.register(toolBuilderRoutes, { db });
  await app.register(gradeScaleRoutes, { db });
  await app.register(importRoutes, {
    db,
    dataDir: config.dataDir,
    watchSeconds: config.importWatchSeconds ?? 15,
  });
  await app.register(importApiRoutes, { db, dataDir: config.dataDir });
  await app.register(adminImportTokenRoutes, { db });
  await app.register((await import('./routes/imports/snapshots.ts')).default, { db });
  await app.register((await import('./routes/imports/staff-files.ts')).default, {
    db,
    dataDir: config.dataDir,
  });
  await app.register(columnMappingRoutes, { db });
  await app.register(cohortRoutes, { db });
  await app.register(returnsRoutes, { db });
  await app.register(auditorRoutes, { db });
  await app.register((await import('./routes/auditors/training.ts')).default, { db });
  await app.register((await import('./routes/auditors/picture.ts')).default, { db });
  await app.register(sampleRoutes, { db });
  await app.register(actionRoutes, { db });
  await app.register(escalationRoutes, { db });
  await app.register(auditRoutes, { db });
  await app.register((await import('./routes/audits/writing-suggestions.ts')).default, { db });
  await app.register(feedbackRoutes, { db });
  await app.register((await import('./routes/exemplars/exemplars.ts')).default, { db });
  await app.register((await import('./routes/audits/replies.ts')).default, { db });
  await app.register(auditDocumentRoutes, { db });
  await app.register((await import('./routes/moderation/moderations.ts')).default, { db });
  await app.register((await import('./routes/moderation/moderation-plans.ts')).default, { db });
  await app.register((await import('./routes/moderation/moderation-figures.ts')).default, { db });
  await app.register((await import('./routes/reports/monthly-reports.ts')).default, { db });
  await app.register((await import('./routes/reports/self-evaluation.ts')).default, { db });
  await app.register((await import('./routes/reports/reports.ts')).default, { db });
  await app.register((await import('./routes/findings/findings.ts')).default, { db });
  await app.register((await import('./routes/dashboards/dashboards.ts')).default, { db });
  await app.register((await import('./routes/security/security.ts')).default, { db });
  await app.register((await import('./routes/service-qa/collation.ts')).default, { db });
  await app.register((await import('./routes/reviews/reviews.ts')).default, { db });
  await app.register((await import('./routes/service-qa/service-qa.ts')).default, {
    db,
    dataDir: config.dataDir,
    localPasswords: config.localPasswords ?? true,
  });
  await app.register((await import('./routes/multi-agency/multi-agency.ts')).default, {
    db,
    localPasswords: config.localPasswords ?? true,
  });
  await app.register((await import('./routes/partner-sections/partner-sections.ts')).default, { db });
  return app;
}
