import { writeFileSync } from 'node:fs';
import { enableCompileCache, flushCompileCache } from 'node:module';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CHECKPOINT_EVERY_MS, checkpointEmbedded } from '../data/checkpoint.ts';
import { appDb, DatabaseUnavailableError, type Db, openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import { todayInLondon } from '../domain/dates.ts';
import { ImportRefusedError, type ImportSummary, UnreadableFileError } from '../import/types.ts';
import { parseDate } from '../import/values.ts';
import { type Config, ConfigError, loadConfig } from '../platform/config.ts';
import type { ImportFormat } from '../services/case-data/run-import.ts';

// Each command loads what it needs when it runs (the app, the demo, the readers, the reports), so
// that `qaloop migrate` or a usage error does not wait for everything else to load.
//
// Node keeps what it made of each module (its types removed, compiled) in a cache on disk, so every
// start after the first loads the app's few hundred modules in a fraction of the time. bin/qaloop.js
// turns it on before this file's own imports; here for a start by `node src/cli/main.ts`.
enableCompileCache();

const USAGE = `Usage: qaloop <command>

Commands:
  serve     run the web application (migrates the database first; with QALOOP_DEMO=1 loads
            the demo council into an empty database)
  migrate   apply database migrations
  demo      load the demo council into an empty database
  demo --plan-document FILE
            write the demo council's improvement plan as a Word document to FILE (.docx), to
            try importing a plan; loads nothing
  council create --code CODE --name NAME --admin-email EMAIL [--admin-name NAME]
            set up a council and its first administrator, and print a one-time sign-in link
            for them (it works once, for 24 hours); the code is 2 to 20 letters, digits or
            hyphens, kept in capitals
  council list [--json]
            the councils: code, name, whether it is the demo, people, when each was set up
  council link --council CODE --email EMAIL
            a new one-time sign-in link for a person of the council (when theirs has run out)
  import PATH [--format annex-a|ssd|audit-history|mapped] [--mapping NAME] [--as-of YYYY-MM-DD]
              [--strict] [--allow-shrink] [--json] [--council CODE]
            import a file (CSV, XLSX) or a folder or zip (SSD: one CSV per table) into the
            snapshot of its date; the format is detected when not given; valid rows are taken
            and invalid ones reported (exit 0); with --strict any invalid row refuses the
            whole import (exit 1, nothing changed); a file that empties a list, or removes
            more of its children than the council allows (a third unless set), is refused
            (exit 1, nothing changed) unless --allow-shrink
  import PATH --format staff [--as-of YYYY-MM-DD] [--dry-run] [--strict] [--json] [--council CODE]
            the council's staff file (CSV or XLSX; detected by its Name, Email and Team columns):
            prints joiners, movers, leavers, role changes, new teams and refused rows, then
            applies them at once (leavers deactivated, never deleted; their open work listed);
            --dry-run changes nothing; with --strict any refused row refuses the whole file
            (exit 1, nothing changed)
  import PATH --format plan [--dry-run] [--json] [--council CODE]
            the council's improvement plan (a Word document, .docx, or a spreadsheet, .xlsx or
            .csv, with Ref, Outcome and Lead columns and a RAG column or one per locality and
            Overall; a .docx is read as a plan without --format): prints the areas, outcomes
            and ratings read and the rows it could not read, then saves it as the current plan
            (the plan before it is archived); --dry-run changes nothing; a file that is not a
            plan is refused (exit 1, nothing changed)
  import PATH --format service-qa [--dry-run] [--json] [--council CODE]
            services' QA activity from elsewhere (CSV or XLSX with Service, Period start, Period
            end, What was reviewed, Number reviewed, Strengths, Areas for development, Practice
            themes separated by ; and one column per grade): prints the rows read and each row
            it could not read with the reason, then imports the rows read together; --dry-run
            changes nothing; a file with no row that can be read is refused (exit 1)
  data-quality [--as-of YYYY-MM-DD] [--json] [--council CODE]
            the data-quality report of the latest snapshot (or of the one dated --as-of)
  reminders [--as-of YYYY-MM-DD]
            queue reminders to auditors whose audits are due soon or overdue, to owners of actions
            due or overdue, and chases of unanswered escalations (the app also does this each
            working morning); the running app sends them
  retention [--as-of YYYY-MM-DD]
            remove each council's snapshots and access-log entries older than its retention
            settings now, and record what was removed (the app also does this each night)
  report NAME --from YYYY-MM --to YYYY-MM [--format json|csv|xlsx|docx|html] [--out PATH]
              [--service-area NAME] [--team NAME] [--worker NAME] [--locality NAME]
              [--kind full_audit|dip_sample|themed|multi_agency|re_audit] [--public] [--council CODE]
            a report of the months from one to the other: returns, grades, sections,
            moderation, escalations, feedback or actions; to standard output unless --out
            names a file (xlsx and docx need --out); --public prepares it for publication
            (nobody named below service level, counts from 1 to 4 shown as "fewer than 5");
            monthly (one cycle: --from and --to the same month) and annual (a programme
            year against the year before) are composed reports, as docx or html only
  backup PATH [--force]
            copy the embedded database to one file (QA Loop stopped); never replaces a file
            unless --force; with DATABASE_URL, use pg_dump instead (see README)
  restore PATH
            restore a backup into the data folder (QALOOP_DATA_DIR), which must be empty or
            new; the file is checked first, and one from a newer QA Loop is refused

Environment: PORT, QALOOP_DATA_DIR, DATABASE_URL, QALOOP_DEMO, QALOOP_BASE_URL (see README).
Exit status: 0 done, 1 refused, 2 usage error.`;

class Refused extends Error {}

async function open(config: Config): Promise<Db> {
  return openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

/**
 * How long each part of starting took, from the moment the process began (Node's own start and the
 * loading of modules included), with the processor time used: written to the log when the app is
 * ready, so a slow start can be put down to its part (and a busy machine told from a slow part).
 */
function startupPhases() {
  const phases: Record<string, number> = {};
  let last = 0;
  return {
    done(phase: string) {
      const now = performance.now();
      phases[phase] = Math.round(now - last);
      last = now;
    },
    summary() {
      const cpu = process.cpuUsage();
      return {
        phasesMs: phases,
        totalMs: Math.round(performance.now()),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      };
    },
  };
}

async function serve(config: Config) {
  const phases = startupPhases();
  phases.done('node and command');
  const [
    { createLogger, failureKind },
    { countCouncils },
    { startQueue },
    { createMailer },
    { startNotificationWorkers },
    { installNewBuiltinTools },
  ] = await Promise.all([
    import('../platform/log.ts'),
    import('../services/organisation/councils.ts'),
    import('../data/queue.ts'),
    import('../platform/mailer.ts'),
    import('../jobs/notification-worker.ts'),
    import('../services/programme/tools.ts'),
  ]);
  const [{ buildApp }, { sessionSecret }, { DEMO_PASSWORD }] = await Promise.all([
    import('../web/app.ts'),
    import('../services/organisation/app-settings.ts'),
    import('../demo/password.ts'),
  ]);
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  phases.done('modules');
  const db = await open(config);
  phases.done('database open');
  const applied = await migrateToLatest(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const tools = await installNewBuiltinTools(db);
  if (tools) logger.info({ tools }, 'new built-in audit tools given to existing councils');
  phases.done('migrations');
  // the generator (and the readers and writers it uses) is loaded only to fill an empty database
  if (config.demo && (await countCouncils(db)) === 0) {
    const { createDemoCouncil } = await import('../demo/council.ts');
    const demo = await createDemoCouncil(db);
    logger.info({ staff: demo.staff, children: demo.children, teams: demo.teams }, 'demo council loaded');
  }
  phases.done('demo');
  // Audits submitted before their words were counted: counted in the background (a council with
  // years of audits takes minutes), so the app starts at once; the reports leave out any not yet
  // counted and say how many.
  const { countLanguageOfUncountedAudits } = await import('../services/audits/writing-suggestions.ts');
  void countLanguageOfUncountedAudits(db).then(
    (counted) => {
      if (counted) logger.info({ audits: counted }, 'language of audits submitted before counting counted');
    },
    (err: unknown) =>
      logger.error({ failure: failureKind(err) }, 'counting the language of earlier audits failed'),
  );
  // The job queue (pg-boss, in the same database) and its workers: messages to auditors and the
  // daily reminder sweep. The app stops the queue when it closes.
  const queue = await startQueue(db, { log: logger });
  const mailer = createMailer(config.mail);
  // Requests and the queue's workers run as the app's role, each confined by the database to its
  // council; the owner's connection above is for migrating and the work done at start.
  const requestsDb = appDb(db, { appDatabaseUrl: config.appDatabaseUrl });
  await startNotificationWorkers(queue, {
    db: requestsDb,
    mailer,
    baseUrl: config.baseUrl,
    workingDays: config.reminderWorkingDays,
  });
  const { startRetentionWorker } = await import('../jobs/retention-worker.ts');
  await startRetentionWorker(queue, { db: requestsDb });
  const { startReviewRoundsWorker } = await import('../jobs/review-rounds-worker.ts');
  await startReviewRoundsWorker(queue, { db: requestsDb });
  logger.info({ mail: config.mail.mode }, 'job queue started');
  phases.done('job queue');
  const app = await buildApp({
    db: requestsDb,
    config,
    logger,
    sessionSecret: await sessionSecret(db),
    queue,
    demoPassword: config.demo ? DEMO_PASSWORD : undefined,
  });
  phases.done('app built');
  await app.listen({ port: config.port, host: config.host });
  phases.done('listening');
  logger.info(
    { port: config.port, startupMs: Date.now() - started, ...phases.summary() },
    'QA Loop is ready',
  );
  // What Node made of the modules is on disk now, not only at a clean exit, so the next start finds it.
  flushCompileCache();
  // The embedded database checkpoints only when told: now and then, once enough has been written,
  // so that a restart after a crash has little log to replay (src/data/checkpoint.ts).
  const checkpoints = setInterval(() => {
    checkpointEmbedded(db).then(
      (done) => {
        if (done) logger.debug({}, 'embedded database checkpointed');
      },
      (err: unknown) =>
        logger.warn({ failure: failureKind(err) }, 'checkpoint of the embedded database failed'),
    );
  }, CHECKPOINT_EVERY_MS);
  checkpoints.unref();
  console.log(
    `QA Loop is running at http://localhost:${config.port} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    clearInterval(checkpoints);
    logger.info({ signal, drainSeconds: config.shutdownDrainSeconds }, 'shutting down');
    // Readiness answers 503 'shutting down' from now on, so a load balancer stops sending people
    // here; for the drain period the app goes on serving what still comes, then closes.
    app.beginShutdown();
    const force = setTimeout(() => process.exit(1), 10_000 + config.shutdownDrainSeconds * 1000);
    force.unref();
    try {
      if (config.shutdownDrainSeconds > 0)
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
      // Stops accepting connections and lets requests in flight finish; then (onClose) the queue
      // stops its workers gracefully: jobs in hand finish, or are left for another instance to retry.
      logger.info({ signal }, 'closing');
      await app.close();
      logger.info({ signal }, 'stopped');
      mailer.close();
      await requestsDb.destroy();
      await db.destroy();
      process.exit(0);
    } catch (err) {
      logger.error({ failure: failureKind(err) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function migrate(config: Config) {
  const { installNewBuiltinTools } = await import('../services/programme/tools.ts');
  const db = await open(config);
  try {
    const applied = await migrateToLatest(db);
    console.log(
      applied.length
        ? `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`
        : 'The database is up to date.',
    );
    const tools = await installNewBuiltinTools(db);
    if (tools)
      console.log(`Gave existing councils ${tools} new built-in audit tool${tools === 1 ? '' : 's'}.`);
    const { countLanguageOfUncountedAudits } = await import('../services/audits/writing-suggestions.ts');
    const counted = await countLanguageOfUncountedAudits(db);
    if (counted)
      console.log(
        `Counted the words and language suggestions of ${counted} submitted audit${counted === 1 ? '' : 's'}.`,
      );
  } finally {
    await db.destroy();
  }
}

async function demo(config: Config, planDocument?: string) {
  if (planDocument !== undefined) {
    if (!planDocument.toLowerCase().endsWith('.docx'))
      throw new UsageError('--plan-document needs a file name ending .docx');
    const [{ DEMO_LOCALITIES }, { writeDemoPlanDocument }] = await Promise.all([
      import('../demo/council.ts'),
      import('../demo/improvement-plan-document.ts'),
    ]);
    await writeDemoPlanDocument(planDocument, DEMO_LOCALITIES, todayInLondon());
    console.log(`Wrote the demo council's improvement plan to ${planDocument}.`);
    return;
  }
  const { createDemoCouncil, DemoRefusedError } = await import('../demo/council.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const summary = await createDemoCouncil(db);
    console.log(
      `Loaded the demo council: ${summary.localities} localities, ${summary.teams} teams, ${summary.staff} staff, ${summary.children} children in ${summary.families} families.`,
    );
  } catch (err) {
    if (err instanceof DemoRefusedError) throw new Refused(err.message);
    throw err;
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

/** The council a command works on: the one named, or the only one there is. */
async function councilFor(db: Db, code: string | undefined) {
  const councils = await db.selectFrom('councils').select(['id', 'code']).orderBy('code').execute();
  if (code) {
    const found = councils.find((c) => c.code === code);
    if (!found) {
      throw new UsageError(
        `No council has the code ${code}: the councils are ${councils.map((c) => c.code).join(', ') || 'none yet'}`,
      );
    }
    return found.id;
  }
  if (councils.length === 1) return councils[0].id;
  if (councils.length === 0)
    throw new Refused('The database holds no council yet: run "qaloop demo" or add one first.');
  throw new UsageError(
    `The database holds several councils: say which with --council (${councils.map((c) => c.code).join(', ')})`,
  );
}

interface ImportArgs {
  path: string;
  format?: ImportFormat;
  mapping?: string;
  asOf: string;
  strict: boolean;
  allowShrink: boolean;
  json: boolean;
  council?: string;
}

function importArgs(
  positionals: string[],
  values: Record<string, unknown>,
  IMPORT_FORMATS: readonly ImportFormat[],
): ImportArgs {
  const path = positionals[1];
  if (!path) throw new UsageError('Give the file to import: qaloop import PATH');
  const format = values.format as string | undefined;
  if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of: ${IMPORT_FORMATS.join(', ')}`);
  }
  const mapping = values.mapping as string | undefined;
  if (mapping !== undefined && format !== undefined && format !== 'mapped') {
    throw new UsageError('--mapping is for mapped extracts: leave out --format or give --format mapped');
  }
  if (format === 'mapped' && !mapping) {
    throw new UsageError('A mapped extract needs --mapping NAME, the name of its saved column mapping');
  }
  const asOf = (values['as-of'] as string | undefined) ?? todayInLondon();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDate(asOf) !== asOf) {
    throw new UsageError('--as-of must be a real date written YYYY-MM-DD');
  }
  return {
    path,
    format: format as ImportFormat | undefined,
    mapping,
    asOf,
    strict: values.strict === true,
    allowShrink: values['allow-shrink'] === true,
    json: values.json === true,
    council: values.council as string | undefined,
  };
}

function printSummary(summary: ImportSummary, json: boolean, refused: boolean) {
  if (json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(
    refused
      ? `Nothing was imported: ${summary.rowsRejected} of ${summary.rowsRead} rows are invalid.`
      : `Imported ${summary.rowsAccepted} of ${summary.rowsRead} rows of ${summary.format.replace('-', ' ')} as of ${summary.asOf}.${summary.rowsRejected ? ` ${summary.rowsRejected} rows were rejected:` : ''}`,
  );
  for (const notice of summary.notices ?? []) console.log(`Note: ${notice}`);
  for (const e of summary.errors) {
    console.log(
      `  ${e.file}${e.sheet ? `, sheet ${e.sheet}` : ''}, row ${e.row}, column ${e.column}: ${e.message}`,
    );
  }
}

/**
 * A progress line on a terminal (standard error, so --json output stays clean): rows read so far,
 * and how long it has taken. Nothing is written when standard error is not a terminal.
 */
function progressBar(path: string) {
  const started = Date.now();
  const width = 24;
  let tick = 0;
  const draw = (rows: number) => {
    tick = (tick + 1) % width;
    const bar = Array.from({ length: width }, (_, i) => (i === tick ? '█' : '░')).join('');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `\r${bar} ${rows.toLocaleString('en-GB')} rows read from ${basename(path)} (${seconds} s)`,
    );
  };
  draw(0);
  return {
    update: (rows: number) => draw(rows),
    done: () => process.stderr.write('\n'),
  };
}

async function importCommand(config: Config, positionals: string[], values: Record<string, unknown>) {
  if (await isStaffImport(positionals, values)) return staffImportCommand(config, positionals, values);
  if (isPlanImport(positionals, values)) return planImportCommand(config, positionals, values);
  if (values.format === 'service-qa') return serviceQaImportCommand(config, positionals, values);
  const { IMPORT_FORMATS, runImport, settleAfterImport } = await import(
    '../services/case-data/run-import.ts'
  );
  const { ListShrinkRefusedError } = await import('../services/case-data/shrink-guard.ts');
  const { shrinkMessage } = await import('../domain/list-shrink.ts');
  const args = importArgs(positionals, values, IMPORT_FORMATS);
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const councilId = await councilFor(db, args.council);
    const progress = process.stderr.isTTY ? progressBar(args.path) : undefined;
    let summary: ImportSummary;
    try {
      summary = await runImport(db, {
        councilId,
        path: args.path,
        format: args.format,
        mapping: args.mapping,
        asOf: args.asOf,
        strict: args.strict,
        allowShrink: args.allowShrink,
        source: 'command',
        onProgress: progress?.update,
      });
    } catch (err) {
      progress?.done();
      if (err instanceof ImportRefusedError) {
        printSummary(err.summary, args.json, true);
        throw new Refused(err.message);
      }
      if (err instanceof UnreadableFileError) throw new Refused(err.message);
      if (err instanceof ListShrinkRefusedError)
        throw new Refused(
          shrinkMessage(err.shrinks, err.limitPercent, 'import it again with --allow-shrink'),
        );
      throw err;
    }
    progress?.done();
    printSummary(summary, args.json, false);
    await settleAfterImport(db, councilId, summary.format);
  } finally {
    await db.destroy();
  }
}

/** `--format staff`, or no format and a file whose header row is a staff file's. */
async function isStaffImport(positionals: string[], values: Record<string, unknown>): Promise<boolean> {
  if (values.format === 'staff') return true;
  if (values.format !== undefined || values.mapping !== undefined || !positionals[1]) return false;
  const { looksLikeStaffFile } = await import('../import/staff-file.ts');
  return looksLikeStaffFile(positionals[1]);
}

/** `--format plan`, or no format and a Word document (only an improvement plan is read from Word). */
function isPlanImport(positionals: string[], values: Record<string, unknown>): boolean {
  if (values.format === 'plan') return true;
  return values.format === undefined && values.mapping === undefined && /\.docx$/i.test(positionals[1] ?? '');
}

/** `qaloop import PATH --format plan`: the improvement plan, read and (unless --dry-run) saved. */
async function planImportCommand(config: Config, positionals: string[], values: Record<string, unknown>) {
  const path = positionals[1];
  if (!path) throw new UsageError('Give the file to import: qaloop import PATH --format plan');
  for (const option of ['mapping', 'as-of', 'strict'])
    if (values[option] !== undefined) throw new UsageError(`--${option} is not for an improvement plan`);
  const { importPlanFile } = await import('./plan-import.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const councilId = await councilFor(db, values.council as string | undefined);
    console.log(
      await importPlanFile(db, councilId, {
        path,
        json: values.json === true,
        dryRun: values['dry-run'] === true,
      }),
    );
  } catch (err) {
    if (err instanceof UnreadableFileError) throw new Refused(`${err.message}\nNothing was changed.`);
    throw err;
  } finally {
    await db.destroy();
  }
}

/** `qaloop import PATH --format service-qa`: services' QA activity, read and (unless --dry-run) imported. */
async function serviceQaImportCommand(
  config: Config,
  positionals: string[],
  values: Record<string, unknown>,
) {
  const path = positionals[1];
  if (!path) throw new UsageError('Give the file to import: qaloop import PATH --format service-qa');
  for (const option of ['mapping', 'as-of', 'strict'])
    if (values[option] !== undefined) throw new UsageError(`--${option} is not for services' QA activity`);
  const { importServiceQaFile } = await import('./service-qa-import.ts');
  const { ServiceQaImportRefusedError } = await import('../services/service-qa/entry-import.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const councilId = await councilFor(db, values.council as string | undefined);
    console.log(
      await importServiceQaFile(db, councilId, {
        path,
        json: values.json === true,
        dryRun: values['dry-run'] === true,
        today: todayInLondon(),
      }),
    );
  } catch (err) {
    if (err instanceof UnreadableFileError || err instanceof ServiceQaImportRefusedError)
      throw new Refused(`${err.message}\nNothing was changed.`);
    throw err;
  } finally {
    await db.destroy();
  }
}

/** `qaloop import PATH --format staff`: the staff file, previewed and (unless --dry-run) applied. */
async function staffImportCommand(config: Config, positionals: string[], values: Record<string, unknown>) {
  const path = positionals[1];
  if (!path) throw new UsageError('Give the file to import: qaloop import PATH --format staff');
  if (values.mapping !== undefined) throw new UsageError('--mapping is not for a staff file');
  const asOf = (values['as-of'] as string | undefined) ?? todayInLondon();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDate(asOf) !== asOf) {
    throw new UsageError('--as-of must be a real date written YYYY-MM-DD');
  }
  const { importStaffFile, StaffFileRefusedError } = await import('./staff-file.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const councilId = await councilFor(db, values.council as string | undefined);
    console.log(
      await importStaffFile(db, councilId, {
        path,
        asOf,
        json: values.json === true,
        dryRun: values['dry-run'] === true,
        strict: values.strict === true,
      }),
    );
  } catch (err) {
    if (err instanceof StaffFileRefusedError) {
      console.log(err.message);
      throw new Refused('Nothing was changed: rows of the staff file are refused (--strict).');
    }
    if (err instanceof UnreadableFileError) throw new Refused(err.message);
    throw err;
  } finally {
    await db.destroy();
  }
}

/** `qaloop report NAME`: a report of a range of months, to standard output or a file. */
async function reportCommand(config: Config, positionals: string[], values: Record<string, unknown>) {
  const { ReportUsageError, reportArgs, reportOutput } = await import('./report.ts');
  try {
    const args = reportArgs(positionals, values);
    const db = await open(config);
    try {
      await migrateToLatest(db);
      const councilId = await councilFor(db, values.council as string | undefined);
      const output = await reportOutput(db, councilId, args);
      if (args.out) {
        writeFileSync(args.out, output);
        console.error(`Wrote the ${args.name} report to ${args.out}`);
      } else {
        process.stdout.write(output);
      }
    } finally {
      await db.destroy();
    }
  } catch (err) {
    if (err instanceof ReportUsageError) throw new UsageError(err.message);
    throw err;
  }
}

/** `qaloop reminders`: the reminder sweep now; the messages wait in the queue for the running app. */
async function remindersCommand(config: Config, values: Record<string, unknown>) {
  const asOf = (values['as-of'] as string | undefined) ?? todayInLondon();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDate(asOf) !== asOf) {
    throw new UsageError('--as-of must be a real date written YYYY-MM-DD');
  }
  const [
    { startQueue },
    { sendDeadlineReminders, enqueueWaiting },
    { sendActionReminders },
    { chaseEscalations },
  ] = await Promise.all([
    import('../data/queue.ts'),
    import('../services/notifications.ts'),
    import('../services/audits/actions.ts'),
    import('../services/audits/escalations.ts'),
  ]);
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const queue = await startQueue(db, { background: false });
    try {
      const sweep = await sendDeadlineReminders(db, queue, asOf, { workingDays: config.reminderWorkingDays });
      const actions = await sendActionReminders(db, queue, asOf);
      const chases = await chaseEscalations(db, queue, asOf);
      await enqueueWaiting(db, queue);
      console.log(
        `Reminders as of ${asOf}: ${sweep.approaching} audits due within ${config.reminderWorkingDays} working days, ${sweep.overdue} overdue; ${sweep.recorded} new messages to ${sweep.recipients} people.`,
      );
      console.log(
        `Actions: ${actions.due} due soon, ${actions.overdue} overdue (${actions.recorded} new messages). Escalations without a response chased: ${chases.chased} (${chases.recorded} new messages). Follow-ups due chased: ${chases.followUps} (${chases.followUpMessages} new messages).`,
      );
    } finally {
      await queue.stop();
    }
  } finally {
    await db.destroy();
  }
}

/** `qaloop data-quality`: the report of the latest snapshot, or of the one dated --as-of. */
async function councilCommand(config: Config, positionals: string[], values: Record<string, unknown>) {
  const { councilArgs, runCouncil, CouncilRefusedError, CouncilUsageError } = await import('./council.ts');
  let args: ReturnType<typeof councilArgs>;
  try {
    args = councilArgs(positionals, values);
  } catch (err) {
    if (err instanceof CouncilUsageError) throw new UsageError(`${err.message}\n\n${USAGE}`);
    throw err;
  }
  const db = await open(config);
  try {
    await migrateToLatest(db);
    console.log(await runCouncil(db, args, { baseUrl: config.baseUrl }));
  } catch (err) {
    if (err instanceof CouncilRefusedError) throw new Refused(err.message);
    throw err;
  } finally {
    await db.destroy();
  }
}

/** `qaloop backup PATH` and `qaloop restore PATH`: the embedded database to one file and back. */
async function backupCommand(
  config: Config,
  command: 'backup' | 'restore',
  positionals: string[],
  values: Record<string, unknown>,
) {
  const { runBackupCommand, BackupRefusedError, BackupUsageError } = await import('./backup.ts');
  try {
    console.log(await runBackupCommand(command, config, positionals[1], { force: values.force === true }));
  } catch (err) {
    if (err instanceof BackupUsageError) throw new UsageError(err.message);
    if (err instanceof BackupRefusedError) throw new Refused(err.message);
    throw err;
  }
}

async function dataQualityCommand(config: Config, values: Record<string, unknown>) {
  const asOf = values['as-of'] as string | undefined;
  if (asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDate(asOf) !== asOf)) {
    throw new UsageError('--as-of must be a real date written YYYY-MM-DD');
  }
  const { dataQualityOutput, NoSnapshotError } = await import('./data-quality.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    const councilId = await councilFor(db, values.council as string | undefined);
    console.log(await dataQualityOutput(db, councilId, { asOf, json: values.json === true }));
  } catch (err) {
    if (err instanceof NoSnapshotError) throw new Refused(err.message);
    throw err;
  } finally {
    await db.destroy();
  }
}

async function retentionCommand(config: Config, values: Record<string, unknown>) {
  const asOf = (values['as-of'] as string | undefined) ?? todayInLondon();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDate(asOf) !== asOf) {
    throw new UsageError('--as-of must be a real date written YYYY-MM-DD');
  }
  const { applyRetentionToAll } = await import('../services/organisation/retention.ts');
  const db = await open(config);
  try {
    await migrateToLatest(db);
    // a council that fails is named by id with the kind of failure; the others are still done
    const removed = await applyRetentionToAll(db, asOf, {
      error: (details) => console.error(`Retention failed for a council: ${JSON.stringify(details)}`),
    });
    console.log(
      `Applied each council's retention settings as of ${asOf} (${removed.councils} council${removed.councils === 1 ? '' : 's'}): removed ${removed.snapshots} snapshot${removed.snapshots === 1 ? '' : 's'} and ${removed.accessLog} access-log entr${removed.accessLog === 1 ? 'y' : 'ies'}.`,
    );
  } finally {
    await db.destroy();
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        format: { type: 'string' },
        'as-of': { type: 'string' },
        strict: { type: 'boolean' },
        'allow-shrink': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        council: { type: 'string' },
        mapping: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        'service-area': { type: 'string' },
        team: { type: 'string' },
        worker: { type: 'string' },
        locality: { type: 'string' },
        kind: { type: 'string' },
        public: { type: 'boolean' },
        code: { type: 'string' },
        name: { type: 'string' },
        'admin-email': { type: 'string' },
        'admin-name': { type: 'string' },
        'plan-document': { type: 'string' },
        email: { type: 'string' },
        force: { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error((err as Error).message);
    console.error(USAGE);
    return 2;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || !command) {
    console.log(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  const commands: Record<string, (c: Config) => Promise<void>> = {
    serve,
    migrate,
    demo: async (c) => demo(c, parsed.values['plan-document'] as string | undefined),
    import: async (c) => importCommand(c, parsed.positionals, parsed.values),
    'data-quality': async (c) => dataQualityCommand(c, parsed.values),
    reminders: async (c) => remindersCommand(c, parsed.values),
    retention: async (c) => retentionCommand(c, parsed.values),
    report: async (c) => reportCommand(c, parsed.positionals, parsed.values),
    council: async (c) => councilCommand(c, parsed.positionals, parsed.values),
    backup: async (c) => backupCommand(c, 'backup', parsed.positionals, parsed.values),
    restore: async (c) => backupCommand(c, 'restore', parsed.positionals, parsed.values),
  };
  const run = commands[command];
  if (!run) {
    console.error(`Unknown command: ${command}`);
    console.error(USAGE);
    return 2;
  }
  try {
    await run(loadConfig());
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      return 2;
    }
    if (err instanceof DatabaseUnavailableError || err instanceof Refused) {
      console.error(err.message);
      return 1;
    }
    console.error(err);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'serve') process.exit(code);
