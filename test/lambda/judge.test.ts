import fc from 'fast-check';
import type { AnalysisConfig } from '../../lib/runtime-config';
import { aggregate, judge, sustainedLevel } from '../../lambda/judge';
import type { CheckName, CheckResult, JudgeInput, MinuteSample, Outcome, Verdict } from '../../lambda/judge';

const T0 = Date.UTC(2025, 0, 1);

const THRESHOLDS: AnalysisConfig = {
  intervalSeconds: 60,
  minRequests: 100,
  maxErrorRatePercent: 1,
  maxP95Ms: 500,
  maxP99Ms: 1000,
  maxUnhealthyHosts: 0,
  unhealthyMinutes: 2,
  errorRateFloorPercent: 0.1,
  onInconclusive: 'fail',
  maxExtensions: 2,
};

type Sample = Omit<MinuteSample, 'timestamp'>;

/** `n` per-minute samples, all equal to `s`, oldest first. */
function minutes(n: number, s: Sample): MinuteSample[] {
  return Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * 60_000, ...s }));
}

/** A series from per-minute values, oldest first. */
function series(values: Sample[]): MinuteSample[] {
  return values.map((s, i) => ({ timestamp: T0 + i * 60_000, ...s }));
}

/** Healthy traffic: 5 x 100 requests, no errors, fast, no unhealthy hosts. */
const HEALTHY: Sample = { requests: 100, errors5xx: 0, p95Ms: 200, p99Ms: 400, healthyHosts: 2, unhealthyHosts: 0 };
const healthy = (over: Sample = {}): MinuteSample[] => minutes(5, { ...HEALTHY, ...over });

function run(green: MinuteSample[], over: Partial<AnalysisConfig> = {}, blue: MinuteSample[] = healthy()): Verdict {
  return judge({ green, blue, thresholds: { ...THRESHOLDS, ...over } });
}

function checkOf(v: Verdict, name: CheckName): CheckResult {
  const c = v.checks.find((x) => x.check === name);
  if (!c) throw new Error(`no ${name} check in ${JSON.stringify(v.checks)}`);
  return c;
}

interface Case {
  readonly name: string;
  readonly check: CheckName;
  readonly green: MinuteSample[];
  readonly blue?: MinuteSample[];
  readonly thresholds?: Partial<AnalysisConfig>;
  readonly outcome: Outcome;
  readonly detail?: string;
}

const CASES: Case[] = [
  // min-requests
  { name: 'enough requests', check: 'min-requests', green: healthy(), outcome: 'pass', detail: 'min-requests 500 >= 100 (pass)' },
  { name: 'exactly minRequests', check: 'min-requests', green: minutes(1, { ...HEALTHY, requests: 100 }), outcome: 'pass' },
  { name: 'one short of minRequests', check: 'min-requests', green: minutes(1, { ...HEALTHY, requests: 99 }), outcome: 'inconclusive', detail: 'min-requests 99 < 100 (inconclusive)' },
  { name: 'no samples at all', check: 'min-requests', green: [], outcome: 'inconclusive' },
  { name: 'no data even with minRequests 0', check: 'min-requests', green: minutes(3, {}), thresholds: { minRequests: 0 }, outcome: 'inconclusive' },

  // error-rate
  { name: 'no errors', check: 'error-rate', green: healthy(), outcome: 'pass', detail: 'error-rate 0.00 % <= 1 % (pass)' },
  { name: 'exactly the limit (5 of 500)', check: 'error-rate', green: healthy({ errors5xx: 1 }), outcome: 'pass' },
  { name: 'over the limit', check: 'error-rate', green: minutes(2, { requests: 500, errors5xx: 11.5 }), outcome: 'fail', detail: 'error-rate 2.30 % > 1 % (fail)' },
  { name: 'missing 5xx datapoints count as 0', check: 'error-rate', green: healthy({ errors5xx: undefined }), outcome: 'pass' },
  { name: 'few requests, no errors', check: 'error-rate', green: minutes(1, { requests: 50 }), outcome: 'inconclusive', detail: 'error-rate 0.00 % on only 50 requests (inconclusive)' },
  { name: 'few requests, errors within what minRequests allows (1 of 100)', check: 'error-rate', green: minutes(1, { requests: 10, errors5xx: 1 }), outcome: 'inconclusive' },
  { name: 'few requests, all failing', check: 'error-rate', green: minutes(1, { requests: 20, errors5xx: 20 }), outcome: 'fail', detail: 'error-rate 20 errors in 20 requests, 20.00 % of 100 > 1 % (fail)' },
  { name: 'no requests', check: 'error-rate', green: [], outcome: 'inconclusive', detail: 'error-rate no requests (inconclusive)' },

  // p95 / p99
  { name: 'p95 under', check: 'p95-latency', green: healthy(), outcome: 'pass', detail: 'p95-latency 200 ms <= 500 ms (pass)' },
  { name: 'p95 exactly the limit', check: 'p95-latency', green: healthy({ p95Ms: 500 }), outcome: 'pass' },
  { name: 'p95 over in one minute (max of minutes)', check: 'p95-latency', green: series([HEALTHY, { ...HEALTHY, p95Ms: 812.34 }, HEALTHY]), outcome: 'fail', detail: 'p95-latency 812.3 ms > 500 ms (fail)' },
  { name: 'p95 missing with enough requests', check: 'p95-latency', green: healthy({ p95Ms: undefined }), outcome: 'inconclusive', detail: 'p95-latency no latency data (inconclusive)' },
  { name: 'p95 under but few requests', check: 'p95-latency', green: minutes(1, { ...HEALTHY, requests: 20 }), outcome: 'inconclusive' },
  { name: 'p99 exactly the limit', check: 'p99-latency', green: healthy({ p99Ms: 1000 }), outcome: 'pass' },
  { name: 'p99 over', check: 'p99-latency', green: healthy({ p99Ms: 1000.5 }), outcome: 'fail' },
  { name: 'p99 far over on few requests still fails', check: 'p99-latency', green: minutes(1, { ...HEALTHY, requests: 20, p99Ms: 5000 }), outcome: 'fail' },
  { name: 'p99 NaN and negative are missing', check: 'p99-latency', green: series([{ ...HEALTHY, p99Ms: NaN }, { ...HEALTHY, p99Ms: -1 }]), thresholds: { minRequests: 1 }, outcome: 'inconclusive' },

  // unhealthy-hosts (maxUnhealthyHosts 0, unhealthyMinutes 2)
  { name: 'never unhealthy', check: 'unhealthy-hosts', green: healthy(), outcome: 'pass', detail: 'unhealthy-hosts 0 <= 0 for 2 consecutive minutes (pass)' },
  { name: 'unhealthy for one minute only', check: 'unhealthy-hosts', green: series([HEALTHY, { ...HEALTHY, unhealthyHosts: 3 }, HEALTHY]), outcome: 'pass' },
  { name: 'unhealthy twice but not consecutive', check: 'unhealthy-hosts', green: series([{ ...HEALTHY, unhealthyHosts: 1 }, HEALTHY, { ...HEALTHY, unhealthyHosts: 1 }]), outcome: 'pass' },
  { name: 'unhealthy two consecutive minutes', check: 'unhealthy-hosts', green: series([HEALTHY, { ...HEALTHY, unhealthyHosts: 3 }, { ...HEALTHY, unhealthyHosts: 1 }]), outcome: 'fail', detail: 'unhealthy-hosts 1 > 0 for 2 consecutive minutes (fail)' },
  { name: 'a missing minute breaks the run (counts as 0)', check: 'unhealthy-hosts', green: series([{ ...HEALTHY, unhealthyHosts: 2 }, { ...HEALTHY, unhealthyHosts: undefined }, { ...HEALTHY, unhealthyHosts: 2 }]), outcome: 'pass' },
  { name: 'exactly the tolerated number', check: 'unhealthy-hosts', green: healthy({ unhealthyHosts: 1 }), thresholds: { maxUnhealthyHosts: 1 }, outcome: 'pass' },
  { name: 'judged even on few requests', check: 'unhealthy-hosts', green: minutes(3, { requests: 1, unhealthyHosts: 2 }), outcome: 'fail' },
  { name: 'window shorter than unhealthyMinutes', check: 'unhealthy-hosts', green: minutes(1, { ...HEALTHY, unhealthyHosts: 5 }), outcome: 'pass', detail: 'unhealthy-hosts window of 1 minutes shorter than 2 (pass)' },

  // error-rate-vs-stable (ratio 2, floor 0.1 %)
  { name: 'green like stable', check: 'error-rate-vs-stable', green: healthy({ errors5xx: 0.5 }), blue: healthy({ errors5xx: 0.5 }), thresholds: { errorRateRatio: 2 }, outcome: 'pass' },
  { name: 'exactly ratio x stable', check: 'error-rate-vs-stable', green: healthy({ errors5xx: 1 }), blue: healthy({ errors5xx: 0.5 }), thresholds: { errorRateRatio: 2 }, outcome: 'pass' },
  {
    name: 'over ratio x stable',
    check: 'error-rate-vs-stable',
    green: healthy({ errors5xx: 1 }),
    blue: healthy({ errors5xx: 0.25 }),
    thresholds: { errorRateRatio: 2 },
    outcome: 'fail',
    detail: 'error-rate-vs-stable 1.00 % > 0.50 % (2 x stable 0.25 %) (fail)',
  },
  {
    name: 'stable at 0 %: the floor applies',
    check: 'error-rate-vs-stable',
    green: healthy({ errors5xx: 0.25 }),
    thresholds: { errorRateRatio: 2 },
    outcome: 'fail',
    detail: 'error-rate-vs-stable 0.25 % > 0.20 % (2 x floor 0.10 %) (fail)',
  },
  { name: 'under the floor passes', check: 'error-rate-vs-stable', green: healthy({ errors5xx: 0.2 }), thresholds: { errorRateRatio: 2 }, outcome: 'pass' },
  {
    name: 'no stable traffic: skipped',
    check: 'error-rate-vs-stable',
    green: healthy({ errors5xx: 0.5 }),
    blue: minutes(5, {}),
    thresholds: { errorRateRatio: 2 },
    outcome: 'pass',
    detail: 'error-rate-vs-stable no stable traffic, absolute checks only (pass)',
  },
  { name: 'few green requests, no errors', check: 'error-rate-vs-stable', green: minutes(1, { requests: 10 }), thresholds: { errorRateRatio: 2 }, outcome: 'inconclusive' },
  { name: 'few green requests, all failing', check: 'error-rate-vs-stable', green: minutes(1, { requests: 10, errors5xx: 10 }), thresholds: { errorRateRatio: 2 }, outcome: 'fail' },

  // latency-vs-stable (ratio 1.5)
  { name: 'p95 like stable', check: 'latency-vs-stable', green: healthy(), thresholds: { latencyRatio: 1.5 }, outcome: 'pass' },
  { name: 'p95 exactly ratio x stable', check: 'latency-vs-stable', green: healthy({ p95Ms: 300 }), thresholds: { latencyRatio: 1.5 }, outcome: 'pass' },
  {
    name: 'p95 over ratio x stable',
    check: 'latency-vs-stable',
    green: healthy({ p95Ms: 301 }),
    thresholds: { latencyRatio: 1.5 },
    outcome: 'fail',
    detail: 'latency-vs-stable 301 ms > 300 ms (1.5 x stable 200 ms) (fail)',
  },
  {
    name: 'no stable p95: skipped',
    check: 'latency-vs-stable',
    green: healthy({ p95Ms: 450 }),
    blue: healthy({ p95Ms: undefined }),
    thresholds: { latencyRatio: 1.5 },
    outcome: 'pass',
    detail: 'latency-vs-stable no stable p95, absolute checks only (pass)',
  },
  { name: 'no green p95', check: 'latency-vs-stable', green: healthy({ p95Ms: undefined }), thresholds: { latencyRatio: 1.5 }, outcome: 'inconclusive' },
  { name: 'few green requests, p95 within', check: 'latency-vs-stable', green: minutes(1, { ...HEALTHY, requests: 5 }), thresholds: { latencyRatio: 1.5 }, outcome: 'inconclusive' },

  // thresholds that are not numbers never pass
  { name: 'NaN limit', check: 'error-rate', green: healthy(), thresholds: { maxErrorRatePercent: NaN }, outcome: 'inconclusive', detail: 'error-rate threshold maxErrorRatePercent is not a non-negative number (inconclusive)' },
  { name: 'negative limit', check: 'p95-latency', green: healthy(), thresholds: { maxP95Ms: -1 }, outcome: 'inconclusive' },
  { name: 'negative ratio', check: 'latency-vs-stable', green: healthy(), thresholds: { latencyRatio: -1 }, outcome: 'inconclusive' },
];

describe('judge checks', () => {
  it.each(CASES)('$check: $name -> $outcome', (c) => {
    const v = judge({ green: c.green, blue: c.blue ?? healthy(), thresholds: { ...THRESHOLDS, ...c.thresholds } });
    const r = checkOf(v, c.check);
    expect(r.outcome).toBe(c.outcome);
    if (c.detail !== undefined) expect(r.detail).toBe(c.detail);
  });
});

describe('judge verdict', () => {
  it('passes healthy traffic with all checks', () => {
    const v = run(healthy(), { errorRateRatio: 2, latencyRatio: 1.5 });
    expect(v.outcome).toBe('pass');
    expect(v.reason).toBe('all checks passed');
    expect(v.checks.map((c) => c.check)).toEqual([
      'min-requests',
      'error-rate',
      'p95-latency',
      'p99-latency',
      'unhealthy-hosts',
      'error-rate-vs-stable',
      'latency-vs-stable',
    ]);
  });

  it('leaves out the relative checks when not configured', () => {
    const v = run(healthy());
    expect(v.checks.map((c) => c.check)).not.toContain('error-rate-vs-stable');
    expect(v.checks.map((c) => c.check)).not.toContain('latency-vs-stable');
  });

  it('reports observed and limit', () => {
    const r = checkOf(run(minutes(2, { requests: 500, errors5xx: 11.5 })), 'error-rate');
    expect(r.observed).toBeCloseTo(2.3);
    expect(r.limit).toBe(1);
  });

  it('needs at least one request even with minRequests 0', () => {
    const r = checkOf(run([], { minRequests: 0 }), 'min-requests');
    expect(r).toEqual({ check: 'min-requests', outcome: 'inconclusive', observed: 0, limit: 1, detail: 'min-requests 0 < 1 (inconclusive)' });
  });

  it('fails when any check fails, naming only the failing checks', () => {
    const v = run(healthy({ errors5xx: 5, p99Ms: 2000, p95Ms: undefined }));
    expect(v.outcome).toBe('fail');
    expect(v.reason).toBe('error-rate 5.00 % > 1 % (fail); p99-latency 2000 ms > 1000 ms (fail)');
  });

  it('is inconclusive below minRequests, naming the inconclusive checks', () => {
    const v = run(minutes(1, { ...HEALTHY, requests: 40 }));
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toBe(
      'min-requests 40 < 100 (inconclusive); error-rate 0.00 % on only 40 requests (inconclusive); ' +
        'p95-latency 200 ms <= 500 ms on only 40 requests (inconclusive); p99-latency 400 ms <= 1000 ms on only 40 requests (inconclusive)',
    );
  });

  it('fails below minRequests when errors alone exceed the limit', () => {
    // 2 errors > 1 % of 100: even 98 more successes could not bring the rate under the limit.
    expect(run(minutes(1, { requests: 3, errors5xx: 2 })).outcome).toBe('fail');
    expect(run(minutes(1, { requests: 3, errors5xx: 1 })).outcome).toBe('inconclusive');
  });

  it('survives garbage input', () => {
    const garbage = { green: [null, 3, { requests: 'x' }], blue: undefined, thresholds: null } as unknown as JudgeInput;
    const v = judge(garbage);
    expect(v.outcome).toBe('inconclusive');
  });

  it('is deterministic', () => {
    const input: JudgeInput = { green: healthy({ errors5xx: 3 }), blue: healthy(), thresholds: { ...THRESHOLDS, errorRateRatio: 2 } };
    expect(judge(input)).toEqual(judge(input));
  });
});

describe('aggregate', () => {
  it('sums counts, takes the max percentile, and counts missing unhealthy as 0', () => {
    const a = aggregate(
      series([
        { requests: 100, errors5xx: 2, p95Ms: 300, p99Ms: 900, unhealthyHosts: 1 },
        { requests: 300, p95Ms: 450, unhealthyHosts: NaN },
        { requests: -5, errors5xx: Infinity, p95Ms: 200 },
      ]),
    );
    expect(a).toEqual({ minutes: 3, requests: 400, errors5xx: 2, errorRatePercent: 0.5, p95Ms: 450, p99Ms: 900, unhealthyPerMinute: [1, 0, 0] });
  });

  it('has no rate and no latency without data', () => {
    expect(aggregate([])).toEqual({ minutes: 0, requests: 0, errors5xx: 0, errorRatePercent: undefined, p95Ms: undefined, p99Ms: undefined, unhealthyPerMinute: [] });
  });

  it('sustainedLevel is the highest level held for the given minutes', () => {
    expect(sustainedLevel([0, 3, 2, 5, 0], 2)).toBe(2);
    expect(sustainedLevel([0, 3, 2, 5, 0], 1)).toBe(5);
    expect(sustainedLevel([1, 1], 3)).toBeUndefined();
    expect(sustainedLevel([4], 0)).toBe(4);
  });
});

// -----------------------------------------------------------------------------------------------
// Properties

const OUTCOMES: Outcome[] = ['pass', 'fail', 'inconclusive'];

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 4 });

/** Plausible samples: counts and latencies that CloudWatch could return, sometimes missing. */
const sampleArb: fc.Arbitrary<Sample> = fc.record({
  requests: maybe(fc.nat({ max: 2000 })),
  errors5xx: maybe(fc.nat({ max: 200 })),
  p95Ms: maybe(fc.double({ min: 0, max: 3000, noNaN: true })),
  p99Ms: maybe(fc.double({ min: 0, max: 6000, noNaN: true })),
  unhealthyHosts: maybe(fc.nat({ max: 4 })),
});

const samplesArb = fc.array(sampleArb, { maxLength: 12 }).map(series);

const thresholdsArb: fc.Arbitrary<AnalysisConfig> = fc.record({
  intervalSeconds: fc.constant(60),
  minRequests: fc.nat({ max: 3000 }),
  maxErrorRatePercent: fc.double({ min: 0, max: 20, noNaN: true }),
  maxP95Ms: fc.double({ min: 0, max: 3000, noNaN: true }),
  maxP99Ms: fc.double({ min: 0, max: 6000, noNaN: true }),
  maxUnhealthyHosts: fc.nat({ max: 3 }),
  unhealthyMinutes: fc.integer({ min: 1, max: 5 }),
  errorRateRatio: maybe(fc.double({ min: 0, max: 10, noNaN: true })),
  errorRateFloorPercent: fc.double({ min: 0, max: 2, noNaN: true }),
  latencyRatio: maybe(fc.double({ min: 0, max: 5, noNaN: true })),
  onInconclusive: fc.constantFrom('fail' as const, 'pass' as const),
  maxExtensions: fc.nat({ max: 3 }),
});

/** Anything a broken fetcher or hand-written JSON could put in a field. */
const garbageNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(undefined, NaN, Infinity, -Infinity, -1, 0, -0, Number.MAX_VALUE),
  fc.anything() as fc.Arbitrary<unknown>,
);

const garbageSample = fc.oneof(
  fc.record(
    {
      timestamp: garbageNumber,
      requests: garbageNumber,
      errors5xx: garbageNumber,
      p95Ms: garbageNumber,
      p99Ms: garbageNumber,
      healthyHosts: garbageNumber,
      unhealthyHosts: garbageNumber,
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

/** Adds `extra[i]` to field `key` of sample `i % length` (missing counts as 0). */
function addTo(samples: MinuteSample[], key: 'errors5xx' | 'p95Ms' | 'p99Ms', extra: [number, number][], onlyPresent: boolean): MinuteSample[] {
  const out = samples.map((s) => ({ ...s }));
  if (out.length === 0) return out;
  for (const [at, amount] of extra) {
    const s = out[at % out.length];
    const current = s[key];
    if (onlyPresent && current === undefined) continue;
    (s as { [k: string]: unknown })[key] = (current ?? 0) + amount;
  }
  return out;
}

const PROPERTY_RUNS = { numRuns: 300 };

describe('judge properties', () => {
  it('never fails a green identical to blue with enough traffic and values within the absolute limits', () => {
    const arb = fc
      .record({
        // Integer percent: 100 * errors / requests <= m is then exact in floating point.
        maxErrorRatePercent: fc.integer({ min: 0, max: 10 }),
        maxP95Ms: fc.integer({ min: 1, max: 3000 }),
        maxP99Ms: fc.integer({ min: 1, max: 6000 }),
        maxUnhealthyHosts: fc.nat({ max: 3 }),
        unhealthyMinutes: fc.integer({ min: 1, max: 5 }),
        errorRateRatio: maybe(fc.double({ min: 1, max: 10, noNaN: true })),
        errorRateFloorPercent: fc.double({ min: 0, max: 2, noNaN: true }),
        latencyRatio: maybe(fc.double({ min: 1, max: 5, noNaN: true })),
        minFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        latencyAlwaysPresent: fc.boolean(),
        minutes: fc.array(
          fc.record({
            requests: fc.integer({ min: 1, max: 2000 }),
            errorFraction: fc.double({ min: 0, max: 1, noNaN: true }),
            p95Fraction: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
            p99Fraction: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
            unhealthyFraction: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
          }),
          { minLength: 1, maxLength: 12 },
        ),
      })
      .map((g) => {
        const samples = series(
          g.minutes.map((m) => ({
            requests: m.requests,
            errors5xx: Math.floor(m.errorFraction * Math.floor((m.requests * g.maxErrorRatePercent) / 100)),
            p95Ms: m.p95Fraction === undefined && !g.latencyAlwaysPresent ? undefined : (m.p95Fraction ?? 1) * g.maxP95Ms,
            p99Ms: m.p99Fraction === undefined && !g.latencyAlwaysPresent ? undefined : (m.p99Fraction ?? 1) * g.maxP99Ms,
            unhealthyHosts: m.unhealthyFraction === undefined ? undefined : Math.floor(m.unhealthyFraction * g.maxUnhealthyHosts),
          })),
        );
        const total = g.minutes.reduce((sum, m) => sum + m.requests, 0);
        const thresholds: AnalysisConfig = {
          ...THRESHOLDS,
          maxErrorRatePercent: g.maxErrorRatePercent,
          maxP95Ms: g.maxP95Ms,
          maxP99Ms: g.maxP99Ms,
          maxUnhealthyHosts: g.maxUnhealthyHosts,
          unhealthyMinutes: g.unhealthyMinutes,
          errorRateRatio: g.errorRateRatio,
          errorRateFloorPercent: g.errorRateFloorPercent,
          latencyRatio: g.latencyRatio,
          minRequests: Math.ceil(g.minFraction * total),
        };
        return { samples, thresholds, latencyAlwaysPresent: g.latencyAlwaysPresent };
      });
    fc.assert(
      fc.property(arb, ({ samples, thresholds, latencyAlwaysPresent }) => {
        const v = judge({ green: samples, blue: samples, thresholds });
        expect(v.outcome).not.toBe('fail');
        // With every datapoint present there is nothing to be unsure about.
        if (latencyAlwaysPresent) expect(v.outcome).toBe('pass');
      }),
      PROPERTY_RUNS,
    );
  });

  it('more 5xx errors on green never turn a fail into anything else (per check and overall)', () => {
    const extraArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(samplesArb, samplesArb, thresholdsArb, extraArb, (green, blue, thresholds, extra) => {
        const before = judge({ green, blue, thresholds });
        const after = judge({ green: addTo(green, 'errors5xx', extra, false), blue, thresholds });
        if (before.outcome === 'fail') expect(after.outcome).toBe('fail');
        before.checks.forEach((c, i) => {
          if (c.outcome === 'fail') expect(after.checks[i]).toMatchObject({ check: c.check, outcome: 'fail' });
        });
      }),
      PROPERTY_RUNS,
    );
  });

  it('more 5xx errors that are also more requests never turn a fail into anything else', () => {
    // A 5xx is a request too; holds whenever errors <= requests, as real metrics are.
    const consistent = fc
      .array(fc.tuple(fc.nat({ max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 })
      .map((xs) => series(xs.map(([r, f]) => ({ requests: r, errors5xx: Math.floor(r * f), p95Ms: 100, p99Ms: 200 }))));
    const extraArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(consistent, samplesArb, thresholdsArb, extraArb, (green, blue, thresholds, extra) => {
        const before = judge({ green, blue, thresholds });
        const moreErrors = addTo(green, 'errors5xx', extra, false);
        const moreBoth = moreErrors.map((s, i) => ({ ...s, requests: (s.requests ?? 0) + ((s.errors5xx ?? 0) - (green[i].errors5xx ?? 0)) }));
        const after = judge({ green: moreBoth, blue, thresholds });
        if (before.outcome === 'fail') expect(after.outcome).toBe('fail');
      }),
      PROPERTY_RUNS,
    );
  });

  it('higher green latency never turns a fail into anything else', () => {
    const extraArb = fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 5000, noNaN: true })), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(samplesArb, samplesArb, thresholdsArb, extraArb, extraArb, (green, blue, thresholds, extra95, extra99) => {
        const before = judge({ green, blue, thresholds });
        const slower = addTo(addTo(green, 'p95Ms', extra95, true), 'p99Ms', extra99, true);
        const after = judge({ green: slower, blue, thresholds });
        if (before.outcome === 'fail') expect(after.outcome).toBe('fail');
        before.checks.forEach((c, i) => {
          if (c.outcome === 'fail') expect(after.checks[i].outcome).toBe('fail');
        });
      }),
      PROPERTY_RUNS,
    );
  });

  it('never passes below minRequests', () => {
    fc.assert(
      fc.property(samplesArb, samplesArb, thresholdsArb, fc.integer({ min: 1, max: 1000 }), (green, blue, thresholds, short) => {
        const minRequests = aggregate(green).requests + short;
        const v = judge({ green, blue, thresholds: { ...thresholds, minRequests } });
        expect(v.outcome).not.toBe('pass');
        expect(checkOf(v, 'min-requests').outcome).toBe('inconclusive');
      }),
      PROPERTY_RUNS,
    );
  });

  it('never throws and always gives a well-formed verdict, whatever the samples and thresholds', () => {
    const thresholdsGarbage = fc.oneof(
      thresholdsArb as fc.Arbitrary<unknown>,
      fc.record({
        intervalSeconds: garbageNumber,
        minRequests: garbageNumber,
        maxErrorRatePercent: garbageNumber,
        maxP95Ms: garbageNumber,
        maxP99Ms: garbageNumber,
        maxUnhealthyHosts: garbageNumber,
        unhealthyMinutes: garbageNumber,
        errorRateRatio: garbageNumber,
        errorRateFloorPercent: garbageNumber,
        latencyRatio: garbageNumber,
      }, { requiredKeys: [] }),
    );
    const side = fc.oneof(fc.array(garbageSample, { maxLength: 10 }), fc.constantFrom(undefined, null, 'x', 42));
    fc.assert(
      fc.property(side, side, thresholdsGarbage, (green, blue, thresholds) => {
        const v = judge({ green, blue, thresholds } as unknown as JudgeInput);
        expect(OUTCOMES).toContain(v.outcome);
        expect(v.checks.length).toBeGreaterThanOrEqual(5);
        expect(typeof v.reason).toBe('string');
        expect(v.reason.length).toBeGreaterThan(0);
        for (const c of v.checks) {
          expect(OUTCOMES).toContain(c.outcome);
          expect(c.detail.startsWith(c.check)).toBe(true);
          if (c.observed !== undefined) expect(Number.isNaN(c.observed)).toBe(false);
          if (c.limit !== undefined) expect(Number.isNaN(c.limit)).toBe(false);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});
