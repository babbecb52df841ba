import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The council whose data the work in hand may see. The database enforces it: the app's role reads
 * and writes only rows of the council named here (row-level security, migration 0019), so a query
 * that forgets its `where council_id = …` finds nothing of another council's instead of leaking it.
 * Each request, job and command runs inside a scope; db.ts hands the scope to the database with
 * every query or transaction.
 */
export interface CouncilScope {
  /** the council, once known (a request learns it when the signed-in person is loaded) */
  councilId: string | undefined;
  /** set only by acrossCouncils: why this work must see every council */
  acrossCouncils?: string;
}

const scopes = new AsyncLocalStorage<CouncilScope>();

/** Runs fn seeing only the council's rows. */
export function withCouncil<T>(councilId: string, fn: () => T): T {
  return scopes.run({ councilId }, fn);
}

/**
 * Runs fn seeing every council's rows, for the few system paths that must (finding whose session a
 * cookie names, whose account an e-mail address is, which council an import token belongs to).
 * Kept to a short list: search for `acrossCouncils(` to review every use.
 */
export function acrossCouncils<T>(reason: string, fn: () => T): T {
  return scopes.run({ councilId: undefined, acrossCouncils: reason }, fn);
}

/** Runs fn inside a scope that can be filled in later (a request, before it knows who is asking). */
export function runInScope<T>(scope: CouncilScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The scope of the work in hand, if any. */
export function currentScope(): CouncilScope | undefined {
  return scopes.getStore();
}
