import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { ExemptionReason } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  type Auditor,
  allocateBalanced,
  type CaseToAllocate,
  explainUnallocated,
  INELIGIBILITY_LABELS,
  type Ineligibility,
  reasonsFor,
  ruleBreach,
} from '../../domain/allocation.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { auditorPool } from './auditors.ts';
import { allocateFootprintAudits } from './footprint.ts';

/**
 * Handing a sample's audits to auditors (domain.md §2, §4): automatically and balanced, within the
 * rules of src/domain/allocation.ts, or one by one by the QA lead; and withdrawing an audit with a
 * reason (an exemption), which is counted and never deleted. Every change is one transaction and
 * is written to allocation_changes. Auditors are told of new audits after the change is saved.
 */

export const EXEMPTION_REASONS: { value: ExemptionReason; text: string }[] = [
  { value: 'case_closed', text: 'Case closed' },
  { value: 'child_moved', text: 'Child moved away' },
  { value: 'auditor_absent', text: 'Auditor absent' },
  { value: 'other', text: 'Other' },
];

/**
 * Telling the auditors of audits just given to them: recorded in the allocation's own transaction,
 * so a message is never lost to a restart and never sent for an allocation that did not happen.
 */
export type AllocationNotifier = (db: Db, councilId: string, auditIds: string[]) => Promise<void>;

async function poolFor(db: Db, councilId: string, monthId: string): Promise<Auditor[]> {
  const pool = await auditorPool(db, councilId, monthId);
  return pool.map((a) => ({
    id: a.staffId,
    name: a.name,
    teamId: a.teamId,
    trainedOn: a.trainedOn,
    capacity: a.capacity,
    allocated: a.allocatedThisMonth,
    completedFullAudits: a.completedFullAudits,
  }));
}

/**
 * Allocations to one cycle's audits run one at a time: an auditor's capacity is for the month,
 * across every sample of it, so two QA leads allocating at once (two samples, or one audit each)
 * must not both give the same auditor their last place. Held until the transaction ends; taken
 * before any audit row is locked, so allocations cannot deadlock on each other.
 */
async function lockCycleAllocation(db: Db, monthId: string) {
  await sql`select pg_advisory_xact_lock(hashtext(${`allocation:${monthId}`}))`.execute(db);
}

/** The cycle an audit of the council belongs to (it never changes), before locking anything. */
async function monthOfAudit(db: Db, councilId: string, auditId: string): Promise<string> {
  const row = await db
    .selectFrom('audits')
    .select('month_id')
    .where('id', '=', auditId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('audit');
  return row.month_id;
}

function asCase(a: {
  id: string;
  kind: CaseToAllocate['kind'];
  team_id: string | null;
  practitioner_id: string | null;
  practitioner_manager_id: string | null;
}): CaseToAllocate {
  return {
    auditId: a.id,
    kind: a.kind,
    teamId: a.team_id,
    practitionerId: a.practitioner_id,
    practitionerManagerId: a.practitioner_manager_id,
  };
}

export interface AutoAllocation {
  allocated: number;
  unallocated: { auditId: string; childRef: string; reason: string }[];
}

/**
 * Allocates every unallocated audit of a sample that the rules allow, balanced across auditors.
 * Audits no auditor may take stay unallocated, each with the reason; when none can be allocated at
 * all, nothing changes and the reason is given as an error.
 */
export async function allocateSample(
  db: Db,
  councilId: string,
  sampleId: string,
  staffId: string,
  notify?: AllocationNotifier,
): Promise<AutoAllocation> {
  const result = await inTransaction(db, async (trx) => {
    const sample = await trx
      .selectFrom('samples')
      .select(['id', 'month_id', 'allow_same_team', 'footprint'])
      .where('id', '=', sampleId)
      .where('council_id', '=', councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!sample) throw new NotFoundError('sample');
    await lockCycleAllocation(trx, sample.month_id);
    // a footprint dip sample's audits go to each reviewing officer's service manager
    if (sample.footprint) {
      const outcome = await allocateFootprintAudits(trx, councilId, sampleId, staffId, notify);
      if (outcome.allocated === 0)
        throw new ValidationError([
          {
            field: 'allocate',
            message: outcome.unallocated.length
              ? `No audit could be allocated, so nothing has changed. ${outcome.unallocated[0].reason}`
              : 'Every audit in this sample is already allocated or exempted',
          },
        ]);
      return outcome;
    }
    const waiting = await trx
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select([
        'a.id',
        'a.kind',
        'a.team_id',
        'a.practitioner_id',
        'a.practitioner_manager_id',
        'c.external_id',
      ])
      .where('a.sample_id', '=', sampleId)
      .where('a.status', '=', 'unallocated')
      .orderBy('a.position')
      .forUpdate('a')
      .execute();
    if (waiting.length === 0)
      throw new ValidationError([
        { field: 'allocate', message: 'Every audit in this sample is already allocated or exempted' },
      ]);
    const auditors = await poolFor(trx, councilId, sample.month_id);
    const rules = { allowSameTeam: sample.allow_same_team };
    const outcome = allocateBalanced(waiting.map(asCase), auditors, rules);
    if (outcome.assignments.size === 0) {
      const totals: Partial<Record<Ineligibility, number>> = {};
      const first = outcome.unallocated[0];
      for (const [reason, n] of Object.entries(first?.reasons ?? {})) totals[reason as Ineligibility] = n;
      throw new ValidationError([
        {
          field: 'allocate',
          message: `No audit could be allocated, so nothing has changed. ${explainUnallocated(totals, auditors.length)}${
            totals.no_capacity ? '. Raise capacities on the Auditors page' : ''
          }${totals.same_team ? ". Or allow auditors to audit their own team's children" : ''}`,
        },
      ]);
    }
    const now = new Date();
    for (const [auditId, auditorId] of outcome.assignments) {
      await trx
        .updateTable('audits')
        .set({
          auditor_id: auditorId,
          status: 'allocated',
          allocated_at: now,
          allocated_by: staffId,
          updated_at: now,
        })
        .where('id', '=', auditId)
        .execute();
    }
    if (outcome.assignments.size)
      await trx
        .insertInto('allocation_changes')
        .values(
          [...outcome.assignments].map(([auditId, auditorId]) => ({
            council_id: councilId,
            audit_id: auditId,
            change: 'allocated' as const,
            to_auditor_id: auditorId,
            changed_by: staffId,
            note: 'Allocated automatically',
          })),
        )
        .execute();
    if (notify) await notify(trx, councilId, [...outcome.assignments.keys()]);
    const refs = new Map(waiting.map((w) => [w.id, w.external_id]));
    return {
      allocated: outcome.assignments.size,
      unallocated: outcome.unallocated.map((u) => ({
        auditId: u.auditId,
        childRef: refs.get(u.auditId) ?? '',
        reason: explainUnallocated(u.reasons, auditors.length),
      })),
    };
  });
  return { allocated: result.allocated, unallocated: result.unallocated };
}

/** The council's audits with what the allocation rules need to know of them. */
function auditsQuery(db: Db, councilId: string) {
  return db
    .selectFrom('audits as a')
    .leftJoin('samples as s', 's.id', 'a.sample_id')
    .select([
      'a.id',
      'a.month_id',
      'a.kind',
      'a.status',
      'a.auditor_id',
      'a.team_id',
      'a.practitioner_id',
      'a.practitioner_manager_id',
      's.allow_same_team',
    ])
    .where('a.council_id', '=', councilId);
}

/** One of the council's audits, locked for the rest of the transaction. */
async function lockAudit(db: Db, councilId: string, auditId: string) {
  const audit = await auditsQuery(db, councilId)
    .where('a.id', '=', auditId)
    .forUpdate('a')
    .executeTakeFirst();
  if (!audit) throw new NotFoundError('audit');
  return audit;
}

/** One of the council's audits, to read (pages): nothing is locked. */
async function readAudit(db: Db, councilId: string, auditId: string) {
  const audit = await auditsQuery(db, councilId).where('a.id', '=', auditId).executeTakeFirst();
  if (!audit) throw new NotFoundError('audit');
  return audit;
}

export interface AuditorChoice {
  id: string;
  name: string;
  load: string;
  /** why they may not take this audit; null when they may */
  reason: string | null;
}

/** Every auditor, with whether they may take this audit and why not. */
export async function auditorChoices(db: Db, councilId: string, auditId: string): Promise<AuditorChoice[]> {
  const audit = await readAudit(db, councilId, auditId);
  const auditors = await poolFor(db, councilId, audit.month_id);
  const c = asCase(audit);
  const rules = { allowSameTeam: audit.allow_same_team ?? false };
  return auditors
    .map((a) => {
      const mine = a.id === audit.auditor_id;
      const breach =
        ruleBreach(a, c, rules) ?? (!mine && a.allocated >= a.capacity ? ('no_capacity' as const) : null);
      return {
        id: a.id,
        name: a.name,
        load: `${a.allocated} of ${a.capacity} this month`,
        reason: breach ? INELIGIBILITY_LABELS[breach] : null,
      };
    })
    .sort((a, b) => Number(a.reason !== null) - Number(b.reason !== null) || a.name.localeCompare(b.name));
}

const changeSchema = z.object({
  auditorId: z.uuid({ message: 'Choose an auditor' }),
  note: z.string().trim().max(500, 'The note must be 500 characters or fewer').default(''),
});

/** The QA lead gives one audit to a named auditor (or moves it), within the same rules. */
export async function allocateAudit(
  db: Db,
  councilId: string,
  auditId: string,
  staffId: string,
  input: unknown,
  notify?: AllocationNotifier,
): Promise<void> {
  const parsed = changeSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'auditorId'), message: i.message })),
    );
  const { auditorId, note } = parsed.data;
  await inTransaction(db, async (trx) => {
    await lockCycleAllocation(trx, await monthOfAudit(trx, councilId, auditId));
    const audit = await lockAudit(trx, councilId, auditId);
    if (audit.status === 'submitted' || audit.status === 'exempted')
      throw new ValidationError([
        {
          field: 'auditorId',
          message:
            audit.status === 'submitted'
              ? 'This audit has been returned: it cannot be moved'
              : 'This audit is exempted: reinstate it before allocating it',
        },
      ]);
    if (audit.auditor_id === auditorId)
      throw new ValidationError([{ field: 'auditorId', message: 'The audit is already with that auditor' }]);
    const auditors = await poolFor(trx, councilId, audit.month_id);
    const auditor = auditors.find((a) => a.id === auditorId);
    if (!auditor)
      throw new ValidationError([{ field: 'auditorId', message: 'Choose one of the auditors listed' }]);
    const breach =
      ruleBreach(auditor, asCase(audit), { allowSameTeam: audit.allow_same_team ?? false }) ??
      (auditor.allocated >= auditor.capacity ? ('no_capacity' as const) : null);
    if (breach)
      throw new ValidationError([
        {
          field: 'auditorId',
          message: `${auditor.name} cannot take this audit: ${INELIGIBILITY_LABELS[breach]}`,
        },
      ]);
    const now = new Date();
    await trx
      .updateTable('audits')
      .set({
        auditor_id: auditorId,
        status: audit.status === 'in_progress' ? 'in_progress' : 'allocated',
        allocated_at: now,
        allocated_by: staffId,
        updated_at: now,
      })
      .where('id', '=', auditId)
      .execute();
    await trx
      .insertInto('allocation_changes')
      .values({
        council_id: councilId,
        audit_id: auditId,
        change: audit.auditor_id ? 'reallocated' : 'allocated',
        from_auditor_id: audit.auditor_id,
        to_auditor_id: auditorId,
        note: note || null,
        changed_by: staffId,
      })
      .execute();
    if (notify) await notify(trx, councilId, [auditId]);
  });
}

const exemptionSchema = z
  .object({
    reason: z.enum(['case_closed', 'child_moved', 'auditor_absent', 'other'], {
      message: 'Choose why the audit is exempted',
    }),
    note: z.string().trim().max(500, 'The reason must be 500 characters or fewer').default(''),
  })
  .superRefine((v, ctx) => {
    if (v.reason === 'other' && !v.note)
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'Say why the audit is exempted' });
  });

/** Withdraws an audit with a recorded reason; it stays, counted as exempted. */
export async function exemptAudit(
  db: Db,
  councilId: string,
  auditId: string,
  staffId: string,
  input: unknown,
) {
  const parsed = exemptionSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'reason'), message: i.message })),
    );
  await inTransaction(db, async (trx) => {
    const audit = await lockAudit(trx, councilId, auditId);
    if (audit.status === 'exempted')
      throw new ValidationError([{ field: 'reason', message: 'This audit is already exempted' }]);
    if (audit.status === 'submitted')
      throw new ValidationError([
        { field: 'reason', message: 'This audit has been returned: it cannot be exempted' },
      ]);
    const now = new Date();
    await trx
      .updateTable('audits')
      .set({
        status: 'exempted',
        exemption_reason: parsed.data.reason,
        exemption_note: parsed.data.note || null,
        exempted_by: staffId,
        exempted_at: now,
        updated_at: now,
      })
      .where('id', '=', auditId)
      .execute();
    await trx
      .insertInto('allocation_changes')
      .values({
        council_id: councilId,
        audit_id: auditId,
        change: 'exempted',
        from_auditor_id: audit.auditor_id,
        note: [EXEMPTION_REASONS.find((r) => r.value === parsed.data.reason)?.text, parsed.data.note]
          .filter(Boolean)
          .join(': '),
        changed_by: staffId,
      })
      .execute();
  });
}

/**
 * Undoes an exemption made in error: the audit goes back to its auditor when they may still take
 * it (the rules, and a place left in their month, since the exemption freed theirs), or else to be
 * allocated. Resolves to the auditor it is with again, or null.
 */
export async function reinstateAudit(
  db: Db,
  councilId: string,
  auditId: string,
  staffId: string,
): Promise<{ auditorId: string | null }> {
  return inTransaction(db, async (trx) => {
    // reinstated with its auditor, the audit takes up a place in their month again
    await lockCycleAllocation(trx, await monthOfAudit(trx, councilId, auditId));
    const audit = await lockAudit(trx, councilId, auditId);
    if (audit.status !== 'exempted')
      throw new ValidationError([
        { field: 'reinstate', message: 'Only an exempted audit can be reinstated' },
      ]);
    let auditorId = audit.auditor_id;
    if (auditorId) {
      const auditor = (await poolFor(trx, councilId, audit.month_id)).find((a) => a.id === auditorId);
      const mayTake =
        auditor !== undefined &&
        ruleBreach(auditor, asCase(audit), { allowSameTeam: audit.allow_same_team ?? false }) === null &&
        auditor.allocated < auditor.capacity;
      if (!mayTake) auditorId = null;
    }
    await trx
      .updateTable('audits')
      .set({
        status: auditorId ? 'allocated' : 'unallocated',
        auditor_id: auditorId,
        exemption_reason: null,
        exemption_note: null,
        exempted_by: null,
        exempted_at: null,
        updated_at: new Date(),
      })
      .where('id', '=', auditId)
      .execute();
    await trx
      .insertInto('allocation_changes')
      .values({
        council_id: councilId,
        audit_id: auditId,
        change: 'reinstated',
        from_auditor_id: auditorId === audit.auditor_id ? null : audit.auditor_id,
        to_auditor_id: auditorId,
        note:
          auditorId === audit.auditor_id
            ? null
            : 'Waiting to be allocated: its auditor can no longer take it this month',
        changed_by: staffId,
      })
      .execute();
    return { auditorId };
  });
}

/** The audits of a sample with what the QA lead needs to allocate them: references, never names. */
export async function sampleAudits(db: Db, councilId: string, sampleId: string) {
  return db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('staff as p', 'p.id', 'a.practitioner_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .select([
      'a.id',
      'a.position',
      'a.stratum',
      'a.status',
      'a.kind',
      'a.due_on',
      'a.exemption_reason',
      'a.exemption_note',
      'c.id as child_id',
      'c.external_id as child_ref',
      't.name as team',
      'p.name as practitioner',
      'au.name as auditor',
    ])
    .where('a.sample_id', '=', sampleId)
    .where('a.council_id', '=', councilId)
    .orderBy('a.position')
    .execute();
}

/**
 * What is true of each of the council's audits named that waits for an auditor, for the sample
 * page: how many auditors could take it now, or, when nobody can, why not. The auditors of each
 * cycle are read once, however many audits are explained.
 */
export async function whyEachUnallocated(
  db: Db,
  councilId: string,
  auditIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (auditIds.length === 0) return out;
  const rows = await auditsQuery(db, councilId)
    .where('a.id', 'in', [...auditIds])
    .execute();
  const pools = new Map<string, Auditor[]>();
  for (const audit of rows) {
    let auditors = pools.get(audit.month_id);
    if (!auditors) {
      auditors = await poolFor(db, councilId, audit.month_id);
      pools.set(audit.month_id, auditors);
    }
    const reasons = reasonsFor(asCase(audit), auditors, { allowSameTeam: audit.allow_same_team ?? false });
    const ruledOut = Object.values(reasons).reduce((n, k) => n + (k ?? 0), 0);
    const could = auditors.length - ruledOut;
    out.set(
      audit.id,
      could > 0
        ? `${could} of ${auditors.length} ${auditors.length === 1 ? 'auditor' : 'auditors'} could take it`
        : explainUnallocated(reasons, auditors.length),
    );
  }
  return out;
}
