/**
 * The judge: compares the new (green) version's load balancer metrics over a window with the
 * absolute thresholds and with the stable (blue) version, on evidence: a check fails only when a
 * one-sided test shows, at the configured confidence (default 99 %), that the limit is crossed.
 * A handful of requests that happen to cross a line is not evidence (docs/notes/judge.md).
 *
 * - Rates: exact binomial test of "green's rate <= limit"; against stable, a conditional binomial
 *   test of green's errors among both sides' errors, so the stable rate's own noise counts.
 * - Latency: request-weighted means of the per-minute percentiles (never the maximum of noisy
 *   small-sample minutes); a fail needs a test over the minutes: a t-test on the per-minute
 *   log-ratios, or Mann-Whitney U over per-minute p95 pairs from MIN_RANK_MINUTES minutes on.
 * - Below minRequests nothing passes (inconclusive), and nothing fails unless the test says so.
 *
 * Pure and total: no I/O, no clock, never throws. The same input always gives the same verdict,
 * so a verdict can be replayed from a decision record. Garbage in (NaN, negative, non-number,
 * missing) is treated as "no datapoint", never as a number.
 */
import { AnalysisConfig, DEFAULT_CONFIDENCE_PERCENT } from '../../lib/runtime-config';
import { binomialUpperTail, mannWhitneyGreater, studentTUpper } from './stats';
import type { CheckName, CheckResult, JudgeInput, MinuteSample, Outcome, Verdict } from './types';

/** From this many minutes with a p95 on both sides, latency-vs-stable uses a rank test (as Kayenta does). */
export const MIN_RANK_MINUTES = 8;

/** One minute with a latency datapoint. */
export interface LatencyMinute {
  readonly timestamp?: number;
  /** Requests of that minute (the weight); at least 1. */
  readonly weight: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
}

/** One side (green or blue) aggregated over the judged window. */
export interface SideAggregate {
  /** Number of per-minute samples in the window. */
  readonly minutes: number;
  readonly requests: number;
  readonly errors5xx: number;
  /** 100 * errors / requests; undefined when there were no requests. */
  readonly errorRatePercent?: number;
  /** Request-weighted mean of the per-minute p95 / p99, in ms; undefined when no minute had one. */
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  /** The minutes that had a latency datapoint, oldest first. */
  readonly latency: readonly LatencyMinute[];
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

/** The samples as a list of objects, whatever arrived (the Lambda input is untyped JSON). */
function sampleList(samples: readonly MinuteSample[] | undefined): Partial<MinuteSample>[] {
  if (!Array.isArray(samples)) return [];
  return samples.map((s: unknown) => (typeof s === 'object' && s !== null ? (s as Partial<MinuteSample>) : {}));
}

/** Request-weighted mean of one percentile over the minutes that have it. */
function weightedMean(minutes: readonly LatencyMinute[], key: 'p95Ms' | 'p99Ms'): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const m of minutes) {
    const v = m[key];
    if (v === undefined) continue;
    sum += v * m.weight;
    weight += m.weight;
  }
  return weight > 0 ? sum / weight : undefined;
}

export function aggregate(samples: readonly MinuteSample[] | undefined): SideAggregate {
  const list = sampleList(samples);
  let requests = 0;
  let errors5xx = 0;
  const latency: LatencyMinute[] = [];
  const unhealthyPerMinute: number[] = [];
  for (const s of list) {
    // ALB publishes no RequestCount / HTTPCode_Target_5XX_Count for a minute without any: 0.
    const r = usable(s.requests) ?? 0;
    requests += r;
    errors5xx += usable(s.errors5xx) ?? 0;
    const p95Ms = usable(s.p95Ms);
    const p99Ms = usable(s.p99Ms);
    if (p95Ms !== undefined || p99Ms !== undefined) {
      // A percentile of 2 000 requests says more than one of 20: weight each minute by its requests.
      latency.push({ timestamp: usable(s.timestamp), weight: Math.max(r, 1), p95Ms, p99Ms });
    }
    // A missing UnHealthyHostCount datapoint counts as 0 (ALB omits it at times); this check
    // therefore cannot fail on missing data: health is also guarded by ECS and the alarms.
    unhealthyPerMinute.push(usable(s.unhealthyHosts) ?? 0);
  }
  return {
    minutes: list.length,
    requests,
    errors5xx,
    errorRatePercent: requests > 0 ? (100 * errors5xx) / requests : undefined,
    p95Ms: weightedMean(latency, 'p95Ms'),
    p99Ms: weightedMean(latency, 'p99Ms'),
    latency,
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
  /** Green saw at least minRequests requests, and at least one: no data never passes. */
  readonly enoughTraffic: boolean;
  /** 1 - confidence: a check fails on p < alpha. */
  readonly alpha: number;
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

function pText(p: number): string {
  if (p === 0) return 'p = 0';
  return p < 0.0001 ? `p = ${p.toExponential(0)}` : `p = ${Number(p.toPrecision(2))}`;
}

/** "p = 0.0004 < 0.01" or "p = 0.2 >= 0.01": the test and the line it was held to. */
function evidence(p: number, alpha: number): string {
  return `${pText(p)} ${p < alpha ? '<' : '>='} ${num(alpha, 6)}`;
}

function result(check: CheckName, outcome: Outcome, observed: number | undefined, limit: number | undefined, text: string, pValue?: number): CheckResult {
  return { check, outcome, observed, limit, detail: `${check} ${text} (${outcome})`, ...(pValue !== undefined ? { pValue } : {}) };
}

/** A threshold that is not a non-negative number cannot judge anything: inconclusive, not pass. */
function invalidLimit(check: CheckName, field: keyof AnalysisConfig, observed?: number): CheckResult {
  return result(check, 'inconclusive', observed, undefined, `threshold ${field} is not a non-negative number`);
}

/** Not shown to be over the limit: pass with enough traffic, else inconclusive (never a silent pass). */
function notShown(ctx: Context, check: CheckName, observed: number | undefined, limit: number, text: string, pValue?: number): CheckResult {
  return ctx.enoughTraffic
    ? result(check, 'pass', observed, limit, text, pValue)
    : result(check, 'inconclusive', observed, limit, `${text}; only ${num(ctx.green.requests)} requests`, pValue);
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

function errorsText(errors: number, requests: number): string {
  return `${num(errors)} errors in ${num(requests)} requests (${pct(requests > 0 ? (100 * errors) / requests : 0)})`;
}

/**
 * Green's error rate against an absolute limit (percent): exact one-sided binomial test of
 * H0 "true rate <= limit", p = P(X >= errors | requests, limit). The test is what makes "certain"
 * failures fail early: 50 errors in 50 requests against 1 % has p ~ 1e-100, on any traffic,
 * while 1 error in 50 (2 %) has p = 0.4 and is no evidence at all.
 */
function errorRateCheck(ctx: Context): CheckResult {
  const check = 'error-rate';
  const limit = usable(ctx.thresholds.maxErrorRatePercent);
  const { requests, errors5xx, errorRatePercent: observed } = ctx.green;
  if (limit === undefined) return invalidLimit(check, 'maxErrorRatePercent', observed);
  if (requests <= 0) return result(check, 'inconclusive', undefined, limit, 'no requests');
  const errors = Math.min(errors5xx, requests);
  const p = binomialUpperTail(Math.ceil(errors), Math.floor(requests), limit / 100);
  const text = `${errorsText(errors5xx, requests)} vs ${num(limit)} %: ${evidence(p, ctx.alpha)}`;
  if (p < ctx.alpha) return result(check, 'fail', observed, limit, `${errorsText(errors5xx, requests)} > ${num(limit)} %: ${evidence(p, ctx.alpha)}`, p);
  return notShown(ctx, check, observed, limit, text, p);
}

/**
 * green rate <= ratio x max(blue rate, floor); the floor keeps 0.02 % vs 0 % from failing.
 *
 * The null hypothesis holds when green <= ratio x blue OR green <= ratio x floor, so a fail must
 * reject both (an intersection-union test: p = the larger of the two p-values, still level alpha):
 * - vs stable: conditional binomial test. Errors are rare, so each side's count is ~Poisson; given
 *   the k errors of both sides, green's share is Binomial(k, pi) with pi = ratio n_g / (ratio n_g + n_b)
 *   at the null's boundary. This accounts for the stable rate's own noise (a lucky quiet minute on
 *   blue is not evidence against green), which comparing with blue's point estimate would not.
 * - vs floor: exact binomial test of green's rate <= ratio x floor.
 * No blue requests is legitimate (blue may carry 0 % of the traffic), so there is no baseline:
 * the check steps aside (pass, said in the detail) and the absolute error-rate check judges alone.
 */
function errorRateVsStableCheck(ctx: Context, ratioRaw: unknown): CheckResult {
  const check = 'error-rate-vs-stable';
  const { green, blue } = ctx;
  const ratio = usable(ratioRaw);
  if (ratio === undefined) return invalidLimit(check, 'errorRateRatio', green.errorRatePercent);
  const floor = usable(ctx.thresholds.errorRateFloorPercent);
  if (floor === undefined) return invalidLimit(check, 'errorRateFloorPercent', green.errorRatePercent);
  const blueRate = blue.errorRatePercent;
  if (blueRate === undefined) {
    return result(check, 'pass', green.errorRatePercent, undefined, 'no stable traffic, absolute checks only');
  }
  const base = Math.max(blueRate, floor);
  const limit = ratio * base;
  if (green.requests <= 0) return result(check, 'inconclusive', undefined, limit, 'no requests');

  const xg = Math.ceil(Math.min(green.errors5xx, green.requests));
  const xb = Math.floor(Math.min(blue.errors5xx, blue.requests));
  const ng = green.requests;
  const nb = blue.requests;
  const pi = (ratio * ng) / (ratio * ng + nb);
  const pStable = binomialUpperTail(xg, xg + xb, pi);
  const pFloor = binomialUpperTail(xg, Math.floor(ng), Math.min(1, (ratio * floor) / 100));
  const p = Math.max(pStable, pFloor);
  const against = `stable ${num(xb)} in ${num(nb)} (${pct(blueRate)}), limit ${num(ratio)} x max(stable, floor ${num(floor)} %)`;
  if (p < ctx.alpha) {
    return result(check, 'fail', green.errorRatePercent, limit, `${errorsText(green.errors5xx, ng)} above ${against}: ${evidence(p, ctx.alpha)}`, p);
  }
  return notShown(ctx, check, green.errorRatePercent, limit, `${errorsText(green.errors5xx, ng)}; ${against}: ${evidence(p, ctx.alpha)}`, p);
}

/** Sample mean and variance; the variance is undefined below two values. */
function meanVariance(xs: readonly number[]): { mean: number; variance?: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length < 2) return { mean };
  return { mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) };
}

/**
 * One-sided t-test that the mean of `logRatios` (ln of observed / limit, one per minute) is above
 * 0: "the minutes' latency is above the limit" beyond their minute-to-minute noise. Undefined with
 * fewer than two minutes (no noise estimate). Identical minutes (no noise at all) are certain.
 */
function tTestAboveZero(logRatios: readonly number[]): number | undefined {
  if (logRatios.length < 2) return undefined;
  const { mean, variance } = meanVariance(logRatios);
  if (!(variance! > 0)) return mean > 0 ? 0 : 1;
  return studentTUpper(mean / Math.sqrt(variance! / logRatios.length), logRatios.length - 1);
}

/**
 * Green's request-weighted p95 / p99 against an absolute limit. A fail needs the minutes to show
 * it: t-test on ln(percentile / limit) per minute (weights are for the estimate, the test treats
 * minutes alike). One minute alone never fails: the next verdict, a minute later, can.
 */
function latencyCheck(ctx: Context, check: 'p95-latency' | 'p99-latency'): CheckResult {
  const field = check === 'p95-latency' ? 'maxP95Ms' : 'maxP99Ms';
  const key = check === 'p95-latency' ? 'p95Ms' : 'p99Ms';
  const observed = ctx.green[key];
  const limit = usable(ctx.thresholds[field]);
  if (limit === undefined) return invalidLimit(check, field, observed);
  if (observed === undefined) return result(check, 'inconclusive', undefined, limit, 'no latency data');
  const values = ctx.green.latency.map((m) => m[key]).filter((v): v is number => v !== undefined);
  const summary = `request-weighted ${ms(observed)} over ${values.length} min`;
  if (observed <= limit) return notShown(ctx, check, observed, limit, `${summary} <= ${ms(limit)}`);
  const p = limit > 0 ? tTestAboveZero(values.map((v) => Math.log(Math.max(v, 1e-9) / limit))) : 0;
  if (p === undefined) return result(check, 'inconclusive', observed, limit, `${summary} > ${ms(limit)}, one minute is no evidence yet`);
  if (p < ctx.alpha) return result(check, 'fail', observed, limit, `${summary} > ${ms(limit)}: ${evidence(p, ctx.alpha)}`, p);
  // Over the line but not shown to be: like a rate, the estimate alone is no evidence.
  return notShown(ctx, check, observed, limit, `${summary} > ${ms(limit)}, not shown: ${evidence(p, ctx.alpha)}`, p);
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

/** The minutes both sides have a p95 for, paired by timestamp: like is compared with like. */
function commonMinutes(green: SideAggregate, blue: SideAggregate): { g: LatencyMinute; b: LatencyMinute }[] {
  const blueAt = new Map<number, LatencyMinute>();
  for (const b of blue.latency) if (b.timestamp !== undefined && b.p95Ms !== undefined) blueAt.set(b.timestamp, b);
  const pairs: { g: LatencyMinute; b: LatencyMinute }[] = [];
  for (const g of green.latency) {
    const b = g.timestamp !== undefined && g.p95Ms !== undefined ? blueAt.get(g.timestamp) : undefined;
    if (b) pairs.push({ g, b });
  }
  return pairs;
}

/**
 * green p95 <= ratio x blue p95, both request-weighted over the same minutes. A fail needs the
 * point estimate above the limit AND a test: from MIN_RANK_MINUTES common minutes, Mann-Whitney U
 * of green's per-minute p95s against ratio x blue's (Kayenta's classifier); below that, a paired
 * one-sided t-test on ln(green / (ratio x blue)) per minute. Without a blue p95 there is no
 * baseline: the check steps aside (pass).
 */
function latencyVsStableCheck(ctx: Context, ratioRaw: unknown): CheckResult {
  const check = 'latency-vs-stable';
  const ratio = usable(ratioRaw);
  if (ratio === undefined) return invalidLimit(check, 'latencyRatio', ctx.green.p95Ms);
  if (ctx.blue.p95Ms === undefined) {
    return result(check, 'pass', ctx.green.p95Ms, undefined, 'no stable p95, absolute checks only');
  }
  if (ctx.green.p95Ms === undefined) return result(check, 'inconclusive', undefined, undefined, 'no latency data');
  const pairs = commonMinutes(ctx.green, ctx.blue);
  if (pairs.length === 0) return latencyVsBaselineCheck(ctx, ratio);
  const g = weightedMean(pairs.map((x) => x.g), 'p95Ms');
  const b = weightedMean(pairs.map((x) => x.b), 'p95Ms');
  if (g === undefined || b === undefined) return result(check, 'inconclusive', ctx.green.p95Ms, undefined, 'no minute with a p95 on both sides');
  const limit = ratio * b;
  const summary = `${ms(g)} vs ${ms(limit)} (${num(ratio)} x stable ${ms(b)}) over the same ${pairs.length} min`;
  if (g <= limit) return notShown(ctx, check, g, limit, `${summary}`);
  let p: number | undefined;
  let test: string;
  if (pairs.length >= MIN_RANK_MINUTES) {
    p = mannWhitneyGreater(pairs.map((x) => x.g.p95Ms!), pairs.map((x) => ratio * x.b.p95Ms!)).pValue;
    test = 'Mann-Whitney U';
  } else {
    p = limit > 0 ? tTestAboveZero(pairs.map((x) => Math.log(Math.max(x.g.p95Ms!, 1e-9) / (ratio * Math.max(x.b.p95Ms!, 1e-9))))) : 0;
    test = 't-test';
  }
  if (p === undefined) return result(check, 'inconclusive', g, limit, `${summary}: one minute is no evidence yet`);
  if (p < ctx.alpha) return result(check, 'fail', g, limit, `${summary}: ${test} ${evidence(p, ctx.alpha)}`, p);
  return notShown(ctx, check, g, limit, `${summary}, not shown: ${test} ${evidence(p, ctx.alpha)}`, p);
}

/** Fewest minutes on each side for the unpaired rank test against a baseline (its p-value can reach 1/252 < 0.01 at 5 and 5). */
const MIN_BASELINE_MINUTES = 3;

/**
 * Blue from other minutes than green: the stable baseline the stepper recorded before production
 * moved, against which the final verdict at 100 % judges (blue has almost no traffic then). Both
 * request-weighted over their own windows; a fail needs Mann-Whitney U of green's per-minute p95s
 * against ratio x the baseline's (unpaired, as the minutes are not the same).
 */
function latencyVsBaselineCheck(ctx: Context, ratio: number): CheckResult {
  const check = 'latency-vs-stable';
  const gm = ctx.green.latency.filter((m) => m.p95Ms !== undefined);
  const bm = ctx.blue.latency.filter((m) => m.p95Ms !== undefined);
  const g = weightedMean(gm, 'p95Ms');
  const b = weightedMean(bm, 'p95Ms');
  if (g === undefined || b === undefined) return result(check, 'inconclusive', ctx.green.p95Ms, undefined, 'no minute with a p95 on both sides');
  const limit = ratio * b;
  const summary = `${ms(g)} over ${gm.length} min vs ${ms(limit)} (${num(ratio)} x stable baseline ${ms(b)} over ${bm.length} other min)`;
  if (g <= limit) return notShown(ctx, check, g, limit, summary);
  if (gm.length < MIN_BASELINE_MINUTES || bm.length < MIN_BASELINE_MINUTES) {
    return result(check, 'inconclusive', g, limit, `${summary}: too few minutes for a test yet`);
  }
  const p = mannWhitneyGreater(gm.map((m) => m.p95Ms!), bm.map((m) => ratio * m.p95Ms!)).pValue;
  if (p < ctx.alpha) return result(check, 'fail', g, limit, `${summary}: Mann-Whitney U ${evidence(p, ctx.alpha)}`, p);
  return notShown(ctx, check, g, limit, `${summary}, not shown: Mann-Whitney U ${evidence(p, ctx.alpha)}`, p);
}

// ---------------------------------------------------------------------------------------------
// Verdict

function overall(checks: readonly CheckResult[]): Outcome {
  if (checks.some((c) => c.outcome === 'fail')) return 'fail';
  if (checks.some((c) => c.outcome === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** alpha from confidencePercent (omitted: the default); undefined when it is not in (0, 100). */
export function alphaOf(thresholds: Partial<AnalysisConfig>): number | undefined {
  const raw = thresholds.confidencePercent ?? DEFAULT_CONFIDENCE_PERCENT;
  const c = usable(raw);
  return c !== undefined && c > 0 && c < 100 ? 1 - c / 100 : undefined;
}

export function judge(input: JudgeInput): Verdict {
  // Defensive reads: the Lambda receives JSON, which the types cannot vouch for.
  const thresholds: Partial<AnalysisConfig> =
    typeof input?.thresholds === 'object' && input.thresholds !== null ? input.thresholds : {};
  const green = aggregate(input?.green);
  const blue = aggregate(input?.blue);
  const min = usable(thresholds.minRequests);
  const alpha = alphaOf(thresholds);
  const ctx: Context = {
    green,
    blue,
    thresholds,
    enoughTraffic: min !== undefined && green.requests >= Math.max(min, 1),
    // Without a usable confidence no test can fail anything (p < 0 never holds) ...
    alpha: alpha ?? 0,
  };

  const checks: CheckResult[] = [
    // ... and nothing may pass either: the min-requests check says why.
    alpha === undefined
      ? result('min-requests', 'inconclusive', green.requests, undefined, 'threshold confidencePercent is not a number between 0 and 100')
      : minRequestsCheck(ctx),
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
