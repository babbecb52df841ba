import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dipSampleBar, isTrained, mayDoDipSamples } from './auditors.ts';

test('dip samples need training and at least one completed full audit', () => {
  assert.equal(mayDoDipSamples({ trainedOn: '2025-01-10', completedFullAudits: 1 }), true);
  assert.equal(mayDoDipSamples({ trainedOn: '2025-01-10', completedFullAudits: 0 }), false);
  assert.equal(mayDoDipSamples({ trainedOn: null, completedFullAudits: 5 }), false);
  assert.equal(dipSampleBar({ trainedOn: null, completedFullAudits: 5 }), 'Not trained');
  assert.equal(
    dipSampleBar({ trainedOn: '2025-01-10', completedFullAudits: 0 }),
    'No full audit completed yet',
  );
  assert.equal(dipSampleBar({ trainedOn: '2025-01-10', completedFullAudits: 2 }), null);
});

test('training dated after the day asked about does not count yet', () => {
  assert.equal(isTrained({ trainedOn: '2026-12-01' }, '2026-11-22'), false);
  assert.equal(isTrained({ trainedOn: '2026-11-22' }, '2026-11-22'), true);
  assert.equal(mayDoDipSamples({ trainedOn: '2026-12-01', completedFullAudits: 3 }, '2026-11-22'), false);
});
