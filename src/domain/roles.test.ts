import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportScope } from '../metrics/report-scope.ts';
import { can, navigationFor, ROLES } from './roles.ts';

test('every role sees Home, and only administrators see People', () => {
  for (const role of ROLES) {
    const hrefs = navigationFor([role]).map((n) => n.href);
    assert.equal(hrefs[0], '/', role);
    assert.equal(hrefs.includes('/admin/people'), role === 'administrator', role);
  }
});

test('scrutiny readers and workforce development never reach child-level pages', () => {
  for (const role of ['scrutiny_reader', 'workforce_development'] as const) {
    assert.equal(can([role], 'children.lookup'), false);
    assert.equal(can([role], 'accessLog.read'), false);
  }
  assert.deepEqual(
    navigationFor(['scrutiny_reader']).map((n) => n.text),
    ['Home', 'Programme', 'Audit tools', 'Practice themes', 'Reports', 'Findings'],
  );
  // and the reports and findings they open are only ever the versions for publication
  // (src/metrics/report-scope.ts, src/web/routes/findings/findings.ts)
  for (const role of ['scrutiny_reader', 'workforce_development'] as const) {
    assert.equal(reportScope({ roles: [role], serviceAreaId: null }).publicationOnly, true);
    assert.equal(can([role], 'findings.full'), false);
    assert.equal(can([role], 'dashboards.read'), false);
  }
});

test('a person with several roles gets the union of what each allows', () => {
  const nav = navigationFor(['practitioner', 'administrator']).map((n) => n.href);
  assert.ok(nav.includes('/admin/people'));
  assert.ok(can(['practitioner', 'administrator'], 'caseload.own'));
  assert.equal(can(['practitioner', 'administrator'], 'children.lookup'), false);
});
