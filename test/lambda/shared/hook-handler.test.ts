import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createClients } from '../../../lambda/shared/clients';
import { DEADLINE_MARGIN_MS, runHook } from '../../../lambda/shared/hook-handler';
import { buildConfig } from '../hooks/fixtures';

const codedeploy = mockClient(CodeDeployClient);
const ssm = mockClient(SSMClient);
const event = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'hook-1' };

beforeEach(() => {
  codedeploy.reset();
  ssm.reset();
  codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: 'app', deploymentGroupName: 'dg', status: 'InProgress' } });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(buildConfig()) } });
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
});

test('at the deadline: Failed is reported once and the work is told to stop', async () => {
  let signal: AbortSignal | undefined;
  const outcome = await runHook('Test', event, { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 20 }, createClients(),
    (_ctx, _clients, _reporter, s) => {
      signal = s;
      return new Promise(() => undefined); // hangs
    });
  expect(outcome.status).toBe('Failed');
  expect(outcome.reason).toMatch(/DeadlineError: Test did not finish 15s before the Lambda timeout/);
  expect(signal?.aborted).toBe(true);
  expect(codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
  expect(codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, { status: 'Failed', deploymentId: 'd-ABC123' });
});

test('work that finishes in time is not aborted', async () => {
  let signal: AbortSignal | undefined;
  await runHook('Test', event, { getRemainingTimeInMillis: () => 60_000 }, createClients(), async (_c, _k, _r, s) => {
    signal = s;
    return { status: 'Succeeded', reason: 'ok' };
  });
  expect(signal?.aborted).toBe(false);
  expect(codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, { status: 'Succeeded' });
});
