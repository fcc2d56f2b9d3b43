import {
  AWS_FAILURES, EVENT, LONG_CONTEXT, TG_A, TG_B, TaskSetShape,
  awsError, buildConfig, buildContext, expectReportedOnce, healthyTargets, hookContract, mockService, mockTargets,
  mocks, never, resetMocks, taskSets, targetHealth, TargetShape,
} from './fixtures';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterInstall, DEFAULT_POLL_INTERVAL_MS, handler, isTransient } from '../../../lambda/hooks/after-install';
import { createClients } from '../../../lambda/shared/clients';

const clients = createClients();

/** A fake clock: sleeping moves time forward instantly and is recorded. */
function fakeTime() {
  let t = 1_700_000_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
    },
  };
}

/** One DescribeServices + DescribeTargetHealth answer per poll, the last one repeated. */
function mockPolls(polls: { service: TaskSetShape; targets: TargetShape[] }[]): void {
  let services = mocks.ecs.on(DescribeServicesCommand);
  let health = mocks.elbv2.on(DescribeTargetHealthCommand);
  for (const p of polls.slice(0, -1)) {
    services = services.resolvesOnce({ services: [{ taskSets: taskSets(p.service) }] }) as typeof services;
    health = health.resolvesOnce({ TargetHealthDescriptions: targetHealth(p.targets) }) as typeof health;
  }
  const last = polls[polls.length - 1];
  services.resolves({ services: [{ taskSets: taskSets(last.service) }] });
  health.resolves({ TargetHealthDescriptions: targetHealth(last.targets) });
}

function arrangeReady(): void {
  mockService({ desired: 2, running: 2 });
  mockTargets(TG_B, healthyTargets(2));
}

describe('AfterInstall handler', () => {
  // installTimeoutSeconds 0: a failing look ends the wait at once, so no real sleep happens here.
  hookContract(handler, {
    config: buildConfig({ installTimeoutSeconds: 0 }),
    arrange: arrangeReady,
    calls: {
      DescribeServices: (err) => mocks.ecs.on(DescribeServicesCommand).rejects(err),
      DescribeTargetHealth: (err) => mocks.elbv2.on(DescribeTargetHealthCommand).rejects(err),
    },
    hang: () => mocks.ecs.on(DescribeServicesCommand).callsFake(never),
  });

  it('reports Succeeded on the first look when green is running and healthy', async () => {
    resetMocks();
    arrangeReady();
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome).toEqual({
      status: 'Succeeded',
      reason: 'replacement task set ready: 2/2 tasks running (STEADY_STATE), 2/2 targets healthy in api-tg-b',
    });
    expect(mocks.ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'api-cluster', services: ['api-service'] });
    expect(mocks.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_B });
    expectReportedOnce('Succeeded');
  });
});

describe('afterInstall', () => {
  beforeEach(() => resetMocks());

  it('polls at the configured interval until tasks run, are steady and every target is healthy', async () => {
    mockPolls([
      { service: { desired: 3, running: 0, stability: 'STABILIZING' }, targets: [] },
      { service: { desired: 3, running: 2, stability: 'STABILIZING' }, targets: [{ id: '10.0.1.1', state: 'initial', reason: 'Elb.RegistrationInProgress' }] },
      { service: { desired: 3, running: 3, stability: 'STABILIZING' }, targets: healthyTargets(3) },
      { service: { desired: 3, running: 3, stability: 'STEADY_STATE' }, targets: healthyTargets(3) },
    ]);
    const time = fakeTime();
    const outcome = await afterInstall(buildContext(), clients, { ...time.options, pollIntervalMs: 5_000 });
    expect(outcome.status).toBe('Succeeded');
    expect(time.sleeps).toEqual([5_000, 5_000, 5_000]);
    expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 4);
  });

  it('waits 10 s between looks by default', async () => {
    mockPolls([
      { service: { desired: 2, running: 1, stability: 'STABILIZING' }, targets: healthyTargets(1) },
      { service: { desired: 2, running: 2 }, targets: healthyTargets(2) },
    ]);
    const time = fakeTime();
    expect((await afterInstall(buildContext(), clients, time.options)).status).toBe('Succeeded');
    expect(time.sleeps).toEqual([DEFAULT_POLL_INTERVAL_MS]);
  });

  it('fails at installTimeoutSeconds saying what it saw last', async () => {
    mockService({ desired: 3, running: 2, stability: 'STABILIZING' });
    mockTargets(TG_B, [...healthyTargets(2), { id: '10.0.1.9', state: 'unhealthy', reason: 'Target.FailedHealthChecks' }]);
    const time = fakeTime();
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 45 })), clients, time.options);
    expect(outcome).toEqual({
      status: 'Failed',
      reason: 'replacement task set not ready after 45 s: 2/3 tasks running (STABILIZING), 2/3 targets healthy in api-tg-b, '
        + '1 target unhealthy (Target.FailedHealthChecks)',
    });
    // 0, 10, 20, 30, 40 s, then one last look at 45 s.
    expect(time.sleeps).toEqual([10_000, 10_000, 10_000, 10_000, 5_000]);
    expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 6);
  });

  it('is not ready while one target is unhealthy, even with every task running and steady', async () => {
    mockService({ desired: 2, running: 2 });
    mockTargets(TG_B, [...healthyTargets(2), { id: '10.0.1.9', state: 'unhealthy', reason: 'Target.Timeout' }]);
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 0 })), clients, fakeTime().options);
    expect(outcome.reason).toBe('replacement task set not ready after 0 s: 2/2 tasks running (STEADY_STATE), 2/2 targets healthy in api-tg-b, 1 target unhealthy (Target.Timeout)');
  });

  it('is not ready with fewer healthy targets than desired tasks', async () => {
    mockService({ desired: 3, running: 3 });
    mockTargets(TG_B, healthyTargets(2));
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 0 })), clients, fakeTime().options);
    expect(outcome.reason).toContain('3/3 tasks running (STEADY_STATE), 2/3 targets healthy in api-tg-b');
    expect(outcome.status).toBe('Failed');
  });

  it('ignores draining targets (tasks on their way out)', async () => {
    mockService({ desired: 2, running: 2 });
    mockTargets(TG_B, [...healthyTargets(2), { id: '10.0.1.9', state: 'draining', reason: 'Target.DeregistrationInProgress' }]);
    expect((await afterInstall(buildContext(), clients, fakeTime().options)).status).toBe('Succeeded');
  });

  it('never passes a task set without running tasks', async () => {
    mockService({ desired: 0, running: 0 });
    mockTargets(TG_B, []);
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 0 })), clients, fakeTime().options);
    expect(outcome).toEqual({ status: 'Failed', reason: 'replacement task set not ready after 0 s: 0/0 tasks running (STEADY_STATE), 0/0 targets healthy in api-tg-b' });
  });

  it('waits for the replacement task set to appear', async () => {
    mockService({ noReplacement: true });
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 20 })), clients, fakeTime().options);
    expect(outcome.reason).toBe('replacement task set not ready after 20 s: no replacement task set yet');
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 0);
  });

  it('checks the target group of the replacement task set (blue and green swap)', async () => {
    mockService({ primaryTg: TG_B, replacementTg: TG_A });
    mockTargets(TG_A, healthyTargets(2));
    mockTargets(TG_B, [{ id: '10.0.9.9', state: 'unhealthy' }]);
    expect((await afterInstall(buildContext(), clients, fakeTime().options)).status).toBe('Succeeded');
    expect(mocks.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_B });
  });

  it('fails when the service does not exist', async () => {
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    const time = fakeTime();
    await expect(afterInstall(buildContext(), clients, time.options)).rejects.toThrow('ECS service api-service not found in cluster api-cluster');
    expect(time.sleeps).toEqual([]);
  });

  it.each(AWS_FAILURES)('looks again after %s and passes when the next look is good', async (_kind, make) => {
    arrangeReady();
    mocks.ecs.on(DescribeServicesCommand).rejectsOnce(make()).resolves({ services: [{ taskSets: taskSets() }] });
    const time = fakeTime();
    expect((await afterInstall(buildContext(), clients, time.options)).status).toBe('Succeeded');
    expect(time.sleeps).toEqual([DEFAULT_POLL_INTERVAL_MS]);
  });

  it('fails at the timeout when every look fails, naming the error', async () => {
    arrangeReady();
    mocks.elbv2.on(DescribeTargetHealthCommand).rejects(AWS_FAILURES[0][1]());
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 30 })), clients, fakeTime().options);
    expect(outcome).toEqual({ status: 'Failed', reason: 'replacement task set not ready after 30 s: last look failed: ThrottlingException: Rate exceeded' });
  });

  it('stops at once on an error another look cannot fix', async () => {
    arrangeReady();
    mocks.ecs.on(DescribeServicesCommand).rejects(awsError('AccessDeniedException', 'not authorized', { $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const time = fakeTime();
    await expect(afterInstall(buildContext(), clients, time.options)).rejects.toThrow('not authorized');
    expect(time.sleeps).toEqual([]);
  });
});

describe('isTransient', () => {
  it.each(AWS_FAILURES)('treats %s as transient', (_kind, make) => {
    expect(isTransient(make())).toBe(true);
  });

  it.each([
    awsError('AccessDeniedException', 'no', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    awsError('ServiceNotFoundException', 'no', { $fault: 'client' }),
    new Error('plain'),
    undefined,
  ])('does not treat %p as transient', (err) => {
    expect(isTransient(err)).toBe(false);
  });
});

describe('AfterInstall after the hook deadline', () => {
  it('stops polling once the deadline aborted it (no AWS calls for nothing)', async () => {
    resetMocks();
    mockService({ desired: 2, running: 1 });
    mockTargets(TG_B, healthyTargets(1));
    const controller = new AbortController();
    const time = fakeTime();
    let polls = 0;
    const outcome = await afterInstall(buildContext(buildConfig({ installTimeoutSeconds: 600 })), clients, {
      ...time.options,
      signal: controller.signal,
      sleep: async (ms) => {
        polls++;
        if (polls === 2) controller.abort();
        await time.options.sleep(ms);
      },
    });
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toMatch(/^stopped at the hook deadline: /);
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(2);
  });
});
