/**
 * The stepper's AWS calls (issue 12: <= 3 per release-minute) and how fast it still stops.
 * An ordinary tick makes one call (GetMetricData); the deployment's status and the control record
 * are read every CHECK_SECONDS and before every traffic move or report.
 */
import { parseStepperInput } from '../../../lambda/stepper/handler';
import { CHECK_SECONDS } from '../../../lambda/stepper/stepper';
import type { StepperState } from '../../../lambda/stepper/types';
import { FakeAws, FakeOp } from './fake-aws';
import { runStateMachine } from './state-machine';

const STABLE = 'ModifyListener A=0 B=100';

let fake: FakeAws;
beforeEach(() => {
  fake = new FakeAws().install();
});

function total(calls: Partial<Record<FakeOp, number>>): number {
  return Object.values(calls).reduce((a, b) => a + (b ?? 0), 0);
}

test('a good release of the default test schedule makes at most 3 calls per in-hook minute, and ordinary ticks one', async () => {
  const run = await runStateMachine(fake);
  expect(run.status).toBe('SUCCEEDED');
  const minutes = fake.timeOf('report Succeeded')! / 60;
  expect(total(fake.calls) / minutes).toBeLessThanOrEqual(3);
  // Never SSM nor a per-tick DynamoDB read after Start.
  expect(fake.calls.GetParameter).toBe(1);
  expect(fake.calls.GetItem ?? 0).toBe(0);
});

test('an ordinary tick between checks makes exactly one call: GetMetricData', async () => {
  const seen: Partial<Record<FakeOp, number>>[] = [];
  let snapshot: Partial<Record<FakeOp, number>> = {};
  await runStateMachine(fake, {
    beforeTick: (at) => {
      // The previous tick ended: record what it called.
      if (at > 60) seen.push(Object.fromEntries(Object.entries(fake.calls).map(([k, v]) => [k, v! - (snapshot[k as FakeOp] ?? 0)]).filter(([, v]) => v)));
      snapshot = { ...fake.calls };
    },
  });
  // seen[i]: the tick at 60 (i + 1) s. The first verdict, a change, is written at 60 s with the
  // state; the 120 s tick repeats it; the check is due at 180 s (>= 150 s after Start).
  expect(seen[0]).toEqual({ GetMetricData: 1, BatchWriteItem: 1 });
  expect(seen[1]).toEqual({ GetMetricData: 1 });
  expect(seen[2]).toEqual({ GetMetricData: 1, BatchGetItem: 1, GetDeployment: 1 });
  expect(seen.filter((c) => total(c) === 1 && c.GetMetricData === 1).length).toBeGreaterThan(seen.length / 2);
});

describe('a deployment stopped by CodeDeploy (alarm, console) stops the stepper', () => {
  test(`within CHECK_SECONDS (${CHECK_SECONDS} s) plus one interval, restoring blue and reporting nothing`, async () => {
    // Stopped right after the check made at the 360 s advance: the worst case.
    const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 420) fake.deploymentStatus = 'Stopped'; } });

    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    const stoppedAt = 420 - 60; // any time after the 360 s check
    const closedAt = fake.timeOf(STABLE)!;
    expect(closedAt - stoppedAt).toBeLessThanOrEqual(CHECK_SECONDS + 60);
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', 'ModifyListener A=25 B=75', STABLE]);
    expect(fake.reports).toEqual([]);
    expect(fake.record<StepperState>('state')).toMatchObject({ finished: 'failed', reason: expect.stringContaining('Stopped') });
  });

  test('before it would move traffic: a stop just before a step ends never lets the next step\'s weights out', async () => {
    // The 5 % step ends at 360 s; the last periodic check was at 300 s.
    const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 360) fake.deploymentStatus = 'Stopped'; } });

    expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95', STABLE]);
    expect(fake.timeOf(STABLE)).toBe(360);
    expect(fake.reports).toEqual([]);
  });
});

test('an abort written by the CLI is obeyed within CHECK_SECONDS plus one interval', async () => {
  const run = await runStateMachine(fake, { beforeTick: (at) => { if (at === 120) fake.putControl('abort', 'carol'); } });

  // The stepper fails the hook itself (the execution then ends in RolledBack, not through Abort).
  expect(run.outputs.at(-1)).toMatchObject({ done: true, finished: 'failed' });
  expect(fake.timeOf('report Failed')! - 60).toBeLessThanOrEqual(CHECK_SECONDS + 60);
  expect(fake.weightChanges().at(-1)).toBe(STABLE);
  expect(fake.reports).toEqual(['Failed']);
});

describe('the carried state from the previous output', () => {
  test('is used when well formed; anything half-formed is ignored and the tick reads the table', () => {
    const ids = { deploymentId: 'd-ABCDEFGHI', lifecycleEventHookExecutionId: 'h' };
    const carry = {
      checkedAt: new Date(0).toISOString(),
      config: { steps: [], analysis: {}, productionListenerArn: 'arn:l' },
      state: { stepIndex: 0, stepStartedAt: 'x', hookStartedAt: 'x', productionListenerArn: 'arn:l', colors: { blueTargetGroupArn: 'b', greenTargetGroupArn: 'g' } },
    };
    expect(parseStepperInput({ action: 'tick', ...ids, previous: { carry } })).toMatchObject({ carry });
    for (const broken of [
      { ...carry, checkedAt: 1 },
      { ...carry, config: { ...carry.config, steps: 'x' } },
      { ...carry, state: { ...carry.state, colors: { blueTargetGroupArn: 'b' } } },
      null,
    ]) {
      expect(parseStepperInput({ action: 'tick', ...ids, previous: { carry: broken } })).not.toHaveProperty('carry');
    }
  });
});
