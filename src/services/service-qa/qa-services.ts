/**
 * The services whose QA is collated each quarter: a council starts with the usual list
 * (DEFAULT_QA_SERVICES) and its QA lead extends it.
 */
import type { Db } from '../../data/db.ts';
import { DEFAULT_QA_SERVICES } from '../../domain/service-qa.ts';

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
