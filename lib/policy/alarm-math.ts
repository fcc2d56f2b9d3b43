/**
 * The latency and unhealthy-host alarms' metric math, one definition for the alarms (CloudWatch
 * evaluates the expression texts) and for the CLI's model of them (the numeric twins), as
 * `error-rate.ts` is for the error rate. Semantics as the CloudWatch User Guide documents them
 * ("Using math expressions with CloudWatch metrics"): a comparison of two series is per timestamp
 * with a missing value counting as 0; `IF(cond, a, b)` takes the chosen series' datapoint, and a
 * true condition whose chosen series has no datapoint gives 0, a false one no datapoint.
 *
 * Metric ids: `requests` (RequestCount, Sum), `p95_` / `p99_` (TargetResponseTime p95 / p99,
 * seconds), `unhealthy` (UnHealthyHostCount, Maximum), each with a suffix per target group.
 */

/** `IF(a > b, a, b)` evaluated: the larger of two series' datapoints in one minute (undefined: no datapoint). */
export function ifGreater(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) > (b ?? 0) ? (a ?? 0) : b;
}

/** `IF(cond, x, 0)` evaluated: a true condition with no datapoint of `x` gives 0. */
function ifElseZero(cond: boolean, x: number | undefined): number {
  return cond ? (x ?? 0) : 0;
}

/**
 * Latency over its limit in a minute with at least `gate` requests, else 0: the larger of
 * p95 / p95Limit and p99 / p99Limit (limits in seconds). Above 1 means a percentile is over its limit.
 */
export function latencyOverLimitExpression(gate: number | string, p95Limit: number, p99Limit: number, suffix = ''): string {
  const [a, b] = [`p95_${suffix} / ${p95Limit}`, `p99_${suffix} / ${p99Limit}`];
  return `IF(FILL(requests${suffix}, 0) >= ${gate}, IF(${a} > ${b}, ${a}, ${b}), 0)`;
}

/** One minute's datapoints of a target group as the latency alarm sees them (undefined: no datapoint). */
export interface LatencyInputs {
  readonly requests?: number;
  /** TargetResponseTime p95, seconds. */
  readonly p95?: number;
  /** TargetResponseTime p99, seconds. */
  readonly p99?: number;
}

/** latencyOverLimitExpression, evaluated. */
export function latencyOverLimit(v: LatencyInputs, gate: number, p95Limit: number, p99Limit: number): number {
  const ratio = (x: number | undefined, limit: number) => (x === undefined ? undefined : x / limit);
  return ifElseZero((v.requests ?? 0) >= gate, ifGreater(ratio(v.p95, p95Limit), ratio(v.p99, p99Limit)));
}

/**
 * Unhealthy hosts of a target group in a minute in which it served a request, else 0. RequestCount
 * counts every request for which the load balancer chose a target of the group (ALB user guide,
 * "CloudWatch metrics": "only incremented for requests where the load balancer node was able to
 * choose a target"), so a target that refuses the connection is counted too [inference:
 * docs/how-it-works-on-aws.md]; if it were not, a group failing every connection still fires the
 * error-rate alarm, from `minRequests` attempts a minute.
 */
export function unhealthyWhileServingExpression(suffix = ''): string {
  return `IF(FILL(requests${suffix}, 0) >= 1, FILL(unhealthy${suffix}, 0), 0)`;
}

/** unhealthyWhileServingExpression, evaluated. */
export function unhealthyWhileServing(v: { readonly requests?: number; readonly unhealthy?: number }): number {
  return (v.requests ?? 0) >= 1 ? (v.unhealthy ?? 0) : 0;
}
