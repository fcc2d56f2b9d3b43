import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { handler, stepperExecutionName } from '../../../lambda/hooks/before-allow-traffic';
import { awsError, DEPLOYMENT_ID, FakeAws, HOOK_ID, mocks, testConfig } from '../stepper/fake-aws';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:CanaryStepper';
const event = { DeploymentId: DEPLOYMENT_ID, LifecycleEventHookExecutionId: HOOK_ID };
const context = { getRemainingTimeInMillis: () => 60_000 };

let fake: FakeAws;
const saved = process.env.CANARY_STEPPER_STATE_MACHINE_ARN;
beforeEach(() => {
  fake = new FakeAws().install();
  process.env.CANARY_STEPPER_STATE_MACHINE_ARN = STATE_MACHINE;
});
afterAll(() => {
  process.env.CANARY_STEPPER_STATE_MACHINE_ARN = saved;
});

describe('stepperExecutionName', () => {
  test('is deterministic, at most 80 characters of [A-Za-z0-9-_], and differs per hook execution', () => {
    const name = stepperExecutionName(DEPLOYMENT_ID, HOOK_ID);
    expect(name).toBe(stepperExecutionName(DEPLOYMENT_ID, HOOK_ID));
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(name.startsWith(`${DEPLOYMENT_ID}-`)).toBe(true);
    expect(stepperExecutionName(DEPLOYMENT_ID, `${HOOK_ID}x`)).not.toBe(name);
    expect(stepperExecutionName('d-OTHER', HOOK_ID)).not.toBe(name);
    expect(stepperExecutionName(`d-${'A'.repeat(200)}`, 'h')).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('BeforeAllowTraffic', () => {
  test('starts the stepper once with a deterministic name and leaves the report to it', async () => {
    const outcome = await handler(event, context);

    expect(outcome.status).toBe('deferred');
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: stepperExecutionName(DEPLOYMENT_ID, HOOK_ID),
      input: JSON.stringify({ deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID }),
    });
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 0);
  });

  test('a duplicate invocation uses the same name; ExecutionAlreadyExists is fine and nothing is reported', async () => {
    await handler(event, context);
    fake.fail('StartExecution', () => awsError('ExecutionAlreadyExists'));

    const outcome = await handler(event, context);

    expect(outcome.status).toBe('deferred');
    const names = mocks.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(names[1]);
    expect(fake.reports).toEqual([]);
  });

  test('an empty schedule reports Succeeded without starting the stepper', async () => {
    fake.config = testConfig({ steps: [] });

    const outcome = await handler(event, context);

    expect(outcome.status).toBe('Succeeded');
    expect(fake.reports).toEqual(['Succeeded']);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  test('a stepper that cannot be started fails the hook before any traffic moves', async () => {
    fake.failAlways('StartExecution', () => awsError('StateMachineDoesNotExist'));

    const outcome = await handler(event, context);

    expect(outcome.status).toBe('Failed');
    expect(fake.reports).toEqual(['Failed']);
    expect(fake.weightChanges()).toEqual([]);
  });

  test('a missing state machine variable fails the hook', async () => {
    delete process.env.CANARY_STEPPER_STATE_MACHINE_ARN;

    const outcome = await handler(event, context);

    expect(outcome).toMatchObject({ status: 'Failed', reason: expect.stringContaining('CANARY_STEPPER_STATE_MACHINE_ARN') });
    expect(fake.reports).toEqual(['Failed']);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });
});
