/**
 * The final verdict at 100 % (AfterAllowTraffic -> stepper state machine): it waits for the
 * minutes at 100 %, judges exactly those, and reports the hook once. Fake clock, fake AWS.
 */
import { GetMetricDataCommand, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { ConfigurationError } from '../../../lambda/shared/errors';
import type { FinalDecisionDoc } from '../../../lambda/stepper/final-judge';
import { FINAL_VERDICT_SK, FinalVerdictState, finalVerdictWindow, parseFinalVerdictInput } from '../../../lambda/stepper/final-verdict';
import {
  DEPLOYMENT_ID, FakeAws, HEALTHY_BLUE, HEALTHY_GREEN, HOOK_ID, mocks, Sample, serverError, T0, TG_A, TG_B, testConfig, throttled,
} from './fake-aws';
import { runFinalVerdictMachine } from './final-state-machine';
import { ids, stepperHandler } from './state-machine';

const MIN = 60_000;
/** CodeDeploy shifted to 100 % at 10:00:30; AfterAllowTraffic started the execution at 10:00:40. */
const SHIFT = T0 + 30_000;
const STARTED = T0 + 40_000;
const BAD: Sample = { ...HEALTHY_GREEN, errors5xx: 40 };

let fake: FakeAws;
beforeEach(() => {
  fake = new FakeAws().install();
  fake.nowMs = STARTED;
  fake.config = testConfig({ finalVerdictWindowSeconds: 300 });
  // CodeDeploy's shift: A (green) 100 %. The stepper recorded colors and the stable baseline.
  fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];
  fake.items.set(`${DEPLOYMENT_ID}|state`, {
    deploymentId: { S: DEPLOYMENT_ID },
    sk: { S: 'state' },
    kind: { S: 'state' },
    doc: { S: JSON.stringify({ colors: { blueTargetGroupArn: TG_B, greenTargetGroupArn: TG_A }, baseline: { blue: [0, 1, 2, 3, 4].map((i) => ({ timestamp: T0 - (30 - i) * MIN, ...HEALTHY_BLUE })) }, finished: 'succeeded', reported: true }) },
    expiresAt: { N: '0' },
  });
  // ALB metrics are published about a minute after the minute ends.
  fake.publishDelaySeconds = 60;
});

/** Green: `before` until the shift's minute is over (the 50 % step and the mixed minute), `after` from the first whole minute at 100 %. */
function green(before: Sample, after: Sample): void {
  fake.metrics[TG_A] = (m) => (m < T0 + MIN ? before : after);
}

function finalDecision(): FinalDecisionDoc {
  const decisions = fake.recordsOfKind('decision');
  expect(decisions).toHaveLength(1);
  return decisions[0].doc as unknown as FinalDecisionDoc;
}

function judgedQuery(): GetMetricDataCommandInput {
  const calls = mocks.cloudwatch.commandCalls(GetMetricDataCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

describe('finalVerdictWindow', () => {
  test.each([
    ['mid-minute', T0 + 40_000, T0 + MIN],
    ['one ms after a whole minute', T0 + 1, T0 + MIN],
    // The shift happened before the hook started, but maybe in the same millisecond: skip that minute too.
    ['exactly on a whole minute', T0, T0 + MIN],
  ])('starts on the first whole minute after the start (%s) and is judged a settle minute after its end', (_name, started, start) => {
    expect(finalVerdictWindow(started, 300)).toEqual({ start, end: start + 5 * MIN, judgeAt: start + 6 * MIN });
  });

  test.each([0, Number.NaN, 90, -60, undefined])('a missing or broken window length (%p) is a configuration error, never a silent default', (seconds) => {
    expect(() => finalVerdictWindow(T0, seconds as number)).toThrow(ConfigurationError);
    expect(() => finalVerdictWindow(T0, seconds as number)).toThrow(/finalVerdictWindowSeconds must be whole minutes/);
  });
});

describe('the final verdict judges the minutes at 100 %', () => {
  test('waits for the window and its settle minute, then judges exactly 10:01-10:06 and reports Succeeded once', async () => {
    // The 50 % step and the minute of the shift were bad: they must not count.
    green(BAD, HEALTHY_GREEN);

    const run = await runFinalVerdictMachine(fake);

    expect(run).toMatchObject({ endedBy: 'choice', errors: [] });
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'succeeded', percent: 100 });
    // Started 10:00:40; the window 10:01:00-10:06:00 is judged at 10:07:00 (its last minute published).
    expect(fake.nowMs).toBe(T0 + 7 * MIN);
    expect(run.tickTimes).toEqual([(T0 + 7 * MIN - STARTED) / 1000]);
    const q = judgedQuery();
    expect(new Date(q.StartTime!).getTime()).toBe(T0 + MIN);
    expect(new Date(q.EndTime!).getTime()).toBe(T0 + 6 * MIN);

    const doc = finalDecision();
    expect(doc.samples.green.map((s) => s.timestamp)).toEqual([1, 2, 3, 4, 5].map((i) => T0 + i * MIN));
    expect(doc.samples.green.every((s) => s.timestamp > SHIFT)).toBe(true);
    expect(doc.window).toEqual({ start: new Date(T0 + MIN).toISOString(), end: new Date(T0 + 6 * MIN).toISOString() });
    expect(doc).toMatchObject({ status: 'Succeeded', blueSource: 'baseline', verdict: { outcome: 'pass' } });

    expect(fake.reports).toEqual(['Succeeded']);
    expect(mocks.codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
      deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID, status: 'Succeeded',
    });
    expect(fake.record<FinalVerdictState>(FINAL_VERDICT_SK)).toMatchObject({ finished: 'succeeded', reported: true });
  });

  test('a version that goes bad at 100 % fails the hook once (CodeDeploy rolls back), though the 50 % step was fine', async () => {
    green(HEALTHY_GREEN, BAD);

    const run = await runFinalVerdictMachine(fake);

    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.reports).toEqual(['Failed']);
    expect(finalDecision()).toMatchObject({ status: 'Failed', verdict: { outcome: 'fail' } });
    expect(fake.log.filter((l) => l.startsWith('EMF'))).toEqual(['EMF FinalVerdict DeploymentGroup=api-app/api-dg value=0']);
    // Only the start's alignment (every forward to the pair on green, as CodeDeploy left it);
    // after the failed verdict the stepper moves nothing: CodeDeploy's rollback reroutes to blue.
    expect(fake.weightChanges()).toEqual(['ModifyListener A=100 B=0']);
  });

  test('the judged window follows finalVerdictWindowSeconds', async () => {
    fake.config = testConfig({ finalVerdictWindowSeconds: 600 });
    await runFinalVerdictMachine(fake);
    const q = judgedQuery();
    expect(new Date(q.StartTime!).getTime()).toBe(T0 + MIN);
    expect(new Date(q.EndTime!).getTime()).toBe(T0 + 11 * MIN);
    expect(fake.nowMs).toBe(T0 + 12 * MIN);
  });

  test('shadow mode: a failing verdict is recorded, the hook reports Succeeded', async () => {
    fake.config = testConfig({ finalVerdictWindowSeconds: 300, analysis: { ...testConfig().analysis, shadow: true } });
    green(HEALTHY_GREEN, BAD);

    const run = await runFinalVerdictMachine(fake);

    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'succeeded' });
    expect(fake.reports).toEqual(['Succeeded']);
    expect(finalDecision()).toMatchObject({ status: 'Failed', shadow: true, verdict: { outcome: 'fail' } });
    expect(fake.record<FinalVerdictState>(FINAL_VERDICT_SK)).toMatchObject({ status: 'Succeeded', reason: expect.stringMatching(/^shadow mode: recorded, not acted on: final verdict fail/) });
  });

  test('shadow: false acts on the verdict', async () => {
    fake.config = testConfig({ finalVerdictWindowSeconds: 300, analysis: { ...testConfig().analysis, shadow: false } });
    green(HEALTHY_GREEN, BAD);
    await runFinalVerdictMachine(fake);
    expect(fake.reports).toEqual(['Failed']);
  });
});

describe('reported exactly once', () => {
  test('a duplicated final-start keeps the first window', async () => {
    const handler = stepperHandler(fake);
    const first = await handler({ action: 'final-start', ...ids });
    fake.advance(50);
    const second = await handler({ action: 'final-start', ...ids });
    expect(fake.record<FinalVerdictState>(FINAL_VERDICT_SK)?.windowStart).toBe(new Date(T0 + MIN).toISOString());
    expect(first.waitSeconds - second.waitSeconds).toBe(50);
  });

  test('a tick before the window is published only waits', async () => {
    const handler = stepperHandler(fake);
    await handler({ action: 'final-start', ...ids });
    fake.nowMs = T0 + 6 * MIN + 30_000;
    const out = await handler({ action: 'final-tick', ...ids });
    expect(out).toMatchObject({ done: false, waitSeconds: 30 });
    expect(mocks.cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  test('a throttled report is retried: CodeDeploy gets one status', async () => {
    fake.fail('PutLifecycleEventHookExecutionStatus', throttled);
    const run = await runFinalVerdictMachine(fake);
    expect(run.errors).toEqual(['TransientError']);
    expect(fake.reports).toEqual(['Succeeded']);
    // Judged once: the retry re-reports the recorded decision.
    expect(fake.recordsOfKind('decision')).toHaveLength(1);
  });

  test('metrics that cannot be read: FinalAbort reports Failed once', async () => {
    fake.failAlways('GetMetricData', serverError);
    const run = await runFinalVerdictMachine(fake);
    expect(run.endedBy).toBe('aborted');
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.reports).toEqual(['Failed']);
  });

  test('a deployment that already ended is not reported to', async () => {
    fake.deploymentStatus = 'Stopped';
    const run = await runFinalVerdictMachine(fake);
    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.reports).toEqual([]);
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 0);
  });

  test('after the report, another tick or abort does nothing', async () => {
    await runFinalVerdictMachine(fake);
    const handler = stepperHandler(fake);
    expect(await handler({ action: 'final-tick', ...ids })).toMatchObject({ done: true, finished: 'succeeded' });
    expect(await handler({ action: 'final-abort', ...ids, error: { Error: 'X' } })).toMatchObject({ done: true, finished: 'succeeded' });
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
    expect(fake.emf).toHaveLength(1);
  });
});

describe('parseFinalVerdictInput', () => {
  test('other actions are the stepper\'s', () => {
    expect(parseFinalVerdictInput({ action: 'tick', ...ids })).toBeUndefined();
  });

  test('a final action with a bad deployment id is refused', () => {
    expect(() => parseFinalVerdictInput({ action: 'final-tick', deploymentId: 'x', lifecycleEventHookExecutionId: 'h' })).toThrow(/not a CodeDeploy deployment id/);
  });
});
