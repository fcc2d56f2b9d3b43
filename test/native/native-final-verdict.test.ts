import { GetMetricDataCommand, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { captureEmf } from '../helpers/emf';
import { DescribeServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { arrange, BLUE_REV, buildConfig, decisions, deps, doc, DEPLOYMENT_ARN, GREEN_REV, mocks, payload, T0, TG_A, TG_B, TOPIC } from './fixtures';
import { runNativeHook } from '../../lambda/native/native-hook';
import type { NativeOutcomeDoc, NativeState } from '../../lambda/native/types';
import type { NativeRuntimeConfig } from '../../lib/native/native-config';
import { RELEASE_POLICY_ANALYSIS } from '../../lib/runtime-config';

const at = (hh: number, mm: number, ss = 0) => new Date(Date.UTC(2026, 2, 2, hh, mm, ss));
/** The final verdict starts 10:30:20: its window is [10:31, 10:36), judged at 10:37. */
const SHIFTED = at(10, 30, 20);
const WINDOW_START = at(10, 31);
const WINDOW_END = at(10, 36);
const JUDGE_AT = at(10, 37);

const config = (over: Partial<NativeRuntimeConfig> = {}) => buildConfig({ finalVerdictWindowSeconds: 300, ...over });

/**
 * Per-minute metrics answering each GetMetricData with the minutes inside [StartTime, EndTime):
 * green (TG_B) has `before` 5xx of 600 requests before 10:31 (the 50 % step) and `after` from 10:31
 * (100 %); blue (TG_A) is clean throughout. A window that took in 50 % minutes would see them.
 */
function timeline(before: number, after: number): void {
  mocks.cloudwatch.on(GetMetricDataCommand).callsFake((input) => {
    const from = (input.StartTime as Date).getTime();
    const to = (input.EndTime as Date).getTime();
    const ts: Date[] = [];
    for (let t = Math.ceil(from / 60_000) * 60_000; t < to; t += 60_000) ts.push(new Date(t));
    const series = (prefix: string, errors: (t: Date) => number): MetricDataResult[] => [
      { Id: `${prefix}_requests`, Timestamps: ts, Values: ts.map(() => 600) },
      { Id: `${prefix}_errors5xx`, Timestamps: ts, Values: ts.map(errors) },
      { Id: `${prefix}_p95ms`, Timestamps: ts, Values: ts.map(() => 0.08) },
      { Id: `${prefix}_p99ms`, Timestamps: ts, Values: ts.map(() => 0.15) },
      { Id: `${prefix}_healthyhosts`, Timestamps: ts, Values: ts.map(() => 2) },
      { Id: `${prefix}_unhealthyhosts`, Timestamps: ts, Values: ts.map(() => 0) },
    ];
    return { MetricDataResults: [...series('green', (t) => (t < WINDOW_START ? before : after)), ...series('blue', () => 0)] };
  });
}

function atStage(stage: string): void {
  mocks.ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{
      serviceDeploymentArn: DEPLOYMENT_ARN, status: 'IN_PROGRESS', lifecycleStage: stage as never,
      sourceServiceRevisions: [{ arn: BLUE_REV }], targetServiceRevision: { arn: GREEN_REV },
    }],
  });
}

/** POST_SCALE_UP at 10:00 (blue TG_A 100 %, records colors and baseline), then production at 100 %. */
async function upTo100(c: NativeRuntimeConfig, before = 60, after = 0): Promise<void> {
  arrange({ stage: 'POST_SCALE_UP', ruleWeights: [100, 0], config: c });
  timeline(before, after);
  expect(await runNativeHook(payload(0), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
  atStage('POST_PRODUCTION_TRAFFIC_SHIFT');
  mocks.cloudwatch.resetHistory();
  emf.lines.length = 0;
}

// The FinalVerdict metric is an EMF line on stdout (lambda/shared/emf.ts), not an API call.
let emf: ReturnType<typeof captureEmf>;
beforeEach(() => { emf = captureEmf(); });
afterEach(() => emf.restore());
const metricCalls = () => emf.lines;

describe('stable baseline', () => {
  test('POST_SCALE_UP records blue\'s last window of minutes (the final verdict\'s length) before production moves', async () => {
    await upTo100(config());
    const state = doc<NativeState>('state')!;
    expect(state.colors).toEqual({ blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B });
    expect(state.baseline).toMatchObject({ from: at(9, 55).toISOString(), to: T0.toISOString() });
    expect(state.baseline!.blue).toHaveLength(5);
  });

  test('without POST_SCALE_UP\'s baseline the first hold records it', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', ruleWeights: [95, 5], config: config() });
    timeline(0, 0);
    expect(await runNativeHook(payload(5), deps(T0))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
    expect(doc<NativeState>('state')!.baseline).toMatchObject({ from: at(9, 55).toISOString(), to: T0.toISOString() });
    expect(mocks.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: at(9, 55), EndTime: T0 });
  });

  test('a lost baseline does not fail POST_SCALE_UP', async () => {
    arrange({ stage: 'POST_SCALE_UP', ruleWeights: [100, 0], config: config() });
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(new Error('throttled'));
    expect(await runNativeHook(payload(0), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(doc<NativeState>('state')!.baseline).toBeUndefined();
  });
});

describe('final verdict at POST_PRODUCTION_TRAFFIC_SHIFT', () => {
  test('holds with IN_PROGRESS until the window\'s last minute is published, judging nothing before', async () => {
    await upTo100(config());
    expect(await runNativeHook(payload(100), deps(SHIFTED))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
    expect(doc<NativeState>('state')!.final).toEqual({
      startedAt: SHIFTED.toISOString(), windowStart: WINDOW_START.toISOString(), windowEnd: WINDOW_END.toISOString(), judgeAt: JUDGE_AT.toISOString(),
    });
    // A later call keeps the window chosen first, and is called back exactly at the judge time.
    expect(await runNativeHook(payload(100), deps(at(10, 36, 30)))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 30 });
    expect(doc<NativeState>('state')!.final!.judgeAt).toBe(JUDGE_AT.toISOString());
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    expect(metricCalls()).toHaveLength(0);
    expect(decisions()).toEqual([]);
  });

  test('good minutes at 100 %: SUCCEEDED; the bad 50 % minutes before the shift do not count', async () => {
    await upTo100(config(), 60, 0);
    await runNativeHook(payload(100), deps(SHIFTED));
    expect(await runNativeHook(payload(100), deps(JUDGE_AT))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: WINDOW_START, EndTime: WINDOW_END });
    const [decision] = decisions();
    expect(decision).toMatchObject({
      phase: 'POST_PRODUCTION_TRAFFIC_SHIFT', status: 'Succeeded', blueSource: 'baseline', verdict: { outcome: 'pass' },
      window: { start: WINDOW_START.toISOString(), end: WINDOW_END.toISOString() },
      colors: { blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B },
    });
    // Blue's samples are the baseline from before production moved (09:55..10:00), not the empty blue window.
    expect(decision.samples.blue).toHaveLength(5);
    expect(decision.samples.green).toHaveLength(5);
    expect(doc<NativeOutcomeDoc>('outcome')).toMatchObject({ result: 'succeeded', reason: expect.stringMatching(/final verdict pass/) });
    expect(doc<NativeState>('state')).toMatchObject({ finished: 'succeeded', decisions: 1 });
  });

  test('bad minutes at 100 %: FAILED (ECS rolls back), the reason recorded and notified', async () => {
    await upTo100(config(), 0, 60);
    await runNativeHook(payload(100), deps(SHIFTED));
    expect(await runNativeHook(payload(100), deps(JUDGE_AT))).toEqual({ hookStatus: 'FAILED' });
    expect(decisions()[0]).toMatchObject({ status: 'Failed', verdict: { outcome: 'fail' } });
    const outcome = doc<NativeOutcomeDoc>('outcome')!;
    expect(outcome).toMatchObject({ result: 'failed', percent: 100 });
    expect(outcome.reason).toMatch(/final verdict fail: .*error-rate/);
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, Message: expect.stringContaining(outcome.reason) });
    expect(await runNativeHook(payload(100), deps(at(10, 38)))).toEqual({ hookStatus: 'FAILED' });
  });

  test('the FinalVerdict outcome metric is published once, under <cluster>/<service>', async () => {
    await upTo100(config(), 0, 60);
    await runNativeHook(payload(100), deps(SHIFTED));
    await runNativeHook(payload(100), deps(JUDGE_AT));
    await runNativeHook(payload(100), deps(at(10, 38)));
    expect(metricCalls()).toHaveLength(1);
    expect(metricCalls()[0]._aws).toEqual({
      Timestamp: JUDGE_AT.getTime(),
      CloudWatchMetrics: [{ Namespace: 'CdkEcsCanary', Dimensions: [['DeploymentGroup']], Metrics: [{ Name: 'FinalVerdict', Unit: 'None' }] }],
    });
    expect(metricCalls()[0]).toMatchObject({ DeploymentGroup: 'api-cluster/api-service', FinalVerdict: 0 });
    expect(mocks.cloudwatch.calls().filter((c) => c.args[0].constructor.name !== 'GetMetricDataCommand')).toEqual([]);
  });

  test('a repeated call after a pass answers SUCCEEDED without judging or publishing again', async () => {
    await upTo100(config());
    await runNativeHook(payload(100), deps(SHIFTED));
    await runNativeHook(payload(100), deps(JUDGE_AT));
    mocks.cloudwatch.resetHistory();
    expect(await runNativeHook(payload(100), deps(at(10, 38)))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch.calls()).toHaveLength(0);
    expect(decisions()).toHaveLength(1);
  });

  test('shadow mode: a failing verdict answers SUCCEEDED and records what it would have done', async () => {
    await upTo100(config({ analysis: { ...RELEASE_POLICY_ANALYSIS, shadow: true } }), 0, 60);
    await runNativeHook(payload(100), deps(SHIFTED));
    expect(await runNativeHook(payload(100), deps(JUDGE_AT))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(decisions()[0]).toMatchObject({ status: 'Failed', shadow: true, verdict: { outcome: 'fail' } });
    const outcome = doc<NativeOutcomeDoc>('outcome')!;
    expect(outcome).toMatchObject({ result: 'succeeded', shadowWouldHave: expect.stringMatching(/final verdict fail/) });
    expect(outcome.reason).toMatch(/shadow mode: recorded, not acted on: final verdict fail/);
    expect(mocks.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(metricCalls()[0].FinalVerdict).toBe(0);
  });

  test('canary abort during the final verdict: FAILED with who asked', async () => {
    await upTo100(config());
    await runNativeHook(payload(100), deps(SHIFTED));
    const { putRecord } = await import('../../lambda/shared/records');
    const { createClients } = await import('../../lambda/shared/clients');
    await putRecord(createClients(), 'decisions', { deploymentId: DEPLOYMENT_ARN, sk: 'control', kind: 'control', doc: { action: 'abort', at: SHIFTED.toISOString(), by: 'alice' } });
    expect(await runNativeHook(payload(100), deps(at(10, 33)))).toEqual({ hookStatus: 'FAILED' });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/aborted by alice.*final verdict/);
  });

  test('an AWS error while judging answers FAILED', async () => {
    await upTo100(config());
    await runNativeHook(payload(100), deps(SHIFTED));
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(new Error('throttled'));
    expect(await runNativeHook(payload(100), deps(JUDGE_AT))).toEqual({ hookStatus: 'FAILED' });
  });

  test('a configuration without finalVerdictWindowSeconds (written before it existed) completes at once', async () => {
    await upTo100(buildConfig());
    expect(await runNativeHook(payload(100), deps(SHIFTED))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch.calls()).toHaveLength(0);
    expect(doc<NativeOutcomeDoc>('outcome')).toMatchObject({ result: 'succeeded' });
  });
});
