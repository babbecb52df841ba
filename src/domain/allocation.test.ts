import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type Auditor,
  allocateBalanced,
  type CaseToAllocate,
  explainUnallocated,
  reasonsFor,
  ruleBreach,
} from './allocation.ts';

const auditor = (over: Partial<Auditor> & { id: string }): Auditor => ({
  name: over.id,
  teamId: null,
  trainedOn: '2025-01-01',
  capacity: 2,
  allocated: 0,
  completedFullAudits: 1,
  ...over,
});
const kase = (over: Partial<CaseToAllocate> & { auditId: string }): CaseToAllocate => ({
  kind: 'full_audit',
  teamId: 'T1',
  practitionerId: 'P1',
  practitionerManagerId: 'M1',
  ...over,
});

test('each rule rules an auditor out, with its reason', () => {
  const c = kase({ auditId: 'a' });
  const rules = { allowSameTeam: false };
  assert.equal(ruleBreach(auditor({ id: 'x', trainedOn: null }), c, rules), 'not_trained');
  assert.equal(ruleBreach(auditor({ id: 'P1' }), c, rules), 'practitioner');
  assert.equal(ruleBreach(auditor({ id: 'M1' }), c, rules), 'line_manager');
  assert.equal(ruleBreach(auditor({ id: 'x', teamId: 'T1' }), c, rules), 'same_team');
  assert.equal(ruleBreach(auditor({ id: 'x', teamId: 'T1' }), c, { allowSameTeam: true }), null);
  assert.equal(
    ruleBreach(
      auditor({ id: 'x', completedFullAudits: 0 }),
      kase({ auditId: 'a', kind: 'dip_sample' }),
      rules,
    ),
    'no_full_audit',
  );
  assert.equal(ruleBreach(auditor({ id: 'x', completedFullAudits: 0 }), c, rules), null);
});

test('cases are spread evenly for each auditor’s capacity', () => {
  const cases = Array.from({ length: 6 }, (_, i) => kase({ auditId: `c${i}` }));
  const result = allocateBalanced(
    cases,
    [auditor({ id: 'a', capacity: 4 }), auditor({ id: 'b', capacity: 2 }), auditor({ id: 'c', capacity: 0 })],
    { allowSameTeam: false },
  );
  const per = (id: string) => [...result.assignments.values()].filter((x) => x === id).length;
  assert.equal(per('a'), 4);
  assert.equal(per('b'), 2);
  assert.equal(per('c'), 0);
  assert.equal(result.unallocated.length, 0);
});

test('a case nobody may take is explained', () => {
  const c = kase({ auditId: 'a' });
  const auditors = [
    auditor({ id: 'x', trainedOn: null }),
    auditor({ id: 'y', teamId: 'T1' }),
    auditor({ id: 'z', capacity: 0 }),
    auditor({ id: 'w', capacity: 1, allocated: 1 }),
  ];
  const result = allocateBalanced([c], auditors, { allowSameTeam: false });
  assert.equal(result.assignments.size, 0);
  assert.equal(
    explainUnallocated(result.unallocated[0].reasons, auditors.length),
    "No auditor can take this case: 1 not trained in auditing, 1 in the child's team, 2 no capacity left this month",
  );
  assert.deepEqual(reasonsFor(c, auditors, { allowSameTeam: true }), { not_trained: 1, no_capacity: 2 });
  assert.equal(
    explainUnallocated({}, 0),
    'There are no auditors: give staff the auditor role and record their training',
  );
});

test('moving an earlier case frees the one auditor a later case can have', () => {
  // a can take both cases, b only the first: greedy by name would give case 1 to a and strand case 2
  const cases = [kase({ auditId: '1', teamId: 'T9' }), kase({ auditId: '2', teamId: 'TB' })];
  const result = allocateBalanced(
    cases,
    [auditor({ id: 'a', capacity: 1 }), auditor({ id: 'b', capacity: 1, teamId: 'TB' })],
    { allowSameTeam: false },
  );
  assert.equal(result.assignments.get('1'), 'b');
  assert.equal(result.assignments.get('2'), 'a');
});

/** The most cases any valid allocation could place, by trying every one (small cases only). */
function bestPossible(cases: CaseToAllocate[], auditors: Auditor[], allowSameTeam: boolean): number {
  let best = 0;
  const load = new Map(auditors.map((a) => [a.id, a.allocated]));
  const go = (i: number, placed: number) => {
    if (placed + (cases.length - i) <= best) return;
    if (i === cases.length) {
      best = Math.max(best, placed);
      return;
    }
    for (const a of auditors) {
      if (ruleBreach(a, cases[i], { allowSameTeam }) !== null || (load.get(a.id) ?? 0) >= a.capacity)
        continue;
      load.set(a.id, (load.get(a.id) ?? 0) + 1);
      go(i + 1, placed + 1);
      load.set(a.id, (load.get(a.id) ?? 0) - 1);
    }
    go(i + 1, placed);
  };
  go(0, 0);
  return best;
}

const teams = ['T1', 'T2', 'T3'];
const people = ['s1', 's2', 's3', 's4'];
const arbAuditor = (id: string) =>
  fc.record({
    id: fc.constant(id),
    name: fc.constant(id),
    teamId: fc.constantFrom(null, ...teams),
    trainedOn: fc.constantFrom(null, '2025-01-01', '2025-01-01'),
    capacity: fc.integer({ min: 0, max: 3 }),
    allocated: fc.integer({ min: 0, max: 2 }),
    completedFullAudits: fc.integer({ min: 0, max: 2 }),
  });
const arbCase = (i: number) =>
  fc.record({
    auditId: fc.constant(`c${i}`),
    kind: fc.constantFrom('full_audit', 'dip_sample') as fc.Arbitrary<CaseToAllocate['kind']>,
    teamId: fc.constantFrom(null, ...teams),
    practitionerId: fc.constantFrom(null, ...people),
    practitionerManagerId: fc.constantFrom(null, ...people),
  });

test('property: every allocation keeps every rule and every capacity, and places as many as possible', () => {
  fc.assert(
    fc.property(
      fc.tuple(...people.map(arbAuditor)),
      fc
        .integer({ min: 0, max: 7 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbCase(i)))),
      fc.boolean(),
      (auditors, cases, allowSameTeam) => {
        const result = allocateBalanced(cases, auditors, { allowSameTeam });
        const load = new Map(auditors.map((a) => [a.id, a.allocated]));
        for (const [auditId, auditorId] of result.assignments) {
          const a = auditors.find((x) => x.id === auditorId) as Auditor;
          const c = cases.find((x) => x.auditId === auditId) as CaseToAllocate;
          assert.equal(ruleBreach(a, c, { allowSameTeam }), null);
          load.set(a.id, (load.get(a.id) ?? 0) + 1);
        }
        for (const a of auditors)
          if ((load.get(a.id) ?? 0) > a.allocated)
            assert.ok((load.get(a.id) ?? 0) <= a.capacity, `${a.id} over capacity`);
        assert.equal(result.assignments.size + result.unallocated.length, cases.length);
        assert.equal(result.assignments.size, bestPossible(cases, auditors, allowSameTeam));
      },
    ),
    { numRuns: 400 },
  );
});

test('property: with equal capacities and no rules in the way, loads differ by at most one', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 30 }), (n, count) => {
      const auditors = Array.from({ length: n }, (_, i) =>
        auditor({ id: `a${i}`, capacity: 10, teamId: 'X' }),
      );
      const cases = Array.from({ length: count }, (_, i) => kase({ auditId: `c${i}` }));
      const result = allocateBalanced(cases, auditors, { allowSameTeam: false });
      const loads = auditors.map((a) => [...result.assignments.values()].filter((x) => x === a.id).length);
      assert.equal(result.assignments.size, Math.min(count, n * 10));
      assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, loads.join(','));
    }),
  );
});
