import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../../data/db.ts';
import serviceQaEntryRoutes from './entries.ts';
import serviceQaImportRoutes from './import.ts';
import serviceQaServiceRoutes from './services.ts';

/**
 * QA from elsewhere (issue 19, domain.md §4): services' entries (entries.ts), the services and their
 * contributors (services.ts) and the spreadsheet import (import.ts, its own scope for the upload).
 * The quarter's collation is collation.ts, registered on its own.
 */
const serviceQaRoutes: FastifyPluginAsync<{ db: Db; dataDir: string; localPasswords?: boolean }> = async (
  app,
  { db, dataDir, localPasswords = true },
) => {
  await app.register(serviceQaEntryRoutes, { db });
  await app.register(serviceQaServiceRoutes, { db, localPasswords });
  await app.register(serviceQaImportRoutes, { db, dataDir });
};

export default serviceQaRoutes;
