import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

let t: TestDb;

before(async () => {
  t = await createTestDb({ demo: true });
});
after(() => t.close());

test('the demo’s dip samples are drawn in the months that plan them, each with the month’s planned tool', async () => {
  const rows = await t.db
    .selectFrom('audits as a')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .innerJoin('samples as s', 's.id', 'a.sample_id')
    .leftJoin('audit_tools as t', 't.id', 'a.tool_id')
    .leftJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('audit_tools as vt', 'vt.id', 'v.tool_id')
    .select([
      'm.id as month_id',
      'm.month',
      'a.kind',
      't.name as tool',
      's.tool_id as sample_tool',
      'a.tool_id',
      'vt.name as opened_with',
    ])
    .where('a.kind', '=', 'dip_sample')
    // the IRO and CP adviser footprint samples are drawn besides the month's plan, on their own tools,
    // and so are a recurring review's rounds (on the review's tool)
    .where('s.footprint', 'is', null)
    .where('s.review_schedule_id', 'is', null)
    .execute();
  const planned = await t.db
    .selectFrom('planned_activities as p')
    .innerJoin('audit_tools as t', 't.id', 'p.tool_id')
    .select(['p.month_id', 't.id', 't.name'])
    .where('p.kind', '=', 'dip_sample')
    .execute();
  const plannedOf = new Map(planned.map((p) => [p.month_id, p]));
  assert.ok(rows.length > 0);
  const months = new Set<string>();
  for (const r of rows) {
    const p = plannedOf.get(r.month_id);
    assert.ok(p, `${r.month} plans no dip sample, yet one was drawn`);
    assert.equal(r.tool_id, p.id, r.month);
    assert.equal(r.sample_tool, p.id, r.month);
    // an audit opened or returned was done on the planned tool
    if (r.opened_with) assert.equal(r.opened_with, p.name, r.month);
    months.add(r.month);
  }
  // November plans management oversight, June neglect: not every month the same tool
  const november = rows.filter((r) => r.month === '2026-11-01');
  assert.ok(november.length > 0, 'November’s dip sample is drawn');
  assert.ok(november.every((r) => r.tool === 'Dip sample: management oversight in the last month'));
  assert.ok(rows.some((r) => r.month === '2026-06-01' && r.tool === 'Dip sample: neglect'));
  assert.ok(months.size >= 3, [...months].join(', '));
  // and the full audits use the planned case file audit
  const full = await t.db
    .selectFrom('audits as a')
    .leftJoin('audit_tools as t', 't.id', 'a.tool_id')
    .select('t.name')
    .where('a.kind', '=', 'full_audit')
    .where('a.sample_id', 'is not', null)
    .execute();
  assert.ok(full.length > 0);
  assert.ok(full.every((r) => r.name === 'Case file audit (four-point)'));
});
