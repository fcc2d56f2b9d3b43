/**
 * Every number of the release policy is derived from lib/policy/release-policy.ts: with a
 * different policy module, the constructs, the Lambda code and the CLI all move with it. A copy
 * of a number anywhere (a literal 55, 59 or 60 min, a second settle minute, a Lambda timeout
 * written again) keeps its old value here and fails.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HOOK_BUDGET_SECONDS } from '../../lambda/stepper/types';
import { METRICS_SETTLE_SECONDS as STEPPER_SETTLE_SECONDS, stepEndsAt } from '../../lambda/stepper/schedule';
import { CanaryDeployment, TrafficSchedule } from '../../lib';
import { HOOK_LIMIT, HOOK_MARGIN, METRICS_SETTLE } from '../../lib/deployment/traffic-schedule';
import { MAX_FINAL_VERDICT_WINDOW } from '../../lib/deployment/final-verdict-window';
import { ReleaseEstimate, SMOKE_TEST_ALLOWANCE } from '../../lib/release/release-estimate';
import { HOOK_LIMIT_MINUTES } from '../../src/cli/plan/plan';
import { DEFAULT_FINAL_STEP, DEFAULT_STEPS, DEFAULT_TERMINATION_WAIT_SECONDS } from '../../src/cli/rehearse/defaults';
import { DEFAULT_ALARM_TIMING, ALARM_CONFIDENCE_Z } from '../../src/cli/rehearse/alarms';
import { buildExistingService, buildNetwork, deploymentPropsFor, newStack } from '../helpers/fixtures';
import { resourcesOfType } from '../helpers/template';
import { METRICS_SETTLE_SECONDS as POLICY_SETTLE_SECONDS } from '../../lib/policy/release-policy';

jest.mock('../../lib/policy/release-policy', () => {
  const actual = jest.requireActual('../../lib/policy/release-policy');
  return {
    ...actual,
    CODEDEPLOY_HOOK_LIMIT_SECONDS: 7200,
    HOOK_MARGIN_SECONDS: { schedule: 1200, stepper: 420, stateMachine: 120 },
    DEFAULT_SCHEDULE_STEPS: [{ percent: 10, bakeSeconds: 120 }, { percent: 40, bakeSeconds: 240 }],
    DEFAULT_TERMINATION_WAIT_SECONDS: 420,
    DEFAULT_ALARM_TIMING: { breachMinutes: 4, evaluationMinutes: 5 },
    ERROR_RATE_CONFIDENCE_Z: 1.645,
    LAMBDA_TIMEOUT_SECONDS: { ...actual.LAMBDA_TIMEOUT_SECONDS, afterAllowTestTraffic: 240, afterInstall: 840, stepper: 45 },
  };
});

test('the hook limit and its margins: constructs, stepper and CLI', () => {
  expect(HOOK_LIMIT.toSeconds()).toBe(7200);
  expect(HOOK_MARGIN.toSeconds()).toBe(1200);
  expect(HOOK_BUDGET_SECONDS).toBe(7200 - 420);
  expect(HOOK_LIMIT_MINUTES).toBe(120);
  // 120 - 20 (margin) - 1 (first whole minute) - 1 (settle) min.
  expect(MAX_FINAL_VERDICT_WINDOW.toMinutes()).toBe(98);
});

// The policy's own formulas (worst-case step, final verdict hold) read its settle minute inside the
// module, which a module mock cannot change: the settle minute keeps its real value here.
test('the settle minute: the constructs and the stepper take the policy\'s', () => {
  expect(METRICS_SETTLE.toSeconds()).toBe(POLICY_SETTLE_SECONDS);
  expect(STEPPER_SETTLE_SECONDS).toBe(POLICY_SETTLE_SECONDS);
});

test('the default schedule: TrafficSchedule and the rehearsal', () => {
  expect(TrafficSchedule.DEFAULT_STEPS.map((s) => [s.percent, s.bake.toSeconds()])).toEqual([[10, 120], [40, 240]]);
  expect(DEFAULT_STEPS).toEqual([{ percent: 10, bakeSeconds: 120 }]);
  expect(DEFAULT_FINAL_STEP).toEqual({ percent: 40, bakeSeconds: 240 });
  expect(DEFAULT_TERMINATION_WAIT_SECONDS).toBe(420);
});

test("the alarms' timing and z: the rehearsal's model", () => {
  expect(DEFAULT_ALARM_TIMING).toEqual({ breachMinutes: 4, evaluationMinutes: 5 });
  expect(ALARM_CONFIDENCE_Z).toBe(1.645);
});

test('the state machine timeout, the Lambda timeouts and the release estimate', () => {
  const stack = newStack();
  const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  const canary = new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, {
    schedule: TrafficSchedule.steps([{ percent: 10, bake: Duration.minutes(5) }, { percent: 50, bake: Duration.minutes(5) }]),
  }));
  const template = Template.fromStack(stack);
  const machines = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  expect(JSON.stringify(machines[0].Properties!.DefinitionString)).toContain('\\"TimeoutSeconds\\":7080');
  const timeouts = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).map((f) => f.Properties!.Timeout);
  expect(timeouts).toEqual(expect.arrayContaining([240, 840, 45]));
  expect(timeouts).not.toContain(900);
  expect(SMOKE_TEST_ALLOWANCE.toSeconds()).toBe(240);
  // The in-hook step: (5 min bake + 1 min settle) x (1 + 1 extension), in the estimate and the stepper alike.
  expect(ReleaseEstimate.of(canary)!.parts.find((p) => p.label === 'in-hook steps with extensions')!.duration.toMinutes()).toBe(12);
  expect(stepEndsAt(0, 300, 1)).toBe(12 * 60_000);
});
