import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { Verdict } from '../../../lambda/judge/types';
import type { StepperDecisionDoc, StepperOutcomeDoc, StepperState } from '../../../lambda/stepper/types';
import {
  DEPLOYMENT_ID,
  FakeAws,
  HEALTHY_BLUE,
  HEALTHY_GREEN,
  HOOK_ID,
  LISTENER,
  mocks,
  Sample,
  T0,
  TG_A,
  TG_B,
  testConfig,
} from './fake-aws';
import { ids, runStateMachine, stepperHandler } from './state-machine';

const STABLE = 'ModifyListener A=0 B=100';

function decisions(fake: FakeAws): { sk: string; outcome?: string; doc: StepperDecisionDoc }[] {
  return fake.recordsOfKind('decision') as unknown as { sk: string; outcome?: string; doc: StepperDecisionDoc }[];
}

/** Production went back to blue 100 % strictly before the one Failed report, and nothing moved after. */
function expectRestoredThenFailed(fake: FakeAws): void {
  expect(fake.reports).toEqual(['Failed']);
  const restore = fake.log.lastIndexOf(STABLE);
  const report = fake.log.indexOf('report Failed');
  expect(restore).toBeGreaterThanOrEqual(0);
  expect(restore).toBeLessThan(report);
  expect(fake.log.slice(report + 1).filter((l) => l.startsWith('ModifyListener'))).toEqual([]);
  expect(fake.listener).toEqual([{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }]);
}

/** Green (A) samples: healthy unless `bad` from `fromSecond` on. */
function greenFrom(fromSecond: number, bad: Sample): (m: number) => Sample {
  return (m) => (m >= T0 + fromSecond * 1000 ? { ...HEALTHY_GREEN, ...bad } : HEALTHY_GREEN);
}

let fake: FakeAws;
beforeEach(() => {
  fake = new FakeAws().install();
});

describe('happy path', () => {
  test('walks 5 -> 25 -> 50 % tick by tick, green taken from the PRIMARY task set, then reports Succeeded once', async () => {
    const run = await runStateMachine(fake);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.errors).toEqual([]);
    // Target group A is first in the configuration and in DescribeServices, but B serves the
    // PRIMARY task set: B is blue, A gets the canary share.
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', 'ModifyListener A=50 B=50']);
    // Each step's final verdict is a settle minute after its bake (5, 10, 15 min): 6, 6 + 11, 17 + 16 min.
    expect(fake.timeline.map((t) => [t.at, t.entry])).toEqual([
      [0, 'ModifyListener A=5 B=95'],
      [360, 'ModifyListener A=25 B=75'],
      [1020, 'ModifyListener A=50 B=50'],
      [1980, 'report Succeeded'],
    ]);
    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 95 }, { TargetGroupArn: TG_A, Weight: 5 }] } }],
    });
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
    expect(mocks.codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
      deploymentId: DEPLOYMENT_ID,
      lifecycleEventHookExecutionId: HOOK_ID,
      status: 'Succeeded',
    });
    // One tick per analysis interval: (5 + 1) + (10 + 1) + (15 + 1) minutes.
    expect(run.tickTimes).toEqual(Array.from({ length: 33 }, (_, i) => 60 * (i + 1)));
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'succeeded', waitSeconds: 0, stepIndex: 2, percent: 50 });
    // The weights stay at 50 %: CodeDeploy's AllowTraffic shift sets its own.
    expect(fake.listener).toEqual([{ TargetGroupArn: TG_B, Weight: 50 }, { TargetGroupArn: TG_A, Weight: 50 }]);
  });

  test('records the state, the baseline of the stable version and one decision per verdict', async () => {
    await runStateMachine(fake);

    const state = fake.record<StepperState>('state')!;
    expect(state).toMatchObject({
      finished: 'succeeded',
      reported: true,
      colors: { blueTargetGroupArn: TG_B, greenTargetGroupArn: TG_A },
      stepIndex: 2,
      percent: 50,
      hookStartedAt: new Date(T0).toISOString(),
      productionListenerArn: LISTENER,
    });
    // Baseline: the last 15 minutes of blue (B) before the first shift.
    expect(state.baseline!.blue).toHaveLength(15);
    expect(state.baseline!.blue[0]).toMatchObject({ requests: HEALTHY_BLUE.requests, p95Ms: HEALTHY_BLUE.p95Ms });
    expect(state.baseline!.to).toBe(new Date(T0).toISOString());

    // A record per change: the first verdict, then each step's end. Equal verdicts in between are
    // not written again (the step's end record holds every minute of the step).
    const recs = decisions(fake);
    expect(recs).toHaveLength(4);
    expect(recs.every((r) => r.outcome === 'pass')).toBe(true);
    const first = recs[0].doc as Extract<StepperDecisionDoc, { phase: 'step' }>;
    expect(first).toMatchObject({ phase: 'step', step: 0, percent: 5, action: 'wait', thresholds: testConfig().analysis });
    // The judged green is A's traffic, blue is B's.
    expect(first.samples.green[0].requests).toBe(HEALTHY_GREEN.requests);
    expect(first.samples.blue[0].requests).toBe(HEALTHY_BLUE.requests);
    expect(first.verdict.checks.map((c) => c.check)).toContain('error-rate');
    expect(recs.map((r) => (r.doc as { action: string }).action)).toEqual(['wait', 'advance', 'advance', 'complete']);
    const stepEnd = recs[1].doc as Extract<StepperDecisionDoc, { phase: 'step' }>;
    expect(stepEnd.window).toEqual({ start: new Date(T0).toISOString(), end: new Date(T0 + 360_000).toISOString() });
    expect(stepEnd.samples.green).toHaveLength(6);
    expect(new Set(recs.map((r) => r.sk)).size).toBe(4);
  });

  test('the colors follow the PRIMARY task set when the groups have swapped', async () => {
    fake.primaryTargetGroup = TG_A;
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];
    fake.metrics = { [TG_A]: () => HEALTHY_BLUE, [TG_B]: () => HEALTHY_GREEN };

    await runStateMachine(fake);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=95 B=5', 'ModifyListener A=75 B=25', 'ModifyListener A=50 B=50']);
    expect(fake.reports).toEqual(['Succeeded']);
  });
});

describe('fail path', () => {
  const checks: [string, Sample, Sample][] = [
    // green 5 % (> 1 %: p < 0.0001), stable 1.5 %: not shown above 2 x stable on 200 requests
    ['error-rate', { errors5xx: 10 }, { errors5xx: 30 }],
    // green 4 %: not shown above 1 % on 200 requests (p = 0.005, the step's verdicts need
    // p < 0.01 / 3 steps / 12 verdicts), but above 2 x stable 0.1 % (p = 2e-5)
    ['error-rate-vs-stable', { errors5xx: 8 }, {}],
    // p95 1200 ms > 1000 ms, within 1.5 x stable 1000 ms
    ['p95-latency', { p95Ms: 1200, p99Ms: 1500 }, { p95Ms: 1000 }],
    ['p99-latency', { p99Ms: 2500 }, {}],
    // 600 ms < 1000 ms but > 1.5 x stable 200 ms
    ['latency-vs-stable', { p95Ms: 600, p99Ms: 800 }, { p95Ms: 200 }],
    // one unhealthy host for 2 consecutive minutes
    ['unhealthy-hosts', { unhealthyHosts: 1 }, {}],
  ];

  test.each(checks)('%s failing: weights back to blue 100 %%, then Failed reported exactly once', async (check, green, blue) => {
    fake.metrics = { [TG_A]: () => ({ ...HEALTHY_GREEN, ...green }), [TG_B]: () => ({ ...HEALTHY_BLUE, ...blue }) };

    const run = await runStateMachine(fake);

    expectRestoredThenFailed(fake);
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    // Detected at the first verdict that can see it: unhealthy hosts needs 2 minutes, latency
    // too (one minute gives no minute-to-minute noise to test against).
    expect(fake.timeOf('report Failed')).toBe(check === 'unhealthy-hosts' || check.includes('latency') ? 120 : 60);
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });

    const failing = decisions(fake).at(-1)!;
    expect(failing.outcome).toBe('fail');
    const verdict = (failing.doc as { verdict: Verdict }).verdict;
    expect(verdict.checks.filter((c) => c.outcome === 'fail').map((c) => c.check)).toEqual([check]);

    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'failed', restored: true, reported: true, reason: expect.stringContaining(check) });
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ source: 'stepper', result: 'failed', restored: true, stepIndex: 0, percent: 5 });
  });

  test('a regression that starts at 25 % rolls back from 25 %', async () => {
    // 25 % starts at 360 s (5 min bake + 1 min settle); green goes bad a minute later.
    fake.metrics[TG_A] = greenFrom(420, { errors5xx: 20 });

    await runStateMachine(fake);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', STABLE]);
    expect(fake.timeOf('ModifyListener A=25')).toBe(360);
    expectRestoredThenFailed(fake);
    expect(fake.timeOf('report Failed')).toBe(480);
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ stepIndex: 1, percent: 25 });
  });

  test('a restore that throws still reports Failed once, and says so in the records', async () => {
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, errors5xx: 50 });
    fake.fail('ModifyListener', () => Object.assign(new Error('listener gone'), { name: 'ListenerNotFoundException' }), 1);
    // The first ModifyListener (start) fails non-transiently: Abort restores -> fails again.
    fake.failAlways('ModifyListener', () => Object.assign(new Error('access denied'), { name: 'AccessDeniedException' }));

    const run = await runStateMachine(fake);

    expect(run.status).toBe('FAILED');
    expect(run.abortSucceeded).toBe(true);
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ restored: false, restoreError: expect.stringContaining('AccessDenied') });
  });
});

describe('shadow mode (analysis.shadow)', () => {
  test('a failing green is judged and recorded at every tick, but the release walks on and Succeeded is reported', async () => {
    fake.config = testConfig({ analysis: { ...testConfig().analysis, shadow: true } });
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, errors5xx: 20 });

    const run = await runStateMachine(fake);

    expect(run.status).toBe('SUCCEEDED');
    expect(fake.reports).toEqual(['Succeeded']);
    // Never restored: the weights only move forward.
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', 'ModifyListener A=50 B=50']);
    const all = decisions(fake);
    expect(all.length).toBeGreaterThan(10);
    for (const d of all) {
      expect(d.outcome).toBe('fail');
      expect(d.doc).toMatchObject({ phase: 'step', shadow: true, wouldHave: { action: 'fail', reason: expect.stringMatching(/failed: error-rate \d+ errors in \d+ requests \(10.00 %\) > 1 %: p = \de-\d+ < 0\.00\d+ \(fail\)/) } });
      expect((d.doc as { action: string }).action).not.toBe('fail');
    }
    // Each verdict is judged at the release's confidence spent over its verdicts, and says so.
    // testConfig: 3 steps, maxExtensions 1; the first step's first verdict is mid-bake (10 of them).
    expect(all[0].doc).toMatchObject({ thresholds: { confidencePercent: expect.closeTo(100 * (1 - (0.01 / 3) * 0.2 / 10), 9) } });
    const final = all.find((d) => (d.doc as { action: string }).action === 'advance')!;
    expect(final.doc).toMatchObject({ step: 0, thresholds: { confidencePercent: expect.closeTo(100 * (1 - (0.01 / 3) * 0.8 / 2), 9) } });
    const state = fake.record<StepperState>('state')!;
    expect(state).toMatchObject({ finished: 'succeeded', shadowFailures: all.length, firstShadowFailure: { stepIndex: 0, percent: 5, outcome: 'fail' } });
    expect(state.lastVerdict?.shadowWouldHave).toMatch(/step 3\/3 \(50 % green\) failed/);
    expect(fake.record('outcome')).toBeUndefined();
  });

  test('inconclusive after every extension does not fail either; passing verdicts carry no wouldHave', async () => {
    fake.config = testConfig({ analysis: { ...testConfig().analysis, shadow: true } });
    fake.metrics[TG_A] = (m) => (m < T0 + 720_000 ? { ...HEALTHY_GREEN, requests: 5 } : HEALTHY_GREEN);

    await runStateMachine(fake);

    expect(fake.reports).toEqual(['Succeeded']);
    const actions = decisions(fake).map((d) => [(d.doc as { action: string }).action, d.outcome, Boolean((d.doc as { wouldHave?: unknown }).wouldHave)]);
    expect(actions.filter(([a]) => a !== 'wait')).toEqual([['extend', 'inconclusive', false], ['advance', 'inconclusive', true], ['advance', 'pass', false], ['complete', 'pass', false]]);
    expect(fake.record<StepperState>('state')!.shadowFailures).toBe(1);
  });

  test('off (the default): the same failing green is rolled back, and records carry no shadow mark', async () => {
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, errors5xx: 20 });
    await runStateMachine(fake);
    expectRestoredThenFailed(fake);
    expect(decisions(fake).every((d) => !('shadow' in d.doc) && !('wouldHave' in d.doc))).toBe(true);
  });
});

describe('inconclusive', () => {
  const thin = { requests: 5 };

  test('extends the step once, then fails by the default policy', async () => {
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, ...thin });

    await runStateMachine(fake);

    const actions = decisions(fake).map((d) => [(d.doc as { action: string }).action, d.outcome]);
    // Verdicts at 60..300 s wait (recorded once); the one due at 360 s (bake + settle) extends by another 360 s.
    expect(actions).toEqual([['wait', 'inconclusive'], ['extend', 'inconclusive'], ['fail', 'inconclusive']]);
    expect(fake.timeOf('report Failed')).toBe(720);
    expectRestoredThenFailed(fake);
    expect(fake.record<StepperState>('state')!.reason).toMatch(/stayed inconclusive after 1 extension/);
  });

  test('onInconclusive=pass advances after the extensions', async () => {
    fake.config = testConfig({ analysis: { ...testConfig().analysis, onInconclusive: 'pass' } });
    // Thin traffic during the first step (and its extension: 2 x (300 + 60) s) only.
    fake.metrics[TG_A] = (m) => (m < T0 + 720_000 ? { ...HEALTHY_GREEN, ...thin } : HEALTHY_GREEN);

    await runStateMachine(fake);

    expect(fake.timeline.map((t) => [t.at, t.entry])).toEqual([
      [0, 'ModifyListener A=5 B=95'],
      [720, 'ModifyListener A=25 B=75'],
      [1380, 'ModifyListener A=50 B=50'],
      [2340, 'report Succeeded'],
    ]);
    const actions = decisions(fake).map((d) => [(d.doc as { action: string }).action, d.outcome]);
    expect(actions.filter(([a]) => a !== 'wait')).toEqual([['extend', 'inconclusive'], ['advance', 'inconclusive'], ['advance', 'pass'], ['complete', 'pass']]);
  });

  test('maxExtensions 0 acts on the policy as soon as the bake and its settle minute end', async () => {
    fake.config = testConfig({ analysis: { ...testConfig().analysis, maxExtensions: 0 } });
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, ...thin });

    await runStateMachine(fake);

    expect(fake.timeOf('report Failed')).toBe(360);
    expectRestoredThenFailed(fake);
  });
});

describe('the last minute of a bake', () => {
  const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

  test('is judged: a fault only in the bake\'s last minute, published a minute later, fails the step instead of advancing', async () => {
    // ALB metrics reach CloudWatch about a minute after their minute ends.
    fake.publishDelaySeconds = 60;
    // Step 1 (5 %) bakes 0-300 s; green fails 25 % of requests in [240, 300) s only, in CloudWatch from 360 s.
    fake.metrics[TG_A] = (m) => (m >= T0 + 240_000 && m < T0 + 300_000 ? { ...HEALTHY_GREEN, errors5xx: 50 } : HEALTHY_GREEN);

    await runStateMachine(fake);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    expectRestoredThenFailed(fake);
    expect(fake.timeOf('report Failed')).toBe(360);
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ stepIndex: 0, percent: 5, reason: expect.stringMatching(/^step 1\/3 \(5 % green\) failed: .*error-rate/) });

    const recs = decisions(fake);
    // At the end of the bake the bad minute is not in CloudWatch yet: that verdict passes like the
    // ones before it (a different verdict would have been recorded). A final verdict taken then
    // would have advanced to 25 % without ever judging the minute.
    expect(recs.map((r) => [(r.doc as { at: string }).at, r.outcome])).toEqual([[iso(60), 'inconclusive'], [iso(120), 'pass'], [iso(360), 'fail']]);
    // The final verdict, a settle minute later, sees it and fails the step.
    const final = recs.at(-1)!.doc as Extract<StepperDecisionDoc, { phase: 'step' }>;
    expect(recs.at(-1)!.outcome).toBe('fail');
    expect(final).toMatchObject({ step: 0, percent: 5, action: 'fail', window: { start: iso(0), end: iso(360) }, at: iso(360) });
    expect(final.samples.green.map((s) => s.timestamp)).toContain(T0 + 240_000);
    expect(final.verdict.checks.filter((c) => c.outcome === 'fail').map((c) => c.check)).toContain('error-rate');
  });
});

describe('hook budget', () => {
  test('fails the hook at 55 minutes, ticking exactly at the limit', async () => {
    fake.config = testConfig({ analysis: { ...testConfig().analysis, onInconclusive: 'pass', maxExtensions: 1 } });
    // Never enough traffic: every step takes two bakes and settle minutes (720 + 1320 + 1920 s > 55 min).
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, requests: 1 });

    const run = await runStateMachine(fake);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', 'ModifyListener A=50 B=50', STABLE]);
    expect(run.tickTimes.at(-1)).toBe(3300);
    expect(fake.timeOf('report Failed')).toBe(3300);
    expectRestoredThenFailed(fake);
    expect(fake.record<StepperState>('state')!.reason).toMatch(/hook budget exceeded/);
  });

  test('shortens the wait so the budget is checked on time', async () => {
    const handler = stepperHandler(fake);
    await handler({ action: 'start', ...ids });
    const state = fake.record<StepperState>('state')!;
    // At the first tick (T0 + 60 s) the hook will have run 54.5 minutes: 30 s of budget left.
    fake.items.get(`${DEPLOYMENT_ID}|state`)!.doc.S = JSON.stringify({ ...state, hookStartedAt: new Date(T0 + 60_000 - 3270_000).toISOString() });
    fake.advance(60);

    const out = await handler({ action: 'tick', ...ids });
    expect(out).toMatchObject({ done: false, waitSeconds: 30 });
    expect(fake.reports).toEqual([]);

    fake.advance(30);
    expect(await handler({ action: 'tick', ...ids })).toMatchObject({ done: true, finished: 'failed' });
    expectRestoredThenFailed(fake);
  });
});

describe('control record (CLI)', () => {
  test('promote reports Succeeded at once and leaves the weights where they are', async () => {
    const run = await runStateMachine(fake, { beforeTick: (_, tick) => tick === 3 && fake.putControl('promote', 'alice') });

    expect(run.status).toBe('SUCCEEDED');
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95']);
    expect(fake.timeline.at(-1)).toEqual({ at: 180, entry: 'report Succeeded' });
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'succeeded', reason: expect.stringContaining('promoted by alice') });
    const control = decisions(fake).at(-1)!;
    expect(control).toMatchObject({ outcome: 'promote', doc: { phase: 'control', step: 0, percent: 5, control: { action: 'promote', by: 'alice' } } });
  });

  test('abort restores blue 100 % and reports Failed', async () => {
    const run = await runStateMachine(fake, { beforeTick: (_, tick) => tick === 7 && fake.putControl('abort', 'bob') });

    expect(run.status).toBe('SUCCEEDED');
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', STABLE]);
    expectRestoredThenFailed(fake);
    // Written before the 420 s tick; the control record is read at the first check due after the
    // one made before the advance at 360 s: 360 + CHECK_SECONDS (150) -> the 540 s tick. (The CLI's
    // abort has put production on blue and stopped the deployment itself by then.)
    expect(fake.timeOf('report Failed')).toBe(360 + 180);
    expect(fake.record<StepperState>('state')!.reason).toMatch(/aborted by bob/);
    expect(decisions(fake).at(-1)).toMatchObject({ outcome: 'abort', doc: { phase: 'control', step: 1, percent: 25 } });
  });

  test('an abort written before the stepper starts fails it before any traffic moves', async () => {
    fake.putControl('abort', 'carol');

    await runStateMachine(fake);

    expect(fake.weightChanges()).toEqual([STABLE]);
    expectRestoredThenFailed(fake);
    expect(fake.timeOf('report Failed')).toBe(0);
  });
});

describe('the abort action (state machine Catch)', () => {
  test('restores blue 100 % and reports Failed with the caught error', async () => {
    const handler = stepperHandler(fake);
    await handler({ action: 'start', ...ids });
    fake.advance(42);

    const out = await handler({
      action: 'abort',
      ...ids,
      error: { Error: 'StepperError', Cause: JSON.stringify({ errorType: 'StepperError', errorMessage: 'ConfigurationError: boom', trace: [] }) },
    });

    expect(out).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    expectRestoredThenFailed(fake);
    expect(fake.record<StepperState>('state')!.reason).toBe('stepper error: StepperError: ConfigurationError: boom');
  });

  test('without any state (Start never got far) it still finds blue, restores and reports', async () => {
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 90 }, { TargetGroupArn: TG_A, Weight: 10 }];

    await stepperHandler(fake)({ action: 'abort', ...ids, error: { Error: 'Lambda.Unknown' } });

    expectRestoredThenFailed(fake);
  });
});

describe('exactly once and idempotent', () => {
  test('a duplicate start or tick after the hook finished does nothing', async () => {
    await runStateMachine(fake);
    const before = [...fake.log];
    const handler = stepperHandler(fake);
    mocks.codedeploy.resetHistory();
    mocks.elbv2.resetHistory();

    for (const action of ['start', 'tick', 'abort'] as const) {
      fake.advance(60);
      expect(await handler({ action, ...ids })).toMatchObject({ done: true, finished: 'succeeded', waitSeconds: 0 });
    }

    expect(fake.log).toEqual(before);
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 0);
    expect(mocks.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  });

  test('a duplicate start while running continues from the state without moving traffic', async () => {
    const handler = stepperHandler(fake);
    await handler({ action: 'start', ...ids });
    fake.advance(100);

    const again = await handler({ action: 'start', ...ids });

    expect(again).toMatchObject({ done: false, stepIndex: 0, percent: 5, waitSeconds: 60 });
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95']);
    expect(fake.record<StepperState>('state')!.stepStartedAt).toBe(new Date(T0).toISOString());
  });

  test('a failed hook is not reported twice by later invocations', async () => {
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, errors5xx: 100 });
    await runStateMachine(fake);
    const handler = stepperHandler(fake);

    for (const action of ['tick', 'abort', 'start'] as const) await handler({ action, ...ids });

    expect(fake.reports).toEqual(['Failed']);
    expect(fake.calls.PutLifecycleEventHookExecutionStatus).toBe(1);
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
  });

  test('CodeDeploy answering LifecycleEventAlreadyCompleted is taken as reported', async () => {
    fake.reports.push('Succeeded'); // someone (a previous invocation) reported already

    const run = await runStateMachine(fake);

    expect(run.errors).toEqual([]);
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'succeeded' });
    expect(fake.record<StepperState>('state')).toMatchObject({ reported: true });
  });

  test('a deployment stopped meanwhile: production back on blue, nothing reported', async () => {
    const run = await runStateMachine(fake, { beforeTick: (_, tick) => { if (tick === 4) fake.deploymentStatus = 'Stopped'; } });

    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    expect(fake.reports).toEqual([]);
    expect(fake.calls.PutLifecycleEventHookExecutionStatus).toBeUndefined();
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'failed', reported: true, reason: expect.stringContaining('Stopped') });
    // The guard owns the outcome record of a deployment that ended without the stepper.
    expect(fake.record('outcome')).toBeUndefined();
  });

  test('an empty schedule reports Succeeded without touching traffic', async () => {
    fake.config = testConfig({ steps: [] });

    const out = await stepperHandler(fake)({ action: 'start', ...ids });

    expect(out).toMatchObject({ done: true, finished: 'succeeded' });
    expect(fake.reports).toEqual(['Succeeded']);
    expect(fake.weightChanges()).toEqual([]);
  });
});

describe('finalVerdictWindowSeconds (required, never defaulted)', () => {
  test('the stable baseline spans the configured window', async () => {
    fake.config = testConfig({ finalVerdictWindowSeconds: 600 });
    await runStateMachine(fake);
    const baseline = fake.record<StepperState>('state')!.baseline!;
    expect(Date.parse(baseline.to) - Date.parse(baseline.from)).toBe(600_000);
    expect(baseline.blue).toHaveLength(10);
  });

  test('a configuration without it fails the hook once, before any traffic moves', async () => {
    fake.config = testConfig({ finalVerdictWindowSeconds: undefined as unknown as number });
    await runStateMachine(fake);
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.weightChanges()).toEqual([]);
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
  });
});
