/**
 * The rollback alarms of lib/alarms/rollback-alarms.ts, evaluated on the simulated metrics: per
 * target group, 5xx rate, p95 and p99 above their limit in `breachMinutes` of the last
 * `evaluationMinutes` published minutes, or unhealthy hosts above the limit for `unhealthyMinutes`
 * in a row; missing data is not breaching. CodeDeploy watches them for the whole deployment and
 * stops it (with a rollback) when one is in ALARM.
 */
import type { AnalysisConfig } from '../../../lib/runtime-config';
import { DEFAULT_ALARM_BREACH_MINUTES, DEFAULT_ALARM_EVALUATION_MINUTES } from './defaults';
import type { SimulatedAws } from './simulated-aws';

type Side = 'blue' | 'green';

/** The alarm in ALARM now, described in one line; undefined when every alarm is OK. */
export function alarmInAlarm(sim: SimulatedAws, t: AnalysisConfig): string | undefined {
  const evaluation = DEFAULT_ALARM_EVALUATION_MINUTES;
  const breach = DEFAULT_ALARM_BREACH_MINUTES;
  for (const side of ['green', 'blue'] as Side[]) {
    const span = Math.max(evaluation, t.unhealthyMinutes) + 2;
    const all = sim.publishedMinutes(sim.nowMs - span * 60_000, sim.nowMs).map((m) => sim.minute(side, m));
    const last = all.slice(-evaluation);
    const rates = last.map((s) => (s.requests ? (100 * (s.errors5xx ?? 0)) / s.requests : undefined));
    const checks: [string, (number | undefined)[], number, string][] = [
      ['ErrorRate', rates, t.maxErrorRatePercent, '%'],
      ['P95Latency', last.map((s) => s.p95Ms), t.maxP95Ms, 'ms'],
      ['P99Latency', last.map((s) => s.p99Ms), t.maxP99Ms, 'ms'],
    ];
    for (const [name, values, limit, unit] of checks) {
      const breaching = values.filter((v) => v !== undefined && v > limit);
      if (breaching.length >= breach) {
        const worst = Math.max(...(breaching as number[]));
        return `${name} alarm of the ${side} target group: ${worst.toFixed(unit === '%' ? 2 : 0)} ${unit} > ${limit} ${unit} in ${breaching.length} of the last ${last.length} minutes`;
      }
    }
    const minutes = Math.max(1, t.unhealthyMinutes);
    const unhealthy = all.slice(-minutes).map((s) => s.unhealthyHosts);
    if (unhealthy.length >= minutes && unhealthy.every((u) => u > t.maxUnhealthyHosts)) {
      return `UnhealthyHosts alarm of the ${side} target group: more than ${t.maxUnhealthyHosts} for ${minutes} minutes`;
    }
  }
  return undefined;
}
