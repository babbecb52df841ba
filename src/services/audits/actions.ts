/**
 * After an audit is submitted (domain.md §2, §4, §6): its actions are tracked until someone marks
 * them done, the case's manager records management oversight, and owners are reminded before and
 * after an action's due date.
 *
 *  - Each action has an owner and a due date (set by the auditor in each section). The owner, the
 *    case's manager or QA may mark it done, with the date it was done and an optional note. Done
 *    actions stay listed, as done.
 *  - Everyone sees their own actions; QA sees every overdue action in the council, a case manager
 *    those of their team's audits, a Head of Service those of their service area (an Assistant
 *    Director with no service area: every service).
 *  - Management oversight: the case's manager writes what they have done about the audit, as often
 *    as needed; entries are listed newest first.
 *
 * Who may do what follows the person's relationship to the audit (src/services/audits/audit-access.ts).
 * Messages name no child (src/services/notifications.ts).
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { ToolDefinition } from '../../domain/audit-tools.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import { addDays, formatDate, type IsoDate, monthName, todayInLondon } from '../../domain/dates.ts';
import { type Grade, gradeByKey } from '../../domain/grade-scales.ts';
import { can } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import type { WorkingDayCalendar } from '../../domain/working-days.ts';
import {
  DEFAULT_REMINDER_WORKING_DAYS,
  notifyPeople,
  type PersonMessage,
  reminderDue,
} from '../notifications.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { councilCalendar } from '../programme/cycles.ts';
import { type AuditAccess, auditAccess, auditsModeratedBlind, must, READ_REFUSED } from './audit-access.ts';

export const MAX_DONE_NOTE = 2000;
export const MAX_OVERSIGHT_NOTE = 5000;
/** Your own done actions stay on your list for this many days after they were done. */
export const DONE_SHOWN_DAYS = 90;

export interface ActionItem {
  id: string;
  text: string;
  /** the title of the tool section the action came from, when known */
  sectionTitle: string | null;
  auditId: string;
  childId: string;
  childReference: string;
  ownerId: string;
  owner: string;
  dueOn: IsoDate;
  status: 'open' | 'done';
  doneOn: IsoDate | null;
  doneBy: string | null;
  doneNote: string | null;
  /** open and past its due date */
  overdue: boolean;
  /** calendar days past the due date; 0 when not overdue */
  daysOverdue: number;
  /** the audit's final grade, as its scale words it: the moderation panel's where it was moderated */
  auditGrade: string | null;
  /** the auditor's own grade, when the panel's final grade differs from it */
  auditorGrade: string | null;
  /** the person is moderating the audit blind: neither grade is given */
  gradeHidden: boolean;
  /** the person may mark it done: open, and theirs, or they manage the case, or QA */
  mayMarkDone: boolean;
}

/** Days from one date to a later one. */
function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Whether a person may mark an action of this audit done: its owner, the case's manager, or QA. */
export function mayMarkActionDone(access: AuditAccess, user: SignedInUser, ownerId: string): boolean {
  return ownerId === user.staffId || access.relations.has('manager') || access.relations.has('qa');
}

export const MARK_DONE_REFUSED =
  'Only the person who owns an action, the manager of the case or the QA team can mark it as done.';

function actionQuery(db: Db, councilId: string) {
  return db
    .selectFrom('audit_actions as x')
    .innerJoin('audits as a', 'a.id', 'x.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('staff as o', 'o.id', 'x.owner_id')
    .leftJoin('staff as d', 'd.id', 'x.done_by')
    .select([
      'x.id',
      'x.text',
      'x.section_key',
      'x.position',
      'x.audit_id',
      'x.owner_id',
      'o.name as owner_name',
      'x.due_on',
      'x.status',
      'x.done_on',
      'd.name as done_by_name',
      'x.done_note',
      'a.child_id',
      'c.external_id as child_reference',
      'a.tool_id',
      'a.tool_version_id',
      'a.overall_grade',
      'a.final_grade',
    ])
    .where('x.council_id', '=', councilId);
}

type ActionRow = Awaited<ReturnType<ReturnType<typeof actionQuery>['execute']>>[number];

interface ToolFacts {
  sections: Map<string, { title: string; position: number }>;
  grades: Grade[];
}

/** Section titles and grade labels of the tool versions the rows' audits were done on. */
async function toolFacts(db: Db, councilId: string, rows: ActionRow[]): Promise<Map<string, ToolFacts>> {
  const versionIds = [...new Set(rows.map((r) => r.tool_version_id).filter((v): v is string => !!v))];
  const toolIds = [
    ...new Set(rows.filter((r) => !r.tool_version_id && r.tool_id).map((r) => r.tool_id as string)),
  ];
  const facts = new Map<string, ToolFacts>();
  if (versionIds.length === 0 && toolIds.length === 0) return facts;
  const versions = await db
    .selectFrom('audit_tool_versions as v')
    .innerJoin('grade_scales as s', 's.id', 'v.scale_id')
    .select(['v.id', 'v.tool_id', 'v.version', 'v.definition', 's.grades'])
    .where('v.council_id', '=', councilId)
    .where((eb) =>
      eb.or([
        ...(versionIds.length ? [eb('v.id', 'in', versionIds)] : []),
        ...(toolIds.length ? [eb('v.tool_id', 'in', toolIds)] : []),
      ]),
    )
    .orderBy('v.version')
    .execute();
  for (const v of versions) {
    const definition = v.definition as ToolDefinition;
    const entry: ToolFacts = {
      sections: new Map(definition.sections.map((s, i) => [s.key, { title: s.title, position: i }])),
      grades: v.grades as Grade[],
    };
    facts.set(v.id, entry);
    // an audit not yet fixed to a version reads its tool's latest (versions come oldest first)
    facts.set(`tool:${v.tool_id}`, entry);
  }
  return facts;
}

function factsFor(facts: Map<string, ToolFacts>, row: ActionRow): ToolFacts | undefined {
  return row.tool_version_id ? facts.get(row.tool_version_id) : facts.get(`tool:${row.tool_id}`);
}

/** The audit's final grade and, when the panel changed it, the auditor's, in the scale's words. */
function auditGrades(row: ActionRow, tool: ToolFacts | undefined, blind: boolean) {
  const label = (key: string) =>
    (tool ? gradeByKey({ key: '', name: '', grades: tool.grades }, key)?.label : undefined) ?? key;
  const final = row.final_grade ?? row.overall_grade;
  if (blind || !final) return { auditGrade: null, auditorGrade: null, gradeHidden: blind };
  return {
    auditGrade: label(final),
    auditorGrade: row.overall_grade && row.overall_grade !== final ? label(row.overall_grade) : null,
    gradeHidden: false,
  };
}

function toItem(
  row: ActionRow,
  tool: ToolFacts | undefined,
  today: IsoDate,
  mayMarkDone: boolean,
  blind = false,
): ActionItem {
  const overdue = row.status === 'open' && row.due_on < today;
  return {
    id: row.id,
    text: row.text,
    sectionTitle: row.section_key ? (tool?.sections.get(row.section_key)?.title ?? null) : null,
    auditId: row.audit_id,
    childId: row.child_id,
    childReference: row.child_reference,
    ownerId: row.owner_id,
    owner: row.owner_name,
    dueOn: row.due_on,
    status: row.status,
    doneOn: row.done_on,
    doneBy: row.done_by_name,
    doneNote: row.done_note,
    overdue,
    daysOverdue: overdue ? daysBetween(row.due_on, today) : 0,
    ...auditGrades(row, tool, blind),
    mayMarkDone: row.status === 'open' && mayMarkDone,
  };
}

/**
 * Turns rows into items, working out for each whether the person may mark it done. The audit's
 * relationships are looked up once per audit, and only when ownership or QA does not already answer.
 */
async function toItems(db: Db, user: SignedInUser, rows: ActionRow[], today: IsoDate): Promise<ActionItem[]> {
  const facts = await toolFacts(db, user.councilId, rows);
  const blind = rows.length
    ? await auditsModeratedBlind(db, user.councilId, user.staffId)
    : new Set<string>();
  const accesses = new Map<string, AuditAccess>();
  const items: ActionItem[] = [];
  for (const row of rows) {
    let may = row.owner_id === user.staffId || user.roles.includes('qa_lead');
    if (!may && row.status === 'open') {
      let access = accesses.get(row.audit_id);
      if (!access) {
        access = await auditAccess(db, user, row.audit_id);
        accesses.set(row.audit_id, access);
      }
      may = mayMarkActionDone(access, user, row.owner_id);
    }
    items.push(toItem(row, factsFor(facts, row), today, may, blind.has(row.audit_id)));
  }
  return items;
}

// --- the actions list ---

export interface ActionsList {
  /** the person's own actions: open ones due soonest first, then those done lately */
  mine: ActionItem[];
  /** overdue actions the person oversees, most overdue first; null when they oversee none */
  overdue: ActionItem[] | null;
  /** whose overdue actions these are, in words: "every team in the council" */
  overdueScope: string | null;
}

/**
 * Whose overdue actions a person oversees, and the sentence that says so: QA the council, an
 * Assistant Director (no service area) every service, a Head of Service their service area, a case
 * manager their team's audits and the cases they manage. Everyone else: none beyond their own.
 */
function overdueScopeOf(
  user: SignedInUser,
): { all: boolean; teamId: string | null; serviceAreaId: string | null; words: string } | null {
  if (user.roles.includes('qa_lead')) {
    return { all: true, teamId: null, serviceAreaId: null, words: 'Every overdue action in the council.' };
  }
  if (user.roles.includes('senior_leader') && user.serviceAreaId === null) {
    return { all: true, teamId: null, serviceAreaId: null, words: 'Every overdue action, in every service.' };
  }
  const manager = user.roles.includes('case_manager');
  const serviceAreaId = user.roles.includes('senior_leader') ? user.serviceAreaId : null;
  if (!manager && !serviceAreaId) return null;
  const teamId = manager ? user.teamId : null;
  const parts = [
    ...(serviceAreaId ? ['audits in your service area'] : []),
    ...(teamId ? [`your team’s audits${user.teamName ? ` (${user.teamName})` : ''}`] : []),
    ...(manager ? ['the cases you manage'] : []),
    'actions you own',
  ];
  const words = `Overdue actions from ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}.`;
  return { all: false, teamId, serviceAreaId, words };
}

/**
 * What a person sees on their actions page: their own actions, and the overdue actions of those
 * they oversee (QA: the council; a case manager: their team's audits, the cases they manage and
 * actions they own; a Head of Service: their service area; an Assistant Director: every service).
 */
export async function actionsFor(db: Db, user: SignedInUser, today: IsoDate): Promise<ActionsList> {
  const mineRows = await actionQuery(db, user.councilId)
    .where('x.owner_id', '=', user.staffId)
    .where((eb) =>
      eb.or([eb('x.status', '=', 'open'), eb('x.done_on', '>=', addDays(today, -DONE_SHOWN_DAYS))]),
    )
    .orderBy('x.status', 'desc') // open before done
    .orderBy('x.due_on')
    .orderBy('x.done_on', 'desc')
    .orderBy('x.position')
    .execute();
  const open = mineRows.filter((r) => r.status === 'open');
  const done = mineRows
    .filter((r) => r.status === 'done')
    .sort((a, b) => (b.done_on ?? '').localeCompare(a.done_on ?? ''));
  const mine = await toItems(db, user, [...open, ...done], today);

  const scope = overdueScopeOf(user);
  if (!scope) return { mine, overdue: null, overdueScope: null };
  const overdueRows = await actionQuery(db, user.councilId)
    .where('x.status', '=', 'open')
    .where('x.due_on', '<', today)
    .$if(!scope.all, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('x.owner_id', '=', user.staffId),
          eb('a.practitioner_manager_id', '=', user.staffId),
          ...(scope.teamId ? [eb('a.team_id', '=', scope.teamId)] : []),
          ...(scope.serviceAreaId ? [eb('a.service_area_id', '=', scope.serviceAreaId)] : []),
        ]),
      ),
    )
    .orderBy('x.due_on')
    .orderBy('c.external_id')
    .orderBy('x.position')
    .execute();
  return { mine, overdue: await toItems(db, user, overdueRows, today), overdueScope: scope.words };
}

/** One action, for its "mark as done" page: refused unless the person may mark it done. */
export async function actionForMarking(
  db: Db,
  user: SignedInUser,
  actionId: string,
  today: IsoDate,
): Promise<ActionItem> {
  const row = await actionQuery(db, user.councilId).where('x.id', '=', actionId).executeTakeFirst();
  if (!row) throw new NotFoundError('action');
  const access = await auditAccess(db, user, row.audit_id);
  must(mayMarkActionDone(access, user, row.owner_id), MARK_DONE_REFUSED);
  const facts = await toolFacts(db, user.councilId, [row]);
  return toItem(row, factsFor(facts, row), today, true, access.relations.has('moderating'));
}

// --- marking an action done ---

export interface MarkDoneInput {
  'doneOn-day'?: unknown;
  'doneOn-month'?: unknown;
  'doneOn-year'?: unknown;
  note?: unknown;
}

/** Refused because someone has already marked the action done: says when and by whom. */
export class ActionAlreadyDoneError extends ValidationError {}

export const DONE_ON_LABEL = 'The date it was done';

function firstPart(parts: DatePart[]): DatePart {
  return (['day', 'month', 'year'] as const).find((p) => parts.includes(p)) ?? 'day';
}

/** Reads the date done (today when left empty; not in the future) and the note. */
export function readMarkDone(input: MarkDoneInput, today: IsoDate) {
  const errors: FieldError[] = [];
  const date = parseDateInput(
    { day: input['doneOn-day'], month: input['doneOn-month'], year: input['doneOn-year'] },
    { label: DONE_ON_LABEL, notAfter: today },
  );
  if (!date.ok) errors.push({ field: `doneOn-${firstPart(date.parts)}`, message: date.message });
  const note = typeof input.note === 'string' ? input.note.trim() : '';
  if (note.length > MAX_DONE_NOTE) {
    errors.push({ field: 'note', message: `The note must be ${MAX_DONE_NOTE} characters or fewer` });
  }
  return {
    errors,
    badParts: date.ok ? [] : date.parts,
    doneOn: date.ok ? (date.value ?? today) : null,
    note: note === '' ? null : note,
  };
}

/**
 * Marks an action done, with the date it was done (today when not given; never in the future) and
 * an optional note. Only its owner, the case's manager or QA may (403 otherwise); an action already
 * done is refused with when and by whom. Nothing changes on a refusal.
 */
export async function markActionDone(
  db: Db,
  user: SignedInUser,
  actionId: string,
  input: MarkDoneInput,
  today: IsoDate = todayInLondon(),
): Promise<{ id: string; auditId: string; doneOn: IsoDate }> {
  const row = await actionQuery(db, user.councilId).where('x.id', '=', actionId).executeTakeFirst();
  if (!row) throw new NotFoundError('action');
  const access = await auditAccess(db, user, row.audit_id);
  must(mayMarkActionDone(access, user, row.owner_id), MARK_DONE_REFUSED);
  const alreadyDone = (doneOn: IsoDate | null, by: string | null) =>
    new ActionAlreadyDoneError([
      {
        field: 'action-status',
        message: `This action has already been marked as done${doneOn ? ` on ${formatDate(doneOn)}` : ''}${by ? ` by ${by}` : ''}`,
      },
    ]);
  if (row.status === 'done') throw alreadyDone(row.done_on, row.done_by_name);
  const read = readMarkDone(input, today);
  if (read.errors.length || !read.doneOn) throw new ValidationError(read.errors);
  const doneOn = read.doneOn;
  return inTransaction(db, async (trx) => {
    const updated = await trx
      .updateTable('audit_actions')
      .set({ status: 'done', done_on: doneOn, done_by: user.staffId, done_note: read.note })
      .where('id', '=', actionId)
      .where('council_id', '=', user.councilId)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      // someone else marked it done a moment ago
      const now = await trx
        .selectFrom('audit_actions as x')
        .leftJoin('staff as d', 'd.id', 'x.done_by')
        .select(['x.done_on', 'd.name'])
        .where('x.id', '=', actionId)
        .executeTakeFirst();
      throw alreadyDone(now?.done_on ?? null, now?.name ?? null);
    }
    return { id: actionId, auditId: row.audit_id, doneOn };
  });
}

// --- giving an action to someone else ---

export const REASSIGN_REFUSED = 'Only a QA lead or QA officer can give an action to someone else.';

/** Someone an action can be given to: an active member of the council's staff. */
export interface ActionOwnerChoice {
  id: string;
  name: string;
  jobTitle: string;
  team: string | null;
}

export interface ActionForReassigning {
  action: ActionItem;
  /** the current owner has been deactivated or their leaving date has passed */
  ownerHasLeft: boolean;
  /** active staff, by team (no team last), then by name; the current owner left out */
  choices: ActionOwnerChoice[];
  /** the last time it was given to someone else: who had it, who moved it, when */
  lastChange: { previousOwner: string; changedBy: string; changedAt: Date } | null;
}

/** Whether a staff record may be given work today: active, not deactivated, not yet left. */
function activeStaff(db: Db, councilId: string, today: IsoDate) {
  return db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.name', 's.job_title', 't.name as team'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where('s.deactivated_at', 'is', null)
    .where((eb) => eb.or([eb('s.left_on', 'is', null), eb('s.left_on', '>', today)]));
}

/**
 * The page for giving an action to someone else: a QA lead only (403 otherwise), 404 when there is
 * no such action in their council. With whether the owner has left and whom it can go to.
 */
export async function actionForReassigning(
  db: Db,
  user: SignedInUser,
  actionId: string,
  today: IsoDate = todayInLondon(),
): Promise<ActionForReassigning> {
  must(user.roles.includes('qa_lead'), REASSIGN_REFUSED);
  const row = await actionQuery(db, user.councilId).where('x.id', '=', actionId).executeTakeFirst();
  if (!row) throw new NotFoundError('action');
  const facts = await toolFacts(db, user.councilId, [row]);
  const blind = (await auditsModeratedBlind(db, user.councilId, user.staffId)).has(row.audit_id);
  const owner = await activeStaff(db, user.councilId, today)
    .where('s.id', '=', row.owner_id)
    .executeTakeFirst();
  const staff = await activeStaff(db, user.councilId, today)
    .where('s.id', '!=', row.owner_id)
    .orderBy(sql`t.name is null`)
    .orderBy('t.name')
    .orderBy('s.name')
    .execute();
  const change = await db
    .selectFrom('audit_actions as x')
    .innerJoin('staff as p', 'p.id', 'x.previous_owner_id')
    .innerJoin('staff as b', 'b.id', 'x.owner_changed_by')
    .where('x.id', '=', row.id)
    .select(['p.name as previous_owner', 'b.name as changed_by', 'x.owner_changed_at'])
    .executeTakeFirst();
  return {
    action: toItem(row, factsFor(facts, row), today, row.status === 'open', blind),
    lastChange:
      change?.owner_changed_at != null
        ? {
            previousOwner: change.previous_owner,
            changedBy: change.changed_by,
            changedAt: change.owner_changed_at,
          }
        : null,
    ownerHasLeft: !owner,
    choices: staff.map((s) => ({ id: s.id, name: s.name, jobTitle: s.job_title, team: s.team })),
  };
}

export interface ReassignInput {
  ownerId?: unknown;
}

export interface Reassigned {
  id: string;
  auditId: string;
  previousOwnerId: string;
  previousOwner: string;
  newOwnerId: string;
  newOwner: string;
}

/**
 * Gives an open action to someone else: a QA lead of the action's council only (403 otherwise).
 * The new owner must be an active member of the council's staff (not deactivated, not left) and
 * not the owner already; a done action cannot be given. The new owner is told by e-mail
 * ('action_assigned'). One transaction: a refusal (ValidationError) changes nothing.
 *
 * audit_actions has no history of owners, so the change is not kept beyond the new owner; the
 * answer names the previous owner for the page that made the change.
 */
export async function reassignAction(
  db: Db,
  user: SignedInUser,
  actionId: string,
  input: ReassignInput,
  options: { queue?: JobQueue | null; today?: IsoDate } = {},
): Promise<Reassigned> {
  must(user.roles.includes('qa_lead'), REASSIGN_REFUSED);
  const today = options.today ?? todayInLondon();
  const ownerId = typeof input.ownerId === 'string' ? input.ownerId.trim() : '';
  const refuse = (message: string) => new ValidationError([{ field: 'ownerId', message }]);
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('audit_actions as x')
      .innerJoin('staff as o', 'o.id', 'x.owner_id')
      .select(['x.id', 'x.audit_id', 'x.owner_id', 'x.status', 'o.name as owner_name'])
      .where('x.id', '=', actionId)
      .where('x.council_id', '=', user.councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('action');
    if (row.status === 'done') {
      throw new ValidationError([
        {
          field: 'ownerId',
          message: 'This action has been marked as done, so it cannot be given to someone else',
        },
      ]);
    }
    if (ownerId === '') throw refuse('Select who the action should go to');
    if (ownerId === row.owner_id)
      throw refuse(`${row.owner_name} already owns this action: select someone else`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ownerId);
    const next = uuid
      ? await activeStaff(trx, user.councilId, today).where('s.id', '=', ownerId).executeTakeFirst()
      : undefined;
    if (!next) {
      throw refuse(
        'Select someone who works for the council now: the person chosen has left or is not on the staff list',
      );
    }
    await trx
      .updateTable('audit_actions')
      .set({
        owner_id: next.id,
        previous_owner_id: row.owner_id,
        owner_changed_by: user.staffId,
        owner_changed_at: new Date(),
      })
      .where('id', '=', actionId)
      .where('council_id', '=', user.councilId)
      .where('status', '=', 'open')
      .execute();
    await notifyPeople(trx, options.queue ?? null, [
      {
        councilId: user.councilId,
        staffId: next.id,
        kind: 'action_assigned',
        aboutId: actionId,
        auditId: row.audit_id,
        // given to the same person again later is a new message
        round: Date.now(),
      },
    ]);
    return {
      id: actionId,
      auditId: row.audit_id,
      previousOwnerId: row.owner_id,
      previousOwner: row.owner_name,
      newOwnerId: next.id,
      newOwner: next.name,
    };
  });
}

// --- reminders ---

export interface ActionReminderSweep {
  /** messages newly recorded */
  recorded: number;
  /** open actions due within the reminder window today */
  due: number;
  /** open actions past their due date today */
  overdue: number;
}

/**
 * The daily sweep for actions: to each open action's owner, 'action_due' once it is due within 3
 * working days (the council's calendar) and 'action_overdue' once its due date has passed, each at
 * most once per action however often the sweep runs. Run it with the auditors' reminders.
 */
export async function sendActionReminders(
  db: Db,
  queue: JobQueue | null,
  today: IsoDate,
  options: { councilId?: string; workingDays?: number } = {},
): Promise<ActionReminderSweep> {
  const open = await db
    .selectFrom('audit_actions as x')
    .innerJoin('audits as a', 'a.id', 'x.audit_id')
    .select(['x.id', 'x.council_id', 'x.owner_id', 'x.due_on', 'x.audit_id'])
    .where('x.status', '=', 'open')
    .where('a.status', '=', 'submitted')
    .$if(options.councilId !== undefined, (qb) => qb.where('x.council_id', '=', options.councilId as string))
    .execute();
  const calendars = new Map<string, WorkingDayCalendar>();
  const messages: PersonMessage[] = [];
  let due = 0;
  let overdue = 0;
  for (const action of open) {
    let calendar = calendars.get(action.council_id);
    if (!calendar) {
      calendar = await councilCalendar(db, action.council_id);
      calendars.set(action.council_id, calendar);
    }
    const when = reminderDue(
      action.due_on,
      today,
      calendar,
      options.workingDays ?? DEFAULT_REMINDER_WORKING_DAYS,
    );
    if (!when) continue;
    if (when === 'overdue') overdue++;
    else due++;
    messages.push({
      councilId: action.council_id,
      staffId: action.owner_id,
      kind: when === 'overdue' ? 'action_overdue' : 'action_due',
      aboutId: action.id,
      auditId: action.audit_id,
    });
  }
  const recorded = await notifyPeople(db, queue, messages);
  return { recorded: recorded.recorded, due, overdue };
}

// --- management oversight ---

export const OVERSIGHT_REFUSED =
  'Only the manager of the case can record management oversight, once the audit has been submitted.';

export interface OversightEntry {
  id: string;
  manager: string;
  managerJobTitle: string;
  note: string;
  recordedAt: Date;
}

const oversightSchema = z.object({
  note: z
    .string({ message: 'Enter the management oversight' })
    .trim()
    .min(1, { message: 'Enter the management oversight' })
    .max(MAX_OVERSIGHT_NOTE, {
      message: `Management oversight must be ${MAX_OVERSIGHT_NOTE.toLocaleString('en-GB')} characters or fewer`,
    }),
});

/** Whether the person may record management oversight on the audit: its case's manager, once submitted. */
export function mayRecordOversight(access: AuditAccess): boolean {
  return access.relations.has('manager') && access.audit.status === 'submitted';
}

/**
 * Records the case manager's oversight of a submitted audit: what they have done or will do about
 * it. Only the case's manager (403 otherwise); a note is required, at most 5,000 characters.
 * Several entries may be recorded over time.
 */
export async function recordOversight(
  db: Db,
  user: SignedInUser,
  auditId: string,
  input: { note?: unknown },
): Promise<string> {
  const access = await auditAccess(db, user, auditId);
  must(mayRecordOversight(access), OVERSIGHT_REFUSED);
  const checked = oversightSchema.safeParse({ note: typeof input.note === 'string' ? input.note : '' });
  if (!checked.success) {
    throw new ValidationError([{ field: 'note', message: checked.error.issues[0].message }]);
  }
  const row = await db
    .insertInto('audit_oversight')
    .values({
      council_id: user.councilId,
      audit_id: auditId,
      manager_id: user.staffId,
      note: checked.data.note,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The oversight page for a case's manager: refused (403) unless they may record oversight on the
 * audit, 404 when there is no such audit; with the audit's month and the entries so far.
 */
export async function oversightPage(db: Db, user: SignedInUser, auditId: string) {
  const access = await auditAccess(db, user, auditId);
  must(mayRecordOversight(access), OVERSIGHT_REFUSED);
  const { audit } = access;
  const month = await db
    .selectFrom('programme_months')
    .select('month')
    .where('id', '=', audit.monthId)
    .where('council_id', '=', audit.councilId)
    .executeTakeFirst();
  return { audit, month: month?.month ?? null, entries: await listOversight(db, audit.councilId, audit.id) };
}

export async function listOversight(db: Db, councilId: string, auditId: string): Promise<OversightEntry[]> {
  const rows = await db
    .selectFrom('audit_oversight as o')
    .innerJoin('staff as s', 's.id', 'o.manager_id')
    .select(['o.id', 's.name', 's.job_title', 'o.note', 'o.recorded_at'])
    .where('o.council_id', '=', councilId)
    .where('o.audit_id', '=', auditId)
    .orderBy('o.recorded_at', 'desc')
    .orderBy('o.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    manager: r.name,
    managerJobTitle: r.job_title,
    note: r.note,
    recordedAt: r.recorded_at,
  }));
}

// --- the audit page's panel ---

export interface AfterSubmissionPanel {
  auditId: string;
  /** every action of the audit, in the order of the tool's sections, each with its status */
  actions: ActionItem[];
  /** newest first */
  oversight: OversightEntry[];
  mayRecordOversight: boolean;
  /** when the grade called for a re-audit: the month it is due and, once made, the re-audit */
  reaudit: { dueMonth: IsoDate; dueMonthName: string; auditId: string | null; mayAllocate: boolean } | null;
  /** when this audit is itself a re-audit: the audit it follows up */
  reauditOf: { auditId: string; monthName: string } | null;
}

/**
 * What the audit page shows after submission: the actions with their status, management oversight,
 * and the re-audit. The caller has the person's access to the audit (auditAccess); they must be
 * able to read it.
 */
export async function afterSubmissionPanel(
  db: Db,
  access: AuditAccess,
  user: SignedInUser,
  today: IsoDate,
): Promise<AfterSubmissionPanel> {
  must(access.mayRead, READ_REFUSED);
  const { audit } = access;
  const rows = await actionQuery(db, user.councilId).where('x.audit_id', '=', audit.id).execute();
  const facts = await toolFacts(db, user.councilId, rows);
  const order = (r: ActionRow) =>
    (r.section_key ? factsFor(facts, r)?.sections.get(r.section_key)?.position : undefined) ??
    Number.MAX_SAFE_INTEGER;
  rows.sort((a, b) => order(a) - order(b) || a.position - b.position || a.due_on.localeCompare(b.due_on));
  const actions = rows.map((r) =>
    toItem(r, factsFor(facts, r), today, mayMarkActionDone(access, user, r.owner_id)),
  );

  const own = await db
    .selectFrom('audits as a')
    .leftJoin('audits as r', 'r.reaudit_of_id', 'a.id')
    .leftJoin('audits as o', 'o.id', 'a.reaudit_of_id')
    .leftJoin('programme_months as om', 'om.id', 'o.month_id')
    .select([
      'a.reaudit_due_month',
      'r.id as reaudit_id',
      'o.id as original_id',
      'om.month as original_month',
    ])
    .where('a.id', '=', audit.id)
    .executeTakeFirstOrThrow();
  return {
    auditId: audit.id,
    actions,
    oversight: await listOversight(db, user.councilId, audit.id),
    mayRecordOversight: mayRecordOversight(access),
    reaudit: own.reaudit_due_month
      ? {
          dueMonth: own.reaudit_due_month,
          dueMonthName: monthName(own.reaudit_due_month),
          auditId: own.reaudit_id,
          mayAllocate: can(user.roles, 'sampling.manage'),
        }
      : null,
    reauditOf:
      own.original_id && own.original_month
        ? { auditId: own.original_id, monthName: monthName(own.original_month) }
        : null,
  };
}
