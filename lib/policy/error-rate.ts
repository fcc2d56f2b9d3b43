/**
 * The 5xx rate of a target group, one definition for the alarms' and the dashboard's metric math
 * (CloudWatch evaluates the expression texts) and for the CLI's model of the alarms (the numeric
 * twins). Connection and TLS errors to the targets are failed attempts: the client got a 5xx from
 * the load balancer (docs/notes/alarms.md), so they count as errors and as attempts.
 *
 * Metric ids: `errors` (HTTPCode_Target_5XX_Count), `requests` (RequestCount), `connerrors`
 * (TargetConnectionErrorCount), `tlserrors` (TargetTLSNegotiationErrorCount), all Sum, each with
 * an optional suffix (ids must be unique within one dashboard graph).
 *
 * `tls`: whether TLS negotiation errors can occur. ALB publishes TargetTLSNegotiationErrorCount only
 * for connections to HTTPS targets (ALB user guide, "CloudWatch metrics": "TLS connections initiated
 * by the load balancer that did not establish a session with the target"), so for HTTP target groups
 * the term is always 0 and the expressions leave it (and its metric) out: the same value in fewer
 * template bytes (issue 12). When the protocol is not known, it stays in.
 */
import { ERROR_RATE_CONFIDENCE_Z } from './release-policy';

/** Attempts in the minute: requests plus connection and TLS errors, missing datapoints as 0. */
export function attemptsExpression(suffix = '', tls = true): string {
  return `FILL(requests${suffix}, 0) + ${connectionErrorsExpression(suffix, tls)}`;
}

/** Failed attempts in the minute: 5xx from the targets plus connection and TLS errors. */
export function failedExpression(suffix = '', tls = true): string {
  return `FILL(errors${suffix}, 0) + ${connectionErrorsExpression(suffix, tls)}`;
}

/** Connection (and, with `tls`, TLS negotiation) errors to the targets in the minute. */
function connectionErrorsExpression(suffix: string, tls: boolean): string {
  return tls ? `FILL(connerrors${suffix}, 0) + FILL(tlserrors${suffix}, 0)` : `FILL(connerrors${suffix}, 0)`;
}

/** The observed rate in percent (the dashboard's line). */
export function errorRateExpression(suffix = '', tls = true): string {
  return `100 * (${failedExpression(suffix, tls)}) / (${attemptsExpression(suffix, tls)})`;
}

/**
 * One-sided lower confidence bound of the rate in percent (normal approximation to the Poisson
 * count, e - z·√e), 0 below `gate` attempts: above a limit only when the data show it.
 */
export function errorRateLowerBoundExpression(gate: number | string, suffix = '', tls = true): string {
  const attempts = attemptsExpression(suffix, tls);
  const failed = failedExpression(suffix, tls);
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
