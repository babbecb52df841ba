/**
 * A service's named QA contributors (domain.md §2, §4): people who hold the role
 * `service_contributor` and belong to the service (staff.qa_service_id). The QA lead adds one: a new
 * account (e-mailed a link to sign in for the first time, as other new accounts are) or an existing
 * person of the council given the role and the service. Removing a contributor takes the role and
 * the service away; the person and what they entered stay.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { Role } from '../../domain/roles.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { addPerson } from '../organisation/people.ts';
import { requestRoles } from '../organisation/role-grants.ts';
import { sendSignInLink } from '../organisation/sign-in-links.ts';
import { getQaService } from './qa-services.ts';

export interface Contributor {
  staffId: string;
  name: string;
  email: string | null;
  jobTitle: string | null;
  entries: number;
}

/** The service's contributors, by name, with how many entries each has made. */
export async function serviceContributors(
  db: Db,
  councilId: string,
  serviceId: string,
): Promise<Contributor[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'service_contributor'),
    )
    .select(['s.id as staffId', 's.name', 's.email', 's.job_title as jobTitle'])
    .select((eb) =>
      eb
        .selectFrom('service_qa_entries as e')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('e.contributor_id', '=', 's.id')
        .where('e.service_id', '=', serviceId)
        .as('entries'),
    )
    .where('s.council_id', '=', councilId)
    .where('s.qa_service_id', '=', serviceId)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ ...r, entries: Number(r.entries ?? 0) }));
}

export interface NewContributor {
  name: string;
  email: string;
  jobTitle: string;
}

async function rolesOf(db: Db, staffId: string): Promise<Role[]> {
  return (await db.selectFrom('staff_roles').select('role').where('staff_id', '=', staffId).execute()).map(
    (r) => r.role,
  );
}

/**
 * Adds a contributor to a service. An email address already held by a person of the council gives
 * that person the role and the service (moving them from another service, if they had one); any
 * other address makes a new account with only this role, e-mailed a link to sign in when the
 * council signs in with passwords.
 */
export async function addContributor(
  db: Db,
  queue: JobQueue | null,
  input: {
    councilId: string;
    serviceId: string;
    person: NewContributor;
    addedBy: string;
    /** false when the council signs in only through its own provider: no link is sent */
    sendLink?: boolean;
  },
): Promise<{ staffId: string; name: string; created: boolean }> {
  const { councilId, serviceId, addedBy } = input;
  const email = input.person.email.trim();
  return inTransaction(db, async (trx) => {
    const service = await getQaService(trx, councilId, serviceId);
    if (!service.active)
      throw new ValidationError([
        { field: 'email', message: 'Restore the service before adding contributors to it' },
      ]);
    const existing = email
      ? await trx
          .selectFrom('user_accounts as u')
          .innerJoin('staff as s', 's.id', 'u.staff_id')
          .select(['u.council_id as councilId', 's.id as staffId', 's.name', 's.qa_service_id as serviceId'])
          .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
          .executeTakeFirst()
      : undefined;
    if (existing && existing.councilId !== councilId)
      throw new ValidationError([
        { field: 'email', message: 'Someone already has an account with this email address' },
      ]);
    if (existing) {
      const held = await rolesOf(trx, existing.staffId);
      if (held.includes('service_contributor') && existing.serviceId === serviceId)
        throw new ValidationError([
          { field: 'email', message: `${existing.name} is already a contributor for this service` },
        ]);
      await requestRoles(trx, {
        councilId,
        staffId: existing.staffId,
        roles: [...new Set<Role>([...held, 'service_contributor'])],
        requestedBy: addedBy,
        source: 'administrator',
        queue,
      });
      await trx
        .updateTable('staff')
        .set({ qa_service_id: serviceId })
        .where('council_id', '=', councilId)
        .where('id', '=', existing.staffId)
        .execute();
      return { staffId: existing.staffId, name: existing.name, created: false };
    }
    const added = await addPerson(
      trx,
      councilId,
      { name: input.person.name, email, jobTitle: input.person.jobTitle, roles: ['service_contributor'] },
      { grant: { requestedBy: addedBy, source: 'administrator', queue } },
    );
    await trx
      .updateTable('staff')
      .set({ qa_service_id: serviceId })
      .where('council_id', '=', councilId)
      .where('id', '=', added.staffId)
      .execute();
    if (input.sendLink !== false)
      await sendSignInLink(trx, queue, { councilId, staffId: added.staffId, sentBy: addedBy });
    return { staffId: added.staffId, name: input.person.name.trim(), created: true };
  });
}

/** Takes the contributor role and the service from a person of the service; the person stays. */
export async function removeContributor(
  db: Db,
  queue: JobQueue | null,
  input: { councilId: string; serviceId: string; staffId: string; removedBy: string },
): Promise<{ name: string }> {
  const { councilId, serviceId, staffId } = input;
  return inTransaction(db, async (trx) => {
    const person = await trx
      .selectFrom('staff')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .where('id', '=', staffId)
      .where('qa_service_id', '=', serviceId)
      .executeTakeFirst();
    if (!person) throw new NotFoundError('contributor');
    const held = await rolesOf(trx, staffId);
    if (held.includes('service_contributor'))
      await requestRoles(trx, {
        councilId,
        staffId,
        roles: held.filter((r) => r !== 'service_contributor'),
        requestedBy: input.removedBy,
        source: 'administrator',
        queue,
      });
    await trx
      .updateTable('staff')
      .set({ qa_service_id: null })
      .where('council_id', '=', councilId)
      .where('id', '=', staffId)
      .execute();
    return { name: person.name };
  });
}
