import fc from 'fast-check';
import type { Outcome } from '../../../lambda/judge/types';
import { budgetExceeded, decideTick, decideTickWithShadow, verdictsInStep, verdictThresholds, METRICS_SETTLE_SECONDS, stepEndsAt, TickFacts, waitSeconds } from '../../../lambda/stepper/schedule';
import { HOOK_BUDGET_SECONDS } from '../../../lambda/stepper/types';
import { testConfig } from './fake-aws';

const T = Date.UTC(2025, 0, 1);
const config = testConfig();

function facts(over: Partial<TickFacts> & { outcome?: Outcome } = {}): TickFacts {
  const { outcome = 'pass', ...rest } = over;
  return {
    steps: config.steps,
    analysis: config.analysis,
    stepIndex: 0,
    stepStartedAtMs: T,
    extensions: 0,
    hookStartedAtMs: T,
    nowMs: T + 60_000,
    verdict: { outcome, reason: `${outcome} reason` },
    ...rest,
  };
}

describe('decideTick', () => {
  test.each<[string, Partial<TickFacts> & { outcome?: Outcome }, object]>([
    ['pass during the bake waits an interval', {}, { kind: 'wait', waitSeconds: 60 }],
    ['inconclusive during the bake waits', { outcome: 'inconclusive' }, { kind: 'wait', waitSeconds: 60 }],
    ['the wait never overshoots the bake and its settle minute', { nowMs: T + 330_000 }, { kind: 'wait', waitSeconds: 30 }],
    ['fail during the bake fails at once', { outcome: 'fail' }, { kind: 'fail', reason: 'step 1/3 (5 % green) failed: fail reason' }],
    // The bake's last minute is not in CloudWatch yet: the final verdict is a minute later.
    ['pass at the end of the bake waits the settle minute', { nowMs: T + 300_000 }, { kind: 'wait', waitSeconds: 60 }],
    ['pass a second before the settle minute ends still waits', { nowMs: T + 359_000 }, { kind: 'wait', waitSeconds: 1 }],
    ['fail in the settle minute fails at once', { outcome: 'fail', nowMs: T + 330_000 }, { kind: 'fail' }],
    ['pass at the end of bake + settle advances', { nowMs: T + 360_000 }, { kind: 'advance', stepIndex: 1, percent: 25, waitSeconds: 60 }],
    ['pass at the end of the last step (900 s + 60 s) completes', { stepIndex: 2, nowMs: T + 960_000 }, { kind: 'complete' }],
    ['the last step does not complete at the end of its bake', { stepIndex: 2, nowMs: T + 900_000 }, { kind: 'wait', waitSeconds: 60 }],
    ['inconclusive at the end of bake + settle extends', { outcome: 'inconclusive', nowMs: T + 360_000 }, { kind: 'extend', extensions: 1, waitSeconds: 60 }],
    ['inconclusive at the end of the bake only waits', { outcome: 'inconclusive', nowMs: T + 300_000 }, { kind: 'wait', waitSeconds: 60 }],
    ['an extended step waits for its second bake + settle', { extensions: 1, nowMs: T + 700_000 }, { kind: 'wait', waitSeconds: 20 }],
    ['inconclusive after the last extension fails by default', { outcome: 'inconclusive', extensions: 1, nowMs: T + 720_000 },
      { kind: 'fail', reason: 'step 1/3 (5 % green) stayed inconclusive after 1 extension: inconclusive reason' }],
    ['a step index outside the schedule fails', { stepIndex: 3 }, { kind: 'fail' }],
  ])('%s', (_, over, expected) => {
    expect(decideTick(facts(over))).toMatchObject(expected);
  });

  test('onInconclusive=pass advances after the last extension', () => {
    const analysis = { ...config.analysis, onInconclusive: 'pass' as const };
    expect(decideTick(facts({ analysis, outcome: 'inconclusive', extensions: 1, nowMs: T + 720_000 })))
      .toMatchObject({ kind: 'advance', stepIndex: 1, percent: 25 });
  });

  test('the wait is cut to the hook budget', () => {
    const hookStartedAtMs = T + 60_000 - (HOOK_BUDGET_SECONDS - 10) * 1000;
    expect(decideTick(facts({ hookStartedAtMs }))).toEqual({ kind: 'wait', waitSeconds: 10 });
  });

  test('property: a fail verdict always fails; nothing advances before bake + settle ends; waits are whole seconds within one interval', () => {
    fc.assert(fc.property(
      fc.constantFrom<Outcome>('pass', 'fail', 'inconclusive'),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 4000 }),
      fc.integer({ min: 0, max: 3 }),
      (outcome, stepIndex, extensions, elapsed, maxExtensions) => {
        const analysis = { ...config.analysis, maxExtensions };
        const d = decideTick(facts({ outcome, stepIndex, extensions, analysis, nowMs: T + elapsed * 1000 }));
        if (outcome === 'fail') return d.kind === 'fail';
        const verdictDue = (config.steps[stepIndex].bakeSeconds + METRICS_SETTLE_SECONDS) * (1 + extensions);
        if (elapsed < verdictDue && d.kind !== 'wait') return false;
        if (elapsed >= verdictDue && d.kind === 'wait') return false;
        if ('waitSeconds' in d && !(Number.isInteger(d.waitSeconds) && d.waitSeconds >= 1 && d.waitSeconds <= 60)) return false;
        if (d.kind === 'extend' && d.extensions > maxExtensions) return false;
        return true;
      },
    ));
  });
});

describe('stepEndsAt', () => {
  test('the final verdict is due one settle minute after the bake, and each extension adds bake + settle', () => {
    expect(METRICS_SETTLE_SECONDS).toBe(60);
    expect(stepEndsAt(T, 300, 0)).toBe(T + 360_000);
    expect(stepEndsAt(T, 300, 1)).toBe(T + 720_000);
    expect(stepEndsAt(T, 600, 2)).toBe(T + 1_980_000);
  });
});

describe('budget and waits', () => {
  test('the budget is 55 minutes', () => {
    expect(budgetExceeded(T, T + 55 * 60_000 - 1)).toBe(false);
    expect(budgetExceeded(T, T + 55 * 60_000)).toBe(true);
  });

  test('waitSeconds is at least 1 and falls back to 60 s for a broken interval', () => {
    expect(waitSeconds(T, T, config.analysis, T)).toBe(1);
    expect(waitSeconds(T, T + 3_600_000, { intervalSeconds: 0 }, T)).toBe(60);
    expect(waitSeconds(T, T + 3_600_000, { intervalSeconds: 30 }, T)).toBe(30);
    expect(waitSeconds(T, T + 12_300, config.analysis, T)).toBe(13);
  });
});

describe('decideTickWithShadow (analysis.shadow)', () => {
  const shadow = { ...config.analysis, shadow: true };

  test('off: the same decision as decideTick, nothing shadowed', () => {
    expect(decideTickWithShadow(facts({ outcome: 'fail' }))).toEqual({ decision: { kind: 'fail', reason: 'step 1/3 (5 % green) failed: fail reason' } });
  });

  test('a failing verdict during the bake waits, and says what it would have done', () => {
    expect(decideTickWithShadow(facts({ outcome: 'fail', analysis: shadow }))).toEqual({
      decision: { kind: 'wait', waitSeconds: 60 },
      wouldHave: { kind: 'fail', reason: 'step 1/3 (5 % green) failed: fail reason' },
    });
  });

  test('a failing verdict at the end of the bake advances', () => {
    const r = decideTickWithShadow(facts({ outcome: 'fail', analysis: shadow, nowMs: T + 360_000 }));
    expect(r.decision).toMatchObject({ kind: 'advance', stepIndex: 1, percent: 25 });
    expect(r.wouldHave?.kind).toBe('fail');
  });

  test('inconclusive after every extension advances instead of failing; extensions still happen', () => {
    expect(decideTickWithShadow(facts({ outcome: 'inconclusive', analysis: shadow, nowMs: T + 360_000 })).decision).toMatchObject({ kind: 'extend', extensions: 1 });
    const r = decideTickWithShadow(facts({ outcome: 'inconclusive', analysis: shadow, extensions: 1, nowMs: T + 720_000 }));
    expect(r.decision).toMatchObject({ kind: 'advance', stepIndex: 1 });
    expect(r.wouldHave?.reason).toMatch(/stayed inconclusive after 1 extension/);
  });

  test('a step index outside the schedule still fails: a broken configuration is not a verdict', () => {
    expect(decideTickWithShadow(facts({ outcome: 'pass', analysis: shadow, stepIndex: 7 })).decision.kind).toBe('fail');
  });

  test('property: in shadow mode a verdict never makes the stepper fail', () => {
    fc.assert(fc.property(
      fc.constantFrom<Outcome>('pass', 'fail', 'inconclusive'),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 40 * 60 }),
      (outcome, stepIndex, extensions, seconds) => {
        const r = decideTickWithShadow(facts({ outcome, analysis: shadow, stepIndex, extensions, nowMs: T + seconds * 1000 }));
        return r.decision.kind !== 'fail' && (r.wouldHave === undefined || outcome !== 'pass');
      },
    ));
  });
});

describe('verdictThresholds: the release\'s confidence spent over the verdicts it can take', () => {
  const steps = [{ percent: 5, bakeSeconds: 300 }, { percent: 25, bakeSeconds: 600 }];
  const analysis = { ...config.analysis, maxExtensions: 1 };

  test('a step takes one verdict a minute over its bake and settle minute, per pass (1 + extensions)', () => {
    expect(verdictsInStep(steps[0], analysis)).toBe(12);
    expect(verdictsInStep(steps[1], analysis)).toBe(22);
    expect(verdictsInStep(steps[0], { ...analysis, maxExtensions: 0 })).toBe(6);
    expect(verdictsInStep({ percent: 5, bakeSeconds: 300 }, { intervalSeconds: 120, maxExtensions: 0 })).toBe(3);
  });

  test('the default 5 % step: 0.01 / 2 steps; 80 % of it over its 2 final verdicts, 20 % over its 10 mid-bake ones', () => {
    expect(verdictThresholds(analysis, steps, 0, true).confidencePercent).toBeCloseTo(100 * (1 - (0.005 * 0.8) / 2), 10);
    expect(verdictThresholds(analysis, steps, 0, false).confidencePercent).toBeCloseTo(100 * (1 - (0.005 * 0.2) / 10), 10);
    expect(verdictThresholds(analysis, steps, 1, false).confidencePercent).toBeCloseTo(100 * (1 - (0.005 * 0.2) / 20), 10);
    expect(verdictThresholds({ ...analysis, confidencePercent: 95 }, steps, 0, true).confidencePercent).toBeCloseTo(100 * (1 - (0.025 * 0.8) / 2), 10);
    // Everything else is the configuration's own.
    expect(verdictThresholds(analysis, steps, 0, true)).toMatchObject({ ...analysis, confidencePercent: expect.any(Number) });
  });

  test('property: the verdicts of a release never spend more than its alpha', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ percent: fc.integer({ min: 1, max: 99 }), bakeSeconds: fc.integer({ min: 0, max: 3600 }) }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 10 }).map((m) => m * 60),
      fc.double({ min: 50, max: 99.99, noNaN: true }),
      (s, maxExtensions, intervalSeconds, confidencePercent) => {
        const a = { ...config.analysis, maxExtensions, intervalSeconds, confidencePercent };
        const alphaOf = (i: number, final: boolean) => 1 - verdictThresholds(a, s, i, final).confidencePercent! / 100;
        const finals = 1 + maxExtensions;
        const spent = s.reduce((sum, step, i) => sum + finals * alphaOf(i, true) + Math.max(0, verdictsInStep(step, a) - finals) * alphaOf(i, false), 0);
        return spent <= (1 - confidencePercent / 100) * (1 + 1e-9);
      },
    ));
  });

  test('a broken confidence or a step outside the schedule leaves the thresholds as they are (the judge reports them)', () => {
    expect(verdictThresholds({ ...analysis, confidencePercent: 100 }, steps, 0, true)).toEqual({ ...analysis, confidencePercent: 100 });
    expect(verdictThresholds(analysis, steps, 5, true)).toBe(analysis);
  });
});
