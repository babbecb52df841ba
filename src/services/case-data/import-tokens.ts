import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';

/** Every import token starts with this, so one found in a log or a script is recognised for what it is. */
export const TOKEN_PREFIX = 'qlt_';

/** qlt_ and 32 random bytes in base64url (43 characters). */
const TOKEN_PATTERN = /^qlt_[A-Za-z0-9_-]{43}$/;

/** The SHA-256 of a token, in hex: all QA Loop keeps of it. */
export function hashImportToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface ImportTokenListing {
  id: string;
  name: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** Who is sending an import through the HTTP endpoint: the token's council and its name. */
export interface ImportTokenIdentity {
  tokenId: string;
  councilId: string;
  name: string;
}

const tokenSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the token' })
    .trim()
    .min(1, 'Enter a name for the token')
    .max(100, 'The name must be 100 characters or fewer'),
});

/**
 * Makes a token for the data warehouse to send imports with. The token itself is returned once, to
 * be shown once: only its hash is kept, so nobody (an administrator included) can read it again.
 */
export async function createImportToken(
  db: Db,
  councilId: string,
  input: unknown,
  createdBy: string,
): Promise<{ id: string; name: string; token: string }> {
  const checked = validate(tokenSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const { name } = checked.value;
  const clash = await db
    .selectFrom('import_tokens')
    .select('id')
    .where('council_id', '=', councilId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
    .executeTakeFirst();
  if (clash) {
    throw new ValidationError([
      { field: 'name', message: `A token called "${name}" is in use already: give this one another name` },
    ]);
  }
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('import_tokens')
    .values({ council_id: councilId, name, token_hash: hashImportToken(token), created_by: createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, name, token };
}

/** A council's tokens, those in use first, each newest first. */
export async function listImportTokens(db: Db, councilId: string): Promise<ImportTokenListing[]> {
  const rows = await db
    .selectFrom('import_tokens as t')
    .leftJoin('staff as c', 'c.id', 't.created_by')
    .leftJoin('staff as r', 'r.id', 't.revoked_by')
    .select([
      't.id',
      't.name',
      'c.name as createdBy',
      't.created_at as createdAt',
      't.last_used_at as lastUsedAt',
      't.revoked_at as revokedAt',
      'r.name as revokedBy',
    ])
    .where('t.council_id', '=', councilId)
    .orderBy((eb) => eb('t.revoked_at', 'is', null), 'desc')
    .orderBy('t.created_at', 'desc')
    .execute();
  return rows;
}

export async function getImportToken(
  db: Db,
  councilId: string,
  tokenId: string,
): Promise<ImportTokenListing | undefined> {
  return (await listImportTokens(db, councilId)).find((t) => t.id === tokenId);
}

/**
 * Revokes a token for good: nothing sent with it is accepted again. Revoking a revoked token changes
 * nothing (the first revocation is the one remembered).
 */
export async function revokeImportToken(
  db: Db,
  councilId: string,
  tokenId: string,
  revokedBy: string,
): Promise<{ name: string }> {
  const token = await db
    .selectFrom('import_tokens')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .where('id', '=', tokenId)
    .executeTakeFirst();
  if (!token) throw new NotFoundError('import token');
  await db
    .updateTable('import_tokens')
    .set({ revoked_at: new Date(), revoked_by: revokedBy })
    .where('id', '=', token.id)
    .where('revoked_at', 'is', null)
    .execute();
  return { name: token.name };
}

/**
 * The token an `Authorization: Bearer …` header carries, if it is one QA Loop made and nobody has
 * revoked; its last use is recorded. Anything else (no header, another scheme, a token of the wrong
 * shape, an unknown or revoked token) gives undefined.
 */
export async function authenticateImportToken(
  db: Db,
  authorization: string | undefined,
  now = new Date(),
): Promise<ImportTokenIdentity | undefined> {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match || !TOKEN_PATTERN.test(match[1])) return undefined;
  const row = await db
    .updateTable('import_tokens')
    .set({ last_used_at: now })
    .where('token_hash', '=', hashImportToken(match[1]))
    .where('revoked_at', 'is', null)
    .returning(['id', 'council_id', 'name'])
    .executeTakeFirst();
  return row ? { tokenId: row.id, councilId: row.council_id, name: row.name } : undefined;
}
