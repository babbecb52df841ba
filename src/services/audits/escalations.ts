/**
 * Escalations (domain.md §11): a concern that a child may be unsafe now, or that work with them has
 * drifted, sent from inside an audit to the case's line manager, the Head of Service and the
 * Assistant Director for quality assurance, and tracked until someone records the response.
 *
 * Who may do what:
 *  - raise one: the allocated auditor while the audit is allocated or in progress (before it is
 *    submitted), or QA at any point of an allocated, in-progress or submitted audit;
 *  - see one: the person who raised it, the people it was sent to, and QA of the council; and an
 *    immediate safety concern, a senior leader over the audit's service area (an Assistant Director
 *    with no service area covers every service), who also has a list of those still open;
 *  - know that one was raised: the practitioner whose child's audit it came from sees, on the
 *    audit, that an immediate safety concern was raised, when, and whether it has been answered,
 *    never what was found or the response (no council setting shares those with them);
 *  - record the response: the people it was sent to, or QA; once only. The response can set a date
 *    to follow it up (today or later); the same people record the follow-up, once only.
 *
 * The people it goes to are e-mailed when it is raised (`escalation_raised`) and reminded while it
 * is unanswered (`escalation_chase`, see chaseEscalations); from a follow-up date until the
 * follow-up is recorded, they and whoever set the date are reminded in the same way
 * (`escalation_follow_up`). Messages never name the child.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import type { AuditStatus } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import { formatDate, type IsoDate, todayInLondon } from '../../domain/dates.ts';
import {
  chaseDue,
  ESCALATION_KIND_LABELS,
  ESCALATION_KINDS,
  ESCALATION_TAG_CLASSES,
  ESCALATION_TEXT_MAX,
  type EscalationKind,
  waitingText,
  workingDaysWaiting,
} from '../../domain/escalations.ts';
import { type FieldError, NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import type { WorkingDayCalendar } from '../../domain/working-days.ts';
import { notifyPeople } from '../notifications.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { councilCalendar } from '../programme/cycles.ts';
import { type AuditAccess, type AuditFacts, auditAccess, must } from './audit-access.ts';

/** Why each person an escalation goes to receives it. */
export const RECIPIENT_WHY = {
  lineManager: 'Line manager of the case',
  headOfService: 'Head of Service',
  director: 'Assistant Director for quality assurance',
  added: 'Added by the person who raised it',
} as const;

/** Roles of the people, besides the defaults, an escalation can also be sent to. */
const RECIPIENT_ROLES = ['senior_leader', 'case_manager', 'qa_lead'] as const;

export const READ_REFUSED =
  'Only the person who raised an escalation, the people it was sent to and the QA team can see it.';
export const RESPOND_REFUSED =
  'Only the people an escalation was sent to and the QA team can record the response.';
export const FOLLOW_UP_REFUSED =
  'Only the people an escalation was sent to and the QA team can record the follow-up.';

/** Names the follow-up date in messages about it. */
export const FOLLOW_UP_LABEL = 'The follow-up date';

const OPEN: readonly AuditStatus[] = ['allocated', 'in_progress'];

const isUuid = (v: unknown): v is string => z.uuid().safeParse(v).success;

export interface Recipient {
  staffId: string;
  name: string;
  jobTitle: string;
  why: string;
}

export interface Person {
  staffId: string;
  name: string;
  jobTitle: string;
}

// --- who it goes to ---

function activeStaff(db: Db, councilId: string) {
  return db
    .selectFrom('staff as s')
    .select(['s.id', 's.name', 's.job_title'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true);
}

function seniorLeaders(db: Db, councilId: string) {
  return activeStaff(db, councilId).where((eb) =>
    eb.exists(
      eb
        .selectFrom('staff_roles as r')
        .select('r.staff_id')
        .whereRef('r.staff_id', '=', 's.id')
        .where('r.role', '=', 'senior_leader'),
    ),
  );
}

/**
 * Who an escalation from this audit goes to unless the person raising it changes it: the case's line
 * manager, the Head of Service of the audit's service area (a senior leader there, one whose job title
 * begins "Head of" first) and the Assistant Director for quality assurance (the council's setting, or
 * else a senior leader whose job title says Assistant Director and quality). Anyone missing or no
 * longer active is left out; someone in two of these places is listed once, with both reasons.
 */
export async function defaultRecipients(
  db: Db,
  councilId: string,
  audit: Pick<AuditFacts, 'practitionerManagerId' | 'serviceAreaId'>,
): Promise<Recipient[]> {
  const found: { row: { id: string; name: string; job_title: string }; why: string }[] = [];
  const byId = (id: string) => activeStaff(db, councilId).where('s.id', '=', id).executeTakeFirst();

  if (audit.practitionerManagerId) {
    const manager = await byId(audit.practitionerManagerId);
    if (manager) found.push({ row: manager, why: RECIPIENT_WHY.lineManager });
  }
  if (audit.serviceAreaId) {
    const head = await seniorLeaders(db, councilId)
      .where('s.service_area_id', '=', audit.serviceAreaId)
      .orderBy(sql`case when s.job_title ilike 'head of%' then 0 else 1 end`)
      .orderBy('s.name')
      .orderBy('s.id')
      .executeTakeFirst();
    if (head) found.push({ row: head, why: RECIPIENT_WHY.headOfService });
  }
  const settings = await db
    .selectFrom('council_settings')
    .select('escalation_director_id')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  let director = settings?.escalation_director_id ? await byId(settings.escalation_director_id) : undefined;
  director ??= await seniorLeaders(db, councilId)
    .where('s.job_title', '~*', 'assistant director')
    .where('s.job_title', '~*', 'quality')
    .orderBy('s.name')
    .orderBy('s.id')
    .executeTakeFirst();
  if (director) found.push({ row: director, why: RECIPIENT_WHY.director });

  const recipients = new Map<string, Recipient>();
  for (const { row, why } of found) {
    const already = recipients.get(row.id);
    if (already) already.why = `${already.why}; ${why}`;
    else recipients.set(row.id, { staffId: row.id, name: row.name, jobTitle: row.job_title, why });
  }
  return [...recipients.values()];
}

/** Active senior leaders, case managers and QA of the council: others an escalation can be sent to. */
export async function recipientChoices(db: Db, councilId: string): Promise<Person[]> {
  const rows = await activeStaff(db, councilId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_roles as r')
          .select('r.staff_id')
          .whereRef('r.staff_id', '=', 's.id')
          .where('r.role', 'in', RECIPIENT_ROLES),
      ),
    )
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({ staffId: r.id, name: r.name, jobTitle: r.job_title }));
}

// --- raising ---

/**
 * Why this person cannot raise an escalation from the audit now, or null when they can: the
 * allocated auditor while it is being done, QA while it is allocated, in progress or submitted.
 */
export function raiseRefusal(access: AuditAccess): string | null {
  const { status } = access.audit;
  if (status === 'exempted')
    return 'This audit is exempted, so no escalation can be raised from it. Raise any concern about the child through the council’s safeguarding procedures.';
  if (status === 'unallocated')
    return 'This audit has not been allocated yet, so no escalation can be raised from it. Raise any concern about the child through the council’s safeguarding procedures.';
  if (access.relations.has('qa')) return null;
  if (access.relations.has('auditor') && OPEN.includes(status)) return null;
  if (access.relations.has('auditor'))
    return 'This audit has been submitted. Ask the QA team to raise an escalation from it, or raise the concern through the council’s safeguarding procedures.';
  return 'Only the auditor the audit is allocated to, while they are doing it, and the QA team can raise an escalation from it.';
}

/** What the escalation form offers: who it goes to unless changed, and who else it could go to. */
export async function escalationForm(
  db: Db,
  access: AuditAccess,
  user: SignedInUser,
): Promise<{ defaults: Recipient[]; others: Person[] }> {
  must(raiseRefusal(access) === null, raiseRefusal(access) ?? '');
  const defaults = await defaultRecipients(db, user.councilId, access.audit);
  const taken = new Set(defaults.map((d) => d.staffId));
  const others = (await recipientChoices(db, user.councilId)).filter(
    (p) => !taken.has(p.staffId) && p.staffId !== user.staffId,
  );
  return { defaults, others };
}

/**
 * The page to raise an escalation from an audit: the audit and escalationForm's people. Refused
 * (403) to anyone who may not raise one from it now; NotFoundError when there is no such audit.
 */
export async function escalationFormPage(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  const { defaults, others } = await escalationForm(db, access, user);
  return { audit: access.audit, defaults, others };
}

const KIND_ERROR = 'Choose whether this is an immediate safety concern or drift and delay';
const FOUND_ERROR = 'Enter what you found';
const RECIPIENTS_ERROR = 'Choose at least one person to send the escalation to';
const UNKNOWN_RECIPIENT =
  'Choose people from the list: one of the people chosen cannot be sent an escalation';

const raiseSchema = z.object({
  kind: z.enum(ESCALATION_KINDS, { error: KIND_ERROR }),
  found: z
    .string({ error: FOUND_ERROR })
    .trim()
    .min(1, FOUND_ERROR)
    .max(ESCALATION_TEXT_MAX, 'What you found must be 5,000 characters or fewer'),
  recipients: z.array(z.string(), { error: RECIPIENTS_ERROR }).min(1, RECIPIENTS_ERROR),
});

export interface RaiseInput {
  /** 'immediate' or 'drift_delay' */
  kind?: unknown;
  /** what was found */
  found?: unknown;
  /** staff ids of the people it goes to */
  recipients?: unknown;
}

/**
 * Raises an escalation from an audit and tells each person it goes to, in one transaction.
 * Throws AuditAccessError (403) when the person may not raise one from this audit now,
 * NotFoundError for an audit not in their council, and ValidationError for bad input.
 * Returns the escalation's id.
 */
export async function raiseEscalation(
  db: Db,
  queue: JobQueue | null,
  user: SignedInUser,
  auditId: string,
  input: RaiseInput,
): Promise<string> {
  if (!isUuid(auditId)) throw new NotFoundError('audit');
  const access = await auditAccess(db, user, auditId);
  const refusal = raiseRefusal(access);
  must(refusal === null, refusal ?? '');
  const checked = validate(raiseSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const { kind, found } = checked.value;
  const ids = [...new Set(checked.value.recipients)];
  if (!ids.every(isUuid)) throw new ValidationError([{ field: 'recipients', message: UNKNOWN_RECIPIENT }]);
  const people = await activeStaff(db, user.councilId).where('s.id', 'in', ids).execute();
  if (people.length !== ids.length) {
    throw new ValidationError([{ field: 'recipients', message: UNKNOWN_RECIPIENT }]);
  }
  const audit = access.audit;
  const defaults = new Map(
    (await defaultRecipients(db, user.councilId, audit)).map((d) => [d.staffId, d.why]),
  );
  // only the people the form offers: the defaults, and senior leaders, case managers and QA
  const offered = new Set([
    ...defaults.keys(),
    ...(await recipientChoices(db, user.councilId)).map((p) => p.staffId),
  ]);
  if (!ids.every((id) => offered.has(id))) {
    throw new ValidationError([{ field: 'recipients', message: UNKNOWN_RECIPIENT }]);
  }
  const raisedBeforeSubmission = audit.status !== 'submitted';

  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('escalations')
      .values({
        council_id: user.councilId,
        audit_id: audit.id,
        child_id: audit.childId,
        kind,
        found,
        raised_by: user.staffId,
        raised_before_submission: raisedBeforeSubmission,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('escalation_recipients')
      .values(
        ids.map((staffId) => ({
          escalation_id: row.id,
          staff_id: staffId,
          why: defaults.get(staffId) ?? RECIPIENT_WHY.added,
        })),
      )
      .execute();
    await notifyPeople(
      trx,
      queue,
      ids.map((staffId) => ({
        councilId: user.councilId,
        staffId,
        kind: 'escalation_raised' as const,
        aboutId: row.id,
        auditId: audit.id,
      })),
    );
    return row.id;
  });
}

/** An escalation just raised: the audit it came from and the names of the people it went to, A to Z. */
export async function raisedEscalation(
  db: Db,
  councilId: string,
  escalationId: string,
): Promise<{ auditId: string; sentTo: string[] }> {
  const escalation = await loadRow(db, councilId, escalationId);
  const sentTo = await db
    .selectFrom('escalation_recipients as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select('s.name')
    .where('r.escalation_id', '=', escalation.id)
    .orderBy('s.name')
    .execute();
  return { auditId: escalation.audit_id, sentTo: sentTo.map((s) => s.name) };
}

// --- reading ---

export interface EscalationView {
  id: string;
  href: string;
  auditId: string;
  kind: EscalationKind;
  kindLabel: string;
  tagClass: string;
  found: string;
  raisedBy: Person;
  raisedAt: Date;
  raisedBeforeSubmission: boolean;
  recipients: Recipient[];
  answered: boolean;
  response: string | null;
  respondedBy: Person | null;
  respondedAt: Date | null;
  chases: number;
  /** the service area of the audit it was raised from */
  serviceAreaId: string | null;
  /** the date the response set to follow it up, if any */
  followUpOn: IsoDate | null;
  /** the follow-up once recorded */
  followUp: { note: string; by: Person | null; at: Date } | null;
}

function escalationQuery(db: Db, councilId: string) {
  return db
    .selectFrom('escalations as e')
    .innerJoin('children as c', 'c.id', 'e.child_id')
    .innerJoin('audits as a', 'a.id', 'e.audit_id')
    .innerJoin('staff as rb', 'rb.id', 'e.raised_by')
    .leftJoin('staff as rs', 'rs.id', 'e.responded_by')
    .leftJoin('staff as fb', 'fb.id', 'e.follow_up_by')
    .where('e.council_id', '=', councilId)
    .select([
      'e.id',
      'e.audit_id',
      'e.child_id',
      'c.external_id as child_reference',
      'e.kind',
      'e.found',
      'e.raised_by',
      'rb.name as raised_by_name',
      'rb.job_title as raised_by_job_title',
      'e.raised_at',
      'e.raised_before_submission',
      'e.response',
      'e.responded_by',
      'rs.name as responded_by_name',
      'rs.job_title as responded_by_job_title',
      'e.responded_at',
      'e.chases',
      'a.service_area_id',
      'e.follow_up_on',
      'e.follow_up_note',
      'e.follow_up_by',
      'fb.name as follow_up_by_name',
      'fb.job_title as follow_up_by_job_title',
      'e.follow_up_at',
    ]);
}

type EscalationRow = Awaited<ReturnType<ReturnType<typeof escalationQuery>['execute']>>[number];

async function recipientsOf(db: Db, escalationIds: string[]): Promise<Map<string, Recipient[]>> {
  const map = new Map<string, Recipient[]>();
  if (escalationIds.length === 0) return map;
  const rows = await db
    .selectFrom('escalation_recipients as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select(['r.escalation_id', 'r.staff_id', 'r.why', 's.name', 's.job_title'])
    .where('r.escalation_id', 'in', escalationIds)
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
  for (const r of rows) {
    const list = map.get(r.escalation_id) ?? [];
    list.push({ staffId: r.staff_id, name: r.name, jobTitle: r.job_title, why: r.why });
    map.set(r.escalation_id, list);
  }
  return map;
}

function viewOf(row: EscalationRow, recipients: Recipient[]): EscalationView {
  return {
    id: row.id,
    href: `/escalations/${row.id}`,
    auditId: row.audit_id,
    kind: row.kind,
    kindLabel: ESCALATION_KIND_LABELS[row.kind],
    tagClass: ESCALATION_TAG_CLASSES[row.kind],
    found: row.found,
    raisedBy: { staffId: row.raised_by, name: row.raised_by_name, jobTitle: row.raised_by_job_title },
    raisedAt: row.raised_at,
    raisedBeforeSubmission: row.raised_before_submission,
    recipients,
    answered: row.responded_at !== null,
    response: row.response,
    respondedBy: row.responded_by
      ? {
          staffId: row.responded_by,
          name: row.responded_by_name ?? '',
          jobTitle: row.responded_by_job_title ?? '',
        }
      : null,
    respondedAt: row.responded_at,
    chases: row.chases,
    serviceAreaId: row.service_area_id,
    followUpOn: row.follow_up_on,
    followUp:
      row.follow_up_at && row.follow_up_note !== null
        ? {
            note: row.follow_up_note,
            by: row.follow_up_by
              ? {
                  staffId: row.follow_up_by,
                  name: row.follow_up_by_name ?? '',
                  jobTitle: row.follow_up_by_job_title ?? '',
                }
              : null,
            at: row.follow_up_at,
          }
        : null,
  };
}

/**
 * While a follow-up is waiting: "Follow-up due 12 December 2026" up to and on the date, "Follow-up
 * overdue" after it; null when there is no follow-up date or the follow-up has been recorded.
 */
export function followUpStatus(
  view: Pick<EscalationView, 'followUpOn' | 'followUp'>,
  today: IsoDate,
): { text: string; overdue: boolean } | null {
  if (!view.followUpOn || view.followUp) return null;
  return today > view.followUpOn
    ? { text: 'Follow-up overdue', overdue: true }
    : { text: `Follow-up due ${formatDate(view.followUpOn)}`, overdue: false };
}

async function viewsOf(db: Db, rows: EscalationRow[]): Promise<EscalationView[]> {
  const recipients = await recipientsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => viewOf(r, recipients.get(r.id) ?? []));
}

/** A senior leader over this service area: theirs, or every one for those with none (an Assistant Director). */
function leadsService(user: SignedInUser, serviceAreaId: string | null): boolean {
  return (
    user.roles.includes('senior_leader') &&
    (user.serviceAreaId === null || user.serviceAreaId === serviceAreaId)
  );
}

/**
 * Whether the person may open the escalation: they raised it, it was sent to them, they are QA, or
 * it is an immediate safety concern in services they lead.
 */
function mayOpen(user: SignedInUser, view: EscalationView): boolean {
  return (
    user.roles.includes('qa_lead') ||
    view.raisedBy.staffId === user.staffId ||
    view.recipients.some((r) => r.staffId === user.staffId) ||
    (view.kind === 'immediate' && leadsService(user, view.serviceAreaId))
  );
}

function mayRespond(user: SignedInUser, view: EscalationView): boolean {
  return user.roles.includes('qa_lead') || view.recipients.some((r) => r.staffId === user.staffId);
}

/** Every escalation raised from the audit, oldest first, for those who may see them all. */
export async function escalationsForAudit(db: Db, access: AuditAccess): Promise<EscalationView[]> {
  const rows = await escalationQuery(db, access.audit.councilId)
    .where('e.audit_id', '=', access.audit.id)
    .orderBy('e.raised_at')
    .orderBy('e.id')
    .execute();
  return viewsOf(db, rows);
}

/**
 * That an immediate safety concern was raised from the audit of a child the person holds: when, and
 * whether it has been answered. Nothing of what was found, who it went to or the response.
 */
export interface EscalationNotice {
  kindLabel: string;
  tagClass: string;
  raisedAt: Date;
  answered: boolean;
  respondedAt: Date | null;
}

export interface EscalationPanel {
  auditId: string;
  /** show "Raise an escalation" */
  canEscalate: boolean;
  /** the audit's escalations this person may open: all of them for QA */
  escalations: EscalationView[];
  /**
   * for the practitioner whose child it is: the immediate safety concerns raised from the audit that
   * they may not open, as the fact, date and status only
   */
  notices: EscalationNotice[];
}

/** What the audit page's escalations panel shows this person. */
export async function escalationPanel(
  db: Db,
  access: AuditAccess,
  user: SignedInUser,
): Promise<EscalationPanel> {
  const all = await escalationsForAudit(db, access);
  const escalations = all.filter((e) => mayOpen(user, e));
  const opened = new Set(escalations.map((e) => e.id));
  // the practitioner reads the audit once it is submitted, and with it learns of any concern raised
  const notices =
    access.relations.has('practitioner') && access.mayRead
      ? all
          .filter((e) => e.kind === 'immediate' && !opened.has(e.id))
          .map((e) => ({
            kindLabel: e.kindLabel,
            tagClass: e.tagClass,
            raisedAt: e.raisedAt,
            answered: e.answered,
            respondedAt: e.respondedAt,
          }))
      : [];
  return { auditId: access.audit.id, canEscalate: raiseRefusal(access) === null, escalations, notices };
}

export interface EscalationPage extends EscalationView {
  childId: string;
  childReference: string;
  /** the audit's page, when this person may read the audit */
  auditHref: string | null;
  /** may record the response now */
  canRespond: boolean;
  /** while unanswered: how long it has waited, like "3 working days" */
  waiting: string | null;
  /** may record the follow-up now */
  canFollowUp: boolean;
  /** "Follow-up due 12 December 2026" or "Follow-up overdue" while one is waiting */
  followUpStatus: { text: string; overdue: boolean } | null;
}

async function loadRow(db: Db, councilId: string, escalationId: string): Promise<EscalationRow> {
  if (!isUuid(escalationId)) throw new NotFoundError('escalation');
  const row = await escalationQuery(db, councilId).where('e.id', '=', escalationId).executeTakeFirst();
  if (!row) throw new NotFoundError('escalation');
  return row;
}

/**
 * One escalation, for its page. NotFoundError when it is not in the person's council;
 * AuditAccessError unless they raised it, received it or are QA.
 */
export async function getEscalation(
  db: Db,
  user: SignedInUser,
  escalationId: string,
  today: IsoDate,
): Promise<EscalationPage> {
  const row = await loadRow(db, user.councilId, escalationId);
  const [view] = await viewsOf(db, [row]);
  must(mayOpen(user, view), READ_REFUSED);
  const audit = await auditAccess(db, user, row.audit_id);
  const calendar = view.answered ? null : await councilCalendar(db, user.councilId);
  return {
    ...view,
    childId: row.child_id,
    childReference: row.child_reference,
    auditHref: audit.mayRead ? `/audits/${row.audit_id}` : null,
    canRespond: !view.answered && mayRespond(user, view),
    waiting: calendar ? waitingText(workingDaysWaiting(todayInLondon(view.raisedAt), today, calendar)) : null,
    canFollowUp: view.answered && view.followUpOn !== null && !view.followUp && mayRespond(user, view),
    followUpStatus: followUpStatus(view, today),
  };
}

const responseSchema = z.object({
  response: z
    .string({ error: 'Enter the response' })
    .trim()
    .min(1, 'Enter the response')
    .max(ESCALATION_TEXT_MAX, 'The response must be 5,000 characters or fewer'),
});

export interface ResponseInput {
  response?: unknown;
  /** the optional follow-up date, in the three fields of the GOV.UK date input */
  'followUpOn-day'?: unknown;
  'followUpOn-month'?: unknown;
  'followUpOn-year'?: unknown;
}

function firstPart(parts: DatePart[]): DatePart {
  return (['day', 'month', 'year'] as const).find((p) => parts.includes(p)) ?? 'day';
}

/** Reads the optional follow-up date: empty is none; a date before today is refused. */
export function readFollowUpOn(
  input: ResponseInput,
  today: IsoDate,
): { ok: true; value: IsoDate | null } | { ok: false; error: FieldError; parts: DatePart[] } {
  const parsed = parseDateInput(
    { day: input['followUpOn-day'], month: input['followUpOn-month'], year: input['followUpOn-year'] },
    { label: FOLLOW_UP_LABEL },
  );
  if (!parsed.ok) {
    return {
      ok: false,
      error: { field: `followUpOn-${firstPart(parsed.parts)}`, message: parsed.message },
      parts: parsed.parts,
    };
  }
  if (parsed.value !== null && parsed.value < today) {
    return {
      ok: false,
      error: { field: 'followUpOn-day', message: `${FOLLOW_UP_LABEL} must be today or in the future` },
      parts: ['day', 'month', 'year'],
    };
  }
  return { ok: true, value: parsed.value };
}

/**
 * Records the response to an escalation: by someone it was sent to, or QA, with an optional date to
 * follow it up (today or later). Once answered it cannot be answered again (ValidationError saying
 * who answered it and when). Nothing changes when anything is refused.
 */
export async function respondToEscalation(
  db: Db,
  user: SignedInUser,
  escalationId: string,
  input: ResponseInput,
  today: IsoDate = todayInLondon(),
): Promise<void> {
  const row = await loadRow(db, user.councilId, escalationId);
  const [view] = await viewsOf(db, [row]);
  must(mayRespond(user, view), RESPOND_REFUSED);
  const already = (name: string | null) =>
    new ValidationError([
      {
        field: 'response',
        message: `This escalation has already been answered${name ? ` by ${name}` : ''}: a response cannot be recorded twice`,
      },
    ]);
  if (view.answered) throw already(view.respondedBy?.name ?? null);
  const checked = validate(responseSchema, input);
  const followUpOn = readFollowUpOn(input, today);
  const errors = [...(checked.ok ? [] : checked.errors), ...(followUpOn.ok ? [] : [followUpOn.error])];
  if (!checked.ok || !followUpOn.ok) throw new ValidationError(errors);
  const updated = await db
    .updateTable('escalations')
    .set({
      response: checked.value.response,
      responded_by: user.staffId,
      responded_at: sql<Date>`now()`,
      follow_up_on: followUpOn.value,
    })
    .where('id', '=', row.id)
    .where('council_id', '=', user.councilId)
    .where('responded_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  // someone else answered it a moment before
  if (!updated) throw already(null);
}

const followUpSchema = z.object({
  note: z
    .string({ error: 'Enter what was found when it was followed up' })
    .trim()
    .min(1, 'Enter what was found when it was followed up')
    .max(ESCALATION_TEXT_MAX, 'The follow-up must be 5,000 characters or fewer'),
});

/**
 * Records the follow-up of an answered escalation whose response set a follow-up date, which stops
 * the follow-up reminders: by someone it was sent to, or QA (AuditAccessError otherwise). It can be
 * recorded before the date. Recorded once only (ValidationError saying who recorded it).
 */
export async function recordFollowUp(
  db: Db,
  user: SignedInUser,
  escalationId: string,
  input: { note?: unknown },
): Promise<void> {
  const row = await loadRow(db, user.councilId, escalationId);
  const [view] = await viewsOf(db, [row]);
  must(mayRespond(user, view), FOLLOW_UP_REFUSED);
  const refuse = (message: string) => new ValidationError([{ field: 'note', message }]);
  if (!view.answered || !view.followUpOn) {
    throw refuse('This escalation has no follow-up date, so there is no follow-up to record');
  }
  const already = (name: string | null) =>
    refuse(
      `The follow-up has already been recorded${name ? ` by ${name}` : ''}: it cannot be recorded twice`,
    );
  if (view.followUp) throw already(view.followUp.by?.name ?? null);
  const checked = validate(followUpSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const updated = await db
    .updateTable('escalations')
    .set({ follow_up_note: checked.value.note, follow_up_by: user.staffId, follow_up_at: sql<Date>`now()` })
    .where('id', '=', row.id)
    .where('council_id', '=', user.councilId)
    .where('follow_up_on', 'is not', null)
    .where('follow_up_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!updated) throw already(null);
}

export interface EscalationSummary {
  id: string;
  href: string;
  kind: EscalationKind;
  kindLabel: string;
  tagClass: string;
  raisedBy: string;
  raisedAt: Date;
  recipients: string;
  answered: boolean;
  respondedBy: string | null;
  respondedAt: Date | null;
  /** while unanswered: working days since it was raised */
  workingDaysWaiting: number | null;
  waiting: string | null;
  /** "Follow-up due 12 December 2026" or "Follow-up overdue" while one is waiting */
  followUpStatus: { text: string; overdue: boolean } | null;
}

export interface EscalationLists {
  /** sent to this person: unanswered first, oldest first, then answered, latest first */
  toYou: EscalationSummary[];
  /** raised by this person, in the same order */
  byYou: EscalationSummary[];
  /** for QA: every unanswered escalation in the council, oldest first; null for others */
  unanswered: EscalationSummary[] | null;
  /**
   * for a senior leader: every unanswered immediate safety concern from audits in the services they
   * lead (every service for one with no service area, such as an Assistant Director), oldest first,
   * besides those sent to them (in `toYou`); null for others
   */
  inYourServices: { scope: string; escalations: EscalationSummary[] } | null;
}

/** Each list shows at most this many. */
export const LIST_LIMIT = 200;

/** A line of a list: no child named, so the lists are not child-level pages. */
function summaryOf(view: EscalationView, calendar: WorkingDayCalendar, today: IsoDate): EscalationSummary {
  const days = view.answered ? null : workingDaysWaiting(todayInLondon(view.raisedAt), today, calendar);
  return {
    id: view.id,
    href: view.href,
    kind: view.kind,
    kindLabel: view.kindLabel,
    tagClass: view.tagClass,
    raisedBy: view.raisedBy.name,
    raisedAt: view.raisedAt,
    recipients: view.recipients.map((r) => r.name).join(', '),
    answered: view.answered,
    respondedBy: view.respondedBy?.name ?? null,
    respondedAt: view.respondedAt,
    workingDaysWaiting: days,
    waiting: days === null ? null : waitingText(days),
    followUpStatus: followUpStatus(view, today),
  };
}

/** The escalations page: those sent to the person, those they raised, and for QA all unanswered. */
export async function listEscalations(
  db: Db,
  user: SignedInUser,
  filter: { today: IsoDate },
): Promise<EscalationLists> {
  const ordered = (q: ReturnType<typeof escalationQuery>) =>
    q
      .orderBy(sql`case when e.responded_at is null then 0 else 1 end`)
      .orderBy(sql`case when e.responded_at is null then e.raised_at end`)
      .orderBy('e.raised_at', 'desc')
      .orderBy('e.id')
      .limit(LIST_LIMIT)
      .execute();
  const toYou = await ordered(
    escalationQuery(db, user.councilId).where((eb) =>
      eb.exists(
        eb
          .selectFrom('escalation_recipients as r')
          .select('r.staff_id')
          .whereRef('r.escalation_id', '=', 'e.id')
          .where('r.staff_id', '=', user.staffId),
      ),
    ),
  );
  const byYou = await ordered(escalationQuery(db, user.councilId).where('e.raised_by', '=', user.staffId));
  const unanswered = user.roles.includes('qa_lead')
    ? await escalationQuery(db, user.councilId)
        .where('e.responded_at', 'is', null)
        .orderBy('e.raised_at')
        .orderBy('e.id')
        .limit(LIST_LIMIT)
        .execute()
    : null;
  const services = user.roles.includes('senior_leader')
    ? await escalationQuery(db, user.councilId)
        .where('e.responded_at', 'is', null)
        .where('e.kind', '=', 'immediate')
        // those sent to them are already in their own list, waiting for their response
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('escalation_recipients as r')
                .select('r.staff_id')
                .whereRef('r.escalation_id', '=', 'e.id')
                .where('r.staff_id', '=', user.staffId),
            ),
          ),
        )
        .$if(user.serviceAreaId !== null, (qb) =>
          qb.where('a.service_area_id', '=', user.serviceAreaId as string),
        )
        .orderBy('e.raised_at')
        .orderBy('e.id')
        .limit(LIST_LIMIT)
        .execute()
    : null;
  const area = user.serviceAreaId
    ? await db
        .selectFrom('service_areas')
        .select('name')
        .where('id', '=', user.serviceAreaId)
        .where('council_id', '=', user.councilId)
        .executeTakeFirst()
    : undefined;
  const rows = new Map(
    [...toYou, ...byYou, ...(unanswered ?? []), ...(services ?? [])].map((r) => [r.id, r]),
  );
  const views = new Map((await viewsOf(db, [...rows.values()])).map((v) => [v.id, v]));
  const calendar = await councilCalendar(db, user.councilId);
  const summarise = (list: EscalationRow[]) =>
    list.map((r) => summaryOf(views.get(r.id) as EscalationView, calendar, filter.today));
  return {
    toYou: summarise(toYou),
    byYou: summarise(byYou),
    unanswered: unanswered ? summarise(unanswered) : null,
    inYourServices: services
      ? { scope: area ? area.name : 'every service', escalations: summarise(services) }
      : null,
  };
}

/** For the home page: how many sent to the person wait for a response, and for QA how many in all. */
export async function escalationCounts(
  db: Db,
  user: SignedInUser,
): Promise<{ waitingForYou: number; unanswered: number | null }> {
  const mine = await db
    .selectFrom('escalations as e')
    .innerJoin('escalation_recipients as r', 'r.escalation_id', 'e.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('e.council_id', '=', user.councilId)
    .where('r.staff_id', '=', user.staffId)
    .where('e.responded_at', 'is', null)
    .executeTakeFirstOrThrow();
  let unanswered: number | null = null;
  if (user.roles.includes('qa_lead')) {
    const all = await db
      .selectFrom('escalations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('council_id', '=', user.councilId)
      .where('responded_at', 'is', null)
      .executeTakeFirstOrThrow();
    unanswered = Number(all.n);
  }
  return { waitingForYou: Number(mine.n), unanswered };
}

// --- chasing ---

export interface ChaseSweep {
  /** escalations chased for a response */
  chased: number;
  /** their messages newly recorded */
  recorded: number;
  /** answered escalations chased for the follow-up their response set */
  followUps: number;
  /** their messages newly recorded */
  followUpMessages: number;
}

/** The people an escalation was sent to. */
async function sentTo(db: Db, escalationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('escalation_recipients')
    .select('staff_id')
    .where('escalation_id', '=', escalationId)
    .execute();
  return rows.map((r) => r.staff_id);
}

/**
 * The daily sweep's chase: each unanswered escalation whose raising, or last chase, was at least
 * CHASE_AFTER_WORKING_DAYS working days ago (1 for an immediate concern, 5 for drift and delay) gets a
 * reminder to each person it was sent to, as round `chases + 1`, and its last chase moves to today.
 * Then each answered escalation whose follow-up date has come, with no follow-up recorded, is
 * chased in the same way: on the date itself, then after the same number of working days again,
 * each person it was sent to and whoever recorded the response getting `escalation_follow_up`.
 * Run twice on the same day, the second run chases nothing; run on several app instances at once,
 * each escalation is chased by one of them.
 */
export async function chaseEscalations(
  db: Db,
  queue: JobQueue | null,
  today: IsoDate,
  options: { councilId?: string; now?: Date } = {},
): Promise<ChaseSweep> {
  const now = options.now ?? new Date();
  // today's chase is dated today: now, when today is today, else midday of the day swept
  const chasedAt = todayInLondon(now) === today ? now : new Date(`${today}T12:00:00Z`);
  const open = await db
    .selectFrom('escalations')
    .select(['id', 'council_id', 'audit_id', 'kind', 'raised_at', 'last_chased_at', 'chases'])
    .where('responded_at', 'is', null)
    .$if(options.councilId !== undefined, (qb) => qb.where('council_id', '=', options.councilId as string))
    .orderBy('raised_at')
    .execute();
  const calendars = new Map<string, WorkingDayCalendar>();
  const calendarOf = async (councilId: string) => {
    let calendar = calendars.get(councilId);
    if (!calendar) {
      calendar = await councilCalendar(db, councilId);
      calendars.set(councilId, calendar);
    }
    return calendar;
  };
  const result: ChaseSweep = { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 };
  for (const e of open) {
    const calendar = await calendarOf(e.council_id);
    const lastDay = todayInLondon(e.last_chased_at ?? e.raised_at);
    if (!chaseDue(e.kind, lastDay, today, calendar)) continue;
    const recorded = await inTransaction(db, async (trx) => {
      // only if no one else chased it or answered it since it was read
      const claimed = await trx
        .updateTable('escalations')
        .set({ chases: e.chases + 1, last_chased_at: chasedAt })
        .where('id', '=', e.id)
        .where('chases', '=', e.chases)
        .where('responded_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return null;
      const recipients = await sentTo(trx, e.id);
      return notifyPeople(
        trx,
        queue,
        recipients.map((staffId) => ({
          councilId: e.council_id,
          staffId,
          kind: 'escalation_chase' as const,
          aboutId: e.id,
          auditId: e.audit_id,
          round: e.chases + 1,
        })),
      );
    });
    if (!recorded) continue;
    result.chased++;
    result.recorded += recorded.recorded;
  }

  const followUps = await db
    .selectFrom('escalations')
    .select([
      'id',
      'council_id',
      'audit_id',
      'kind',
      'responded_by',
      'follow_up_last_chased_at',
      'follow_up_chases',
    ])
    .where('responded_at', 'is not', null)
    .where('follow_up_on', '<=', today)
    .where('follow_up_at', 'is', null)
    .$if(options.councilId !== undefined, (qb) => qb.where('council_id', '=', options.councilId as string))
    .orderBy('follow_up_on')
    .orderBy('id')
    .execute();
  for (const e of followUps) {
    const calendar = await calendarOf(e.council_id);
    // first on the follow-up date itself, then as an unanswered escalation of its kind would be
    if (
      e.follow_up_last_chased_at &&
      !chaseDue(e.kind, todayInLondon(e.follow_up_last_chased_at), today, calendar)
    ) {
      continue;
    }
    const recorded = await inTransaction(db, async (trx) => {
      const claimed = await trx
        .updateTable('escalations')
        .set({ follow_up_chases: e.follow_up_chases + 1, follow_up_last_chased_at: chasedAt })
        .where('id', '=', e.id)
        .where('follow_up_chases', '=', e.follow_up_chases)
        .where('follow_up_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return null;
      const recipients = await sentTo(trx, e.id);
      const people = new Set(recipients);
      if (e.responded_by) people.add(e.responded_by);
      return notifyPeople(
        trx,
        queue,
        [...people].map((staffId) => ({
          councilId: e.council_id,
          staffId,
          kind: 'escalation_follow_up' as const,
          aboutId: e.id,
          auditId: e.audit_id,
          round: e.follow_up_chases + 1,
        })),
      );
    });
    if (!recorded) continue;
    result.followUps++;
    result.followUpMessages += recorded.recorded;
  }
  return result;
}
