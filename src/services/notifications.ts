/**
 * Messages to auditors: new audits allocated to them, audits whose deadline is near, and audits
 * past it. Each is recorded in `notifications` (one row per audit and auditor, keyed so it is never
 * recorded twice) and sent from the job queue, by e-mail through SMTP or GOV.UK Notify as the
 * configuration says, or recorded as skipped when e-mail is turned off or the person has no address.
 *
 * A message never names a child or gives any reference to one: it says how many audits, in which
 * month's cycle, by when, and links to QA Loop, where the auditor signs in to see them.
 *
 * Use:
 *
 *   // after allocating (inside the allocation's transaction, or after it commits)
 *   await notifyAllocated(trx, app.queue, councilId, auditIds);
 *   // or hand the allocation service a notifier: allocationNotifier(app.queue)
 *
 *   // the daily sweep (the queue runs it on a schedule; it can also be run on demand)
 *   await sendDeadlineReminders(db, queue, today);
 *
 * `queue` may be null (tests, commands that do not start the queue): the messages are then
 * recorded as queued, and the next time the queue runs (at start, and with each daily sweep) it
 * picks them up. Given a transaction, the rows and their queue jobs are written in it, so they
 * exist only if it commits.
 *
 * How each message goes out once: the rows' unique dedupe_key stops a second recording; a job is
 * queued only for rows newly recorded; the queue runs at most one job per auditor at a time (on any
 * number of app instances); and the job sends only rows still queued or failed, marking them sent.
 * An e-mail handed over just before a crash, and not yet marked sent, is sent again when the job is
 * retried: the one way a message can go twice.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { JobQueue } from '../data/queue.ts';
import { inTransaction } from '../data/transaction.ts';
import type { CyclePhase } from '../domain/cycle-phases.ts';
import { formatDate, type IsoDate, monthName } from '../domain/dates.ts';
import { GRANT_SOURCE_WORDS, type GrantSource } from '../domain/role-grants.ts';
import { isRole, ROLE_LABELS } from '../domain/roles.ts';
import type { WorkingDayCalendar } from '../domain/working-days.ts';
import { MailError, type Mailer, withoutAddresses } from '../platform/mailer.ts';
import { sessionSecret } from './organisation/app-settings.ts';
import { signInLinkToken, signInLinkUrl } from './organisation/sign-in-link-token.ts';
import { councilCalendar } from './programme/cycles.ts';

export const NOTIFICATION_KINDS = ['allocated', 'deadline_approaching', 'overdue'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Messages to anyone about what happens after allocation. Each names (in `about_id`) the record it
 * is about: an escalation, an action or an audit. Like auditors' messages they never name a child.
 */
export const PERSON_MESSAGE_KINDS = [
  /** an escalation was sent to them: see it and record the response */
  'escalation_raised',
  /** an escalation sent to them has had no response yet */
  'escalation_chase',
  /** the follow-up date set with an escalation's response has come, and no follow-up is recorded */
  'escalation_follow_up',
  /** an audit of a child they hold or manage has been submitted: read it */
  'audit_returned',
  /** an action they own is due soon */
  'action_due',
  /** an action they own is past its due date */
  'action_overdue',
  /** a QA lead gave them an action from an audit that someone else owned */
  'action_assigned',
  /** the moderation panel has decided the final grade of an audit they did */
  'moderation_outcome',
  /** someone asked for them to have a role that opens children's records: a QA lead must confirm it */
  'role_requested',
  /** a role of theirs has taken effect */
  'role_granted',
] as const;
export type PersonMessageKind = (typeof PERSON_MESSAGE_KINDS)[number];

/**
 * A one-time sign-in link an administrator sent: `about_id` is the link. The link itself is never
 * stored: it is composed from the link's id when the e-mail goes, and not sent once used or expired.
 */
export const SIGN_IN_LINK_KIND = 'sign_in_link';

const ALL_KINDS: readonly string[] = [...NOTIFICATION_KINDS, ...PERSON_MESSAGE_KINDS, SIGN_IN_LINK_KIND];

/** Where an auditor's message links: their list of audits. */
export const AUDITOR_LINK_PATH = '/my-audits';

/** Where each other message links. */
export const PERSON_LINK_PATHS: Record<PersonMessageKind, string> = {
  escalation_raised: '/escalations',
  escalation_chase: '/escalations',
  escalation_follow_up: '/escalations',
  audit_returned: '/audits',
  action_due: '/actions',
  action_overdue: '/actions',
  action_assigned: '/actions',
  moderation_outcome: '/audits',
  role_requested: '/',
  role_granted: '/',
};

/** By default an auditor is reminded when an audit is due within this many working days. */
export const DEFAULT_REMINDER_WORKING_DAYS = 3;

/** A message is tried at most this many times (the first go and the queue's retries). */
export const MAX_ATTEMPTS = 5;

/** The queue job that delivers one person's waiting messages. */
export interface DeliveryJob {
  councilId: string;
  staffId: string;
}

export interface Recorded {
  /** rows newly recorded (one per audit) */
  recorded: number;
  /** people with newly recorded messages: one queue job each */
  recipients: number;
}

const OPEN_STATUSES = ['allocated', 'in_progress'] as const;

function dedupeKey(kind: NotificationKind, auditId: string, staffId: string): string {
  return `${kind}:${auditId}:${staffId}`;
}

/**
 * Queues delivery of one person's waiting messages. Always keyed by the person: the queue then runs
 * their jobs one at a time, whichever app instance takes them, so no two send the same messages.
 */
function queueDelivery(queue: JobQueue, job: DeliveryJob, db?: Db): Promise<string | null> {
  return queue.send('notifications', job, { singletonKey: job.staffId, db });
}

/**
 * Records the messages and queues one delivery job per person, in one transaction (the caller's
 * when `db` is one). A job sends everything waiting for its person, so one that finds nothing left
 * (an earlier job sent it) simply ends.
 */
async function record(
  db: Db,
  queue: JobQueue | null,
  rows: { councilId: string; staffId: string; kind: NotificationKind; auditId: string }[],
): Promise<Recorded> {
  if (rows.length === 0) return { recorded: 0, recipients: 0 };
  return inTransaction(db, async (trx) => {
    const inserted: { council_id: string; staff_id: string }[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      inserted.push(
        ...(await trx
          .insertInto('notifications')
          .values(
            rows.slice(i, i + 500).map((r) => ({
              council_id: r.councilId,
              staff_id: r.staffId,
              kind: r.kind,
              audit_id: r.auditId,
              dedupe_key: dedupeKey(r.kind, r.auditId, r.staffId),
            })),
          )
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .returning(['council_id', 'staff_id'])
          .execute()),
      );
    }
    const people = new Map(inserted.map((r) => [r.staff_id, r.council_id]));
    if (queue) {
      for (const [staffId, councilId] of people) {
        await queueDelivery(queue, { councilId, staffId }, trx);
      }
    }
    return { recorded: inserted.length, recipients: people.size };
  });
}

export interface PersonMessage {
  councilId: string;
  staffId: string;
  kind: PersonMessageKind;
  /** the escalation, action or audit the message is about */
  aboutId: string;
  /** the audit it concerns, when there is one */
  auditId?: string | null;
  /** for a message that may go more than once (a chase): which time this is */
  round?: number;
}

/**
 * Records messages to people about escalations, returned audits and actions, and queues their
 * delivery, in the caller's transaction when `db` is one. The same message (kind, record, person
 * and round) is recorded once however often this is called.
 */
export async function notifyPeople(
  db: Db,
  queue: JobQueue | null,
  messages: readonly PersonMessage[],
): Promise<Recorded> {
  if (messages.length === 0) return { recorded: 0, recipients: 0 };
  return inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto('notifications')
      .values(
        messages.map((m) => ({
          council_id: m.councilId,
          staff_id: m.staffId,
          kind: m.kind,
          audit_id: m.auditId ?? null,
          about_id: m.aboutId,
          dedupe_key: `${m.kind}:${m.aboutId}:${m.staffId}${m.round ? `:${m.round}` : ''}`,
        })),
      )
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning(['council_id', 'staff_id'])
      .execute();
    const people = new Map(inserted.map((r) => [r.staff_id, r.council_id]));
    if (queue) {
      for (const [staffId, councilId] of people) await queueDelivery(queue, { councilId, staffId }, trx);
    }
    return { recorded: inserted.length, recipients: people.size };
  });
}

/** Records the e-mail that carries a one-time sign-in link to its person, and queues it. */
export async function notifySignInLink(
  db: Db,
  queue: JobQueue | null,
  link: { councilId: string; staffId: string; linkId: string },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('notifications')
      .values({
        council_id: link.councilId,
        staff_id: link.staffId,
        kind: SIGN_IN_LINK_KIND,
        about_id: link.linkId,
        dedupe_key: `${SIGN_IN_LINK_KIND}:${link.linkId}:${link.staffId}`,
      })
      .execute();
    if (queue) await queueDelivery(queue, { councilId: link.councilId, staffId: link.staffId }, trx);
  });
}

/** The e-mail that carries a one-time sign-in link: who sent it, that it works once, until when. */
export function composeSignInLinkMessage(
  link: string,
  sentBy: string | null,
  expiresAt: Date,
): { subject: string; body: string } {
  const until = expiresAt.toLocaleString('en-GB', {
    timeZone: 'Europe/London',
    dateStyle: 'long',
    timeStyle: 'short',
  });
  return {
    subject: 'Your link to sign in to QA Loop',
    body: [
      `${sentBy ?? 'Your QA Loop administrator'} has sent you a link to sign in to QA Loop.`,
      `The link works once, for 24 hours (until ${until}). After signing in you can choose a password if your council uses them.`,
      link,
      'If you did not expect this email, do not use the link: tell your QA Loop administrator.',
    ].join('\n\n'),
  };
}

/**
 * Tells each auditor about the audits just allocated to them: one message per auditor, however
 * many audits ("You have 3 new audits to do"). Audits no longer allocated or in progress, or of
 * another council, are left out; an audit already notified to the same auditor is not again (one
 * reallocated to someone else is, to them).
 */
export async function notifyAllocated(
  db: Db,
  queue: JobQueue | null,
  councilId: string,
  auditIds: readonly string[],
): Promise<Recorded> {
  if (auditIds.length === 0) return { recorded: 0, recipients: 0 };
  const audits = await db
    .selectFrom('audits')
    .select(['id', 'auditor_id'])
    .where('council_id', '=', councilId)
    .where('id', 'in', [...new Set(auditIds)])
    .where('status', 'in', OPEN_STATUSES)
    .where('auditor_id', 'is not', null)
    .execute();
  return record(
    db,
    queue,
    audits.map((a) => ({ councilId, staffId: a.auditor_id as string, kind: 'allocated', auditId: a.id })),
  );
}

/**
 * notifyAllocated in the shape of the allocation service's notifier, which it calls with its own
 * transaction, so the messages exist only if the allocation commits:
 * `allocateSample(db, councilId, sampleId, staffId, allocationNotifier(app.queue))`.
 */
export function allocationNotifier(
  queue: JobQueue | null,
): (trx: Db, councilId: string, auditIds: string[]) => Promise<void> {
  return async (trx, councilId, auditIds) => {
    await notifyAllocated(trx, queue, councilId, auditIds);
  };
}

export interface ReminderOptions {
  /** remind when the deadline is within this many working days (default 3) */
  workingDays?: number;
  /** one council only (default: every council) */
  councilId?: string;
}

export interface ReminderSweep extends Recorded {
  approaching: number;
  overdue: number;
}

function auditingEnd(phases: unknown): IsoDate | null {
  if (!Array.isArray(phases)) return null;
  return (phases as CyclePhase[]).find((p) => p.key === 'auditing')?.end ?? null;
}

/** An audit's deadline: its own due date, or else the end of its cycle's auditing window. */
function deadlineOf(dueOn: IsoDate | null, phases: unknown): IsoDate | null {
  return dueOn ?? auditingEnd(phases);
}

/**
 * Which reminder an open audit is due on `today`, if any: 'overdue' once its deadline has passed;
 * 'deadline_approaching' from `workingDays` working days before it up to the day itself.
 */
export function reminderDue(
  deadline: IsoDate,
  today: IsoDate,
  calendar: WorkingDayCalendar,
  workingDays = DEFAULT_REMINDER_WORKING_DAYS,
): 'deadline_approaching' | 'overdue' | null {
  if (today > deadline) return 'overdue';
  if (deadline <= calendar.addWorkingDays(today, workingDays)) return 'deadline_approaching';
  return null;
}

/**
 * The daily sweep: for every audit allocated or in progress, records a 'deadline_approaching'
 * message when its deadline is within the configured working days and an 'overdue' one once it
 * has passed, each at most once per audit and auditor however often the sweep runs. One message
 * per auditor and kind groups their audits.
 */
export async function sendDeadlineReminders(
  db: Db,
  queue: JobQueue | null,
  today: IsoDate,
  options: ReminderOptions = {},
): Promise<ReminderSweep> {
  const audits = await db
    .selectFrom('audits as a')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .select(['a.id', 'a.council_id', 'a.auditor_id', 'a.due_on', 'm.phases'])
    .where('a.status', 'in', OPEN_STATUSES)
    .where('a.auditor_id', 'is not', null)
    .$if(options.councilId !== undefined, (qb) => qb.where('a.council_id', '=', options.councilId as string))
    .execute();
  const calendars = new Map<string, WorkingDayCalendar>();
  const rows: Parameters<typeof record>[2] = [];
  let approaching = 0;
  let overdue = 0;
  for (const a of audits) {
    const deadline = deadlineOf(a.due_on, a.phases);
    if (!deadline) continue;
    let calendar = calendars.get(a.council_id);
    if (!calendar) {
      calendar = await councilCalendar(db, a.council_id);
      calendars.set(a.council_id, calendar);
    }
    const kind = reminderDue(deadline, today, calendar, options.workingDays);
    if (!kind) continue;
    if (kind === 'overdue') overdue++;
    else approaching++;
    rows.push({ councilId: a.council_id, staffId: a.auditor_id as string, kind, auditId: a.id });
  }
  const recorded = await record(db, queue, rows);
  return { ...recorded, approaching, overdue };
}

/**
 * Queues a delivery job for everyone with messages waiting: recorded while no queue was running, or
 * failed with tries left. Run when the queue starts and after each sweep; a job that finds its
 * person's messages already sent simply ends.
 */
export async function enqueueWaiting(db: Db, queue: JobQueue): Promise<number> {
  const waiting = await db
    .selectFrom('notifications')
    .select(['council_id', 'staff_id'])
    .distinct()
    .where('kind', 'in', ALL_KINDS)
    .where('state', 'in', ['queued', 'failed'])
    .where('attempts', '<', MAX_ATTEMPTS)
    .execute();
  let queued = 0;
  for (const w of waiting) {
    const id = await queueDelivery(queue, { councilId: w.council_id, staffId: w.staff_id });
    if (id) queued++;
  }
  return queued;
}

// --- composing a message ---

export interface MessageFacts {
  kind: NotificationKind;
  /** how many audits the message is about */
  count: number;
  /** the cycle's month, YYYY-MM-01 */
  month: IsoDate;
  /** when they are due, if known */
  deadline: IsoDate | null;
  /** the link into QA Loop */
  link: string;
  /**
   * allocation messages: the tools the audits are done on, each with the address of its guidance
   * and, when it has published good-practice exemplars, of those (issue 20)
   */
  tools?: { name: string; guidance: string; exemplars: string | null }[];
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Friday 4 December 2026" */
export function longDate(date: IsoDate): string {
  return `${WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]} ${formatDate(date)}`;
}

/**
 * The subject and text of a message: counts, the cycle, the deadline and a link, nothing about any
 * child. Plain English, in the GOV.UK style.
 */
export function composeMessage(facts: MessageFacts): { subject: string; body: string } {
  const { count, link } = facts;
  const one = count === 1;
  const it = one ? 'it' : 'them';
  const cycle = `the ${monthName(facts.month)} audit cycle`;
  const due = facts.deadline ? longDate(facts.deadline) : null;
  const footer =
    'This email does not say which children the audits are about. You can see that when you sign in.';
  if (facts.kind === 'allocated') {
    return {
      subject: one ? 'You have a new audit to do' : `You have ${count} new audits to do`,
      body: [
        `You have been given ${one ? 'a new audit' : `${count} new audits`} to do in ${cycle}.`,
        due ? `Finish ${it} by ${due}.` : null,
        `Sign in to QA Loop to see ${it}:\n${link}`,
        ...(facts.tools ?? []).map((t) =>
          [
            `${t.name}: the guidance on what good looks like:\n${t.guidance}`,
            t.exemplars ? `Good-practice exemplars for ${t.name}:\n${t.exemplars}` : null,
          ]
            .filter(Boolean)
            .join('\n\n'),
        ),
        footer,
      ]
        .filter(Boolean)
        .join('\n\n'),
    };
  }
  if (facts.kind === 'deadline_approaching') {
    return {
      subject: due
        ? `${one ? 'An audit' : `${count} audits`} due by ${due}`
        : `${one ? 'An audit' : `${count} audits`} due soon`,
      body: [
        `You have ${one ? 'an audit' : `${count} audits`} in ${cycle} still to finish.`,
        due ? `${one ? 'It is' : 'They are'} due by ${due}.` : null,
        `Sign in to QA Loop to finish ${it}:\n${link}`,
        `If you cannot finish ${it} in time, tell your QA lead.`,
        footer,
      ]
        .filter(Boolean)
        .join('\n\n'),
    };
  }
  return {
    subject: one ? 'Your audit is overdue' : `${count} of your audits are overdue`,
    body: [
      `${one ? 'An audit' : `${count} audits`} in ${cycle} ${one ? 'was' : 'were'} due${due ? ` by ${due}` : ''} and ${one ? 'has' : 'have'} not been submitted.`,
      `Finish ${it} as soon as you can, or tell your QA lead if you cannot.`,
      `Sign in to QA Loop:\n${link}`,
      footer,
    ].join('\n\n'),
  };
}

/** What a message about roles says: which roles (their labels) and who asked for them. */
export interface RoleMessageFacts {
  roles: string[];
  askedBy: string[];
}

function inWords(items: readonly string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}`;
}

/**
 * The subject and text of a message about escalations, returned audits, actions or roles: no child
 * named. A message about roles names the roles and who asked (`roleFacts`).
 */
export function composePersonMessage(
  kind: PersonMessageKind,
  count: number,
  link: string,
  roleFacts: RoleMessageFacts = { roles: [], askedBy: [] },
): { subject: string; body: string } {
  const one = count === 1;
  const roleWords =
    roleFacts.roles.length === 0
      ? 'a new role'
      : `the ${new Set(roleFacts.roles).size === 1 ? 'role' : 'roles'} ${inWords(roleFacts.roles)}`;
  const askedBy = inWords(roleFacts.askedBy);
  const footer = 'This email does not say which child it is about. You can see that when you sign in.';
  const texts: Record<PersonMessageKind, { subject: string; lines: string[] }> = {
    escalation_raised: {
      subject: one
        ? 'An audit has found a concern about a child: please respond'
        : `${count} concerns about children have been escalated to you: please respond`,
      lines: [
        one
          ? 'An auditor has escalated a concern about a child to you.'
          : `Auditors have escalated ${count} concerns about children to you.`,
        'Sign in to QA Loop to read what was found and record what you have done.',
      ],
    },
    escalation_chase: {
      subject: one
        ? 'An escalated concern is waiting for your response'
        : `${count} escalated concerns are waiting for your response`,
      lines: [
        one
          ? 'A concern escalated to you from an audit has no response recorded yet.'
          : `${count} concerns escalated to you from audits have no response recorded yet.`,
        'Sign in to QA Loop to record what you have done. The QA team can see it is waiting.',
      ],
    },
    escalation_follow_up: {
      subject: one
        ? 'An escalated concern is due to be followed up'
        : `${count} escalated concerns are due to be followed up`,
      lines: [
        one
          ? 'The response to a concern escalated from an audit set a date to follow it up. That date has come and no follow-up is recorded yet.'
          : `The responses to ${count} concerns escalated from audits set dates to follow them up. Those dates have come and no follow-up is recorded yet.`,
        'Sign in to QA Loop to record what was found when it was followed up. The QA team can see it is waiting.',
      ],
    },
    audit_returned: {
      subject: one
        ? 'An audit of a child you work with is ready to read'
        : `${count} audits are ready to read`,
      lines: [
        one
          ? 'An audit of a child you hold or manage has been completed.'
          : `${count} audits of children you hold or manage have been completed.`,
        'Sign in to QA Loop to read the findings and the actions, record management oversight if you manage the case, and answer the feedback questions if you hold it.',
      ],
    },
    action_due: {
      subject: one ? 'An action from an audit is due soon' : `${count} actions from audits are due soon`,
      lines: [
        one
          ? 'An action you own from an audit is due soon.'
          : `${count} actions you own from audits are due soon.`,
        'Sign in to QA Loop to see them and mark them done.',
      ],
    },
    moderation_outcome: {
      subject: one
        ? 'The moderation panel has decided on one of your audits'
        : `The moderation panel has decided on ${count} of your audits`,
      lines: [
        one
          ? 'An audit you did has been moderated, and the panel has agreed its final grade.'
          : `${count} audits you did have been moderated, and the panel has agreed their final grades.`,
        'Sign in to QA Loop to read the outcome and the comments.',
      ],
    },
    role_requested: {
      subject: 'Someone has asked for you to have a new role in QA Loop',
      lines: [
        `${askedBy || 'Someone'} asked for you to have ${roleWords} in QA Loop.`,
        'It lets you see children’s records, so it takes effect only once a QA lead confirms it. If you did not expect this, tell your QA lead.',
      ],
    },
    role_granted: {
      subject: 'You have a new role in QA Loop',
      lines: [
        `You now have ${roleWords} in QA Loop${askedBy ? `. Asked for by ${askedBy}` : ''}.`,
        'Sign in to QA Loop to see what you can do. If you did not expect this, tell your QA lead.',
      ],
    },
    action_assigned: {
      subject: one
        ? 'You have been given an action from an audit'
        : `You have been given ${count} actions from audits`,
      lines: [
        one
          ? 'The QA team has given you an action from an audit that someone else owned.'
          : `The QA team has given you ${count} actions from audits that other people owned.`,
        'Sign in to QA Loop to see what needs doing and when it is due, and mark each one done once it is.',
      ],
    },
    action_overdue: {
      subject: one ? 'An action from an audit is overdue' : `${count} actions from audits are overdue`,
      lines: [
        one
          ? 'An action you own from an audit is past its due date.'
          : `${count} actions you own from audits are past their due dates.`,
        'Sign in to QA Loop to mark them done or tell your manager why they are late.',
      ],
    },
  };
  const t = texts[kind];
  // a message about roles is about no child
  const ending = kind.startsWith('role_') ? [] : [footer];
  return { subject: t.subject, body: [...t.lines, link, ...ending].join('\n\n') };
}

// --- delivering ---

/** What delivery writes to the log: counts, kinds, channels and reply codes, never people or addresses. */
export interface DeliveryLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface DeliveryOptions {
  /** the address of QA Loop for links, without a trailing slash */
  baseUrl: string;
  log?: DeliveryLog;
  /** aborted when the queue is stopping or has given the job up: no further e-mail is started */
  signal?: AbortSignal;
}

export interface Delivery {
  sent: number;
  failed: number;
  skipped: number;
}

async function settle(
  db: Db,
  ids: string[],
  values: { state: 'sent' | 'failed' | 'skipped'; error: string | null; channel?: string | null },
) {
  if (ids.length === 0) return;
  await db
    .updateTable('notifications')
    .set({
      state: values.state,
      error: values.error,
      ...(values.channel !== undefined ? { channel: values.channel } : {}),
      ...(values.state === 'sent' ? { sent_at: sql<Date>`now()` } : {}),
    })
    .where('id', 'in', ids)
    .where('state', 'in', ['queued', 'failed'])
    .execute();
}

/**
 * What messages about roles say, by kind: the roles and who asked, read from the security log's
 * events that carry the message's id (`detail.notice`, written by src/services/organisation/role-grants.ts).
 */
async function roleMessageFacts(
  db: Db,
  job: DeliveryJob,
  rows: readonly { kind: string; about_id: string | null }[],
): Promise<Map<string, RoleMessageFacts>> {
  const facts = new Map<string, RoleMessageFacts>();
  const kindOf = new Map(
    rows.flatMap((r) => (r.kind.startsWith('role_') && r.about_id ? [[r.about_id, r.kind] as const] : [])),
  );
  if (kindOf.size === 0) return facts;
  const events = await db
    .selectFrom('security_events as e')
    .leftJoin('staff as asker', (j) => j.on(sql`asker.id::text`, '=', sql<string>`e.detail->>'requestedBy'`))
    .select(['e.detail', 'asker.name as asker'])
    .where('e.council_id', '=', job.councilId)
    .where('e.subject_id', '=', job.staffId)
    .where(sql<string>`e.detail->>'notice'`, 'in', [...kindOf.keys()])
    .orderBy('e.id')
    .execute();
  for (const e of events) {
    const kind = kindOf.get(String(e.detail.notice)) as string;
    const f = facts.get(kind) ?? { roles: [], askedBy: [] };
    if (isRole(e.detail.role)) f.roles.push(ROLE_LABELS[e.detail.role]);
    const source = e.detail.source as GrantSource | undefined;
    const asker = e.asker ?? (source ? GRANT_SOURCE_WORDS[source] : undefined);
    if (asker) f.askedBy.push(asker);
    facts.set(kind, f);
  }
  return facts;
}

/**
 * Sends one person's waiting messages: those queued, or failed with tries left. Messages about
 * audits no longer theirs or no longer open are skipped, as is everything when e-mail is turned
 * off or the person has no address. One e-mail per kind, cycle and deadline. A failure marks its
 * messages failed with the reason; the caller (the queue job) fails so the queue tries again.
 */
export async function deliverWaiting(
  db: Db,
  mailer: Mailer,
  job: DeliveryJob,
  options: DeliveryOptions,
): Promise<Delivery> {
  const result: Delivery = { sent: 0, failed: 0, skipped: 0 };
  const waiting = await db
    .selectFrom('notifications as n')
    .leftJoin('audits as a', 'a.id', 'n.audit_id')
    .leftJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('escalations as e', 'e.id', 'n.about_id')
    .leftJoin('audit_actions as x', 'x.id', 'n.about_id')
    .leftJoin('sign_in_links as l', 'l.id', 'n.about_id')
    .leftJoin('staff as sender', 'sender.id', 'l.created_by')
    .leftJoin('audit_tools as tool', 'tool.id', 'a.tool_id')
    .select([
      'n.id',
      'tool.id as tool_id',
      'tool.name as tool_name',
      'n.kind',
      'n.about_id',
      'a.status',
      'a.auditor_id',
      'a.due_on',
      'a.month_id',
      'm.month',
      'm.phases',
      'e.responded_at',
      'e.follow_up_at',
      'x.status as action_status',
      'l.used_at as link_used_at',
      'l.expires_at as link_expires_at',
      'sender.name as link_sender',
    ])
    .where('n.council_id', '=', job.councilId)
    .where('n.staff_id', '=', job.staffId)
    .where('n.kind', 'in', ALL_KINDS)
    .where('n.state', 'in', ['queued', 'failed'])
    .where('n.attempts', '<', MAX_ATTEMPTS)
    .orderBy('n.created_at')
    .execute();
  if (waiting.length === 0) return result;

  const isAuditorKind = (kind: string) => (NOTIFICATION_KINDS as readonly string[]).includes(kind);
  const stale = waiting.filter(
    (w) =>
      isAuditorKind(w.kind) &&
      (!w.month ||
        w.auditor_id !== job.staffId ||
        !(OPEN_STATUSES as readonly string[]).includes(w.status ?? '')),
  );
  // an escalation answered (or followed up), or an action done, before its message went needs none
  const settled = waiting.filter(
    (w) =>
      (w.kind === 'escalation_follow_up' && w.follow_up_at !== null) ||
      (w.kind.startsWith('escalation_') && w.kind !== 'escalation_follow_up' && w.responded_at !== null) ||
      (w.kind.startsWith('action_') && w.action_status !== 'open') ||
      (w.kind === SIGN_IN_LINK_KIND &&
        (w.link_used_at !== null || !w.link_expires_at || w.link_expires_at <= new Date())),
  );
  const current = waiting.filter((w) => !stale.includes(w) && !settled.includes(w));
  await settle(
    db,
    stale.map((w) => w.id),
    { state: 'skipped', error: 'Not sent: the audit was no longer open with this auditor' },
  );
  await settle(
    db,
    settled.map((w) => w.id),
    { state: 'skipped', error: 'Not sent: answered or done before the message went' },
  );
  result.skipped += stale.length + settled.length;

  const person = await db
    .selectFrom('staff')
    .select(['email', 'active'])
    .where('id', '=', job.staffId)
    .where('council_id', '=', job.councilId)
    .executeTakeFirst();
  const to = person?.email?.trim() ?? '';
  const skipReason = !mailer.channel
    ? 'Not sent: email is turned off (QALOOP_MAIL=none)'
    : !person?.active
      ? 'Not sent: this person’s account is not active'
      : !to
        ? 'Not sent: no email address is recorded for this person'
        : null;
  if (skipReason) {
    await settle(
      db,
      current.map((w) => w.id),
      { state: 'skipped', error: skipReason, channel: mailer.channel },
    );
    result.skipped += current.length;
    options.log?.info({ skipped: current.length, reason: skipReason }, 'notifications skipped');
    return result;
  }

  const roleFacts = await roleMessageFacts(db, job, current);
  // one e-mail per kind, cycle and deadline (auditors' messages) or per kind (everyone else's)
  const groups = new Map<
    string,
    {
      facts: Omit<MessageFacts, 'link'>;
      ids: string[];
      compose: (count: number) => { subject: string; body: string };
    }
  >();
  const link = `${options.baseUrl}${AUDITOR_LINK_PATH}`;
  // the allocation message links to each tool's guidance and its published exemplars (issue 20)
  const toolIds = [
    ...new Set(current.flatMap((w) => (w.kind === 'allocated' && w.tool_id ? [w.tool_id] : []))),
  ];
  const exemplarTools = new Set(
    toolIds.length === 0
      ? []
      : (
          await db
            .selectFrom('exemplars')
            .select('tool_id')
            .distinct()
            .where('council_id', '=', job.councilId)
            .where('status', '=', 'published')
            .where('tool_id', 'in', toolIds)
            .execute()
        ).map((r) => r.tool_id),
  );
  for (const w of current) {
    if (isAuditorKind(w.kind)) {
      const deadline = deadlineOf(w.due_on, w.phases);
      const key = `${w.kind}|${w.month_id}|${deadline}`;
      const facts: Omit<MessageFacts, 'link'> = {
        kind: w.kind as NotificationKind,
        count: 0,
        month: w.month as IsoDate,
        deadline,
        tools: [],
      };
      const group = groups.get(key) ?? {
        facts,
        ids: [],
        compose: (count: number) => composeMessage({ ...facts, count, link }),
      };
      group.facts.count++;
      group.ids.push(w.id);
      if (w.kind === 'allocated' && w.tool_id && w.tool_name) {
        const tools = group.facts.tools ?? [];
        if (!tools.some((t) => t.name === w.tool_name)) {
          tools.push({
            name: w.tool_name,
            guidance: `${options.baseUrl}/tools/${w.tool_id}`,
            exemplars: exemplarTools.has(w.tool_id) ? `${options.baseUrl}/exemplars?tool=${w.tool_id}` : null,
          });
        }
        group.facts.tools = tools;
      }
      groups.set(key, group);
    } else if (w.kind === SIGN_IN_LINK_KIND) {
      // each link its own e-mail, composed from the link's id with the installation's secret
      const token = signInLinkToken(w.about_id as string, await sessionSecret(db));
      const message = composeSignInLinkMessage(
        signInLinkUrl(options.baseUrl, token),
        w.link_sender,
        w.link_expires_at as Date,
      );
      groups.set(`${w.kind}|${w.id}`, {
        facts: {
          kind: w.kind as unknown as NotificationKind,
          count: 1,
          month: '' as IsoDate,
          deadline: null,
        },
        ids: [w.id],
        compose: () => message,
      });
    } else {
      const kind = w.kind as PersonMessageKind;
      const group = groups.get(kind) ?? {
        facts: { kind: kind as unknown as NotificationKind, count: 0, month: '' as IsoDate, deadline: null },
        ids: [],
        compose: (count: number) =>
          composePersonMessage(
            kind,
            count,
            `${options.baseUrl}${PERSON_LINK_PATHS[kind]}`,
            roleFacts.get(kind),
          ),
      };
      group.facts.count++;
      group.ids.push(w.id);
      groups.set(kind, group);
    }
  }

  for (const { facts, ids, compose } of groups.values()) {
    // the queue is stopping or gave the job up: leave the rest for the retry
    options.signal?.throwIfAborted();
    // counts the try before making it, so a crash mid-send still uses one up
    const claimed = await db
      .updateTable('notifications')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), channel: mailer.channel }))
      .where('id', 'in', ids)
      .where('state', 'in', ['queued', 'failed'])
      .returning('id')
      .execute();
    if (claimed.length === 0) continue;
    const claimedIds = claimed.map((c) => c.id);
    const message = compose(claimedIds.length);
    try {
      await mailer.send({ to, subject: message.subject, body: message.body, reference: claimedIds[0] });
    } catch (err) {
      const reason =
        err instanceof MailError
          ? err.message
          : withoutAddresses(`Sending failed: ${(err as Error).message}`);
      await settle(db, claimedIds, { state: 'failed', error: reason.slice(0, 500) });
      result.failed += claimedIds.length;
      options.log?.warn(
        {
          kind: facts.kind,
          messages: claimedIds.length,
          channel: mailer.channel,
          // the reason is kept with the messages; the log has only the server's code
          code: err instanceof MailError ? err.code : undefined,
        },
        'notification not sent',
      );
      continue;
    }
    await settle(db, claimedIds, { state: 'sent', error: null });
    result.sent += claimedIds.length;
    options.log?.info(
      { kind: facts.kind, messages: claimedIds.length, channel: mailer.channel },
      'notification sent',
    );
  }
  return result;
}
