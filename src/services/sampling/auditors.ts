import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type AuditorRecord, dipSampleBar, isTrained, mayDoDipSamples } from '../../domain/auditors.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { nameKey } from '../../domain/name-matching.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';

export { dipSampleBar, isTrained, mayDoDipSamples };

/**
 * The council's auditors: the staff with the auditor role, when they were trained, how many audits a
 * month they can take, and how many full audits they have completed (which decides whether they may
 * do dip samples: src/domain/auditors.ts).
 */

/** The most audits a month anyone can be given. */
export const MAX_CAPACITY = 50;

/** The audit statuses that take up an auditor's month: given to them, whether returned or not. */
const TAKING_CAPACITY = ['allocated', 'in_progress', 'submitted'] as const;

/** The council's active staff, with their team. */
function activeStaffQuery(db: Db, councilId: string) {
  return db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true);
}

const hasAuditorRole = sql<boolean>`exists (select 1 from staff_roles r where r.staff_id = s.id and r.role = 'auditor')`;

/** Staff with the auditor role, active, in the council. */
function auditorsQuery(db: Db, councilId: string) {
  return activeStaffQuery(db, councilId).where(hasAuditorRole);
}

/**
 * Full audits each member of staff has completed: submitted in QA Loop, plus the completed `full`
 * activities of the imported history that name them. The history names its auditor as the
 * spreadsheet wrote them: matched to a member of staff by their staff id, by a worker name already
 * mapped to them, or by their name (case, spacing and punctuation ignored) when only one person has
 * it. Counted in the database, by auditor and by name.
 */
export async function completedFullAudits(db: Db, councilId: string): Promise<Map<string, number>> {
  const [inApp, history, staff, aliases] = await Promise.all([
    db
      .selectFrom('audits')
      .where('council_id', '=', councilId)
      .where('kind', '=', 'full_audit')
      .where('status', '=', 'submitted')
      .where('auditor_id', 'is not', null)
      .select(['auditor_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('auditor_id')
      .execute(),
    db
      .selectFrom('audit_history')
      .where('council_id', '=', councilId)
      .where('activity', '=', 'full')
      .where('status', '=', 'completed')
      .where(sql<string>`nullif(btrim(auditor), '')`, 'is not', null)
      .select(['auditor', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('auditor')
      .execute(),
    db
      .selectFrom('staff')
      .where('council_id', '=', councilId)
      .select(['id', 'name', 'external_id'])
      .execute(),
    db
      .selectFrom('name_aliases')
      .where('council_id', '=', councilId)
      .where('kind', '=', 'worker')
      .where('staff_id', 'is not', null)
      .select(['alias_key', 'staff_id'])
      .execute(),
  ]);
  const counts = new Map<string, number>();
  const add = (staffId: string, n: number) => counts.set(staffId, (counts.get(staffId) ?? 0) + Number(n));
  for (const r of inApp) add(r.auditor_id as string, r.n);

  const byExternalId = new Map(
    staff.filter((s) => s.external_id).map((s) => [(s.external_id as string).toLowerCase(), s.id]),
  );
  const byAlias = new Map(aliases.map((a) => [a.alias_key, a.staff_id as string]));
  const byName = new Map<string, string[]>();
  for (const s of staff) byName.set(nameKey(s.name), [...(byName.get(nameKey(s.name)) ?? []), s.id]);
  for (const h of history) {
    const written = (h.auditor as string).trim();
    const key = nameKey(written);
    const named = byName.get(key);
    const staffId =
      byExternalId.get(written.toLowerCase()) ??
      byAlias.get(key) ??
      (named?.length === 1 ? named[0] : undefined);
    if (staffId) add(staffId, h.n);
  }
  return counts;
}

/** An auditor as the allocation of a cycle sees them. */
export interface PoolAuditor extends AuditorRecord {
  staffId: string;
  name: string;
  email: string | null;
  teamId: string | null;
  /** their own service area, or else their team's */
  serviceAreaId: string | null;
  lineManagerId: string | null;
  /** when they were trained in auditing; null: not trained, never to be allocated */
  trainedOn: IsoDate | null;
  /** audits a month they can take; 0: none this month */
  capacity: number;
  /** audits of the month given to them: allocated, in progress or submitted */
  allocatedThisMonth: number;
  /** full audits they have completed, in QA Loop or in the history */
  completedFullAudits: number;
}

/**
 * Every active member of staff with the auditor role, trained or not, with what allocation needs:
 * their team, service area and line manager (to keep them off their own team's children), training
 * date, capacity, the audits of the month already theirs and the full audits they have completed.
 * Whether they may do dip samples is `mayDoDipSamples(auditor)`.
 */
export async function auditorPool(db: Db, councilId: string, monthId: string): Promise<PoolAuditor[]> {
  const [rows, completed] = await Promise.all([
    auditorsQuery(db, councilId)
      .select((eb) => [
        's.id',
        's.name',
        's.email',
        's.team_id',
        eb.fn.coalesce('s.service_area_id', 't.service_area_id').as('service_area_id'),
        's.line_manager_id',
        's.audit_trained_on',
        's.audit_capacity',
        eb
          .selectFrom('audits as a')
          .whereRef('a.auditor_id', '=', 's.id')
          .where('a.council_id', '=', councilId)
          .where('a.month_id', '=', monthId)
          .where('a.status', 'in', TAKING_CAPACITY)
          .select(eb.fn.countAll<number>().as('n'))
          .as('allocated'),
      ])
      .orderBy(sql`lower(s.name)`)
      .orderBy('s.id')
      .execute(),
    completedFullAudits(db, councilId),
  ]);
  return rows.map((r) => ({
    staffId: r.id,
    name: r.name,
    email: r.email,
    teamId: r.team_id,
    serviceAreaId: r.service_area_id,
    lineManagerId: r.line_manager_id,
    trainedOn: r.audit_trained_on,
    capacity: r.audit_capacity,
    allocatedThisMonth: Number(r.allocated ?? 0),
    completedFullAudits: completed.get(r.id) ?? 0,
  }));
}

/** An auditor as the QA lead's auditors page lists them. */
export interface AuditorSummary extends AuditorRecord {
  staffId: string;
  name: string;
  jobTitle: string;
  team: string | null;
  trainedOn: IsoDate | null;
  capacity: number;
  /** this cycle: audits given to them, those not yet returned, and those returned */
  allocated: number;
  owed: number;
  returned: number;
  completedFullAudits: number;
  trained: boolean;
  mayDoDipSamples: boolean;
  /** why not, when they may not */
  dipSampleBar: string | null;
}

/** The council's auditors with this cycle's audits (none when no cycle is given), by name. */
export async function listAuditors(
  db: Db,
  councilId: string,
  options: { monthId?: string | null; today: IsoDate },
): Promise<AuditorSummary[]> {
  const monthId = options.monthId ?? null;
  const [rows, completed] = await Promise.all([
    auditorsQuery(db, councilId)
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('audits')
            .where('council_id', '=', councilId)
            .where(sql<boolean>`month_id = ${monthId}`)
            .select([
              'auditor_id',
              sql<number>`(count(*) filter (where status in ('allocated','in_progress')))::int`.as('owed'),
              sql<number>`(count(*) filter (where status = 'submitted'))::int`.as('returned'),
            ])
            .groupBy('auditor_id')
            .as('c'),
        (j) => j.onRef('c.auditor_id', '=', 's.id'),
      )
      .select([
        's.id',
        's.name',
        's.job_title',
        't.name as team',
        's.audit_trained_on',
        's.audit_capacity',
        'c.owed',
        'c.returned',
      ])
      .orderBy(sql`lower(s.name)`)
      .orderBy('s.id')
      .execute(),
    completedFullAudits(db, councilId),
  ]);
  return rows.map((r) => {
    const record = { trainedOn: r.audit_trained_on, completedFullAudits: completed.get(r.id) ?? 0 };
    const owed = Number(r.owed ?? 0);
    const returned = Number(r.returned ?? 0);
    return {
      staffId: r.id,
      name: r.name,
      jobTitle: r.job_title,
      team: r.team,
      trainedOn: r.audit_trained_on,
      capacity: r.audit_capacity,
      allocated: owed + returned,
      owed,
      returned,
      completedFullAudits: record.completedFullAudits,
      trained: isTrained(record, options.today),
      mayDoDipSamples: mayDoDipSamples(record, options.today),
      dipSampleBar: dipSampleBar(record, options.today),
    };
  });
}

export interface AuditorDetails {
  staffId: string;
  name: string;
  jobTitle: string;
  team: string | null;
  trainedOn: IsoDate | null;
  capacity: number;
  /** has the auditor role: without it, nobody is allocated audits, whatever their training */
  isAuditor: boolean;
}

/**
 * A member of the council's active staff as an auditor: training and capacity can be recorded
 * before an administrator gives them the auditor role. Undefined when there is no such person.
 */
export async function getAuditor(
  db: Db,
  councilId: string,
  staffId: string,
): Promise<AuditorDetails | undefined> {
  const r = await activeStaffQuery(db, councilId)
    .where('s.id', '=', staffId)
    .select([
      's.id',
      's.name',
      's.job_title',
      't.name as team',
      's.audit_trained_on',
      's.audit_capacity',
      hasAuditorRole.as('is_auditor'),
    ])
    .executeTakeFirst();
  return (
    r && {
      staffId: r.id,
      name: r.name,
      jobTitle: r.job_title,
      team: r.team,
      trainedOn: r.audit_trained_on,
      capacity: r.audit_capacity,
      isAuditor: Boolean(r.is_auditor),
    }
  );
}

/** What the auditor form sends: the training date's three fields and the monthly capacity. */
export interface AuditorSettingsInput {
  'trainedOn-day'?: unknown;
  'trainedOn-month'?: unknown;
  'trainedOn-year'?: unknown;
  capacity?: unknown;
}

export const TRAINED_ON_LABEL = 'The date they were trained';

/** Reads the training date, as the form shows it: the parts to highlight when it is wrong. */
export function readTrainedOn(input: AuditorSettingsInput, today: IsoDate) {
  return parseDateInput(
    { day: input['trainedOn-day'], month: input['trainedOn-month'], year: input['trainedOn-year'] },
    { label: TRAINED_ON_LABEL, notAfter: today },
  );
}

function readCapacity(value: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return { ok: false, message: 'Enter how many audits a month they can take' };
  if (!/^\d+$/.test(text)) {
    return { ok: false, message: 'Enter how many audits a month they can take as a whole number, like 2' };
  }
  const n = Number(text);
  if (n > MAX_CAPACITY) {
    return { ok: false, message: `Audits a month must be between 0 and ${MAX_CAPACITY}` };
  }
  return { ok: true, value: n };
}

/**
 * Records a member of staff's auditor training date (empty: not trained) and monthly capacity, in
 * one transaction.
 * The date must be real and not in the future; the capacity a whole number from 0 to 50.
 */
export async function updateAuditorSettings(
  db: Db,
  councilId: string,
  staffId: string,
  input: AuditorSettingsInput,
  today: IsoDate,
): Promise<{ trainedOn: IsoDate | null; capacity: number }> {
  const trainedOn = readTrainedOn(input, today);
  const capacity = readCapacity(input.capacity);
  const errors: FieldError[] = [];
  if (!trainedOn.ok)
    errors.push({ field: `trainedOn-${firstPart(trainedOn.parts)}`, message: trainedOn.message });
  if (!capacity.ok) errors.push({ field: 'capacity', message: capacity.message });
  if (!trainedOn.ok || !capacity.ok) throw new ValidationError(errors);
  return inTransaction(db, async (trx) => {
    if (!(await getAuditor(trx, councilId, staffId))) throw new NotFoundError('auditor');
    await trx
      .updateTable('staff')
      .set({ audit_trained_on: trainedOn.value, audit_capacity: capacity.value })
      .where('id', '=', staffId)
      .where('council_id', '=', councilId)
      .execute();
    return { trainedOn: trainedOn.value, capacity: capacity.value };
  });
}

function firstPart(parts: DatePart[]): DatePart {
  return (['day', 'month', 'year'] as const).find((p) => parts.includes(p)) ?? 'day';
}
