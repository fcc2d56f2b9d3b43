/**
 * The rollback alarms of lib/alarms/rollback-alarms.ts, evaluated on the simulated metrics of both
 * target groups (each alarm watches the larger of the two groups' values, IF(tg1 > tg2, tg1, tg2)). Each alarm is a metric-math expression over one-minute datapoints; the functions
 * below compute exactly those expressions (test/cli/rehearse-alarms.test.ts evaluates the
 * expressions RollbackAlarms renders and proves they agree), and `alarmInAlarm` applies the
 * alarms' "M of N" rule with missing data not breaching. CodeDeploy watches them for the whole
 * deployment and stops it (with a rollback) when one is in ALARM.
 */
import type { AnalysisConfig } from '../../../lib/runtime-config';
import { ifGreater, latencyOverLimit, unhealthyWhileServing } from '../../../lib/policy/alarm-math';
import { errorRateLowerBound } from '../../../lib/policy/error-rate';
import { DEFAULT_ALARM_TIMING as POLICY_ALARM_TIMING, ERROR_RATE_CONFIDENCE_Z } from '../../../lib/policy/release-policy';
import type { SimulatedAws } from './simulated-aws';

type Side = 'blue' | 'green';

/** z of the error-rate alarm's one-sided 99 % lower bound (the policy's, as RollbackAlarms renders it). */
export const ALARM_CONFIDENCE_Z = ERROR_RATE_CONFIDENCE_Z;

/** One minute of a target group's datapoints as the alarms' metric math sees them (undefined: no datapoint). */
export interface AlarmInputs {
  /** RequestCount, Sum. */
  readonly requests?: number;
  /** HTTPCode_Target_5XX_Count, Sum. */
  readonly errors?: number;
  /** TargetConnectionErrorCount, Sum. */
  readonly connerrors?: number;
  /** TargetTLSNegotiationErrorCount, Sum. */
  readonly tlserrors?: number;
  /** TargetResponseTime p95, seconds. */
  readonly p95?: number;
  /** TargetResponseTime p99, seconds. */
  readonly p99?: number;
  /** UnHealthyHostCount, Maximum. */
  readonly unhealthy?: number;
}

/** The error-rate alarm's expression, evaluated (lib/policy/error-rate.ts holds both forms). */
export function errorRateValue(v: AlarmInputs, minRequests: number): number {
  return errorRateLowerBound(v, minRequests);
}

/** The latency alarm's expression, evaluated: latency over its limit (lib/policy/alarm-math.ts holds both forms). */
export function latencyValue(v: AlarmInputs, t: Pick<AnalysisConfig, 'minRequests' | 'maxP95Ms' | 'maxP99Ms'>): number {
  return latencyOverLimit(v, t.minRequests, t.maxP95Ms / 1000, t.maxP99Ms / 1000);
}

/** The unhealthy-host alarm's expression, evaluated: unhealthy hosts count only in a minute the group served a request. */
export function unhealthyValue(v: AlarmInputs): number {
  return unhealthyWhileServing(v);
}

/**
 * `IF(tg1 > tg2, tg1, tg2)`: each alarm watches the larger of the two target groups' values in a
 * minute (lib/alarms/rollback-alarms.ts), exactly as CloudWatch documents it: the comparison counts
 * a missing value as 0, a true condition with tg1 missing gives 0, a false one with tg2 missing no
 * datapoint; no datapoint when neither group has one.
 */
export const eitherValue = ifGreater;

/** The alarms' timing: RollbackThresholds' defaults (breachMinutes, evaluationMinutes are not in the runtime configuration). */
export interface AlarmTiming {
  readonly breachMinutes: number;
  readonly evaluationMinutes: number;
}

export const DEFAULT_ALARM_TIMING: AlarmTiming = POLICY_ALARM_TIMING;

/** The rehearsal's header line describing the alarms. */
export function describeAlarms(t: AnalysisConfig, timing: AlarmTiming = DEFAULT_ALARM_TIMING): string {
  return `rollback alarms on both target groups, ${timing.breachMinutes} of ${timing.evaluationMinutes} minutes: 5xx+connection errors `
    + `above ${t.maxErrorRatePercent} % at 99 % confidence, p95 > ${t.maxP95Ms} ms or p99 > ${t.maxP99Ms} ms, each in minutes with >= ${t.minRequests} requests; `
    + `unhealthy hosts > ${t.maxUnhealthyHosts} for ${t.unhealthyMinutes} of ${t.unhealthyMinutes} minutes while serving; checked by CodeDeploy every minute`;
}

/** Datapoints of one simulated minute, read the way the simulated CloudWatch answers GetMetricData. */
function inputs(sim: SimulatedAws, side: Side, minuteMs: number): AlarmInputs {
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  return {
    requests: sim.datapoint(side, minuteMs, 'RequestCount', 'Sum'),
    errors: sim.datapoint(side, minuteMs, 'HTTPCode_Target_5XX_Count', 'Sum'),
    connerrors: sim.datapoint(side, minuteMs, 'TargetConnectionErrorCount', 'Sum'),
    // The simulated targets are HTTP: no TLS negotiation errors, no datapoint.
    tlserrors: sim.datapoint(side, minuteMs, 'TargetTLSNegotiationErrorCount', 'Sum'),
    p95: seconds(sim.datapoint(side, minuteMs, 'TargetResponseTime', 'p95')),
    p99: seconds(sim.datapoint(side, minuteMs, 'TargetResponseTime', 'p99')),
    unhealthy: sim.datapoint(side, minuteMs, 'UnHealthyHostCount', 'Maximum'),
  };
}

/**
 * The alarm in ALARM now, described in one line; undefined when every alarm is OK. Each alarm
 * covers both target groups (one value a minute: the larger); the line names the group with the
 * worst breaching value (green on a tie).
 */
export function alarmInAlarm(sim: SimulatedAws, t: AnalysisConfig, timing: AlarmTiming = DEFAULT_ALARM_TIMING): string | undefined {
  const { evaluationMinutes: evaluation, breachMinutes: breach } = timing;
  const gate = t.minRequests;
  const sides: Side[] = ['green', 'blue'];
  // The last published minutes; a minute the expression gives no value for is missing: not breaching.
  const span = Math.max(evaluation, t.unhealthyMinutes) + 2;
  const minutes = sim.publishedMinutes(sim.nowMs - span * 60_000, sim.nowMs);
  const last = minutes.slice(-evaluation);
  /** Per minute: each side's value and the MAX the alarm sees. */
  const series = (value: (side: Side, m: number) => number | undefined, of: number[]) => of.map((m) => {
    const [green, blue] = sides.map((side) => value(side, m));
    return { green, blue, max: eitherValue(green, blue) };
  });
  const checks: [string, ReturnType<typeof series>, number, (x: number) => string][] = [
    ['ErrorRate', series((side, m) => errorRateValue(inputs(sim, side, m), gate), last), t.maxErrorRatePercent, (x) => `99 % lower bound ${x.toFixed(2)} % > ${t.maxErrorRatePercent} %`],
    ['Latency', series((side, m) => latencyValue(inputs(sim, side, m), t), last), 1, (x) => `latency at ${x.toFixed(2)}x its limit (p95 ${t.maxP95Ms} ms, p99 ${t.maxP99Ms} ms)`],
  ];
  const worstSide = (breaching: ReturnType<typeof series>) => {
    const worst = breaching.reduce((a, b) => (b.max! > a.max! ? b : a));
    return worst.green === worst.max ? 'green' : 'blue';
  };
  for (const [name, values, threshold, say] of checks) {
    const breaching = values.filter((v) => v.max !== undefined && v.max > threshold);
    if (breaching.length >= breach) {
      return `${name} alarm of the ${worstSide(breaching)} target group: ${say(Math.max(...breaching.map((v) => v.max!)))} in ${breaching.length} of the last ${last.length} minutes`;
    }
  }
  const n = Math.max(1, t.unhealthyMinutes);
  const unhealthy = series((side, m) => unhealthyValue(inputs(sim, side, m)), minutes.slice(-n));
  if (unhealthy.length >= n && unhealthy.filter((u) => u.max! > t.maxUnhealthyHosts).length >= n) {
    return `UnhealthyHosts alarm of the ${worstSide(unhealthy)} target group: more than ${t.maxUnhealthyHosts} while serving for ${n} minutes`;
  }
  return undefined;
}
