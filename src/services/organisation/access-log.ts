import type { Db } from '../../data/db.ts';
import { can } from '../../domain/roles.ts';
import type { FieldError } from '../../domain/validation.ts';
import { childIdForReference } from '../case-data/children.ts';
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
  await recordViews(db, user, [view]);
}

/**
 * Writes a line to the access log for each record a page shows (a list of audits, say), all in one
 * statement: the same lines as one recordView each, without a round trip to the database per line.
 */
export async function recordViews(db: Db, user: SignedInUser, views: RecordView[]): Promise<void> {
  if (views.length === 0) return;
  await db
    .insertInto('access_log')
    .values(
      views.map((view) => ({
        council_id: user.councilId,
        user_id: user.userId,
        staff_id: user.staffId,
        record_type: view.recordType,
        record_id: view.recordId,
        child_id: view.childId,
        reason: view.reason,
        route: view.route,
      })),
    )
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

/**
 * One page of the access log as a person may read it: filtered to one child, and with child
 * references, only for people whose roles already let them open children's records (an
 * administrator sees who looked and why, not at whom).
 */
export async function accessLogPage(
  db: Db,
  user: SignedInUser,
  query: { child?: string; page: number; pageSize: number },
) {
  const seesChildren = can(user.roles, 'children.lookup');
  const childId = seesChildren ? query.child : undefined;
  const { entries, total } = await listAccessLog(db, user.councilId, {
    childId,
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return {
    entries: entries.map((e) => ({ ...e, childReference: seesChildren ? e.childReference : null })),
    total,
    pages: Math.max(1, Math.ceil(total / query.pageSize)),
    seesChildren,
    childId,
  };
}

/**
 * The child a case reference names, to filter the access log by; when there is none, why not,
 * with the log's first page to show beside the mistake.
 */
export async function accessLogChild(
  db: Db,
  councilId: string,
  reference: string,
  pageSize: number,
): Promise<{ childId: string } | { error: FieldError; entries: AccessLogEntry[]; total: number }> {
  const childId = reference ? await childIdForReference(db, councilId, reference) : undefined;
  if (childId) return { childId };
  const { entries, total } = await listAccessLog(db, councilId, { limit: pageSize });
  return {
    error: {
      field: 'reference',
      message: reference
        ? `No child with the case reference ${reference} is in the data`
        : 'Enter the child’s case reference',
    },
    entries,
    total,
  };
}
