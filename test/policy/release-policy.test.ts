/** The policy module's own rules (pure): the formulas every layer uses, and the numbers tied to each other. */
import { normalUpper } from '../../lambda/judge/stats';
import { errorRateLowerBound, errorRateLowerBoundExpression } from '../../lib/policy/error-rate';
import {
  alarmTimingOf, DEFAULT_ALARM_TIMING, DEFAULT_CONFIDENCE_PERCENT, DEFAULT_THRESHOLDS, ERROR_RATE_CONFIDENCE_Z,
  finalVerdictWorstCaseSeconds, isFinalVerdictWindowInRange, isWholeMinutes, METRICS_SETTLE_SECONDS, worstCaseStepSeconds,
} from '../../lib/policy/release-policy';
import { evaluateMetricMath } from '../helpers/metric-math';

test("the alarm's z is the one-sided quantile of the judge's default confidence", () => {
  expect(normalUpper(ERROR_RATE_CONFIDENCE_Z)).toBeCloseTo(1 - DEFAULT_CONFIDENCE_PERCENT / 100, 4);
});

test('a step lasts (bake + settle) x (1 + extensions)', () => {
  expect(worstCaseStepSeconds(300, 0)).toBe(300 + METRICS_SETTLE_SECONDS);
  expect(worstCaseStepSeconds(600, 2)).toBe((600 + METRICS_SETTLE_SECONDS) * 3);
});

test('the final verdict holds up to a minute, the window, then the settle minute', () => {
  expect(finalVerdictWorstCaseSeconds(300)).toBe(60 + 300 + METRICS_SETTLE_SECONDS);
});

test.each([
  [60, true], [300, true], [0, false], [90, false], [-60, false], [Number.NaN, false], [undefined, false], ['300', false],
])('isWholeMinutes(%p) is %p', (seconds, expected) => {
  expect(isWholeMinutes(seconds)).toBe(expected);
});

test('the final verdict window ranges over whole minutes from 1 to 60', () => {
  expect([60, 3600].map(isFinalVerdictWindowInRange)).toEqual([true, true]);
  expect([0, 90, 3660].map(isFinalVerdictWindowInRange)).toEqual([false, false, false]);
});

test('alarm timing: given parts win, the rest is the policy default', () => {
  expect(alarmTimingOf()).toEqual(DEFAULT_ALARM_TIMING);
  expect(alarmTimingOf({ breachMinutes: 1 })).toEqual({ breachMinutes: 1, evaluationMinutes: DEFAULT_ALARM_TIMING.evaluationMinutes });
});

test.each([
  [{ requests: 1000, errors: 30 }],
  [{ requests: 90, errors: 2, connerrors: 5, tlserrors: 3 }],
  [{ requests: 50, errors: 1 }],
  [{}],
])('the error-rate expression and its numeric twin agree on %p', (counts) => {
  const gate = DEFAULT_THRESHOLDS.minRequests;
  // Every metric id of the expression, missing datapoints as undefined (what FILL sees).
  const values = { requests: undefined, errors: undefined, connerrors: undefined, tlserrors: undefined, ...counts };
  expect(evaluateMetricMath(errorRateLowerBoundExpression(gate), values)).toBeCloseTo(errorRateLowerBound(counts, gate), 9);
});
