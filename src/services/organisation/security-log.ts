import type { Db } from '../../data/db.ts';
import type { SecurityEventKind } from '../../domain/security-events.ts';

export interface SecurityEvent {
  councilId: string;
  kind: SecurityEventKind;
  /** who did it: null for the command line, or the person themselves before they are signed in */
  actorId: string | null;
  /** whose account it concerns */
  subjectId: string | null;
  /** facts for the log (roles, reasons, counts): never a password, token or child's detail */
  detail?: Record<string, unknown>;
}

/** Records events in the security log, in the caller's transaction when `db` is one. */
export async function recordSecurityEvents(db: Db, events: readonly SecurityEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('security_events')
    .values(
      events.map((e) => ({
        council_id: e.councilId,
        kind: e.kind,
        actor_id: e.actorId,
        subject_id: e.subjectId,
        detail: JSON.stringify(e.detail ?? {}),
      })),
    )
    .execute();
}

export function recordSecurityEvent(db: Db, event: SecurityEvent): Promise<void> {
  return recordSecurityEvents(db, [event]);
}
