/**
 * The judge: compares the new (green) version's load balancer metrics over a window with the
 * absolute thresholds and with the stable (blue) version.
 *
 * Pure and total: no I/O, no clock, never throws. The same input always gives the same verdict,
 * so a verdict can be replayed from a decision record. Garbage in (NaN, negative, non-number,
 * missing) is treated as "no datapoint", never as a number.
 */
import type { AnalysisConfig } from '../../lib/runtime-config';
import type { CheckName, CheckResult, JudgeInput, MinuteSample, Outcome, Verdict } from './types';

/** One side (green or blue) aggregated over the judged window. */
export interface SideAggregate {
  /** Number of per-minute samples in the window. */
  readonly minutes: number;
  readonly requests: number;
  readonly errors5xx: number;
  /** 100 * errors / requests; undefined when there were no requests. */
  readonly errorRatePercent?: number;
  /** Highest per-minute p95 / p99 in milliseconds; undefined when no minute had one. */
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  /** Unhealthy hosts per minute, oldest first; a missing datapoint counts as 0. */
  readonly unhealthyPerMinute: readonly number[];
}

/**
 * Values above this are garbage (no target group sees 9e15 requests a minute); clamping instead
 * of dropping them keeps sums finite while "more" still means "more", so the checks stay monotonic.
 */
const MAX_VALUE = Number.MAX_SAFE_INTEGER;

/** A usable number: finite and non-negative (clamped to MAX_VALUE); anything else is missing. */
export function usable(x: unknown): number | undefined {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return undefined;
  return Math.min(x, MAX_VALUE);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** The samples as a list of objects, whatever arrived (the Lambda input is untyped JSON). */
function sampleList(samples: readonly MinuteSample[] | undefined): Partial<MinuteSample>[] {
  if (!Array.isArray(samples)) return [];
  return samples.map((s: unknown) => (typeof s === 'object' && s !== null ? (s as Partial<MinuteSample>) : {}));
}

export function aggregate(samples: readonly MinuteSample[] | undefined): SideAggregate {
  const list = sampleList(samples);
  let requests = 0;
  let errors5xx = 0;
  let p95Ms: number | undefined;
  let p99Ms: number | undefined;
  const unhealthyPerMinute: number[] = [];
  for (const s of list) {
    // ALB publishes no RequestCount / HTTPCode_Target_5XX_Count for a minute without any: 0.
    requests += usable(s.requests) ?? 0;
    errors5xx += usable(s.errors5xx) ?? 0;
    // The max of the per-minute percentiles bounds the window's percentile from above (each minute
    // has at most 5 % / 1 % of its requests above its own value), so latency is never understated.
    p95Ms = maxDefined(p95Ms, usable(s.p95Ms));
    p99Ms = maxDefined(p99Ms, usable(s.p99Ms));
    // A missing UnHealthyHostCount datapoint counts as 0 (ALB omits it at times); this check
    // therefore cannot fail on missing data: health is also guarded by ECS and the alarms.
    unhealthyPerMinute.push(usable(s.unhealthyHosts) ?? 0);
  }
  return {
    minutes: list.length,
    requests,
    errors5xx,
    errorRatePercent: requests > 0 ? (100 * errors5xx) / requests : undefined,
    p95Ms,
    p99Ms,
    unhealthyPerMinute,
  };
}

/**
 * The highest level held for `minutes` consecutive minutes: max over every run of that length of
 * the run's minimum. "More than N unhealthy hosts for M consecutive minutes" is exactly
 * `sustainedLevel(perMinute, M) > N`. Undefined when the window is shorter than `minutes`.
 */
export function sustainedLevel(perMinute: readonly number[], minutes: number): number | undefined {
  const span = Math.max(1, Math.ceil(minutes));
  if (!(span <= perMinute.length)) return undefined;
  // Windows are a few dozen minutes: the plain O(n x span) scan is clear and fast enough.
  let best = -Infinity;
  for (let start = 0; start + span <= perMinute.length; start++) {
    let low = Infinity;
    for (let i = start; i < start + span; i++) low = Math.min(low, perMinute[i]);
    best = Math.max(best, low);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Checks

interface Context {
  readonly green: SideAggregate;
  readonly blue: SideAggregate;
  readonly thresholds: Partial<AnalysisConfig>;
  /** thresholds.minRequests when usable, else 0. */
  readonly minRequests: number;
  /** Green saw at least minRequests requests, and at least one: no data never passes. */
  readonly enoughTraffic: boolean;
}

/** Trims a number for a detail line: at most `digits` decimals, no trailing zeros. */
function num(x: number, digits = 2): string {
  return String(Number(x.toFixed(digits)));
}

function pct(x: number): string {
  return `${x.toFixed(2)} %`;
}

function ms(x: number): string {
  return `${num(x, 1)} ms`;
}

function result(check: CheckName, outcome: Outcome, observed: number | undefined, limit: number | undefined, text: string): CheckResult {
  return { check, outcome, observed, limit, detail: `${check} ${text} (${outcome})` };
}

/** A threshold that is not a non-negative number cannot judge anything: inconclusive, not pass. */
function invalidLimit(check: CheckName, field: keyof AnalysisConfig, observed?: number): CheckResult {
  return result(check, 'inconclusive', observed, undefined, `threshold ${field} is not a non-negative number`);
}

function minRequestsCheck(ctx: Context): CheckResult {
  const min = usable(ctx.thresholds.minRequests);
  const observed = ctx.green.requests;
  if (min === undefined) return invalidLimit('min-requests', 'minRequests', observed);
  // minRequests 0 still needs one request: never pass on no data.
  const limit = Math.max(min, 1);
  return ctx.enoughTraffic
    ? result('min-requests', 'pass', observed, limit, `${num(observed)} >= ${num(limit)}`)
    : result('min-requests', 'inconclusive', observed, limit, `${num(observed)} < ${num(limit)}`);
}

/**
 * Green's error rate against `limit` (percent). Below minRequests a rate is noise, so it fails
 * only if it would still exceed the limit had the rest of minRequests all succeeded, i.e.
 * 100 * errors / max(requests, minRequests) > limit (20 errors in 20 requests with minRequests
 * 100 and a 1 % limit fails); otherwise it is inconclusive, never pass. With enough traffic the
 * two formulas agree, so adding errors can only move a check towards fail.
 */
function greenErrorRate(ctx: Context, check: CheckName, limit: number, limitText: string): CheckResult {
  const { requests, errors5xx, errorRatePercent: observed } = ctx.green;
  if (ctx.enoughTraffic && observed !== undefined) {
    return observed > limit
      ? result(check, 'fail', observed, limit, `${pct(observed)} > ${limitText}`)
      : result(check, 'pass', observed, limit, `${pct(observed)} <= ${limitText}`);
  }
  const denominator = Math.max(requests, ctx.minRequests, 1);
  const bestCase = (100 * errors5xx) / denominator;
  if (bestCase > limit) {
    const text = `${num(errors5xx)} errors in ${num(requests)} requests, ${pct(bestCase)} of ${num(denominator)} > ${limitText}`;
    return result(check, 'fail', observed, limit, text);
  }
  const text = observed === undefined ? 'no requests' : `${pct(observed)} on only ${num(requests)} requests`;
  return result(check, 'inconclusive', observed, limit, text);
}

function errorRateCheck(ctx: Context): CheckResult {
  const limit = usable(ctx.thresholds.maxErrorRatePercent);
  if (limit === undefined) return invalidLimit('error-rate', 'maxErrorRatePercent', ctx.green.errorRatePercent);
  return greenErrorRate(ctx, 'error-rate', limit, `${num(limit)} %`);
}

/**
 * Latency over the limit fails even on thin traffic: a slow response is slow however few there
 * are (minRequests exists for rates). Note the cost: p99 of 20 requests is about their maximum.
 * Under the limit on thin traffic is inconclusive; no latency data at all is inconclusive.
 */
function greenLatency(ctx: Context, check: CheckName, observed: number | undefined, limit: number, limitText: string): CheckResult {
  if (observed === undefined) return result(check, 'inconclusive', undefined, limit, 'no latency data');
  if (observed > limit) return result(check, 'fail', observed, limit, `${ms(observed)} > ${limitText}`);
  if (!ctx.enoughTraffic) {
    return result(check, 'inconclusive', observed, limit, `${ms(observed)} <= ${limitText} on only ${num(ctx.green.requests)} requests`);
  }
  return result(check, 'pass', observed, limit, `${ms(observed)} <= ${limitText}`);
}

function latencyCheck(ctx: Context, check: 'p95-latency' | 'p99-latency'): CheckResult {
  const field = check === 'p95-latency' ? 'maxP95Ms' : 'maxP99Ms';
  const observed = check === 'p95-latency' ? ctx.green.p95Ms : ctx.green.p99Ms;
  const limit = usable(ctx.thresholds[field]);
  if (limit === undefined) return invalidLimit(check, field, observed);
  return greenLatency(ctx, check, observed, limit, ms(limit));
}

/**
 * Samples are taken as consecutive minutes in array order (the fetcher emits one per minute,
 * oldest first); timestamps are not used, so a timestamp glitch cannot hide a failure.
 * Host health does not depend on traffic, so this check judges even below minRequests.
 */
function unhealthyHostsCheck(ctx: Context): CheckResult {
  const check = 'unhealthy-hosts';
  const limit = usable(ctx.thresholds.maxUnhealthyHosts);
  if (limit === undefined) return invalidLimit(check, 'maxUnhealthyHosts');
  const minutesRaw = usable(ctx.thresholds.unhealthyMinutes);
  if (minutesRaw === undefined) return invalidLimit(check, 'unhealthyMinutes');
  const minutes = Math.max(1, Math.ceil(minutesRaw));
  const observed = sustainedLevel(ctx.green.unhealthyPerMinute, minutes);
  const span = `for ${minutes} consecutive minute${minutes === 1 ? '' : 's'}`;
  if (observed === undefined) {
    // A run cannot be complete yet; the next verdicts see longer windows.
    return result(check, 'pass', undefined, limit, `window of ${ctx.green.minutes} minutes shorter than ${minutes}`);
  }
  return observed > limit
    ? result(check, 'fail', observed, limit, `${num(observed)} > ${num(limit)} ${span}`)
    : result(check, 'pass', observed, limit, `${num(observed)} <= ${num(limit)} ${span}`);
}

/**
 * green rate <= ratio x max(blue rate, floor); the floor keeps 0.02 % vs 0 % from failing.
 * No blue requests is legitimate (blue may carry 0 % of the traffic), so there is no baseline:
 * the check steps aside (pass, said in the detail) and the absolute error-rate check judges alone.
 */
function errorRateVsStableCheck(ctx: Context, ratioRaw: unknown): CheckResult {
  const check = 'error-rate-vs-stable';
  const ratio = usable(ratioRaw);
  if (ratio === undefined) return invalidLimit(check, 'errorRateRatio', ctx.green.errorRatePercent);
  const floor = usable(ctx.thresholds.errorRateFloorPercent);
  if (floor === undefined) return invalidLimit(check, 'errorRateFloorPercent', ctx.green.errorRatePercent);
  const blueRate = ctx.blue.errorRatePercent;
  if (blueRate === undefined) {
    return result(check, 'pass', ctx.green.errorRatePercent, undefined, 'no stable traffic, absolute checks only');
  }
  const base = Math.max(blueRate, floor);
  const limit = ratio * base;
  const limitText = `${pct(limit)} (${num(ratio)} x ${blueRate >= floor ? 'stable' : 'floor'} ${pct(base)})`;
  return greenErrorRate(ctx, check, limit, limitText);
}

/** green p95 <= ratio x blue p95; without a blue p95 there is no baseline: steps aside (pass). */
function latencyVsStableCheck(ctx: Context, ratioRaw: unknown): CheckResult {
  const check = 'latency-vs-stable';
  const ratio = usable(ratioRaw);
  if (ratio === undefined) return invalidLimit(check, 'latencyRatio', ctx.green.p95Ms);
  const blueP95 = ctx.blue.p95Ms;
  if (blueP95 === undefined) {
    return result(check, 'pass', ctx.green.p95Ms, undefined, 'no stable p95, absolute checks only');
  }
  const limit = ratio * blueP95;
  return greenLatency(ctx, check, ctx.green.p95Ms, limit, `${ms(limit)} (${num(ratio)} x stable ${ms(blueP95)})`);
}

// ---------------------------------------------------------------------------------------------
// Verdict

function overall(checks: readonly CheckResult[]): Outcome {
  if (checks.some((c) => c.outcome === 'fail')) return 'fail';
  if (checks.some((c) => c.outcome === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

export function judge(input: JudgeInput): Verdict {
  // Defensive reads: the Lambda receives JSON, which the types cannot vouch for.
  const thresholds: Partial<AnalysisConfig> =
    typeof input?.thresholds === 'object' && input.thresholds !== null ? input.thresholds : {};
  const green = aggregate(input?.green);
  const blue = aggregate(input?.blue);
  const min = usable(thresholds.minRequests);
  const ctx: Context = {
    green,
    blue,
    thresholds,
    minRequests: min ?? 0,
    enoughTraffic: min !== undefined && green.requests >= Math.max(min, 1),
  };

  const checks: CheckResult[] = [
    minRequestsCheck(ctx),
    errorRateCheck(ctx),
    latencyCheck(ctx, 'p95-latency'),
    latencyCheck(ctx, 'p99-latency'),
    unhealthyHostsCheck(ctx),
  ];
  // Relative checks exist only when configured (null from JSON means "not configured" too).
  if (thresholds.errorRateRatio != null) checks.push(errorRateVsStableCheck(ctx, thresholds.errorRateRatio));
  if (thresholds.latencyRatio != null) checks.push(latencyVsStableCheck(ctx, thresholds.latencyRatio));

  const outcome = overall(checks);
  const reason =
    outcome === 'pass'
      ? 'all checks passed'
      : checks
          .filter((c) => c.outcome === outcome)
          .map((c) => c.detail)
          .join('; ');
  return { outcome, checks, reason };
}
