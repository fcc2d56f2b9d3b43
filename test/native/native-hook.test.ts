import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { arrange, buildConfig, decisions, deps, doc, DEPLOYMENT_ARN, flatPayload, metrics, mocks, payload, T0, TG_A, TG_B, TOPIC } from './fixtures';
import { greenPercentOf, runNativeHook } from '../../lambda/native/native-hook';
import type { NativeOutcomeDoc, NativeState } from '../../lambda/native/types';

const min = (n: number) => new Date(T0.getTime() + n * 60_000);

/** Drives the 5 % hold: first call starts it at T0, later calls judge. */
async function startHold(): Promise<void> {
  expect(await runNativeHook(payload(5), deps(T0))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
}

describe('POST_SCALE_UP', () => {
  test('records blue as the target group serving 100 % of production', async () => {
    arrange({ stage: 'POST_SCALE_UP', ruleWeights: [0, 100] });
    expect(await runNativeHook(payload(0), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(doc<NativeState>('state')?.colors).toEqual({ blueTargetGroupArn: TG_B, greenTargetGroupArn: TG_A });
  });
});

describe('PRODUCTION_TRAFFIC_SHIFT', () => {
  beforeEach(() => arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', ruleWeights: [95, 5] }));

  test('a schedule percent starts a hold: IN_PROGRESS, called back after one analysis interval', async () => {
    await startHold();
    const state = doc<NativeState>('state')!;
    expect(state).toMatchObject({ stepIndex: 0, percent: 5, stepStartedAt: T0.toISOString(), extensions: 0 });
    // Green is the group carrying the green share of the rule.
    expect(state.colors).toEqual({ greenTargetGroupArn: TG_B, blueTargetGroupArn: TG_A });
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  test('an in-between percent of the linear steps passes at once, without judging', async () => {
    expect(await runNativeHook(payload(10), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
  });

  test('top-level payload fields are read too', async () => {
    expect(await runNativeHook(flatPayload(5) as never, deps(T0))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
  });

  test('the first deployment (service creation, no source revision) passes without holding', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', firstDeployment: true });
    expect(await runNativeHook(payload(5), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
  });

  test('a revision with the task definition production already runs (e.g. a CloudFormation rollback) passes without holding', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', sameTaskDefinition: true });
    expect(await runNativeHook(payload(5), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    expect(mocks.ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  test('100 % passes at once', async () => {
    expect(await runNativeHook(payload(100), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  test('mid-bake with good metrics: holds and records a "wait" decision', async () => {
    await startHold();
    metrics(T0, 3);
    expect(await runNativeHook(payload(5), deps(min(3)))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
    expect(decisions()).toEqual([expect.objectContaining({ phase: 'step', step: 0, percent: 5, action: 'wait' })]);
    expect(mocks.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: T0, EndTime: min(3) });
  });

  test('after bake and settle minute with good metrics: SUCCEEDED, ECS shifts on', async () => {
    await startHold();
    metrics(T0, 6);
    expect(await runNativeHook(payload(5), deps(min(6)))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(decisions()[0]).toMatchObject({ action: 'advance', verdict: { outcome: 'pass' } });
    expect(doc<NativeState>('state')!.passed).toEqual([0]);
    // A duplicate call for the passed step answers the same without judging again.
    mocks.cloudwatch.resetHistory();
    expect(await runNativeHook(payload(5), deps(min(7)))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  test('a failing verdict answers FAILED at once, records the reason and notifies', async () => {
    await startHold();
    metrics(T0, 2, 60);
    expect(await runNativeHook(payload(5), deps(min(2)))).toEqual({ hookStatus: 'FAILED' });
    const outcome = doc<NativeOutcomeDoc>('outcome')!;
    expect(outcome).toMatchObject({ source: 'native-hook', result: 'failed', stepIndex: 0, percent: 5 });
    expect(outcome.reason).toMatch(/step 1\/3 \(5 % green\) failed: .*error-rate/);
    expect(doc<NativeState>('state')).toMatchObject({ finished: 'failed' });
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, Message: expect.stringContaining(outcome.reason) });
    // Later calls of the same deployment keep answering FAILED.
    expect(await runNativeHook(payload(25), deps(min(3)))).toEqual({ hookStatus: 'FAILED' });
  });

  test('an AWS error while judging answers FAILED (ECS rolls back)', async () => {
    await startHold();
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(new Error('throttled'));
    expect(await runNativeHook(payload(5), deps(min(2)))).toEqual({ hookStatus: 'FAILED' });
  });

  test('canary abort: FAILED with who asked', async () => {
    await startHold();
    // The control record as `canary abort` writes it.
    const { putRecord } = await import('../../lambda/shared/records');
    const { createClients } = await import('../../lambda/shared/clients');
    await putRecord(createClients(), 'decisions', { deploymentId: DEPLOYMENT_ARN, sk: 'control', kind: 'control', doc: { action: 'abort', at: T0.toISOString(), by: 'alice' } });
    metrics(T0, 2);
    expect(await runNativeHook(payload(5), deps(min(2)))).toEqual({ hookStatus: 'FAILED' });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/aborted by alice/);
  });

  test('a bake longer than an hour keeps holding after 60 min: no CodeDeploy hook budget on ECS', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', ruleWeights: [95, 5], config: buildConfig({ steps: [{ percent: 5, bakeSeconds: 3 * 3600 }, { percent: 50, bakeSeconds: 600 }] }) });
    await startHold();
    metrics(T0, 65);
    expect(await runNativeHook(payload(5), deps(min(65)))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
    expect(decisions()[0]).toMatchObject({ action: 'wait' });
  });

  test('an inconclusive step (too little traffic) is extended, then fails by policy', async () => {
    await startHold();
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    expect(await runNativeHook(payload(5), deps(min(6)))).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 60 });
    expect(doc<NativeState>('state')!.extensions).toBe(1);
    expect(await runNativeHook(payload(5), deps(min(12)))).toEqual({ hookStatus: 'FAILED' });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/inconclusive/);
  });
});

describe('rollback calls of PRODUCTION_TRAFFIC_SHIFT', () => {
  test.each(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'] as const)('%s: SUCCEEDED at once, nothing judged or read', async (status) => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', status, ruleWeights: [75, 25] });
    expect(await runNativeHook(payload(25), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    expect(mocks.ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  test('an error while finding the stage of a rollback never fails the rollback', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', status: 'ROLLBACK_IN_PROGRESS' });
    const { DescribeServiceDeploymentsCommand } = await import('@aws-sdk/client-ecs');
    mocks.ecs.on(DescribeServiceDeploymentsCommand).rejects(new Error('boom'));
    expect(await runNativeHook(payload(25), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
  });
});

describe('other stages and bad input', () => {
  test('POST_PRODUCTION_TRAFFIC_SHIFT records a succeeded outcome', async () => {
    arrange({ stage: 'POST_PRODUCTION_TRAFFIC_SHIFT' });
    expect(await runNativeHook(payload(100), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(doc<NativeOutcomeDoc>('outcome')).toMatchObject({ result: 'succeeded' });
  });

  test.each(['PRE_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT', 'RECONCILE_SERVICE'])('%s: SUCCEEDED', async (stage) => {
    arrange({ stage });
    expect(await runNativeHook(payload(0), deps(T0))).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  test('a payload without a service ARN answers FAILED', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT' });
    expect(await runNativeHook({} as never, deps(T0))).toEqual({ hookStatus: 'FAILED' });
  });

  test('a configuration of another version answers FAILED', async () => {
    arrange({ stage: 'PRODUCTION_TRAFFIC_SHIFT', config: { ...buildConfig(), version: 99 as never } });
    expect(await runNativeHook(payload(5), deps(T0))).toEqual({ hookStatus: 'FAILED' });
  });

  test('green share of the payload, 0.1 % precision, 0 when absent', () => {
    expect(greenPercentOf(flatPayload(25) as never)).toBe(25);
    expect(greenPercentOf({ targetServiceRevisionArn: 'x', productionTrafficWeights: { x: 33.333 } })).toBe(33.3);
    expect(greenPercentOf({})).toBe(0);
  });
});
