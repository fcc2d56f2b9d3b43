/**
 * The rollback alarms of lib/alarms/rollback-alarms.ts, evaluated on the simulated metrics of both
 * target groups (each alarm watches the larger of the two groups' values, IF(tg1 > tg2, tg1, tg2)). Each alarm is a metric-math expression over one-minute datapoints; the functions
 * below compute exactly those expressions (test/cli/rehearse-alarms.test.ts evaluates the
 * expressions RollbackAlarms renders and proves they agree), and `alarmInAlarm` applies the
 * alarms' "M of N" rule with missing data not breaching. CodeDeploy watches them for the whole
 * deployment and stops it (with a rollback) when one is in ALARM.
 */
import type { AnalysisConfig } from '../../../lib/runtime-config';
import { attempts, errorRateLowerBound } from '../../../lib/policy/error-rate';
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
  /** TargetResponseTime, seconds (p95 or p99). */
  readonly latency?: number;
  /** UnHealthyHostCount, Maximum. */
  readonly unhealthy?: number;
}

const fill = (x: number | undefined) => x ?? 0;

/** The error-rate alarm's expression, evaluated (lib/policy/error-rate.ts holds both forms). */
export function errorRateValue(v: AlarmInputs, minRequests: number): number {
  return errorRateLowerBound(v, minRequests);
}

/** `IF(FILL(requests, 0) >= gate, latency, 0)`. */
export function latencyValue(v: AlarmInputs, minRequests: number): number {
  // A true IF condition whose chosen series has no datapoint gives 0 (CloudWatch User Guide,
  // "Using IF expressions"); with enough requests the load balancer publishes a latency anyway.
  return fill(v.requests) >= minRequests ? fill(v.latency) : 0;
}

/** `IF(attempts >= 1, FILL(unhealthy, 0), 0)`: unhealthy hosts count only while the target group serves a request. */
export function unhealthyValue(v: AlarmInputs): number {
  return attempts(v) >= 1 ? fill(v.unhealthy) : 0;
}

/**
 * `IF(tg1 > tg2, tg1, tg2)`: each alarm watches the larger of the two target groups' values in a
 * minute (lib/alarms/rollback-alarms.ts), exactly as CloudWatch documents it: the comparison counts
 * a missing value as 0, a true condition with tg1 missing gives 0, a false one with tg2 missing no
 * datapoint; no datapoint when neither group has one.
 */
export function eitherValue(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) > (b ?? 0) ? (a ?? 0) : b;
}

/** The alarms' timing: RollbackThresholds' defaults (breachMinutes, evaluationMinutes are not in the runtime configuration). */
export interface AlarmTiming {
  readonly breachMinutes: number;
  readonly evaluationMinutes: number;
}

export const DEFAULT_ALARM_TIMING: AlarmTiming = POLICY_ALARM_TIMING;

/** The rehearsal's header line describing the alarms. */
export function describeAlarms(t: AnalysisConfig, timing: AlarmTiming = DEFAULT_ALARM_TIMING): string {
  return `rollback alarms on both target groups, ${timing.breachMinutes} of ${timing.evaluationMinutes} minutes: 5xx+connection errors `
    + `above ${t.maxErrorRatePercent} % at 99 % confidence, p95 > ${t.maxP95Ms} ms, p99 > ${t.maxP99Ms} ms, each in minutes with >= ${t.minRequests} requests; `
    + `unhealthy hosts > ${t.maxUnhealthyHosts} for ${t.unhealthyMinutes} of ${t.unhealthyMinutes} minutes while serving; checked by CodeDeploy every minute`;
}

/** Datapoints of one simulated minute, read the way the simulated CloudWatch answers GetMetricData. */
function inputs(sim: SimulatedAws, side: Side, minuteMs: number, stat?: 'p95' | 'p99'): AlarmInputs {
  const ms = stat ? sim.datapoint(side, minuteMs, 'TargetResponseTime', stat) : undefined;
  return {
    requests: sim.datapoint(side, minuteMs, 'RequestCount', 'Sum'),
    errors: sim.datapoint(side, minuteMs, 'HTTPCode_Target_5XX_Count', 'Sum'),
    connerrors: sim.datapoint(side, minuteMs, 'TargetConnectionErrorCount', 'Sum'),
    // The simulated targets are HTTP: no TLS negotiation errors, no datapoint.
    tlserrors: sim.datapoint(side, minuteMs, 'TargetTLSNegotiationErrorCount', 'Sum'),
    latency: ms === undefined ? undefined : ms / 1000,
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
    ['P95Latency', series((side, m) => latencyValue(inputs(sim, side, m, 'p95'), gate), last), t.maxP95Ms / 1000, (x) => `p95 ${(x * 1000).toFixed(0)} ms > ${t.maxP95Ms} ms`],
    ['P99Latency', series((side, m) => latencyValue(inputs(sim, side, m, 'p99'), gate), last), t.maxP99Ms / 1000, (x) => `p99 ${(x * 1000).toFixed(0)} ms > ${t.maxP99Ms} ms`],
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
