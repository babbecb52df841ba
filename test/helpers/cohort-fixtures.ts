import type { Db } from '../../src/data/db.ts';
import { inTransaction } from '../../src/data/transaction.ts';
import type { EpisodeKind } from '../../src/domain/child-status.ts';
import { SnapshotWriter } from '../../src/import/snapshot-writer.ts';
import { ImportTally } from '../../src/import/types.ts';
import { snapshotOfDate } from '../../src/services/case-data/snapshots.ts';

/** An invented child as a snapshot tells them: who they are, where their case is, what happened. */
export interface FixtureChild {
  ref: string;
  dateOfBirth?: string | null;
  ethnicity?: string | null;
  disability?: boolean;
  uasc?: boolean;
  family?: string;
  /** the team (and worker) holding the case; none means nobody holds it */
  teamId?: string | null;
  staffId?: string | null;
  allocatedFrom?: string | null;
  allocatedTo?: string | null;
  episodes?: {
    kind: EpisodeKind;
    start: string;
    end?: string | null;
    detail?: string | null;
    attributes?: Record<string, string | number | boolean | null>;
  }[];
  placements?: { start: string; end?: string | null; type?: string | null; provider?: string | null }[];
}

const SOURCE = 'fixture';

/**
 * Writes invented children into the snapshot of `asOf` through the snapshot writer, as an import
 * would; replaces what an earlier call wrote into the same snapshot. Returns the snapshot's id.
 */
export async function writeFixtureSnapshot(
  db: Db,
  councilId: string,
  asOf: string,
  children: readonly FixtureChild[],
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const snapshotId = await snapshotOfDate(trx, councilId, asOf);
    const writer = new SnapshotWriter(trx, { councilId, snapshotId, tally: new ImportTally() });
    await writer.beginSource(SOURCE);
    const at = { file: 'fixture', row: 0 };
    for (const c of children) {
      await writer.child(
        SOURCE,
        {
          ref: c.ref,
          dateOfBirth: c.dateOfBirth ?? null,
          ethnicity: c.ethnicity ?? null,
          disability: c.disability ?? false,
          uasc: c.uasc ?? false,
        },
        at,
      );
    }
    await writer.flush();
    for (const c of children) {
      if (c.family) await writer.family(SOURCE, { childRef: c.ref, familyRef: c.family }, at);
      if (c.teamId || c.staffId)
        await writer.allocation(
          SOURCE,
          {
            childRef: c.ref,
            teamId: c.teamId ?? null,
            staffId: c.staffId ?? null,
            startDate: c.allocatedFrom ?? null,
            endDate: c.allocatedTo ?? null,
          },
          at,
        );
      for (const e of c.episodes ?? [])
        await writer.episode(
          SOURCE,
          {
            childRef: c.ref,
            kind: e.kind,
            startDate: e.start,
            endDate: e.end ?? null,
            detail: e.detail ?? null,
            attributes: e.attributes,
          },
          at,
        );
      for (const p of c.placements ?? [])
        await writer.placement(
          SOURCE,
          {
            childRef: c.ref,
            startDate: p.start,
            endDate: p.end ?? null,
            placementType: p.type ?? null,
            provider: p.provider ?? null,
          },
          at,
        );
    }
    await writer.flush();
    return snapshotId;
  });
}

/** A programme month of the council (and its year), for audits to belong to. */
export async function programmeMonth(db: Db, councilId: string, month: string): Promise<string> {
  const existing = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('month', '=', month)
    .executeTakeFirst();
  if (existing) return existing.id;
  const year = await db
    .insertInto('programme_years')
    .values({ council_id: councilId, starts_on: month, ends_on: month, name: `Year of ${month}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('programme_months')
    .values({ council_id: councilId, year_id: year.id, month, phases: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An audit of a child in a month: submitted unless said otherwise. */
export async function recordAudit(
  db: Db,
  councilId: string,
  childRef: string,
  month: string,
  status: 'submitted' | 'exempted' | 'unallocated' = 'submitted',
): Promise<void> {
  const child = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', childRef)
    .executeTakeFirstOrThrow();
  const monthId = await programmeMonth(db, councilId, month);
  const auditor =
    status === 'submitted'
      ? (
          await db
            .insertInto('staff')
            .values({ council_id: councilId, name: `Auditor of ${childRef}`, job_title: 'Team Manager' })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id
      : null;
  await db
    .insertInto('audits')
    .values({
      council_id: councilId,
      month_id: monthId,
      child_id: child.id,
      kind: 'full_audit',
      status,
      auditor_id: auditor,
      exemption_reason: status === 'exempted' ? 'case_closed' : null,
      submitted_at: status === 'submitted' ? new Date() : null,
    })
    .execute();
}

/** A row of an imported audit history: an audit of a child (by reference) in a month. */
export async function recordAuditHistory(
  db: Db,
  councilId: string,
  childRef: string,
  month: string,
  status: 'completed' | 'exempted' | 'allocated' = 'completed',
): Promise<void> {
  const imported = await db
    .insertInto('imports')
    .values({
      council_id: councilId,
      format: 'audit-history',
      as_of: month,
      file_name: 'history.csv',
      source: 'command',
      finished_at: new Date(),
      rows_read: 1,
      rows_accepted: 1,
      rows_rejected: 0,
      errors: '[]',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('audit_history')
    .values({
      council_id: councilId,
      import_id: imported.id,
      audit_ref: `A-${childRef}-${month}`,
      child_ref: childRef,
      month,
      activity: 'full',
      status,
      exemption_reason: status === 'exempted' ? 'Case closed' : null,
      scale: 'four_point',
      section_grades: '{}',
    })
    .execute();
}
