/**
 * The services whose QA is collated each quarter: a council starts with the usual list
 * (DEFAULT_QA_SERVICES) and its QA lead extends it.
 */
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { DEFAULT_QA_SERVICES } from '../../domain/service-qa.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';

/** Gives a new council the usual services; adding them again adds none. */
export async function installQaServices(db: Db, councilId: string): Promise<void> {
  await db
    .insertInto('qa_services')
    .values(
      DEFAULT_QA_SERVICES.map((s, i) => ({
        council_id: councilId,
        key: s.key,
        name: s.name,
        grades: s.grades,
        position: i + 1,
      })),
    )
    .onConflict((oc) => oc.columns(['council_id', 'key']).doNothing())
    .execute();
}

export interface QaServiceRow {
  id: string;
  key: string;
  name: string;
  grades: boolean;
  active: boolean;
  position: number;
}

/** The council's services, in their order; retired ones only when asked for. */
export async function listQaServices(
  db: Db,
  councilId: string,
  options: { includeRetired?: boolean } = {},
): Promise<QaServiceRow[]> {
  let q = db
    .selectFrom('qa_services')
    .select(['id', 'key', 'name', 'grades', 'active', 'position'])
    .where('council_id', '=', councilId);
  if (!options.includeRetired) q = q.where('active', '=', true);
  return q.orderBy('active', 'desc').orderBy('position').orderBy('name').execute();
}

export async function getQaService(db: Db, councilId: string, serviceId: string): Promise<QaServiceRow> {
  const row = await db
    .selectFrom('qa_services')
    .select(['id', 'key', 'name', 'grades', 'active', 'position'])
    .where('council_id', '=', councilId)
    .where('id', '=', serviceId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('service');
  return row;
}

export const MAX_SERVICE_NAME = 120;

const serviceSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'Enter the name of the service' })
    .max(MAX_SERVICE_NAME, { message: `The name must be ${MAX_SERVICE_NAME} characters or fewer` }),
  grades: z.enum(['yes', 'no'], { message: 'Select whether the service grades what it reviews' }),
});

/** A key for a new service from its name: lower case with underscores, unique in the council. */
function keyFor(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 34) || 'service';
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
  return key;
}

/**
 * Adds a service (`serviceId` absent) or renames one and says whether it grades. Names are unique
 * in the council whatever their case. Returns the service's id.
 */
export async function saveQaService(
  db: Db,
  councilId: string,
  input: { name: string; grades: string },
  serviceId?: string,
): Promise<string> {
  const checked = validate(serviceSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const { name } = checked.value;
  const grades = checked.value.grades === 'yes';
  return inTransaction(db, async (trx) => {
    const all = await listQaServices(trx, councilId, { includeRetired: true });
    if (serviceId && !all.some((s) => s.id === serviceId)) throw new NotFoundError('service');
    const clash = all.find((s) => s.id !== serviceId && s.name.toLowerCase() === name.toLowerCase());
    if (clash)
      throw new ValidationError([
        {
          field: 'name',
          message: `There is already a service called ${clash.name}${clash.active ? '' : ' (retired: restore it instead)'}`,
        },
      ]);
    if (serviceId) {
      await trx
        .updateTable('qa_services')
        .set({ name, grades })
        .where('council_id', '=', councilId)
        .where('id', '=', serviceId)
        .execute();
      return serviceId;
    }
    const row = await trx
      .insertInto('qa_services')
      .values({
        council_id: councilId,
        key: keyFor(name, new Set(all.map((s) => s.key))),
        name,
        grades,
        position: Math.max(0, ...all.map((s) => s.position)) + 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** Retires a service (its entries are kept; it takes no new ones) or restores it. */
export async function setQaServiceActive(
  db: Db,
  councilId: string,
  serviceId: string,
  active: boolean,
): Promise<QaServiceRow> {
  const result = await db
    .updateTable('qa_services')
    .set({ active })
    .where('council_id', '=', councilId)
    .where('id', '=', serviceId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('service');
  return getQaService(db, councilId, serviceId);
}

/** The services page: each service with how many contributors and entries it has. */
export async function qaServicesPage(db: Db, councilId: string) {
  const services = await listQaServices(db, councilId, { includeRetired: true });
  const contributors = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'service_contributor'),
    )
    .select(['s.qa_service_id as serviceId', (eb) => eb.fn.countAll<number>().as('n')])
    .where('s.council_id', '=', councilId)
    .where('s.qa_service_id', 'is not', null)
    .groupBy('s.qa_service_id')
    .execute();
  const entries = await db
    .selectFrom('service_qa_entries')
    .select(['service_id as serviceId', (eb) => eb.fn.countAll<number>().as('n')])
    .where('council_id', '=', councilId)
    .groupBy('service_id')
    .execute();
  const count = (rows: { serviceId: string | null; n: number | string }[], id: string) =>
    Number(rows.find((r) => r.serviceId === id)?.n ?? 0);
  return services.map((s) => ({
    ...s,
    contributors: count(contributors, s.id),
    entries: count(entries, s.id),
  }));
}
