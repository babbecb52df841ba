import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../../src/data/db.ts';
import { computeCycle, DEFAULT_PHASE_LENGTHS } from '../../src/domain/cycle-phases.ts';
import { WorkingDayCalendar } from '../../src/domain/working-days.ts';
import { createLogger, type Logger } from '../../src/platform/log.ts';
import { createCouncil } from '../../src/services/organisation/councils.ts';

/** A message as the mail server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** everything the server was sent, headers and all */
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  mails: ReceivedMail[];
  /** when set, the server refuses recipients with this reply (e.g. 550) */
  refuseWith: { code: number; message: string } | null;
  /** milliseconds the server waits before accepting each message */
  delayMs: number;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const unsoft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < unsoft.length; i++) {
    if (unsoft[i] === '=' && /^[0-9A-F]{2}$/i.test(unsoft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(unsoft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unsoft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const header = (name: string) =>
    head
      .split('\r\n')
      .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      ?.slice(name.length + 1)
      .trim() ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { subject: header('Subject'), text: text.replace(/\r\n/g, '\n').trimEnd() };
}

/** A real SMTP server on 127.0.0.1 (a port of its own), keeping what it is sent. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    mails: [],
    refuseWith: null,
    delayMs: 0,
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.refuseWith) {
        const err = new Error(state.refuseWith.message) as Error & { responseCode: number };
        err.responseCode = state.refuseWith.code;
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        setTimeout(() => {
          state.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            ...parseMail(raw),
          });
          callback();
        }, state.delayMs);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  state.url = `smtp://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A logger whose lines are kept, to check what was written. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger('debug', destination), lines };
}

export interface AuditorFixture {
  id: string;
  name: string;
  email: string | null;
}

export interface NotificationFixture {
  councilId: string;
  monthId: string;
  /** the auditing window of the November 2026 cycle */
  auditing: { start: string; end: string };
  auditors: AuditorFixture[];
  /** children's names and references, none of which may appear in a message */
  childSecrets: string[];
  /** Adds `count` audits of new children, allocated to the auditor. */
  addAudits(auditorId: string, count: number, dueOn?: string | null): Promise<string[]>;
}

let councilSeq = 0;

/**
 * A council with a November 2026 cycle (auditing window 9–27 November 2026) and auditors with the
 * given e-mail addresses (null: none recorded).
 */
export async function notificationFixture(db: Db, emails: (string | null)[]): Promise<NotificationFixture> {
  councilSeq++;
  const council = await createCouncil(db, { code: `n${councilSeq}`, name: `Notify Council ${councilSeq}` });
  const councilId = council.id;
  const year = await db
    .insertInto('programme_years')
    .values({ council_id: councilId, starts_on: '2026-04-01', ends_on: '2027-03-31', name: '2026–27' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const phases = computeCycle('2026-11-02', DEFAULT_PHASE_LENGTHS, new WorkingDayCalendar());
  const auditingPhase = phases.find((p) => p.key === 'auditing');
  if (!auditingPhase) throw new Error('no auditing phase');
  const month = await db
    .insertInto('programme_months')
    .values({
      council_id: councilId,
      year_id: year.id,
      month: '2026-11-01',
      cycle_starts_on: '2026-11-02',
      phases: JSON.stringify(phases),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const names = [
    'Morgan Ashdown',
    'Robin Kestrel',
    'Jude Penhallow',
    'Ellis Fairweather',
    'Rowan Quill',
    'Sasha Tern',
  ];
  const auditors: AuditorFixture[] = [];
  for (const [i, email] of emails.entries()) {
    const name = names[i % names.length] + (i >= names.length ? ` ${i}` : '');
    const row = await db
      .insertInto('staff')
      .values({
        council_id: councilId,
        name,
        email,
        job_title: 'Team Manager',
        audit_trained_on: '2025-01-01',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    auditors.push({ id: row.id, name, email });
  }
  const childSecrets: string[] = [];
  let childSeq = 0;
  return {
    councilId,
    monthId: month.id,
    auditing: { start: auditingPhase.start, end: auditingPhase.end },
    auditors,
    childSecrets,
    async addAudits(auditorId, count, dueOn = auditingPhase.end) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        childSeq++;
        const ref = `CHREF${councilSeq}X${String(childSeq).padStart(4, '0')}`;
        const first = `Tamsin${childSeq}`;
        const last = `Brightwater${councilSeq}`;
        childSecrets.push(ref, first, last);
        const child = await db
          .insertInto('children')
          .values({
            council_id: councilId,
            external_id: ref,
            first_name: first,
            last_name: last,
            gender: 'female',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        childSecrets.push(child.id);
        const audit = await db
          .insertInto('audits')
          .values({
            council_id: councilId,
            month_id: month.id,
            child_id: child.id,
            kind: 'full_audit',
            auditor_id: auditorId,
            status: 'allocated',
            allocated_at: new Date(),
            due_on: dueOn,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        childSecrets.push(audit.id);
        ids.push(audit.id);
      }
      return ids;
    },
  };
}

/** Waits until `check` is true, or fails after `ms`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 30_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
