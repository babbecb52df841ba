import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { endSessionsOf } from '../../data/session-store.ts';
import { inTransaction } from '../../data/transaction.ts';
import { nameKey } from '../../domain/name-matching.ts';
import type { Role } from '../../domain/roles.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { readStaffFile, STAFF_FILE_HEADERS, type StaffFileRow } from '../../import/staff-file.ts';
import type { RowError } from '../../import/types.ts';
import { requestRoles } from './role-grants.ts';
import { recordSecurityEvent, recordSecurityEvents } from './security-log.ts';

/**
 * The council's staff file: read, shown as what it would change (joiners, movers, leavers, role
 * changes, new teams, rows refused), then applied in one transaction when a QA lead or
 * administrator confirms it (or at once from the command line). Leavers are deactivated, never
 * deleted: their audits and history stay, they cannot sign in, and their open work is listed for
 * the QA lead to give to someone else. People in QA Loop who are not in the file are left alone.
 */

/** The service area of a team the file names that QA Loop does not know, when the file gives none. */
export const UNKNOWN_SERVICE_AREA = 'Not given in the extract';
/** A joiner's job title when the file gives none. */
const NO_JOB_TITLE = 'Not given in the staff file';

export type ChangedField = 'name' | 'email' | 'team' | 'lineManager' | 'jobTitle';

export const CHANGED_FIELD_LABELS: Record<ChangedField, string> = {
  name: 'Name',
  email: 'Email',
  team: 'Team',
  lineManager: 'Line manager',
  jobTitle: 'Job title',
};

export interface FieldChange {
  field: ChangedField;
  before: string | null;
  after: string | null;
}

/** What one accepted row of the file does to its person. */
export interface RowUpdate {
  row: number;
  /** the person in QA Loop the row matched; null for a joiner */
  staffId: string | null;
  name: string;
  email: string;
  staffNumber: string | null;
  jobTitle: string | null;
  team: string;
  serviceArea: string | null;
  lineManagerEmail: string | null;
  startedOn: string | null;
  leftOn: string | null;
  /** the leaving date has come: deactivated */
  leaver: boolean;
  /** the roles to hold, when the file gives them and they differ */
  roles: Role[] | null;
}

export interface StaffPlan {
  joiners: {
    row: number;
    name: string;
    email: string;
    staffNumber: string | null;
    jobTitle: string;
    team: string;
    lineManager: string | null;
    startedOn: string | null;
  }[];
  movers: { row: number; staffId: string; name: string; changes: FieldChange[] }[];
  /** leaving date on or before the file's date, still active: deactivated; row null when not in the file */
  leavers: { row: number | null; staffId: string; name: string; team: string | null; leftOn: string }[];
  /** leaving date after the file's date: recorded, deactivated when it passes */
  futureLeavers: { row: number; staffId: string | null; name: string; leftOn: string }[];
  roleChanges: { row: number; staffId: string | null; name: string; before: Role[]; after: Role[] }[];
  newTeams: { name: string; serviceArea: string }[];
  /** in the file with a leaving date already passed, and not in QA Loop: not added */
  notAdded: { row: number; name: string }[];
  /** deactivated in QA Loop, in the file without a leaving date: left deactivated */
  stillDeactivated: { row: number; staffId: string; name: string }[];
  /** people in QA Loop who are not in the file: unchanged */
  notInFile: number;
  /** people in the file with nothing to change */
  unchanged: number;
  updates: RowUpdate[];
}

export interface OpenWorkItem {
  id: string;
  /** where the QA lead gives it to someone else */
  href: string;
  /** the month's first day, for audits and moderations */
  month: string | null;
  dueOn: string | null;
}

export interface OpenWork {
  audits: OpenWorkItem[];
  actions: OpenWorkItem[];
  moderations: OpenWorkItem[];
}

export interface StaffImportPreview {
  importId: string;
  fileName: string;
  asOf: string;
  uploadedAt: Date;
  status: 'previewed' | 'applied' | 'discarded';
  hasRoles: boolean;
  rowsRead: number;
  rowsRefused: number;
  errors: RowError[];
  plan: StaffPlan;
  /** each leaver's open work, by staff id */
  openWork: Record<string, OpenWork>;
}

/** The preview cannot be applied (applied or discarded already, or out of date): nothing changed. */
export class StaffImportRefusedError extends Error {}

interface Person {
  id: string;
  name: string;
  email: string | null;
  staffNumber: string | null;
  externalId: string | null;
  jobTitle: string;
  teamId: string | null;
  team: string | null;
  lineManagerId: string | null;
  lineManager: string | null;
  startedOn: string | null;
  leftOn: string | null;
  active: boolean;
  deactivated: boolean;
  userId: string | null;
  accountEmail: string | null;
  roles: Role[];
  /** roles asked for and waiting for a QA lead */
  waiting: Role[];
}

async function loadPeople(db: Db, councilId: string): Promise<Person[]> {
  const rows = await db
    .selectFrom('staff as s')
    .leftJoin('user_accounts as u', 'u.staff_id', 's.id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .leftJoin('staff as m', 'm.id', 's.line_manager_id')
    .where('s.council_id', '=', councilId)
    .select([
      's.id',
      's.name',
      's.email',
      's.staff_number',
      's.external_id',
      's.job_title',
      's.team_id',
      't.name as team',
      's.line_manager_id',
      'm.name as line_manager',
      sql<string | null>`to_char(s.started_on, 'YYYY-MM-DD')`.as('started_on'),
      sql<string | null>`to_char(s.left_on, 'YYYY-MM-DD')`.as('left_on'),
      's.active',
      's.deactivated_at',
      'u.id as user_id',
      'u.email as account_email',
      sql<
        Role[] | null
      >`(select array_agg(r.role order by r.role) from staff_roles r where r.staff_id = s.id)`.as('roles'),
      sql<
        Role[] | null
      >`(select array_agg(g.role order by g.role) from role_grants g where g.staff_id = s.id and g.outcome is null)`.as(
        'waiting',
      ),
    ])
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    staffNumber: r.staff_number,
    externalId: r.external_id,
    jobTitle: r.job_title,
    teamId: r.team_id,
    team: r.team,
    lineManagerId: r.line_manager_id,
    lineManager: r.line_manager,
    startedOn: r.started_on,
    leftOn: r.left_on,
    active: r.active,
    deactivated: r.deactivated_at !== null,
    userId: r.user_id,
    accountEmail: r.account_email,
    roles: r.roles ?? [],
    waiting: r.waiting ?? [],
  }));
}

const lower = (v: string | null | undefined) => (v ? v.trim().toLowerCase() : null);
const sameRoles = (a: readonly Role[], b: readonly Role[]) => [...a].sort().join() === [...b].sort().join();

/**
 * What a staff file would change, worked out against QA Loop as it is now. Rows whose person is
 * ambiguous or whose line manager cannot be found are refused here (the reader refuses the rest).
 */
export async function planStaffFile(
  db: Db,
  councilId: string,
  file: { fileName: string; rows: readonly StaffFileRow[]; hasRoles: boolean },
  asOf: string,
  source: 'staff_file' | 'command_line' = 'staff_file',
): Promise<{ plan: StaffPlan; errors: RowError[] }> {
  const [people, teams, elsewhere] = await Promise.all([
    loadPeople(db, councilId),
    db
      .selectFrom('teams')
      .select(['id', 'name', 'external_id'])
      .where('council_id', '=', councilId)
      .execute(),
    file.rows.length
      ? db
          .selectFrom('user_accounts')
          .select(sql<string>`lower(email)`.as('email'))
          .where('council_id', '<>', councilId)
          .where(
            sql`lower(email)`,
            'in',
            file.rows.map((r) => r.email),
          )
          .execute()
      : Promise.resolve([]),
  ]);
  const takenElsewhere = new Set(elsewhere.map((e) => e.email));
  const byNumber = new Map<string, Person>();
  const byExternal = new Map<string, Person>();
  const byEmail = new Map<string, Person>();
  const byName = new Map<string, Person | null>();
  for (const p of people) {
    if (p.staffNumber) byNumber.set(p.staffNumber.toLowerCase(), p);
    if (p.externalId) byExternal.set(p.externalId, p);
    for (const e of [lower(p.email), lower(p.accountEmail)]) if (e && !byEmail.has(e)) byEmail.set(e, p);
    if (!p.email && !p.staffNumber && !p.userId) {
      const key = nameKey(p.name);
      byName.set(key, byName.has(key) ? null : p);
    }
  }
  const teamByKey = new Map<string, { id: string; name: string }>();
  for (const t of teams) {
    if (!teamByKey.has(nameKey(t.name))) teamByKey.set(nameKey(t.name), t);
  }
  const teamByRef = new Map(teams.filter((t) => t.external_id).map((t) => [t.external_id as string, t]));
  const teamOf = (name: string) => teamByRef.get(name) ?? teamByKey.get(nameKey(name));

  const errors: RowError[] = [];
  const refuse = (r: StaffFileRow, column: keyof typeof STAFF_FILE_HEADERS, message: string) =>
    errors.push({
      file: file.fileName,
      ...(r.sheet ? { sheet: r.sheet } : {}),
      row: r.row,
      column: STAFF_FILE_HEADERS[column],
      message,
    });

  // 1. Each row's person: by staff number, the SSD's worker ID, email, then a name only the SSD gave.
  const matched: { r: StaffFileRow; person: Person | null }[] = [];
  const rowOfPerson = new Map<string, number>();
  for (const r of file.rows) {
    const id = r.staffId?.toLowerCase();
    const person =
      (id ? byNumber.get(id) : undefined) ??
      (r.staffId ? byExternal.get(r.staffId) : undefined) ??
      byEmail.get(r.email) ??
      byName.get(nameKey(r.name)) ??
      null;
    if (person) {
      const earlier = rowOfPerson.get(person.id);
      if (earlier !== undefined) {
        refuse(
          r,
          r.staffId ? 'staff_id' : 'email',
          `Row ${earlier} is the same person in QA Loop (${person.name}): each person appears once`,
        );
        continue;
      }
      const owner = byEmail.get(r.email);
      if (owner && owner.id !== person.id) {
        refuse(
          r,
          'email',
          `This email address is ${owner.name}’s in QA Loop, but the row’s staff ID is ${person.name}’s: check which is right`,
        );
        continue;
      }
      if (takenElsewhere.has(r.email)) {
        refuse(r, 'email', 'This email address is used by an account in another council on QA Loop');
        continue;
      }
      rowOfPerson.set(person.id, r.row);
    } else if (takenElsewhere.has(r.email)) {
      refuse(r, 'email', 'This email address is used by an account in another council on QA Loop');
      continue;
    }
    matched.push({ r, person });
  }

  // 2. Line managers: someone in the file, or in QA Loop.
  const rowByEmail = new Map(matched.map((m) => [m.r.email, m]));
  const accepted: typeof matched = [];
  for (const m of matched) {
    const e = m.r.lineManagerEmail;
    if (e && !rowByEmail.has(e) && !byEmail.has(e)) {
      refuse(
        m.r,
        'line_manager_email',
        `No one in this file or in QA Loop has the email address ${e}: check the line manager’s email, or add the line manager to the file`,
      );
      continue;
    }
    accepted.push(m);
  }
  const acceptedByEmail = new Map(accepted.map((m) => [m.r.email, m]));
  const managerName = (email: string | null) => {
    if (!email) return null;
    const inFile = acceptedByEmail.get(email);
    if (inFile) return inFile.r.name;
    return byEmail.get(email)?.name ?? null;
  };
  const managerId = (email: string) => {
    const inFile = acceptedByEmail.get(email);
    if (inFile) return inFile.person?.id ?? null;
    return byEmail.get(email)?.id ?? null;
  };

  const plan: StaffPlan = {
    joiners: [],
    movers: [],
    leavers: [],
    futureLeavers: [],
    roleChanges: [],
    newTeams: [],
    notAdded: [],
    stillDeactivated: [],
    notInFile: 0,
    unchanged: 0,
    updates: [],
  };
  const newTeams = new Map<string, { name: string; serviceArea: string }>();
  const needsTeam = (r: StaffFileRow) => {
    if (teamOf(r.team)) return;
    const key = nameKey(r.team);
    const known = newTeams.get(key);
    if (!known) newTeams.set(key, { name: r.team, serviceArea: r.serviceArea ?? UNKNOWN_SERVICE_AREA });
    else if (known.serviceArea === UNKNOWN_SERVICE_AREA && r.serviceArea) known.serviceArea = r.serviceArea;
  };

  for (const { r, person } of accepted) {
    const left = r.leavingDate !== null && r.leavingDate <= asOf;
    const update: RowUpdate = {
      row: r.row,
      staffId: person?.id ?? null,
      name: r.name,
      email: r.email,
      staffNumber: r.staffId,
      jobTitle: r.jobTitle,
      team: r.team,
      serviceArea: r.serviceArea,
      lineManagerEmail: r.lineManagerEmail,
      startedOn: r.startDate,
      leftOn: r.leavingDate,
      leaver: false,
      roles: null,
    };
    if (!person) {
      if (left) {
        plan.notAdded.push({ row: r.row, name: r.name });
        continue;
      }
      needsTeam(r);
      plan.joiners.push({
        row: r.row,
        name: r.name,
        email: r.email,
        staffNumber: r.staffId,
        jobTitle: r.jobTitle ?? NO_JOB_TITLE,
        team: r.team,
        lineManager: managerName(r.lineManagerEmail),
        startedOn: r.startDate,
      });
      if (r.leavingDate)
        plan.futureLeavers.push({ row: r.row, staffId: null, name: r.name, leftOn: r.leavingDate });
      if (file.hasRoles && r.roles?.length) {
        update.roles = r.roles;
        plan.roleChanges.push({ row: r.row, staffId: null, name: r.name, before: [], after: r.roles });
      }
      plan.updates.push(update);
      continue;
    }
    let changed = false;
    if (left) {
      // someone deactivated already stays as they are
      if (!person.active) {
        plan.unchanged++;
        continue;
      }
      update.leaver = true;
      plan.leavers.push({
        row: r.row,
        staffId: person.id,
        name: person.name,
        team: person.team,
        leftOn: r.leavingDate as string,
      });
      plan.updates.push(update);
      continue;
    }
    if (!person.active) {
      plan.stillDeactivated.push({ row: r.row, staffId: person.id, name: person.name });
      continue;
    }
    if (r.leavingDate) {
      plan.futureLeavers.push({ row: r.row, staffId: person.id, name: person.name, leftOn: r.leavingDate });
      if (person.leftOn !== r.leavingDate) changed = true;
    }
    const changes: FieldChange[] = [];
    if (r.name.replace(/\s+/g, ' ') !== person.name.replace(/\s+/g, ' '))
      changes.push({ field: 'name', before: person.name, after: r.name });
    const currentEmail = lower(person.email) ?? lower(person.accountEmail);
    if (currentEmail !== r.email) changes.push({ field: 'email', before: currentEmail, after: r.email });
    const team = teamOf(r.team);
    if (!team || team.id !== person.teamId) {
      needsTeam(r);
      changes.push({ field: 'team', before: person.team, after: team?.name ?? r.team });
    }
    if (r.lineManagerEmail) {
      const id = managerId(r.lineManagerEmail);
      if (id === null || id !== person.lineManagerId)
        changes.push({
          field: 'lineManager',
          before: person.lineManager,
          after: managerName(r.lineManagerEmail),
        });
    }
    if (r.jobTitle && r.jobTitle !== person.jobTitle)
      changes.push({ field: 'jobTitle', before: person.jobTitle, after: r.jobTitle });
    if (changes.length) {
      changed = true;
      plan.movers.push({ row: r.row, staffId: person.id, name: person.name, changes });
    }
    // Roles already waiting for a QA lead count as asked for, except from the command line, which
    // gives roles at once: it is how a council with no QA lead yet gets one, even when an
    // administrator asked for the role first and nobody could confirm it.
    const asked =
      source === 'command_line' ? person.roles : [...new Set([...person.roles, ...person.waiting])];
    if (file.hasRoles && r.roles && !sameRoles(r.roles, asked)) {
      changed = true;
      update.roles = r.roles;
      plan.roleChanges.push({
        row: r.row,
        staffId: person.id,
        name: person.name,
        before: person.roles,
        after: r.roles,
      });
    }
    if (
      (r.staffId && r.staffId !== person.staffNumber) ||
      (r.startDate && r.startDate !== person.startedOn) ||
      (!r.leavingDate && person.leftOn)
    )
      changed = true;
    if (!changed) plan.unchanged++;
    plan.updates.push(update);
  }

  // People whose recorded leaving date has passed are leavers too, in the file or not.
  const inFile = new Set(accepted.flatMap((m) => (m.person ? [m.person.id] : [])));
  for (const p of people) {
    if (inFile.has(p.id)) continue;
    if (p.active && p.leftOn && p.leftOn <= asOf) {
      plan.leavers.push({ row: null, staffId: p.id, name: p.name, team: p.team, leftOn: p.leftOn });
    } else if (p.active) {
      plan.notInFile++;
    }
  }
  plan.newTeams = [...newTeams.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { plan, errors };
}

/** Each person's open work: audits not yet submitted, actions still open, moderations to do. */
export async function openWorkOf(
  db: Db,
  councilId: string,
  staffIds: readonly string[],
): Promise<Map<string, OpenWork>> {
  const work = new Map<string, OpenWork>();
  if (staffIds.length === 0) return work;
  const [audits, actions, moderations] = await Promise.all([
    db
      .selectFrom('audits as a')
      .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
      .where('a.council_id', '=', councilId)
      .where('a.auditor_id', 'in', staffIds)
      .where('a.status', 'in', ['allocated', 'in_progress'])
      .select([
        'a.id',
        'a.auditor_id as staff_id',
        sql<string>`to_char(pm.month, 'YYYY-MM-DD')`.as('month'),
        sql<string | null>`to_char(a.due_on, 'YYYY-MM-DD')`.as('due_on'),
      ])
      .orderBy('a.due_on')
      .orderBy('a.id')
      .execute(),
    db
      .selectFrom('audit_actions as x')
      .where('x.council_id', '=', councilId)
      .where('x.owner_id', 'in', staffIds)
      .where('x.status', '=', 'open')
      .select(['x.id', 'x.owner_id as staff_id', sql<string>`to_char(x.due_on, 'YYYY-MM-DD')`.as('due_on')])
      .orderBy('x.due_on')
      .orderBy('x.id')
      .execute(),
    db
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
      .where('m.council_id', '=', councilId)
      .where('m.moderator_id', 'in', staffIds)
      .where('m.status', '=', 'allocated')
      .select([
        'm.id',
        'm.moderator_id as staff_id',
        'a.month_id',
        sql<string>`to_char(pm.month, 'YYYY-MM-DD')`.as('month'),
      ])
      .orderBy('pm.month')
      .orderBy('m.id')
      .execute(),
  ]);
  const of = (id: string) => {
    let w = work.get(id);
    if (!w) {
      w = { audits: [], actions: [], moderations: [] };
      work.set(id, w);
    }
    return w;
  };
  for (const a of audits)
    of(a.staff_id as string).audits.push({
      id: a.id,
      href: `/audits/${a.id}/allocation`,
      month: a.month,
      dueOn: a.due_on,
    });
  for (const x of actions)
    of(x.staff_id).actions.push({
      id: x.id,
      href: `/actions/${x.id}/owner?from=staff`,
      month: null,
      dueOn: x.due_on,
    });
  for (const m of moderations)
    of(m.staff_id as string).moderations.push({
      id: m.id,
      href: `/programme/months/${m.month_id}/moderation`,
      month: m.month,
      dueOn: null,
    });
  return work;
}

/** A value as JSON with its objects' keys in order: the database keeps JSON in its own order. */
function canonical(value: unknown): string {
  return JSON.stringify(JSON.parse(JSON.stringify(value)), (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const hasWork = (w: OpenWork | undefined) =>
  !!w && w.audits.length + w.actions.length + w.moderations.length > 0;

/**
 * Reads a staff file, works out what it would change and keeps it as a preview to confirm. A file
 * that cannot be read at all is refused (UnreadableFileError) and nothing is kept.
 */
export async function previewStaffFile(
  db: Db,
  councilId: string,
  path: string,
  options: {
    fileName: string;
    asOf: string;
    uploadedBy: string | null;
    /** who will apply it: the command line gives roles at once (see planStaffFile) */
    source?: 'staff_file' | 'command_line';
  },
): Promise<StaffImportPreview> {
  const file = await readStaffFile(path, options.fileName);
  const { plan, errors } = await planStaffFile(db, councilId, file, options.asOf, options.source);
  const allErrors = [...file.errors, ...errors].sort((a, b) => a.row - b.row);
  const row = await db
    .insertInto('staff_imports')
    .values({
      council_id: councilId,
      file_name: options.fileName,
      uploaded_by: options.uploadedBy,
      as_of: options.asOf,
      rows: JSON.stringify(file.rows),
      errors: JSON.stringify(allErrors),
      changes: JSON.stringify({ hasRoles: file.hasRoles, rowsRead: file.rowsRead, plan }),
    })
    .returning(['id', 'uploaded_at'])
    .executeTakeFirstOrThrow();
  return getStaffImport(db, councilId, row.id);
}

const refusedRows = (errors: readonly RowError[]) =>
  new Set(errors.map((e) => `${e.sheet ?? ''}:${e.row}`)).size;

/** A kept preview with its leavers' open work as it is now. */
export async function getStaffImport(
  db: Db,
  councilId: string,
  importId: string,
): Promise<StaffImportPreview> {
  const row = await db
    .selectFrom('staff_imports')
    .selectAll()
    .where('id', '=', importId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('staff file');
  const changes = row.changes as { hasRoles: boolean; rowsRead: number; plan: StaffPlan };
  const errors = row.errors as RowError[];
  const work = await openWorkOf(
    db,
    councilId,
    changes.plan.leavers.map((l) => l.staffId),
  );
  return {
    importId: row.id,
    fileName: row.file_name,
    asOf: typeof row.as_of === 'string' ? row.as_of : toDateText(row.as_of),
    uploadedAt: row.uploaded_at,
    status: row.status,
    hasRoles: changes.hasRoles,
    rowsRead: changes.rowsRead,
    rowsRefused: refusedRows(errors),
    errors,
    plan: changes.plan,
    openWork: Object.fromEntries(work),
  };
}

function toDateText(value: unknown): string {
  if (value instanceof Date) {
    const y = value.getFullYear();
    const m = String(value.getMonth() + 1).padStart(2, '0');
    const d = String(value.getDate()).padStart(2, '0');
    return `${y}-${m}-${d}`;
  }
  return String(value);
}

export interface StaffImportResult {
  importId: string;
  joiners: number;
  movers: number;
  leavers: number;
  futureLeavers: number;
  roles: { granted: number; pending: number; removed: number };
  newTeams: number;
  /** leavers of this file with open work to give to someone else */
  leaversWithOpenWork: LeaverWithOpenWork[];
}

/**
 * Applies a preview, in one transaction: joiners added with an account (no password: they sign in
 * through single sign-on or a one-time link), movers updated, new teams made, leavers deactivated
 * (their account disabled, their sessions ended), roles asked for through the role grants (roles
 * that open children's records wait for a QA lead, except from the command line). Refused, with
 * nothing changed, when the preview was applied or discarded already, when a later staff file has
 * been applied since it was made, or when QA Loop changed so that it would now do something else.
 */
export async function applyStaffImport(
  db: Db,
  councilId: string,
  importId: string,
  options: { decidedBy: string | null; source: 'staff_file' | 'command_line'; queue?: JobQueue | null },
): Promise<StaffImportResult> {
  const result = await inTransaction(db, async (trx) => {
    const kept = await trx
      .selectFrom('staff_imports')
      .selectAll()
      .where('id', '=', importId)
      .where('council_id', '=', councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!kept) throw new NotFoundError('staff file');
    if (kept.status === 'applied')
      throw new StaffImportRefusedError('This staff file has already been applied.');
    if (kept.status === 'discarded')
      throw new StaffImportRefusedError('This staff file was discarded: upload it again to apply it.');
    const later = await trx
      .selectFrom('staff_imports')
      .select('id')
      .where('council_id', '=', councilId)
      .where('status', '=', 'applied')
      .where('uploaded_at', '>', kept.uploaded_at)
      .executeTakeFirst();
    if (later)
      throw new StaffImportRefusedError(
        'A staff file uploaded after this one has been applied since: upload this file again to see what it would change now.',
      );
    const changes = kept.changes as { hasRoles: boolean; plan: StaffPlan };
    const asOf = typeof kept.as_of === 'string' ? kept.as_of : toDateText(kept.as_of);
    const { plan } = await planStaffFile(
      trx,
      councilId,
      { fileName: kept.file_name, rows: kept.rows as StaffFileRow[], hasRoles: changes.hasRoles },
      asOf,
      options.source,
    );
    if (canonical(plan) !== canonical(changes.plan))
      throw new StaffImportRefusedError(
        'People in QA Loop have changed since this file was uploaded, so it would no longer do what its preview showed: upload the file again.',
      );
    const now = new Date();

    // Teams QA Loop did not know, in their service areas.
    const areas = await trx
      .selectFrom('service_areas')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .execute();
    const areaByKey = new Map(areas.map((a) => [nameKey(a.name), a.id]));
    const teams = await trx
      .selectFrom('teams')
      .select(['id', 'name', 'external_id'])
      .where('council_id', '=', councilId)
      .execute();
    const teamByKey = new Map<string, string>();
    for (const t of teams) if (!teamByKey.has(nameKey(t.name))) teamByKey.set(nameKey(t.name), t.id);
    const teamByRef = new Map(teams.filter((t) => t.external_id).map((t) => [t.external_id as string, t.id]));
    for (const t of plan.newTeams) {
      let areaId = areaByKey.get(nameKey(t.serviceArea));
      if (!areaId) {
        areaId = (
          await trx
            .insertInto('service_areas')
            .values({ council_id: councilId, name: t.serviceArea })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
        areaByKey.set(nameKey(t.serviceArea), areaId);
      }
      const team = await trx
        .insertInto('teams')
        .values({ council_id: councilId, name: t.name, service_area_id: areaId })
        .returning('id')
        .executeTakeFirstOrThrow();
      teamByKey.set(nameKey(t.name), team.id);
    }
    const teamId = (name: string) => teamByRef.get(name) ?? teamByKey.get(nameKey(name)) ?? null;

    // Joiners and movers; line managers once everyone has an id.
    const idOfRow = new Map<number, string>();
    const userOfStaff = new Map<string, string>();
    for (const u of plan.updates) {
      if (u.leaver) {
        idOfRow.set(u.row, u.staffId as string);
        continue;
      }
      if (u.staffId === null) {
        const staff = await trx
          .insertInto('staff')
          .values({
            council_id: councilId,
            name: u.name,
            email: u.email,
            job_title: u.jobTitle ?? NO_JOB_TITLE,
            team_id: teamId(u.team),
            staff_number: u.staffNumber,
            started_on: u.startedOn,
            left_on: u.leftOn,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const user = await trx
          .insertInto('user_accounts')
          .values({ council_id: councilId, staff_id: staff.id, email: u.email, password_hash: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        idOfRow.set(u.row, staff.id);
        userOfStaff.set(staff.id, user.id);
        continue;
      }
      idOfRow.set(u.row, u.staffId);
      await trx
        .updateTable('staff')
        .set({
          name: u.name,
          email: u.email,
          team_id: teamId(u.team),
          ...(u.jobTitle ? { job_title: u.jobTitle } : {}),
          ...(u.staffNumber ? { staff_number: u.staffNumber } : {}),
          ...(u.startedOn ? { started_on: u.startedOn } : {}),
          left_on: u.leftOn,
        })
        .where('id', '=', u.staffId)
        .where('council_id', '=', councilId)
        .execute();
      const account = await trx
        .updateTable('user_accounts')
        .set({ email: u.email })
        .where('staff_id', '=', u.staffId)
        .where('council_id', '=', councilId)
        .returning('id')
        .executeTakeFirst();
      if (!account) {
        const user = await trx
          .insertInto('user_accounts')
          .values({ council_id: councilId, staff_id: u.staffId, email: u.email, password_hash: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        userOfStaff.set(u.staffId, user.id);
      }
    }
    const staffByEmail = new Map<string, string>();
    for (const u of plan.updates) {
      const id = idOfRow.get(u.row);
      if (id) staffByEmail.set(u.email, id);
    }
    const managers = plan.updates.filter((u) => !u.leaver && u.lineManagerEmail);
    if (managers.length) {
      const known = await trx
        .selectFrom('staff')
        .select(['id', sql<string>`lower(email)`.as('email')])
        .where('council_id', '=', councilId)
        .where(
          sql`lower(email)`,
          'in',
          managers.map((u) => u.lineManagerEmail as string),
        )
        .execute();
      for (const k of known) if (!staffByEmail.has(k.email)) staffByEmail.set(k.email, k.id);
      for (const u of managers) {
        const manager = staffByEmail.get(u.lineManagerEmail as string);
        const id = idOfRow.get(u.row);
        if (!manager || !id || manager === id) continue;
        await trx.updateTable('staff').set({ line_manager_id: manager }).where('id', '=', id).execute();
      }
    }

    // Leavers: deactivated, never deleted; their accounts disabled and sessions ended.
    for (const l of plan.leavers) {
      await trx
        .updateTable('staff')
        .set({
          active: false,
          left_on: l.leftOn,
          deactivated_at: now,
          deactivated_reason: `Left on ${l.leftOn} (staff file ${kept.file_name})`,
        })
        .where('id', '=', l.staffId)
        .where('council_id', '=', councilId)
        .execute();
      const accounts = await trx
        .updateTable('user_accounts')
        .set({ disabled: true, disabled_at: now, disabled_by: options.decidedBy })
        .where('staff_id', '=', l.staffId)
        .where('council_id', '=', councilId)
        .returning('id')
        .execute();
      for (const a of accounts) await endSessionsOf(trx, a.id);
    }
    await recordSecurityEvents(
      trx,
      plan.leavers.map((l) => ({
        councilId,
        kind: 'leaver_deactivated' as const,
        actorId: options.decidedBy,
        subjectId: l.staffId,
        detail: { leftOn: l.leftOn, source: options.source, importId },
      })),
    );

    // Roles, through the role grants: those that open children's records wait for a QA lead.
    const roles = { granted: 0, pending: 0, removed: 0 };
    for (const u of plan.updates) {
      if (u.leaver || !u.roles) continue;
      const staffId = idOfRow.get(u.row) as string;
      const outcome = await requestRoles(trx, {
        councilId,
        staffId,
        roles: u.roles,
        requestedBy: options.decidedBy,
        source: options.source,
        queue: options.queue ?? null,
      });
      roles.granted += outcome.granted.length;
      roles.pending += outcome.pending.length;
      roles.removed += outcome.removed.length;
    }

    const counts = {
      joiners: plan.joiners.length,
      movers: plan.movers.length,
      leavers: plan.leavers.length,
      futureLeavers: plan.futureLeavers.length,
      newTeams: plan.newTeams.length,
      rolesGranted: roles.granted,
      rolesPending: roles.pending,
      rolesRemoved: roles.removed,
    };
    await recordSecurityEvent(trx, {
      councilId,
      kind: 'staff_file_applied',
      actorId: options.decidedBy,
      subjectId: null,
      detail: { importId, source: options.source, ...counts },
    });
    await trx
      .updateTable('staff_imports')
      .set({ status: 'applied', decided_by: options.decidedBy, decided_at: now })
      .where('id', '=', importId)
      .execute();
    return {
      importId,
      joiners: counts.joiners,
      movers: counts.movers,
      leavers: counts.leavers,
      futureLeavers: counts.futureLeavers,
      newTeams: counts.newTeams,
      roles,
      leaverIds: plan.leavers.map((l) => l.staffId),
    };
  });
  const { leaverIds, ...rest } = result;
  const open = await leaversWithOpenWork(db, councilId);
  return { ...rest, leaversWithOpenWork: open.filter((l) => leaverIds.includes(l.staffId)) };
}

/** Marks a preview discarded: it can no longer be applied. */
export async function discardStaffImport(
  db: Db,
  councilId: string,
  importId: string,
  decidedBy: string | null,
): Promise<void> {
  const result = await db
    .updateTable('staff_imports')
    .set({ status: 'discarded', decided_by: decidedBy, decided_at: new Date() })
    .where('id', '=', importId)
    .where('council_id', '=', councilId)
    .where('status', '=', 'previewed')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const found = await db
      .selectFrom('staff_imports')
      .select('status')
      .where('id', '=', importId)
      .where('council_id', '=', councilId)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('staff file');
    throw new StaffImportRefusedError(
      found.status === 'applied'
        ? 'This staff file has already been applied.'
        : 'This staff file was discarded.',
    );
  }
}

export interface LeaverWithOpenWork extends OpenWork {
  staffId: string;
  name: string;
  team: string | null;
  leftOn: string | null;
}

/** For the QA lead: each deactivated person with audits, actions or moderations still open. */
export async function leaversWithOpenWork(db: Db, councilId: string): Promise<LeaverWithOpenWork[]> {
  const leavers = await db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', false)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('audits as a')
            .select('a.id')
            .whereRef('a.auditor_id', '=', 's.id')
            .where('a.status', 'in', ['allocated', 'in_progress']),
        ),
        eb.exists(
          eb
            .selectFrom('audit_actions as x')
            .select('x.id')
            .whereRef('x.owner_id', '=', 's.id')
            .where('x.status', '=', 'open'),
        ),
        eb.exists(
          eb
            .selectFrom('moderations as m')
            .select('m.id')
            .whereRef('m.moderator_id', '=', 's.id')
            .where('m.status', '=', 'allocated'),
        ),
      ]),
    )
    .select([
      's.id',
      's.name',
      't.name as team',
      sql<string | null>`to_char(s.left_on, 'YYYY-MM-DD')`.as('left_on'),
    ])
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
  const work = await openWorkOf(
    db,
    councilId,
    leavers.map((l) => l.id),
  );
  return leavers.flatMap((l) => {
    const w = work.get(l.id);
    if (!w || !hasWork(w)) return [];
    return [{ staffId: l.id, name: l.name, team: l.team, leftOn: l.left_on, ...w }];
  });
}

/** The staff files uploaded lately, newest first, for the Imports page. */
export async function recentStaffImports(db: Db, councilId: string, limit = 10) {
  const rows = await db
    .selectFrom('staff_imports as i')
    .leftJoin('staff as s', 's.id', 'i.uploaded_by')
    .where('i.council_id', '=', councilId)
    .select(['i.id', 'i.file_name', 'i.uploaded_at', 'i.status', 's.name as uploaded_by'])
    .orderBy('i.uploaded_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    fileName: r.file_name,
    uploadedAt: r.uploaded_at,
    status: r.status,
    uploadedBy: r.uploaded_by,
  }));
}
