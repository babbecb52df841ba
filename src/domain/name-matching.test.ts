import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, nameKey, nameSimilarity } from './name-matching.ts';

test('a team’s name in any case, spacing, punctuation or with initials stopped is the same name', () => {
  const key = nameKey('Westbrook North CIN Team');
  for (const spelling of [
    'westbrook north c.i.n. team',
    'Westbrook  North CIN-Team',
    'WESTBROOK NORTH C I N TEAM',
    ' Westbrook North C.I.N Team ',
  ]) {
    assert.equal(nameKey(spelling), key, spelling);
  }
  assert.equal(nameKey('Children & Families'), nameKey('Children and Families'));
  assert.equal(nameKey('Zoë Brontë'), nameKey('Zoe Bronte'));
});

test('different names stay different', () => {
  assert.notEqual(nameKey('Westbrook North CIN'), nameKey('Westbrook Nth CIN'));
  assert.notEqual(nameKey('S Carter'), nameKey('Sam Carter'));
  assert.equal(nameKey('S. Carter'), 's carter');
  assert.equal(nameKey('Team 1 2'), 'team 1 2');
});

test('a close spelling is suggested; a distant one is not', () => {
  const teams = [{ name: 'Westbrook North CIN' }, { name: 'Eastfield CP' }];
  assert.equal(closestName('Westbrook Nth CIN', teams)?.candidate.name, 'Westbrook North CIN');
  assert.equal(closestName('Leaving Care', teams), undefined);
  assert.equal(nameSimilarity('Eastfield CP', 'eastfield c.p.'), 1);
});
