import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allocateModerators,
  chooseModerationSample,
  type ReturnedAudit,
  whyNoModerator,
} from './moderation-sample.ts';

/** 40 returned audits by four auditors: a02 and a05 inadequate, a07 escalated, a11 an auditor's 2nd. */
function returned(): ReturnedAudit[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `a${String(i).padStart(2, '0')}`,
    auditorId: `auditor${i % 4}`,
    overallGradeIsLowest: i === 2 || i === 5,
    escalated: i === 7 || i === 5,
    auditorsNthAudit: i === 11 ? 2 : i === 12 ? 3 : 10,
    disputed: i === 20 || i === 2,
  }));
}

const ids = (s: { chosen: { id: string }[] }) => s.chosen.map((c) => c.id);

describe('chooseModerationSample', () => {
  test('the same seed draws the same audits, whatever order they come in', () => {
    const settings = { percent: 25, seed: 1234, rules: [] };
    const first = chooseModerationSample(returned(), settings);
    const again = chooseModerationSample([...returned()].reverse(), settings);
    assert.equal(first.chosen.length, 10);
    assert.deepEqual([...ids(first)].sort(), [...ids(again)].sort());
    const other = chooseModerationSample(returned(), { ...settings, seed: 99 });
    assert.notDeepEqual(ids(first), ids(other));
  });

  test('every audit a chosen rule matches is in, with the first matching reason', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = chooseModerationSample(returned(), {
        percent: 10,
        seed,
        rules: ['inadequate', 'escalated', 'new_auditor'],
      });
      const why = Object.fromEntries(s.chosen.map((c) => [c.id, c.chosenBecause]));
      assert.equal(why.a02, 'inadequate');
      assert.equal(why.a05, 'inadequate', 'inadequate comes before escalated');
      assert.equal(why.a07, 'escalated');
      assert.equal(why.a11, 'new_auditor');
      assert.notEqual(why.a12, 'new_auditor', 'an auditor’s third audit is not a new auditor’s');
      // then 10% of all 40 returned at random among the other 36
      assert.equal(s.randomWanted, 4);
      assert.equal(s.chosen.filter((c) => c.chosenBecause === 'random').length, 4);
      assert.equal(s.chosen.length, 8);
    }
  });

  test('the disputed rule takes every audit with a disagreement, after the rules before it', () => {
    const s = chooseModerationSample(returned(), { percent: 0, seed: 1, rules: ['inadequate', 'disputed'] });
    const why = Object.fromEntries(s.chosen.map((c) => [c.id, c.chosenBecause]));
    assert.deepEqual(why, { a02: 'inadequate', a05: 'inadequate', a20: 'disputed' });
    assert.deepEqual(ids(chooseModerationSample(returned(), { percent: 0, seed: 1, rules: [] })), []);
  });

  test('rules not chosen add nothing; 0% draws nothing at random; 100% takes everything', () => {
    assert.deepEqual(chooseModerationSample(returned(), { percent: 0, seed: 1, rules: [] }).chosen, []);
    assert.deepEqual(ids(chooseModerationSample(returned(), { percent: 0, seed: 1, rules: ['escalated'] })), [
      'a05',
      'a07',
    ]);
    const all = chooseModerationSample(returned(), { percent: 100, seed: 1, rules: ['inadequate'] });
    assert.equal(all.chosen.length, 40);
    assert.equal(all.randomDrawn, 38);
  });

  test('the random share is rounded: 10% of 15 returned is 2', () => {
    const s = chooseModerationSample(returned().slice(0, 15), { percent: 10, seed: 8, rules: [] });
    assert.equal(s.randomWanted, 2);
    assert.equal(s.chosen.length, 2);
  });

  test('refuses a percentage that is not a whole number from 0 to 100', () => {
    assert.throws(() => chooseModerationSample(returned(), { percent: 150, seed: 1, rules: [] }), RangeError);
    assert.throws(() => chooseModerationSample(returned(), { percent: 2.5, seed: 1, rules: [] }), RangeError);
  });
});

describe('allocateModerators', () => {
  test('shares moderations evenly, counting what each already has, never to the audit’s auditor', () => {
    const items = Array.from({ length: 9 }, (_, i) => ({
      id: `m${i}`,
      auditorId: i < 5 ? 'qa1' : 'someone',
    }));
    const { assignments, unallocated } = allocateModerators(items, [
      { id: 'qa1', load: 0 },
      { id: 'qa2', load: 2 },
      { id: 'qa3', load: 0 },
    ]);
    assert.deepEqual(unallocated, []);
    for (let i = 0; i < 5; i++) assert.notEqual(assignments.get(`m${i}`), 'qa1');
    const totals = { qa1: 0, qa2: 2, qa3: 0 } as Record<string, number>;
    for (const m of assignments.values()) totals[m]++;
    assert.ok(
      Math.max(...Object.values(totals)) - Math.min(...Object.values(totals)) <= 1,
      JSON.stringify(totals),
    );
  });

  test('a moderation nobody may take stays unallocated, saying why', () => {
    const { assignments, unallocated } = allocateModerators(
      [
        { id: 'own', auditorId: 'qa1' },
        { id: 'other', auditorId: 'x' },
      ],
      [{ id: 'qa1', load: 0 }],
    );
    assert.equal(assignments.get('other'), 'qa1');
    assert.equal(assignments.has('own'), false);
    assert.match(unallocated[0].reason, /only QA lead is the audit’s auditor/);
    assert.match(unallocated[0].reason, /cannot moderate their own audit/);
    assert.equal(whyNoModerator({ id: 'x', auditorId: 'a' }, []), 'There is no QA lead to moderate it');
  });
});
