/**
 * The 5xx rate of a target group, one definition for the alarms' and the dashboard's metric math
 * (CloudWatch evaluates the expression texts) and for the CLI's model of the alarms (the numeric
 * twins). Connection and TLS errors to the targets are failed attempts: the client got a 5xx from
 * the load balancer (docs/notes/alarms.md), so they count as errors and as attempts.
 *
 * Metric ids: `errors` (HTTPCode_Target_5XX_Count), `requests` (RequestCount), `connerrors`
 * (TargetConnectionErrorCount), `tlserrors` (TargetTLSNegotiationErrorCount), all Sum, each with
 * an optional suffix (ids must be unique within one dashboard graph).
 */
import { ERROR_RATE_CONFIDENCE_Z } from './release-policy';

/** Attempts in the minute: requests plus connection and TLS errors, missing datapoints as 0. */
export function attemptsExpression(suffix = ''): string {
  return `FILL(requests${suffix}, 0) + FILL(connerrors${suffix}, 0) + FILL(tlserrors${suffix}, 0)`;
}

/** Failed attempts in the minute: 5xx from the targets plus connection and TLS errors. */
export function failedExpression(suffix = ''): string {
  return `FILL(errors${suffix}, 0) + FILL(connerrors${suffix}, 0) + FILL(tlserrors${suffix}, 0)`;
}

/** The observed rate in percent (the dashboard's line). */
export function errorRateExpression(suffix = ''): string {
  return `100 * (${failedExpression(suffix)}) / (${attemptsExpression(suffix)})`;
}

/**
 * One-sided lower confidence bound of the rate in percent (normal approximation to the Poisson
 * count, e - z·√e), 0 below `gate` attempts: above a limit only when the data show it.
 */
export function errorRateLowerBoundExpression(gate: number | string, suffix = ''): string {
  const attempts = attemptsExpression(suffix);
  const failed = failedExpression(suffix);
  return `IF((${attempts}) >= ${gate}, 100 * ((${failed}) - ${ERROR_RATE_CONFIDENCE_Z} * (${failed}) ^ 0.5) / (${attempts}), 0)`;
}

/** One minute's counts as the metric math sees them (undefined: no datapoint). */
export interface ErrorCounts {
  readonly requests?: number;
  readonly errors?: number;
  readonly connerrors?: number;
  readonly tlserrors?: number;
}

const fill = (x: number | undefined) => x ?? 0;

/** attemptsExpression, evaluated. */
export function attempts(c: ErrorCounts): number {
  return fill(c.requests) + fill(c.connerrors) + fill(c.tlserrors);
}

/** failedExpression, evaluated. */
export function failed(c: ErrorCounts): number {
  return fill(c.errors) + fill(c.connerrors) + fill(c.tlserrors);
}

/** errorRateLowerBoundExpression, evaluated. */
export function errorRateLowerBound(c: ErrorCounts, gate: number): number {
  const n = attempts(c);
  const e = failed(c);
  return n >= gate ? (100 * (e - ERROR_RATE_CONFIDENCE_Z * e ** 0.5)) / n : 0;
}
