import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { BUILTIN_TOOLS } from '../../domain/builtin-tools.ts';
import { createCouncil } from '../organisation/councils.ts';
import { installNewBuiltinTools, listTools } from './tools.ts';

let t: TestDb;

before(async () => {
  t = await createTestDb();
});
after(() => t.close());

test('a council created before a built-in tool existed is given it once, and its own tools are left alone', async () => {
  const council = await createCouncil(t.db, { code: 'old', name: 'Older Council' });
  const newer = ['Multi-agency audit', 'Dip sample: IRO footprint', 'Dip sample: CP adviser footprint'];
  for (const name of newer)
    assert.ok(
      BUILTIN_TOOLS.some((tool) => tool.name === name),
      name,
    );
  // As the council stood before those tools were built in: without them, with a tool of its own.
  await t.db
    .deleteFrom('audit_tools')
    .where('council_id', '=', council.id)
    .where('name', 'in', newer)
    .execute();
  await t.db
    .insertInto('audit_tools')
    .values({
      council_id: council.id,
      name: 'Our own multi-agency audit',
      kind: 'multi_agency',
      builtin: false,
    })
    .execute();
  const before = (await listTools(t.db, council.id)).map((tool) => tool.name);
  for (const name of newer) assert.ok(!before.includes(name));

  assert.equal(await installNewBuiltinTools(t.db), 3);
  const after = await listTools(t.db, council.id);
  for (const name of newer) {
    const tool = after.find((x) => x.name === name);
    assert.ok(tool?.builtin, `${name} is given, as a built-in tool`);
    assert.equal(tool?.latestVersion, 1);
  }
  const own = await t.db
    .selectFrom('audit_tools')
    .select(['name', 'builtin'])
    .where('council_id', '=', council.id)
    .where('name', '=', 'Our own multi-agency audit')
    .execute();
  assert.deepEqual(own, [{ name: 'Our own multi-agency audit', builtin: false }]);

  // Run again (every start of the app): nothing more.
  assert.equal(await installNewBuiltinTools(t.db), 0);
  assert.equal((await listTools(t.db, council.id)).length, after.length);
});
