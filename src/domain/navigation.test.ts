import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ROW, navigationInOrder, navigationMenu } from './navigation.ts';
import { can, NAVIGATION, navigationFor, ROLES } from './roles.ts';

test('the QA lead sees Home and six pages in the row, and the rest under More by area', () => {
  const menu = navigationMenu(['qa_lead']);
  assert.deepEqual(
    menu.primary.map((i) => i.text),
    ['Home', 'Audits', 'Programme', 'Cohorts', 'Returns', 'Moderation', 'Reports'],
  );
  assert.deepEqual(
    menu.more.map((g) => [g.name, g.items.map((i) => i.text)]),
    [
      ['Audits', ['Escalations', 'Actions', 'Exemplars', 'Multi-agency audits']],
      [
        'Programme',
        [
          'Audit tools',
          'Practice themes',
          'Writing suggestions',
          'Learning',
          'Auditor training',
          'Recurring reviews',
        ],
      ],
      ['Figures and reports', ['Dashboards', 'Findings']],
      [
        'Improvement',
        ['Improvement plan', 'Closing the loop', 'Check and challenge', 'QA from elsewhere', 'QA collation'],
      ],
      ['Data and people', ['Children', 'Case data', 'Organisation', 'Access log', 'Security']],
    ],
  );
});

test('an auditor has fewer links than the QA lead, all in the row, and none they cannot open', () => {
  const auditor = navigationMenu(['auditor']);
  assert.ok(navigationInOrder(['auditor']).length < navigationInOrder(['qa_lead']).length);
  assert.deepEqual(auditor.more, []);
  assert.deepEqual(
    auditor.primary.map((i) => i.href),
    ['/', '/my-audits', '/audits', '/programme', '/tools', '/practice-themes', '/escalations', '/actions'],
  );
  for (const item of auditor.primary) assert.ok(can(['auditor'], item.capability), item.href);
});

test('every role: the row holds at most seven links when there is a More, and nothing is lost or shown twice', () => {
  for (const role of ROLES) {
    const menu = navigationMenu([role]);
    if (menu.more.length) assert.ok(menu.primary.length <= MAX_ROW, role);
    else assert.ok(menu.primary.length <= MAX_ROW + 1, role);
    assert.equal(menu.primary[0].href, '/', role);
    const shown = navigationInOrder([role]).map((i) => i.href);
    assert.deepEqual(
      [...shown].sort(),
      navigationFor([role])
        .map((i) => i.href)
        .sort(),
      role,
    );
    assert.equal(new Set(shown).size, shown.length, role);
  }
  // every page of the navigation has its place in the groups
  assert.equal(
    navigationMenu(['qa_lead', 'administrator', 'auditor']).more.some((g) => g.name === 'Other pages'),
    false,
  );
  assert.ok(NAVIGATION.length > MAX_ROW);
});
