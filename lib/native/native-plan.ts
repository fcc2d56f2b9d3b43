/**
 * How a TrafficSchedule runs on Amazon ECS's own blue/green engine. Pure and free of aws-cdk-lib
 * so the construct, the hook and the CLI (plan, rehearse) share one implementation.
 *
 * ECS shifts the production listener rule itself; we never write its weights. A schedule of
 * different percents and bakes (5 % 5 min → 25 % 10 min → 50 % 15 min) becomes a native LINEAR
 * strategy whose step is the greatest common divisor of the percents and 100, with a step bake of
 * 0: ECS calls the PRODUCTION_TRAFFIC_SHIFT hook at every step, the hook answers SUCCEEDED at once
 * on the in-between steps and holds (IN_PROGRESS, judging every interval) on the schedule's own.
 * A single-step schedule becomes CANARY (any percent from 0.1), an empty one BLUE_GREEN.
 */
import { worstCaseStepSeconds } from '../policy/release-policy';

/** One schedule step in the runtime form (percent of production on green, bake in seconds). */
export interface NativeStep {
  readonly percent: number;
  readonly bakeSeconds: number;
}

export type NativeStrategyName = 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

export interface NativePlan {
  readonly strategy: NativeStrategyName;
  /** LINEAR: percent of each equal ECS step. CANARY: the canary percent. */
  readonly stepPercent?: number;
  /** The steps our hook holds and judges, in order. */
  readonly holds: readonly NativeStep[];
  /** Every percent ECS passes through before 100 % (LINEAR: every multiple of stepPercent). */
  readonly shifts: readonly number[];
}

/** ECS LINEAR accepts a step percent of at least 3.0 (ECS developer guide, linear deployments). */
export const MIN_LINEAR_STEP_PERCENT = 3;

/**
 * Largest time a hook may hold one stage on ECS: the lifecycle hook timeout is at most 20160 min
 * (14 days, ECS API DeploymentLifecycleHookTimeoutConfiguration); its default is 1440 min (24 h).
 */
export const NATIVE_HOOK_TIMEOUT_DEFAULT_MINUTES = 1440;

/**
 * How long the holds of one deployment may take at worst: the default hook timeout less an hour of
 * margin. [inference] The docs do not say whether the timeout counts per call series or for the
 * whole stage; we assume the stricter, since aws-cdk-lib 2.276 (and cfn-lint's schema) cannot set
 * the hook's TimeoutConfiguration yet.
 */
export const NATIVE_HOOK_HOLD_BUDGET_MINUTES = NATIVE_HOOK_TIMEOUT_DEFAULT_MINUTES - 60;

/**
 * CloudFormation gives up on a stack operation after 36 h (CloudFormation docs of ECS
 * CanaryConfiguration); a schedule whose nominal duration comes near it cannot finish inside one
 * `cdk deploy`. We refuse schedules over 33 h, the margin CloudFormation itself uses for canaries.
 */
export const NATIVE_MAX_SCHEDULE_MINUTES = 33 * 60;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The plan for `steps` (integer percents 1..99, strictly increasing), or the reason it has none. */
export function nativePlan(steps: readonly NativeStep[]): { plan?: NativePlan; error?: string } {
  if (steps.length === 0) return { plan: { strategy: 'BLUE_GREEN', holds: [], shifts: [] } };
  if (steps.length === 1) {
    return { plan: { strategy: 'CANARY', stepPercent: steps[0].percent, holds: steps, shifts: [steps[0].percent] } };
  }
  const step = steps.reduce((g, s) => gcd(g, s.percent), 100);
  if (step < MIN_LINEAR_STEP_PERCENT) {
    const percents = steps.map((s) => s.percent).join(', ');
    return {
      error: `the ECS engine runs a multi-step schedule as equal LINEAR steps of the greatest common divisor of its percents and 100, `
        + `which is ${step} % for ${percents}; ECS needs at least ${MIN_LINEAR_STEP_PERCENT} %. `
        + 'Use percents that share a divisor of 3 or more (e.g. 5, 25, 50), or the CodeDeploy engine.',
    };
  }
  const shifts: number[] = [];
  for (let p = step; p < 100; p += step) shifts.push(p);
  return { plan: { strategy: 'LINEAR', stepPercent: step, holds: steps, shifts } };
}

/** Longest time the hook holds the steps: each hold's bake and settle minute, once more per extension. */
export function worstCaseNativeMinutes(plan: NativePlan, maxExtensions: number): number {
  return plan.holds.reduce((sum, h) => sum + worstCaseStepSeconds(h.bakeSeconds, maxExtensions) / 60, 0);
}

/** Minutes from the first shift to 100 % when every hold passes at once (each hold: bake + settle minute). */
export function nominalNativeMinutes(plan: NativePlan): number {
  return worstCaseNativeMinutes(plan, 0);
}

/** One line per shift for `canary plan`: what ECS does and what our hook does at each. */
export function describeNativePlan(plan: NativePlan): string[] {
  const lines = [`ECS strategy ${plan.strategy}${plan.stepPercent !== undefined ? ` (${plan.strategy === 'LINEAR' ? 'step' : 'canary'} ${plan.stepPercent} %)` : ''}`];
  let at = 0;
  for (const p of plan.shifts) {
    const hold = plan.holds.find((h) => h.percent === p);
    if (hold) {
      const minutes = worstCaseStepSeconds(hold.bakeSeconds, 0) / 60;
      lines.push(`t+${at} min: ${p} % - hook holds ${minutes} min and judges every interval`);
      at += minutes;
    } else {
      lines.push(`t+${at} min: ${p} % - passed through at once`);
    }
  }
  lines.push(`t+${at} min: 100 %`);
  return lines;
}
