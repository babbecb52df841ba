import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { readAttendanceList } from '../../import/attendance-list.ts';
import { type LearningSession, requireLearningSession } from './learning-sessions.ts';

/**
 * Who attended a learning session, by person (issue 18), besides the count recorded for it: added
 * from the council's active staff in a form, or imported from an attendance list. The count stays
 * the session's own and is raised to the number named whenever more people are named than it says
 * attended. Names are read only by those who manage learning; reports use the figures.
 */

export interface Attendee {
  staffId: string;
  name: string;
  jobTitle: string;
  team: string | null;
  addedAt: Date;
}

export interface StaffChoice {
  staffId: string;
  name: string;
  jobTitle: string;
}

export interface AttendeesPage {
  session: LearningSession;
  attendees: Attendee[];
  /** active staff not yet named, grouped by team (teams by name, "No team" last), filtered by `search` */
  teams: { team: string; people: StaffChoice[] }[];
  /** how many active staff are not yet named, whatever the search */
  notNamed: number;
  search: string;
}

const MAX_SEARCH = 100;

const normalName = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

async function namedOf(db: Db, councilId: string, sessionId: string): Promise<Attendee[]> {
  const rows = await db
    .selectFrom('learning_session_attendees as la')
    .innerJoin('staff as s', 's.id', 'la.staff_id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.name', 's.job_title', 't.name as team', 'la.added_at'])
    .where('la.council_id', '=', councilId)
    .where('la.session_id', '=', sessionId)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({
    staffId: r.id,
    name: r.name,
    jobTitle: r.job_title,
    team: r.team,
    addedAt: r.added_at,
  }));
}

/** The session, who is named as attending it, and the active staff who could be added. */
export async function attendeesPage(
  db: Db,
  councilId: string,
  sessionId: string,
  search = '',
): Promise<AttendeesPage> {
  const session = await requireLearningSession(db, councilId, sessionId);
  const attendees = await namedOf(db, councilId, sessionId);
  const named = new Set(attendees.map((a) => a.staffId));
  const staff = await db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.name', 's.job_title', 's.email', 't.name as team'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .orderBy('s.name')
    .execute();
  const free = staff.filter((s) => !named.has(s.id));
  const words = search.trim().slice(0, MAX_SEARCH).toLowerCase();
  const shown = words
    ? free.filter((s) =>
        [s.name, s.email ?? '', s.team ?? '', s.job_title].some((x) => x.toLowerCase().includes(words)),
      )
    : free;
  const byTeam = new Map<string, StaffChoice[]>();
  for (const s of shown) {
    const team = s.team ?? 'No team';
    byTeam.set(team, [...(byTeam.get(team) ?? []), { staffId: s.id, name: s.name, jobTitle: s.job_title }]);
  }
  const teams = [...byTeam.entries()]
    .map(([team, people]) => ({ team, people }))
    .sort((a, b) =>
      a.team === 'No team' ? 1 : b.team === 'No team' ? -1 : a.team.localeCompare(b.team, 'en-GB'),
    );
  return { session, attendees, teams, notNamed: free.length, search: words ? search.trim() : '' };
}

/** Names the people, raising the session's count to the number named; gives how many were added. */
async function name(
  trx: Db,
  councilId: string,
  sessionId: string,
  addedBy: string | null,
  staffIds: readonly string[],
): Promise<{ added: number; named: number; attended: number; raised: boolean }> {
  const session = await trx
    .selectFrom('learning_sessions')
    .select(['id', 'attended'])
    .where('council_id', '=', councilId)
    .where('id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst();
  if (!session) throw new NotFoundError('learning session');
  const inserted = staffIds.length
    ? await trx
        .insertInto('learning_session_attendees')
        .values(
          staffIds.map((staffId) => ({
            session_id: sessionId,
            council_id: councilId,
            staff_id: staffId,
            added_by: addedBy,
          })),
        )
        .onConflict((oc) => oc.columns(['session_id', 'staff_id']).doNothing())
        .returning('staff_id')
        .execute()
    : [];
  const named = Number(
    (
      await trx
        .selectFrom('learning_session_attendees')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('council_id', '=', councilId)
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const raised = named > session.attended;
  if (raised)
    await trx
      .updateTable('learning_sessions')
      .set({ attended: named })
      .where('council_id', '=', councilId)
      .where('id', '=', sessionId)
      .execute();
  return { added: inserted.length, named, attended: Math.max(named, session.attended), raised };
}

/** The active staff of the council among `ids`, by id. */
async function activeStaff(db: Db, councilId: string, ids: readonly string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names the people chosen in the form (`staffIds`: one id or many) as attending, in one
 * transaction. Each must be one of the council's active staff; someone already named is left as
 * they are. ValidationError (field `staffIds`) when nobody is chosen or a choice is not in the list.
 */
export async function addAttendees(
  db: Db,
  councilId: string,
  sessionId: string,
  addedBy: string | null,
  staffIds: unknown,
): Promise<{ added: number; named: number; attended: number; raised: boolean }> {
  const ids = [
    ...new Set((Array.isArray(staffIds) ? staffIds : [staffIds]).filter((x) => typeof x === 'string' && x)),
  ] as string[];
  return inTransaction(db, async (trx) => {
    await requireLearningSession(trx, councilId, sessionId);
    if (!ids.length)
      throw new ValidationError([{ field: 'staffIds', message: 'Select the people who attended' }]);
    const found = await activeStaff(
      trx,
      councilId,
      ids.filter((id) => UUID.test(id)),
    );
    if (found.size !== ids.length)
      throw new ValidationError([
        { field: 'staffIds', message: 'Select people from the list of the council’s staff' },
      ]);
    return name(trx, councilId, sessionId, addedBy, ids);
  });
}

/** Takes a person off the session's list (its count stays as it is); gives their name. */
export async function removeAttendee(
  db: Db,
  councilId: string,
  sessionId: string,
  staffId: string,
): Promise<{ name: string }> {
  return inTransaction(db, async (trx) => {
    await requireLearningSession(trx, councilId, sessionId);
    const gone = await trx
      .deleteFrom('learning_session_attendees')
      .where('council_id', '=', councilId)
      .where('session_id', '=', sessionId)
      .where('staff_id', '=', staffId)
      .returning('staff_id')
      .executeTakeFirst();
    if (!gone) throw new NotFoundError('attendee');
    const person = await trx
      .selectFrom('staff')
      .select('name')
      .where('id', '=', gone.staff_id)
      .executeTakeFirst();
    return { name: person?.name ?? 'The person' };
  });
}

export interface AttendanceProblem {
  row: number;
  /** what the row says, to find it */
  text: string;
  message: string;
}

export type AttendanceImport =
  | {
      ok: true;
      rows: number;
      added: number;
      already: number;
      named: number;
      attended: number;
      raised: boolean;
    }
  | { ok: false; fileName: string; rows: number; problems: AttendanceProblem[] };

/**
 * Imports an attendance list (src/import/attendance-list.ts) for a session: each row is matched to
 * one of the council's active staff by email, or else by a name only one of them has. When any row
 * matches nobody, or several people, nothing is added and the rows are listed with their numbers;
 * otherwise everyone is named, in one transaction. UnreadableFileError when the file cannot be read.
 */
export async function importAttendanceList(
  db: Db,
  councilId: string,
  sessionId: string,
  addedBy: string | null,
  path: string,
  fileName: string,
): Promise<AttendanceImport> {
  await requireLearningSession(db, councilId, sessionId);
  const list = await readAttendanceList(path, fileName);
  const staff = await db
    .selectFrom('staff')
    .select(['id', 'name', 'email'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .execute();
  const byEmail = new Map<string, string>();
  const byName = new Map<string, string[]>();
  for (const s of staff) {
    if (s.email) byEmail.set(s.email.toLowerCase(), s.id);
    const key = normalName(s.name);
    byName.set(key, [...(byName.get(key) ?? []), s.id]);
  }
  const problems: AttendanceProblem[] = [];
  const ids: string[] = [];
  if (!list.rows.length)
    problems.push({
      row: 1,
      text: '',
      message: 'The list has no one on it: add a row for each person who attended',
    });
  for (const r of list.rows) {
    const text = [r.name, r.email].filter(Boolean).join(', ');
    const emailMatch = r.email ? byEmail.get(r.email) : undefined;
    if (emailMatch) {
      ids.push(emailMatch);
      continue;
    }
    const named = r.name ? (byName.get(normalName(r.name)) ?? []) : [];
    if (named.length === 1) {
      ids.push(named[0]);
      continue;
    }
    problems.push({
      row: r.row,
      text,
      message:
        named.length > 1
          ? `${named.length} people on the council’s staff list have this name: give their work email`
          : r.email
            ? 'No one on the council’s staff list has this email or name: check the email, or the person may have left'
            : 'No one on the council’s staff list has this name: check the spelling, or give their work email',
    });
  }
  if (problems.length) return { ok: false, fileName: list.fileName, rows: list.rows.length, problems };
  const unique = [...new Set(ids)];
  const result = await inTransaction(db, (trx) => name(trx, councilId, sessionId, addedBy, unique));
  return {
    ok: true,
    rows: list.rows.length,
    added: result.added,
    already: unique.length - result.added,
    named: result.named,
    attended: result.attended,
    raised: result.raised,
  };
}
