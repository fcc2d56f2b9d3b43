/** One precedence for "why did it roll back?": the guard's notification, the release's error and `canary status` agree. */
import { failureReason } from '../../../lambda/guard/guard';
import { recordedReason } from '../../../lambda/shared/rollback-reason';

test.each([
  ['the outcome record wins over a failed stepper state', { reason: 'final verdict fail: 5xx' }, { finished: 'failed', reason: 'step 1 failed' }, 'final verdict fail: 5xx'],
  ['a failed stepper state when no outcome reason', {}, { finished: 'failed', reason: 'step 1 failed' }, 'step 1 failed'],
  ['a stepper state that succeeded says nothing', {}, { finished: 'succeeded', reason: 'all passed' }, undefined],
  ['an empty reason is no reason', { reason: '' }, undefined, undefined],
  ['a reason that is not text is no reason', { reason: 42 }, undefined, undefined],
  ['no records', undefined, undefined, undefined],
])('%s', (_name, outcome, state, expected) => {
  expect(recordedReason(outcome, state)).toBe(expected);
});

test("the guard puts the canary's recorded reason before CodeDeploy's message, and the bare state last", () => {
  expect(failureReason({ reason: 'step 2 failed: p95' }, 'alarm X in ALARM', 'FAILURE')).toBe('step 2 failed: p95');
  expect(failureReason({}, 'alarm X in ALARM', 'FAILURE')).toBe('alarm X in ALARM');
  expect(failureReason({ reason: '' }, undefined, 'STOP')).toBe('the deployment was stopped');
});
