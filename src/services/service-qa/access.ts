/**
 * Who may see and change which services' QA entries (domain.md §2, §4): the QA lead every
 * service's; a service's QA contributor only their own service's (staff.qa_service_id), and
 * nothing at all while they have no service. The role opens the pages; this decides the records.
 */
import type { Db } from '../../data/db.ts';
import { can, type Role } from '../../domain/roles.ts';

/** Refused: the entry or service is not the person's to see or change. Answered with 403. */
export class ServiceQaAccessError extends Error {
  statusCode = 403;
  constructor(
    message = 'This is another service’s QA: you can only see and change your own service’s entries',
  ) {
    super(message);
  }
}

/** Someone using the service QA pages: their staff record and roles. */
export interface ServiceQaPerson {
  councilId: string;
  staffId: string;
  roles: readonly Role[];
}

/** What a person may see: every service (the QA lead), one service, or none yet. */
export type ServiceQaScope =
  | { kind: 'all' }
  | { kind: 'service'; serviceId: string; serviceName: string; grades: boolean; active: boolean }
  | { kind: 'none' };

export async function serviceQaScope(db: Db, person: ServiceQaPerson): Promise<ServiceQaScope> {
  if (can(person.roles, 'serviceQa.manage')) return { kind: 'all' };
  if (!person.roles.includes('service_contributor')) return { kind: 'none' };
  const row = await db
    .selectFrom('staff as s')
    .innerJoin('qa_services as q', (j) =>
      j.onRef('q.id', '=', 's.qa_service_id').onRef('q.council_id', '=', 's.council_id'),
    )
    .select(['q.id', 'q.name', 'q.grades', 'q.active'])
    .where('s.id', '=', person.staffId)
    .where('s.council_id', '=', person.councilId)
    .executeTakeFirst();
  return row
    ? { kind: 'service', serviceId: row.id, serviceName: row.name, grades: row.grades, active: row.active }
    : { kind: 'none' };
}

/** Whether the scope covers a service's entries. */
export function coversService(scope: ServiceQaScope, serviceId: string): boolean {
  return scope.kind === 'all' || (scope.kind === 'service' && scope.serviceId === serviceId);
}

/** Refuses (403) unless the scope covers the service. */
export function mustCoverService(scope: ServiceQaScope, serviceId: string): void {
  if (!coversService(scope, serviceId)) throw new ServiceQaAccessError();
}
