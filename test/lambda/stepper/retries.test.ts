/**
 * AWS failing under the stepper: a short outage is retried by the state machine (TransientError)
 * and the release goes on; a long one ends in Abort with production on blue and Failed reported.
 */
import type { StepperOutcomeDoc, StepperState } from '../../../lambda/stepper/types';
import { awsError, FakeAws, FakeOp, HEALTHY_GREEN, serverError, TG_A, TG_B, throttled, timeout } from './fake-aws';
import { runStateMachine } from './state-machine';

const ERRORS: [string, () => Error][] = [
  ['throttling', throttled],
  ['HTTP 500', serverError],
  ['a time-out', timeout],
];

const STABLE = 'ModifyListener A=0 B=100';

/** Consecutive duplicates removed: a retried Start may set the same weights twice. */
function distinctWeights(fake: FakeAws): string[] {
  return fake.weightChanges().filter((w, i, all) => w !== all[i - 1]);
}

let fake: FakeAws;
beforeEach(() => {
  fake = new FakeAws().install();
});

describe.each(ERRORS)('one call failing with %s is retried and the release goes on', (_, err) => {
  // Every call Start makes, and every call of the tick that advances (with the carry, that tick
  // reads the state and control record and the deployment's status before it moves traffic).
  const startOps: FakeOp[] = [
    'GetDeployment', 'GetParameter', 'DescribeServices', 'DescribeListeners', 'ModifyListener',
    'GetMetricData', 'BatchGetItem', 'PutItem',
  ];
  const advanceOps: FakeOp[] = ['GetMetricData', 'BatchGetItem', 'GetDeployment', 'DescribeListeners', 'ModifyListener', 'BatchWriteItem'];

  test.each(startOps)('%s during Start', async (op) => {
    fake.fail(op, err, 1);

    const run = await runStateMachine(fake);

    expect(run.errors).toEqual(['TransientError']);
    expect(run.status).toBe('SUCCEEDED');
    expect(distinctWeights(fake)).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', 'ModifyListener A=50 B=50']);
    expect(fake.reports).toEqual(['Succeeded']);
  });

  test.each(advanceOps)('%s during the tick that advances to 25 %%', async (op) => {
    // 5 min bake + 1 min settle: the step's final verdict is at 360 s.
    const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 360) fake.fail(op, err, 1); } });

    expect(run.errors).toEqual(['TransientError']);
    // The decision and the state are written after the weights: a failed write repeats the (same) weights.
    expect(fake.timeOf('ModifyListener A=25')).toBe(op === 'BatchWriteItem' ? 360 : 365);
    expect(distinctWeights(fake)).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', 'ModifyListener A=50 B=50']);
    expect(fake.reports).toEqual(['Succeeded']);
  });

  test('PutLifecycleEventHookExecutionStatus: the decision is kept and re-reported, not judged again', async () => {
    fake.fail('PutLifecycleEventHookExecutionStatus', err, 1);

    const run = await runStateMachine(fake);

    expect(run.errors).toEqual(['TransientError']);
    expect(fake.reports).toEqual(['Succeeded']);
    expect(fake.calls.PutLifecycleEventHookExecutionStatus).toBe(2);
    // One record per change of verdict or action: pass-wait, advance, advance, complete.
    expect(fake.recordsOfKind('decision')).toHaveLength(4);
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'succeeded', reported: true });
  });
});

describe.each(ERRORS)('a call failing for good with %s ends in Abort: production on blue, Failed once', (_, err) => {
  // When each call is next made from 25 % on: GetMetricData every tick; the status and control
  // reads at the first check due after the one at 360 s (CHECK_SECONDS = 150: the 540 s tick); the
  // decision and state write only when something changes: the advance to 50 % at 1020 s, after
  // its weights are set (each retry sets the same weights again, then Abort restores).
  test.each([['GetMetricData', 420], ['BatchGetItem', 540], ['GetDeployment', 540], ['BatchWriteItem', 1020]] as [FakeOp, number][])('%s from 25 %% on', async (op, failingTick) => {
    // 25 % from 360 s on: the 420 s tick is its first.
    const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 420) fake.failAlways(op, err); } });

    expect(run.status).toBe('FAILED');
    expect(run.abortSucceeded).toBe(true);
    expect(run.errors).toEqual(['TransientError', 'TransientError', 'TransientError', 'TransientError']);
    const at50 = op === 'BatchWriteItem' ? Array(4).fill('ModifyListener A=50 B=50') : [];
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', ...at50, STABLE]);
    expect(fake.log.indexOf(STABLE)).toBeLessThan(fake.log.indexOf('report Failed'));
    expect(fake.reports).toEqual(['Failed']);
    // 3 retries with backoff (5 + 10 + 20 s) after the failing tick.
    expect(fake.timeOf('report Failed')).toBe(failingTick + 35);
  });

  test('DescribeServices during Start: no traffic ever moved, Failed reported', async () => {
    fake.failAlways('DescribeServices', err);

    const run = await runStateMachine(fake);

    expect(run.status).toBe('FAILED');
    expect(fake.weightChanges()).toEqual([]);
    expect(fake.listener).toEqual([{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }]);
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ restored: false });
  });

  test('ModifyListener when advancing: the restore fails too, Failed is reported anyway', async () => {
    const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 360) fake.failAlways('ModifyListener', err); } });

    expect(run.status).toBe('FAILED');
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95']);
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'failed', restored: false, reported: true });
    expect(fake.record<StepperOutcomeDoc>('outcome')).toMatchObject({ restored: false, restoreError: expect.any(String) });
  });

  test('PutLifecycleEventHookExecutionStatus while failing: production stays on blue, restored once, nothing reported twice', async () => {
    fake.metrics[TG_A] = () => ({ ...HEALTHY_GREEN, errors5xx: 100 });
    fake.failAlways('PutLifecycleEventHookExecutionStatus', err);

    const run = await runStateMachine(fake);

    expect(run.status).toBe('FAILED');
    expect(run.abortSucceeded).toBe(false);
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    expect(fake.reports).toEqual([]);
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'failed', restored: true, reported: false });

    // CodeDeploy answers again: the next invocation reports the recorded decision, once.
    fake.heal('PutLifecycleEventHookExecutionStatus');
    const { stepperHandler, ids } = await import('./state-machine');
    await stepperHandler(fake)({ action: 'abort', ...ids });
    await stepperHandler(fake)({ action: 'tick', ...ids });
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
  });
});

test('an error a retry cannot help goes straight to Abort', async () => {
  const run = await runStateMachine(fake, {
    beforeTick: (at) => { if (at === 120) fake.failAlways('GetMetricData', () => awsError('AccessDeniedException', 403)); },
  });

  expect(run.errors).toEqual(['StepperError']);
  expect(fake.timeOf('report Failed')).toBe(120);
  expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
  expect(fake.record<StepperState>('state')!.reason).toMatch(/AccessDeniedException/);
});
