import type { Db } from '../../data/db.ts';
import { REVIEWING_OFFICER_LABELS, type ReviewingOfficerKind } from '../../domain/reviewing-officers.ts';

/**
 * A footprint dip sample's audits (domain.md §12): each looks at an independent reviewing officer's
 * or child protection adviser's work on a child's file, and goes to that officer's service manager
 * (their line manager in QA Loop), not through the balanced allocation to auditors. An audit whose
 * officer has no manager to give it to stays unallocated with the reason, for the QA lead to act on.
 * Runs inside the caller's transaction (the draw's, or the sample's allocation).
 */

export interface FootprintOutcome {
  allocated: number;
  unallocated: { auditId: string; childRef: string; reason: string }[];
}

interface Waiting {
  id: string;
  external_id: string;
  officer_id: string | null;
  officer: string | null;
  officer_active: boolean | null;
  manager_id: string | null;
  manager: string | null;
  manager_active: boolean | null;
  footprint: ReviewingOfficerKind | null;
}

/** The unallocated audits of a sample (or the ones given), with their officer and the officer's manager. */
function waitingAudits(
  db: Db,
  councilId: string,
  where: { sampleId: string } | { auditIds: readonly string[] },
) {
  let q = db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('samples as s', 's.id', 'a.sample_id')
    .leftJoin('staff as o', (j) =>
      j.onRef('o.id', '=', 'a.reviewing_officer_id').on('o.council_id', '=', councilId),
    )
    .leftJoin('staff as m', (j) =>
      j.onRef('m.id', '=', 'o.line_manager_id').on('m.council_id', '=', councilId),
    )
    .select([
      'a.id',
      'c.external_id',
      'o.id as officer_id',
      'o.name as officer',
      'o.active as officer_active',
      'm.id as manager_id',
      'm.name as manager',
      'm.active as manager_active',
      's.footprint',
    ])
    .where('a.council_id', '=', councilId)
    .where('a.status', '=', 'unallocated')
    .where('s.footprint', 'is not', null);
  q =
    'sampleId' in where
      ? q.where('a.sample_id', '=', where.sampleId)
      : q.where('a.id', 'in', [...where.auditIds]);
  return q.orderBy('a.position').execute() as Promise<Waiting[]>;
}

/** Who the audit goes to, or why nobody can take it, in words a QA lead can act on. */
function managerOf(a: Waiting): { managerId: string } | { reason: string } {
  const officerWord = a.footprint ? REVIEWING_OFFICER_LABELS[a.footprint].toLowerCase() : 'reviewing officer';
  if (!a.officer_id)
    return {
      reason: `The ${officerWord} in the extract is not matched to anyone in QA Loop: add them on the People page (or map their name on the Case data page), then allocate again`,
    };
  if (!a.manager_id)
    return {
      reason: `${a.officer} has no line manager recorded: record their service manager on the People page, then allocate again`,
    };
  if (!a.manager_active)
    return {
      reason: `${a.officer}’s line manager, ${a.manager}, has left: record their new service manager on the People page, then allocate again`,
    };
  return { managerId: a.manager_id };
}

/**
 * Gives each unallocated audit of a footprint sample to its officer's service manager, writing each
 * change to allocation_changes; those that cannot be given stay unallocated, each with the reason.
 */
export async function allocateFootprintAudits(
  trx: Db,
  councilId: string,
  sampleId: string,
  staffId: string,
  notify?: (trx: Db, councilId: string, auditIds: string[]) => Promise<void>,
): Promise<FootprintOutcome> {
  const waiting = await waitingAudits(trx, councilId, { sampleId });
  const now = new Date();
  const given: { auditId: string; managerId: string }[] = [];
  const unallocated: FootprintOutcome['unallocated'] = [];
  for (const a of waiting) {
    const to = managerOf(a);
    if ('reason' in to) unallocated.push({ auditId: a.id, childRef: a.external_id, reason: to.reason });
    else given.push({ auditId: a.id, managerId: to.managerId });
  }
  for (const g of given)
    await trx
      .updateTable('audits')
      .set({
        auditor_id: g.managerId,
        status: 'allocated',
        allocated_at: now,
        allocated_by: staffId,
        updated_at: now,
      })
      .where('id', '=', g.auditId)
      .where('council_id', '=', councilId)
      .execute();
  if (given.length) {
    await trx
      .insertInto('allocation_changes')
      .values(
        given.map((g) => ({
          council_id: councilId,
          audit_id: g.auditId,
          change: 'allocated' as const,
          to_auditor_id: g.managerId,
          changed_by: staffId,
          note: 'Allocated to the reviewing officer’s service manager',
        })),
      )
      .execute();
    if (notify)
      await notify(
        trx,
        councilId,
        given.map((g) => g.auditId),
      );
  }
  return { allocated: given.length, unallocated };
}

/** Why each of the footprint audits given is not allocated: their officer's missing manager. */
export async function whyFootprintUnallocated(
  db: Db,
  councilId: string,
  auditIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (auditIds.length === 0) return out;
  for (const a of await waitingAudits(db, councilId, { auditIds })) {
    const to = managerOf(a);
    out.set(a.id, 'reason' in to ? to.reason : `${a.manager} (${a.officer}’s line manager) can take it`);
  }
  return out;
}

/** The reviewing officer of each of a sample's audits, by audit: for the sample's page. */
export async function reviewingOfficersOfSample(db: Db, councilId: string, sampleId: string) {
  const rows = await db
    .selectFrom('audits as a')
    .leftJoin('staff as o', (j) =>
      j.onRef('o.id', '=', 'a.reviewing_officer_id').onRef('o.council_id', '=', 'a.council_id'),
    )
    .select(['a.id', 'o.name'])
    .where('a.council_id', '=', councilId)
    .where('a.sample_id', '=', sampleId)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name ?? 'Not matched to anyone in QA Loop']));
}
