import { sql } from 'kysely';
import { z } from 'zod';
import { belongsToCouncil } from '../../data/council-scope.ts';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { endSessionsOf } from '../../data/session-store.ts';
import { inTransaction } from '../../data/transaction.ts';
import { ROLES, type Role } from '../../domain/roles.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import { listTeams } from './councils.ts';
import { hashPassword } from './passwords.ts';
import { type GrantSource, pendingGrants, requestRoles } from './role-grants.ts';
import { recordSecurityEvent } from './security-log.ts';

export const MIN_PASSWORD_LENGTH = 12;

const optionalId = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : null))
  .pipe(z.uuid({ message: 'Choose from the list' }).nullable());

const rolesField = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
  z
    .array(z.enum(ROLES, { message: 'Choose roles from the list' }))
    .min(1, { message: 'Select at least one role' }),
);

/** A person added by an administrator (or the demo council): a member of staff with an account. */
export const newPersonSchema = z.object({
  name: z.string().trim().min(1, { message: 'Enter the person’s full name' }).max(200, {
    message: 'Full name must be 200 characters or fewer',
  }),
  email: z
    .string()
    .trim()
    .min(1, { message: 'Enter the person’s work email address' })
    .pipe(z.email({ message: 'Enter an email address in the correct format, like name@council.gov.uk' })),
  jobTitle: z.string().trim().min(1, { message: 'Enter the person’s job title' }).max(200),
  teamId: optionalId,
  lineManagerId: optionalId,
  roles: rolesField,
  /**
   * A starting password, for tests and fixtures only: the administrator's form never passes one
   * (src/web/routes/admin/people.ts picks its fields), so nobody chooses another person's password.
   */
  password: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || v.length >= MIN_PASSWORD_LENGTH, {
      message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
    }),
});

export type NewPerson = z.input<typeof newPersonSchema>;

export const rolesSchema = z.object({ roles: rolesField });

export interface AddPersonOptions {
  externalId?: string | null;
  serviceAreaId?: string | null;
  startedOn?: string | null;
  /** a hash already made (the demo council hashes its shared password once) */
  passwordHash?: string | null;
  /**
   * Who adds the person, and how: the roles then go through requestRoles, so roles that open
   * children's records wait for a QA lead (the administrator's form: source 'administrator').
   * Without it the roles are given at once, unrecorded: the demo council and tests.
   */
  grant?: { requestedBy: string | null; source: GrantSource; queue?: JobQueue | null };
}

/** Adds a member of staff with roles and a user account, in one transaction. Returns the staff id. */
export async function addPerson(
  db: Db,
  councilId: string,
  input: NewPerson | Record<string, string | string[]>,
  options: AddPersonOptions = {},
): Promise<{ staffId: string; userId: string; granted: Role[]; pending: Role[] }> {
  const checked = validate(newPersonSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const person = checked.value;
  const passwordHash = options.passwordHash ?? (person.password ? await hashPassword(person.password) : null);

  return inTransaction(db, async (trx) => {
    const errors = [];
    const existing = await trx
      .selectFrom('user_accounts')
      .select('id')
      .where(sql`lower(email)`, '=', person.email.toLowerCase())
      .executeTakeFirst();
    if (existing)
      errors.push({ field: 'email', message: 'Someone already has an account with this email address' });
    if (person.teamId && !(await belongsToCouncil(trx, 'teams', person.teamId, councilId))) {
      errors.push({ field: 'teamId', message: 'Choose a team from the list' });
    }
    if (person.lineManagerId && !(await belongsToCouncil(trx, 'staff', person.lineManagerId, councilId))) {
      errors.push({ field: 'lineManagerId', message: 'Choose a line manager from the list' });
    }
    if (errors.length) throw new ValidationError(errors);

    const staff = await trx
      .insertInto('staff')
      .values({
        council_id: councilId,
        external_id: options.externalId ?? null,
        name: person.name,
        email: person.email,
        job_title: person.jobTitle,
        team_id: person.teamId,
        service_area_id: options.serviceAreaId ?? null,
        line_manager_id: person.lineManagerId,
        started_on: options.startedOn ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const user = await trx
      .insertInto('user_accounts')
      .values({ council_id: councilId, staff_id: staff.id, email: person.email, password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (options.grant) {
      const roles = await requestRoles(trx, {
        councilId,
        staffId: staff.id,
        roles: person.roles,
        ...options.grant,
        newAccount: true,
      });
      return { staffId: staff.id, userId: user.id, granted: roles.granted, pending: roles.pending };
    }
    await trx
      .insertInto('staff_roles')
      .values(person.roles.map((role) => ({ council_id: councilId, staff_id: staff.id, role })))
      .execute();
    return { staffId: staff.id, userId: user.id, granted: [...person.roles], pending: [] };
  });
}

/**
 * Asks for a person to hold these roles (requestRoles, source 'administrator'): roles removed go at
 * once; roles that open children's records wait for a QA lead to confirm them. Every change is in
 * the role changes and the security log. Nobody changes their own roles: another administrator must.
 */
export async function setRoles(
  db: Db,
  councilId: string,
  staffId: string,
  input: unknown,
  changedBy: string,
  queue: JobQueue | null = null,
): Promise<{ granted: Role[]; pending: Role[]; removed: Role[] }> {
  if (staffId === changedBy) {
    throw new ValidationError([
      { field: 'roles', message: 'You cannot change your own roles: ask another administrator' },
    ]);
  }
  const checked = validate(rolesSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  return requestRoles(db, {
    councilId,
    staffId,
    roles: checked.value.roles,
    requestedBy: changedBy,
    source: 'administrator',
    queue,
  });
}

export async function listRoleChanges(db: Db, councilId: string, staffId: string) {
  const rows = await db
    .selectFrom('role_changes as rc')
    .innerJoin('staff as by', 'by.id', 'rc.changed_by')
    .where('rc.council_id', '=', councilId)
    .where('rc.staff_id', '=', staffId)
    .select(['rc.changed_at', 'by.name as changed_by', 'rc.roles_before', 'rc.roles_after'])
    .orderBy('rc.changed_at', 'desc')
    .orderBy('rc.id', 'desc')
    .execute();
  return rows.map((r) => ({
    changedAt: r.changed_at,
    changedBy: r.changed_by,
    before: r.roles_before,
    after: r.roles_after,
  }));
}

export interface PersonSummary {
  staffId: string;
  name: string;
  email: string | null;
  jobTitle: string;
  team: string | null;
  lineManager: string | null;
  roles: Role[];
  hasAccount: boolean;
  canSignInLocally: boolean;
  /** the account cannot sign in: disabled by an administrator */
  disabled: boolean;
  disabledAt: Date | null;
  lastSignedInAt: Date | null;
  hasSecondFactor: boolean;
  hasSingleSignOn: boolean;
}

function rolesOf(value: unknown): Role[] {
  return Array.isArray(value) ? (value.filter((v) => v !== null) as Role[]).sort() : [];
}

const personQuery = (db: Db, councilId: string) =>
  db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .leftJoin('staff as m', 'm.id', 's.line_manager_id')
    .leftJoin('user_accounts as u', 'u.staff_id', 's.id')
    .where('s.council_id', '=', councilId)
    .select([
      's.id',
      's.name',
      's.email',
      's.job_title',
      't.name as team',
      'm.name as line_manager',
      'u.id as user_id',
      'u.password_hash',
      'u.disabled',
      'u.disabled_at',
      'u.last_signed_in_at',
      'u.totp_enabled_at',
      'u.oidc_subject',
      sql<Role[]>`(select array_agg(r.role order by r.role) from staff_roles r where r.staff_id = s.id)`.as(
        'roles',
      ),
    ]);

function toSummary(r: Awaited<ReturnType<ReturnType<typeof personQuery>['execute']>>[number]): PersonSummary {
  return {
    staffId: r.id,
    name: r.name,
    email: r.email,
    jobTitle: r.job_title,
    team: r.team,
    lineManager: r.line_manager,
    roles: rolesOf(r.roles),
    hasAccount: r.user_id !== null,
    canSignInLocally: r.password_hash !== null,
    disabled: r.disabled === true,
    disabledAt: r.disabled_at,
    lastSignedInAt: r.last_signed_in_at,
    hasSecondFactor: r.totp_enabled_at !== null,
    hasSingleSignOn: r.oidc_subject !== null,
  };
}

export async function listPeople(db: Db, councilId: string, filter: { teamId?: string } = {}) {
  let q = personQuery(db, councilId);
  if (filter.teamId) q = q.where('s.team_id', '=', filter.teamId);
  const rows = await q.orderBy('s.name').execute();
  return rows.map(toSummary);
}

export async function getPerson(
  db: Db,
  councilId: string,
  staffId: string,
): Promise<PersonSummary | undefined> {
  const row = await personQuery(db, councilId).where('s.id', '=', staffId).executeTakeFirst();
  return row && toSummary(row);
}

/** People who can be chosen as a line manager: anyone with case_manager, senior_leader or qa_lead. */
export async function listManagers(db: Db, councilId: string) {
  return db
    .selectFrom('staff as s')
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_roles as r')
          .whereRef('r.staff_id', '=', 's.id')
          .where('r.role', 'in', ['case_manager', 'senior_leader', 'qa_lead']),
      ),
    )
    .select(['s.id', 's.name', 's.job_title'])
    .orderBy('s.name')
    .execute();
}

/** The people page: the council's people, all of them or one team's (a team not found: all). */
export async function peoplePage(db: Db, councilId: string, teamId: string) {
  const teams = await listTeams(db, councilId);
  const team = teams.find((t) => t.id === teamId);
  const people = await listPeople(db, councilId, { teamId: team?.id });
  return { people, teams, team };
}

/** What the form to add a person offers: the council's teams and the people who can manage. */
export async function newPersonChoices(db: Db, councilId: string) {
  return {
    teams: await listTeams(db, councilId),
    managers: await listManagers(db, councilId),
  };
}

/** A person's page: who they are, their roles and the changes made to them. */
export async function personPage(db: Db, councilId: string, staffId: string) {
  const person = await getPerson(db, councilId, staffId);
  if (!person) throw new NotFoundError('person');
  return {
    person,
    roleChanges: await listRoleChanges(db, councilId, person.staffId),
    pendingGrants: await pendingGrants(db, councilId, { staffId: person.staffId }),
  };
}

/** A change an administrator makes to someone's account. */
export type PersonChange =
  | { kind: 'roles'; roles: string[] }
  | { kind: 'disable'; reason: string }
  | { kind: 'enable' };

/**
 * Makes a change to a person of the council (NotFoundError when there is none; ValidationError,
 * nothing changed, when the change breaks a rule). Returns who they are, for the message.
 */
export async function changePerson(
  db: Db,
  councilId: string,
  staffId: string,
  change: PersonChange,
  changedBy: string,
  queue: JobQueue | null = null,
): Promise<{ staffId: string; name: string; roles?: { granted: Role[]; pending: Role[]; removed: Role[] } }> {
  const person = await getPerson(db, councilId, staffId);
  if (!person) throw new NotFoundError('person');
  if (change.kind === 'roles') {
    const roles = await setRoles(db, councilId, person.staffId, { roles: change.roles }, changedBy, queue);
    return { staffId: person.staffId, name: person.name, roles };
  }
  await setDisabled(db, councilId, person.staffId, change, changedBy);
  return { staffId: person.staffId, name: person.name };
}

const disableSchema = z.object({
  reason: z
    .string({ message: 'Enter why the account is being disabled' })
    .trim()
    .min(1, { message: 'Enter why the account is being disabled' })
    .max(500, { message: 'The reason must be 500 characters or fewer' }),
});

/**
 * Disables a person's account (with the reason, recorded in the security log), ending all their
 * sessions at once, or enables it again. Nobody disables themselves.
 */
export async function setDisabled(
  db: Db,
  councilId: string,
  staffId: string,
  change: { kind: 'disable'; reason: string } | { kind: 'enable' },
  changedBy: string,
): Promise<void> {
  let reason: string | undefined;
  if (change.kind === 'disable') {
    if (staffId === changedBy) {
      throw new ValidationError([
        { field: 'reason', message: 'You cannot disable your own account: ask another administrator' },
      ]);
    }
    const checked = validate(disableSchema, { reason: change.reason });
    if (!checked.ok) throw new ValidationError(checked.errors);
    reason = checked.value.reason;
  }
  await inTransaction(db, async (trx) => {
    const disabling = change.kind === 'disable';
    const account = await trx
      .updateTable('user_accounts')
      .set(
        disabling
          ? { disabled: true, disabled_at: new Date(), disabled_by: changedBy }
          : { disabled: false, disabled_at: null, disabled_by: null },
      )
      .where('staff_id', '=', staffId)
      .where('council_id', '=', councilId)
      .where('disabled', '=', !disabling)
      .returning('id')
      .executeTakeFirst();
    if (!account) {
      if (!(await belongsToCouncil(trx, 'staff', staffId, councilId))) throw new NotFoundError('person');
      return; // already as asked (or no account): nothing to change
    }
    if (disabling) await endSessionsOf(trx, account.id);
    await recordSecurityEvent(trx, {
      councilId,
      kind: disabling ? 'account_disabled' : 'account_enabled',
      actorId: changedBy,
      subjectId: staffId,
      detail: reason ? { reason } : {},
    });
  });
}
