import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CohortDefinition,
  cohortDefinitionSchema,
  contradictions,
  describeDefinition,
  emptyDefinition,
  placementKind,
  wholeWordPattern,
} from './cohort-definition.ts';

const def = (d: Partial<CohortDefinition>) => cohortDefinitionSchema.parse(d);

test('an empty definition is every open case, closed cases left out', () => {
  const d = emptyDefinition();
  assert.equal(d.excludeClosed, true);
  assert.equal(d.onePerFamily, false);
  assert.deepEqual(describeDefinition(d), ['Every open case']);
});

test('a date must be a real calendar date, not only look like one', () => {
  assert.ok(cohortDefinitionSchema.safeParse({ cpPlanStartedFrom: '2026-02-28' }).success);
  assert.ok(!cohortDefinitionSchema.safeParse({ cpPlanStartedFrom: '2026-02-31' }).success);
  assert.ok(!cohortDefinitionSchema.safeParse({ cpPlanStartedTo: '2026-13-01' }).success);
  assert.ok(!cohortDefinitionSchema.safeParse({ cpPlanStartedTo: '1 April 2026' }).success);
});

test('contradictions name the field to change', () => {
  assert.deepEqual(
    contradictions(def({ ageFrom: 10, ageTo: 5 })).map((c) => c.field),
    ['ageFrom'],
  );
  assert.deepEqual(
    contradictions(def({ cpPlanStartedFrom: '2026-05-01', cpPlanStartedTo: '2026-04-01' })).map(
      (c) => c.field,
    ),
    ['cpPlanStartedFrom'],
  );
  assert.deepEqual(
    contradictions(def({ statuses: ['early_help'], placementKinds: ['foster'] })).map((c) => c.field),
    ['placementKinds'],
  );
  assert.deepEqual(
    contradictions(def({ statuses: ['in_care'], cinPlanLongerThanMonths: 6 })).map((c) => c.field),
    ['cinPlanLongerThanMonths'],
  );
  assert.deepEqual(
    contradictions(def({ statuses: ['care_leaver'], ageTo: 12 })).map((c) => c.field),
    ['ageTo'],
  );
  // the same filters hold together when a status they need is among those chosen
  assert.deepEqual(
    contradictions(def({ statuses: ['early_help', 'in_care'], placementKinds: ['foster'] })),
    [],
  );
  assert.deepEqual(contradictions(def({ ageFrom: 5, ageTo: 5 })), []);
  // history holds whatever the status now: in care after a plan that followed a child in need plan
  assert.deepEqual(
    contradictions(
      def({
        statuses: ['in_care'],
        cpPlanAfter: ['cin_plan'],
        cpCategoryWords: ['neglect'],
        cameIntoCareWithinMonths: 6,
      }),
    ),
    [],
  );
  assert.deepEqual(contradictions(def({ statuses: ['cin_plan'], cameIntoCareWithinMonths: 6 })), []);
});

test('a definition in words names places and leaves out what is not set', () => {
  const d = def({
    statuses: ['cp_plan'],
    teamIds: ['7f3c7f5e-8a7e-4b8e-9c0a-1b2c3d4e5f60', '00000000-0000-4000-8000-000000000000'],
    cpPlanAfter: ['cin_plan'],
    ageFrom: 13,
    ageTo: 17,
    onePerFamily: true,
    excludeAuditedWithinMonths: 6,
  });
  const teams = new Map([['7f3c7f5e-8a7e-4b8e-9c0a-1b2c3d4e5f60', 'Safeguarding North']]);
  assert.deepEqual(describeDefinition(d, { teams }), [
    'Status: Child protection plan',
    'Team: Safeguarding North, a removed one',
    'Child protection plan after a child in need plan that was open when the plan began or ended in the 3 months before it',
    'Aged 13 to 17',
    'One child per family',
    'Not audited in the last 6 months',
  ]);
});

test('a placement’s kind from SSDA903 codes, words, and an unregistered provider', () => {
  assert.equal(placementKind('U4'), 'foster');
  assert.equal(placementKind('u1 - Foster placement with relative or friend'), 'foster');
  assert.equal(placementKind('Kinship placement'), 'foster');
  assert.equal(placementKind('U45'), 'other');
  assert.equal(placementKind('K2'), 'residential');
  assert.equal(placementKind('R1 Residential care home'), 'residential');
  assert.equal(placementKind('Residential children’s home'), 'residential');
  assert.equal(placementKind('Unregistered placement'), 'unregistered');
  assert.equal(placementKind('P1', 'Unregistered - Acme Ltd'), 'unregistered');
  assert.equal(placementKind('Placed with parents'), 'other');
  assert.equal(placementKind(null, null), null);
});

test('a plan period in words, with either end or both', () => {
  const line = (d: Partial<CohortDefinition>) => describeDefinition(def(d))[1];
  assert.equal(
    line({ cpPlanStartedFrom: '2026-04-01', cpPlanStartedTo: '2027-03-31' }),
    'Child protection plan started from 1 April 2026 to 31 March 2027',
  );
  assert.equal(
    line({ cpPlanStartedFrom: '2026-04-01' }),
    'Child protection plan started on or after 1 April 2026',
  );
  assert.equal(
    line({ cpPlanStartedTo: '2026-04-01' }),
    'Child protection plan started on or before 1 April 2026',
  );
});

test('a list of choices is no longer than the choices there are: a form cannot send thousands', () => {
  const many = (value: string) => Array.from({ length: 1000 }, () => value);
  for (const [field, value] of [
    ['statuses', 'cp_plan'],
    ['cpPlanAfter', 'cin_plan'],
    ['repeatOf', 'cla'],
    ['placementKinds', 'foster'],
  ] as const) {
    assert.equal(cohortDefinitionSchema.safeParse({ [field]: many(value) }).success, false, field);
    assert.equal(cohortDefinitionSchema.safeParse({ [field]: [value] }).success, true, field);
  }
});

test('"after a child in need plan" is the step up unless said otherwise: its window is part of the definition, in words', () => {
  const line = (d: Partial<CohortDefinition>) => describeDefinition(def(d))[1];
  const d = def({ cpPlanAfter: ['cin_plan'] });
  assert.equal(d.cpPlanAfterWhen, 'step_up');
  assert.equal(d.cpPlanAfterWithinMonths, 3, 'three months unless the QA lead says otherwise');
  assert.equal(
    line({ cpPlanAfter: ['cin_plan', 'early_help'], cpPlanAfterWithinMonths: 6 }),
    'Child protection plan after a child in need plan or early help that was open when the plan began or ended in the 6 months before it',
  );
  assert.equal(
    line({ cpPlanAfter: ['early_help'], cpPlanAfterWithinMonths: 1 }),
    'Child protection plan after early help that was open when the plan began or ended in the month before it',
  );
  assert.equal(
    line({ cpPlanAfter: ['cin_plan'], cpPlanAfterWithinMonths: 0 }),
    'Child protection plan after a child in need plan that was open when the plan began',
  );
  assert.equal(
    line({ cpPlanAfter: ['cin_plan'], cpPlanAfterWhen: 'ever' }),
    'Child protection plan after a child in need plan at any time before it',
  );
  // nothing ticked to come before the plan: the window says nothing
  assert.deepEqual(describeDefinition(def({ cpPlanAfterWithinMonths: 6 })), ['Every open case']);
  for (const bad of [-1, 25, 2.5])
    assert.equal(
      cohortDefinitionSchema.safeParse({ cpPlanAfterWithinMonths: bad }).success,
      false,
      String(bad),
    );
  assert.equal(cohortDefinitionSchema.safeParse({ cpPlanAfterWhen: 'sometimes' }).success, false);
});

test('category words are found whole, whatever their case: "CCE" is not in "access"', () => {
  const found = (word: string, text: string) => new RegExp(wholeWordPattern(word), 'i').test(text);
  assert.equal(found('CCE', 'Neglect - no access to health care'), false);
  assert.equal(found('CCE', 'Child criminal exploitation (CCE)'), true);
  assert.equal(found('cce', 'CSE/CCE'), true);
  assert.equal(found('CSE', 'CSE'), true);
  assert.equal(found('exploitation', 'Child sexual exploitation'), true);
  assert.equal(found('exploitation', 'Exploitation-related harm'), true);
  assert.equal(found('exploit', 'Child sexual exploitation'), false);
  assert.equal(found('contextual', 'Contextual safeguarding'), true);
  assert.equal(
    found('sexual abuse', 'Category:  Sexual   abuse'),
    true,
    'the spaces of a phrase, any spaces',
  );
  // a character that means something to a pattern is itself
  assert.equal(found('%', 'Neglect'), false);
  assert.equal(found('(CSE)', 'Child sexual exploitation (CSE)'), true);
  assert.equal(found('a.c', 'abc'), false);
});
