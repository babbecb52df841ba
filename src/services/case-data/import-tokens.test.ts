import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { createCouncil } from '../organisation/councils.ts';
import {
  authenticateImportToken,
  createImportToken,
  hashImportToken,
  listImportTokens,
  revokeImportToken,
  TOKEN_PREFIX,
} from './import-tokens.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let adminId: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'tk', name: 'Token Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'ot', name: 'Other Council' })).id;
  adminId = (
    await t.db
      .insertInto('staff')
      .values({ council_id: councilId, name: 'Ada Admin', job_title: 'Systems administrator' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
after(() => t.close());

test('a new token is 32 random bytes after its prefix, shown once: only its SHA-256 is kept', async () => {
  const made = await createImportToken(t.db, councilId, { name: '  Data warehouse  ' }, adminId);
  assert.equal(made.name, 'Data warehouse');
  assert.match(made.token, /^qlt_[A-Za-z0-9_-]{43}$/);
  assert.ok(made.token.startsWith(TOKEN_PREFIX));
  assert.equal(Buffer.from(made.token.slice(4), 'base64url').length, 32);
  const row = await t.db
    .selectFrom('import_tokens')
    .selectAll()
    .where('id', '=', made.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.token_hash, hashImportToken(made.token));
  assert.match(row.token_hash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(row).includes(made.token.slice(4)), 'the token itself is stored nowhere');
  const again = await createImportToken(t.db, councilId, { name: 'Second system' }, adminId);
  assert.notEqual(again.token, made.token);
});

test('a token needs a name, of sensible length, not the name of another token in use', async () => {
  for (const [name, message] of [
    ['', 'Enter a name for the token'],
    [undefined, 'Enter a name for the token'],
    ['x'.repeat(101), 'The name must be 100 characters or fewer'],
    ['DATA WAREHOUSE', 'A token called "DATA WAREHOUSE" is in use already: give this one another name'],
  ] as const) {
    await assert.rejects(createImportToken(t.db, councilId, { name }, adminId), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.errors, [{ field: 'name', message }]);
      return true;
    });
  }
});

test('a token lets its council in and records its use; a revoked one never again', async () => {
  const made = await createImportToken(t.db, councilId, { name: 'Nightly' }, adminId);
  const now = new Date('2026-11-22T10:00:00Z');
  const identity = await authenticateImportToken(t.db, `Bearer ${made.token}`, now);
  assert.deepEqual(identity, { tokenId: made.id, councilId, name: 'Nightly' });
  const listed = (await listImportTokens(t.db, councilId)).find((x) => x.id === made.id);
  assert.equal(listed?.lastUsedAt?.toISOString(), now.toISOString());
  assert.equal(listed?.createdBy, 'Ada Admin');

  await revokeImportToken(t.db, councilId, made.id, adminId);
  assert.equal(await authenticateImportToken(t.db, `Bearer ${made.token}`), undefined);
  const revoked = (await listImportTokens(t.db, councilId)).find((x) => x.id === made.id);
  assert.ok(revoked?.revokedAt);
  assert.equal(revoked?.revokedBy, 'Ada Admin');
  const first = revoked?.revokedAt?.toISOString();
  await revokeImportToken(t.db, councilId, made.id, adminId);
  const still = (await listImportTokens(t.db, councilId)).find((x) => x.id === made.id);
  assert.equal(still?.revokedAt?.toISOString(), first, 'revoking again keeps the first revocation');
  // and its name is free again
  await createImportToken(t.db, councilId, { name: 'Nightly' }, adminId);
});

test('anything but a live token of the right shape is refused', async () => {
  const made = await createImportToken(t.db, councilId, { name: 'Shapes' }, adminId);
  for (const header of [
    undefined,
    '',
    made.token,
    `Basic ${made.token}`,
    `Bearer ${made.token}x`,
    `Bearer ${made.token.slice(0, -1)}`,
    `Bearer qlt_${'A'.repeat(43)}`,
    `Bearer ${made.token} extra`,
  ]) {
    assert.equal(await authenticateImportToken(t.db, header), undefined, String(header));
  }
  assert.ok(await authenticateImportToken(t.db, `bearer  ${made.token}`), 'the scheme is case-insensitive');
});

test('another council’s administrator cannot see or revoke the token', async () => {
  const made = await createImportToken(t.db, councilId, { name: 'Mine' }, adminId);
  assert.ok(!(await listImportTokens(t.db, otherCouncilId)).some((x) => x.id === made.id));
  await assert.rejects(revokeImportToken(t.db, otherCouncilId, made.id, adminId), /No such import token/);
  assert.ok(await authenticateImportToken(t.db, `Bearer ${made.token}`));
});
