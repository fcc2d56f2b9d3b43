import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { BufferOutput } from '../../src/cli/output';
import { watch } from '../../src/cli/watch';
import { deployment, eventsUpTo, FakeCliAws, mocks, T0, TG_A, TG_B } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  aws.deployments = [deployment('d-OLD', 'Succeeded', 300, 6), deployment('d-CUR', 'InProgress', 12, 7)];
  aws.events['d-CUR'] = eventsUpTo('BeforeAllowTraffic', new Date(T0 - 600_000));
  aws.state('d-CUR', { stepIndex: 0, percent: 5, stepStartedAt: new Date(T0).toISOString() });
  aws.listener = [{ TargetGroupArn: TG_B, Weight: 95 }, { TargetGroupArn: TG_A, Weight: 5 }];
});

const cur = () => aws.deployments.find((d) => d.deploymentId === 'd-CUR')!;

test('exit 0 when the deployment succeeds; without a TTY one line per change, polling at the interval', async () => {
  aws.onSleep = (n) => {
    if (n === 2) {
      // The stepper moved to 25 %.
      aws.state('d-CUR', { stepIndex: 1, percent: 25, stepStartedAt: new Date(aws.nowMs).toISOString() });
      aws.listener = [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }];
    }
    if (n === 4) {
      Object.assign(cur(), { status: 'Succeeded', completeTime: new Date(aws.nowMs) });
      aws.events['d-CUR'] = eventsUpTo(undefined);
    }
  };

  const code = await watch(aws.context(), { service: 'api-service', interval: 30 });

  expect(code).toBe(0);
  expect(aws.sleeps).toEqual([30_000, 30_000, 30_000, 30_000]);
  // Five polls, three distinct states: three lines, then the end.
  expect(aws.out.lines).toEqual([
    '2025-06-02T10:00:00Z d-CUR InProgress | stepper | step 1/3 5 % (stepper) | green 5 %',
    '2025-06-02T10:01:00Z d-CUR InProgress | stepper | step 2/3 25 % (stepper) | green 25 %',
    '2025-06-02T10:02:00Z d-CUR Succeeded | succeeded | green 25 %',
    'd-CUR succeeded at 2025-06-02T10:02:00Z',
  ]);
  // The deployment is looked up once, then polled by id.
  expect(mocks.codedeploy.commandCalls(GetDeploymentCommand).slice(2).every((c) => c.args[0].input.deploymentId === 'd-CUR')).toBe(true);
});

test('exit 1 when it fails, with the rollback reason from the outcome record', async () => {
  aws.onSleep = () => {
    Object.assign(cur(), { status: 'Failed', errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'hook failed' }, rollbackInfo: { rollbackDeploymentId: 'd-RB' } });
    aws.putItem('d-CUR', 'outcome', 'outcome', { source: 'stepper', reason: 'step 1/2 (5 % green) failed: error-rate 8.00 % > 1 % (fail)' }, 'Failed');
  };

  const code = await watch(aws.context(), { service: 'api-service', interval: 5 });

  expect(code).toBe(1);
  expect(aws.out.lines.slice(-2)).toEqual([
    'd-CUR failed: step 1/2 (5 % green) failed: error-rate 8.00 % > 1 % (fail) | CodeDeploy: HOOK_EXECUTION_FAILURE: hook failed',
    'rollback deployment d-RB',
  ]);
});

test('exit 1 when stopped, with CodeDeploy\'s errorInformation when no record says more', async () => {
  aws.items.clear();
  Object.assign(cur(), { status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' } });

  expect(await watch(aws.context(), { service: 'api-service' })).toBe(1);
  expect(aws.sleeps).toEqual([]);
  expect(aws.out.lines.at(-1)).toBe('d-CUR stopped: CodeDeploy: ALARM_ACTIVE: One or more alarms have been activated');
});

test('on a terminal it redraws the block in place', async () => {
  const out = new BufferOutput(true);
  aws.onSleep = (n) => { if (n === 2) Object.assign(cur(), { status: 'Succeeded' }); };

  expect(await watch(aws.context({ out }), { service: 'api-service', interval: 1 })).toBe(0);

  const frame = out.lines.findIndex((l) => l.startsWith('deployment'));
  expect(out.lines[frame]).toMatch(/^deployment +d-CUR InProgress \(api-service, api-app\/api-dg\)/);
  expect(out.lines).toContainEqual(expect.stringMatching(/^traffic +green api-tg-a 5 % \[#-+\] blue api-tg-b 95 %$/));
  expect(out.lines).toContainEqual(expect.stringMatching(/^stage +step 1\/3 at 5 % \(stepper in BeforeAllowTraffic\), 6 min left of 6 min \(5 min bake \+ 1 min settle\)$/));
  // Two redraws: cursor up over the previous frame and clear.
  expect(out.raw).toEqual(['\x1b[4A\x1b[0J', '\x1b[4A\x1b[0J']);
});

test('a failing poll is retried, five in a row give up', async () => {
  let polls = 0;
  mocks.codedeploy.on(GetDeploymentCommand).callsFake(() => {
    polls++;
    if (polls <= 2) return { deploymentInfo: cur() };
    const err = new Error('Rate exceeded');
    err.name = 'ThrottlingException';
    throw err;
  });
  await expect(watch(aws.context(), { service: 'api-service', interval: 1 })).rejects.toThrow('Rate exceeded');
  expect(aws.out.errors).toHaveLength(4);
  expect(aws.out.errors[0]).toBe('poll failed (1/5): ThrottlingException: Rate exceeded');
});
