import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { handler } from '../../../lambda/hooks/after-allow-traffic';
import { stepperExecutionName } from '../../../lambda/hooks/before-allow-traffic';
import { awsError, DEPLOYMENT_ID, FakeAws, HOOK_ID, mocks } from '../stepper/fake-aws';

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

describe('AfterAllowTraffic', () => {
  test('starts the final verdict on the state machine and leaves the report to it (no judging right after the shift)', async () => {
    const outcome = await handler(event, context);

    expect(outcome.status).toBe('deferred');
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: stepperExecutionName(DEPLOYMENT_ID, HOOK_ID),
      input: JSON.stringify({ deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID, phase: 'final' }),
    });
    // The minutes at 100 % do not exist yet: nothing is read or judged here.
    expect(mocks.cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 0);
  });

  test('a duplicate invocation uses the same name; ExecutionAlreadyExists is fine and nothing is reported', async () => {
    await handler(event, context);
    fake.fail('StartExecution', () => awsError('ExecutionAlreadyExists'));

    const outcome = await handler(event, context);

    expect(outcome.status).toBe('deferred');
    const names = mocks.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([names[0], names[0]]);
    expect(fake.reports).toEqual([]);
  });

  test('a final verdict that cannot be started fails the hook once (CodeDeploy rolls back)', async () => {
    fake.failAlways('StartExecution', () => awsError('StateMachineDoesNotExist'));

    const outcome = await handler(event, context);

    expect(outcome.status).toBe('Failed');
    expect(fake.reports).toEqual(['Failed']);
  });

  test('a missing state machine variable fails the hook', async () => {
    delete process.env.CANARY_STEPPER_STATE_MACHINE_ARN;

    const outcome = await handler(event, context);

    expect(outcome).toMatchObject({ status: 'Failed', reason: expect.stringContaining('CANARY_STEPPER_STATE_MACHINE_ARN') });
    expect(fake.reports).toEqual(['Failed']);
    expect(mocks.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });
});
