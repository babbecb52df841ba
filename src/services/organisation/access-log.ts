import type { Db } from '../../data/db.ts';
import type { SignedInUser } from './auth.ts';

export interface RecordView {
  /** what kind of record: 'child', later 'audit', 'escalation' … */
  recordType: string;
  /** the record's id in QA Loop */
  recordId: string;
  /** the child the record is about, so every view of a child can be listed */
  childId: string | null;
  /** why it was opened, in words a person reads in the log */
  reason: string;
  /** the route pattern that showed it (no identifiers) */
  route: string;
}

/** Writes one line to the access log: who viewed which child-level record, when and why. */
export async function recordView(db: Db, user: SignedInUser, view: RecordView): Promise<void> {
  await db
    .insertInto('access_log')
    .values({
      council_id: user.councilId,
      user_id: user.userId,
      staff_id: user.staffId,
      record_type: view.recordType,
      record_id: view.recordId,
      child_id: view.childId,
      reason: view.reason,
      route: view.route,
    })
    .execute();
}

export interface AccessLogEntry {
  viewedAt: Date;
  viewer: string;
  viewerJobTitle: string;
  recordType: string;
  childReference: string | null;
  reason: string;
}

export async function listAccessLog(
  db: Db,
  councilId: string,
  filter: { childId?: string; limit?: number; offset?: number } = {},
): Promise<{ entries: AccessLogEntry[]; total: number }> {
  let q = db
    .selectFrom('access_log as a')
    .innerJoin('staff as s', 's.id', 'a.staff_id')
    .leftJoin('children as c', 'c.id', 'a.child_id')
    .where('a.council_id', '=', councilId);
  if (filter.childId) q = q.where('a.child_id', '=', filter.childId);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select(['a.viewed_at', 's.name', 's.job_title', 'a.record_type', 'c.external_id', 'a.reason'])
    .orderBy('a.viewed_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(filter.limit ?? 50)
    .offset(filter.offset ?? 0)
    .execute();
  return {
    total: Number(total.n),
    entries: rows.map((r) => ({
      viewedAt: r.viewed_at,
      viewer: r.name,
      viewerJobTitle: r.job_title,
      recordType: r.record_type,
      childReference: r.external_id,
      reason: r.reason,
    })),
  };
}
