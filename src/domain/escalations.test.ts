import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHASE_AFTER_WORKING_DAYS,
  chaseDue,
  ESCALATION_KIND_LABELS,
  ESCALATION_KINDS,
  isEscalationKind,
  waitingText,
  workingDaysWaiting,
} from './escalations.ts';
import { WorkingDayCalendar } from './working-days.ts';

const calendar = new WorkingDayCalendar({ closureDays: ['2026-12-29', '2026-12-30', '2026-12-31'] });

test('an immediate concern is chased the next working day, never the day it was raised', () => {
  assert.equal(CHASE_AFTER_WORKING_DAYS.immediate, 1);
  // raised Monday 23 November 2026
  assert.equal(chaseDue('immediate', '2026-11-23', '2026-11-23', calendar), false);
  assert.equal(chaseDue('immediate', '2026-11-23', '2026-11-24', calendar), true);
  // raised on a Friday: not at the weekend, on the Monday
  assert.equal(chaseDue('immediate', '2026-11-27', '2026-11-28', calendar), false);
  assert.equal(chaseDue('immediate', '2026-11-27', '2026-11-29', calendar), false);
  assert.equal(chaseDue('immediate', '2026-11-27', '2026-11-30', calendar), true);
  // over Christmas: bank holidays and the council's closure days do not count
  assert.equal(chaseDue('immediate', '2026-12-24', '2026-12-31', calendar), false);
  assert.equal(chaseDue('immediate', '2026-12-24', '2027-01-04', calendar), true);
});

test('drift and delay is chased after 5 working days', () => {
  assert.equal(CHASE_AFTER_WORKING_DAYS.drift_delay, 5);
  assert.equal(chaseDue('drift_delay', '2026-11-23', '2026-11-27', calendar), false);
  assert.equal(chaseDue('drift_delay', '2026-11-23', '2026-11-30', calendar), true);
  // a chase missed (no sweep that day) is made on the next run
  assert.equal(chaseDue('drift_delay', '2026-11-23', '2026-12-09', calendar), true);
});

test('how long an escalation has waited counts working days after the day it was raised', () => {
  assert.equal(workingDaysWaiting('2026-11-23', '2026-11-23', calendar), 0);
  assert.equal(workingDaysWaiting('2026-11-23', '2026-11-24', calendar), 1);
  assert.equal(workingDaysWaiting('2026-11-27', '2026-11-30', calendar), 1);
  assert.equal(workingDaysWaiting('2026-11-23', '2026-11-30', calendar), 5);
  assert.equal(workingDaysWaiting('2026-11-24', '2026-11-23', calendar), 0);
  assert.equal(waitingText(0), 'Less than 1 working day');
  assert.equal(waitingText(1), '1 working day');
  assert.equal(waitingText(6), '6 working days');
});

test('each kind has a label, and only those kinds are kinds', () => {
  for (const kind of ESCALATION_KINDS) assert.ok(ESCALATION_KIND_LABELS[kind]);
  assert.equal(isEscalationKind('immediate'), true);
  assert.equal(isEscalationKind('drift_delay'), true);
  assert.equal(isEscalationKind('urgent'), false);
  assert.equal(isEscalationKind(undefined), false);
});
