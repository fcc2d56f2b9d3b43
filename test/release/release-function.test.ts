import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { parseMarker, releaseDescription } from '../../lambda/release/deployments';
import { ReleaseConflictError, ReleaseFailedError, ReleasePropertiesError, isTransient } from '../../lambda/release/errors';
import * as handler from '../../lambda/release/handler';
import { REQUEST_LOOKBACK_MS, isComplete, onEvent, parseProperties } from '../../lambda/release/release';
import type { IsCompleteRequest, ReleaseRequest } from '../../lambda/release/types';
import { logger } from '../../lambda/shared/logger';
import {
  FakeAws,
  NOW,
  OTHER_REQUEST_ID,
  PHYSICAL_ID,
  REQUEST_ID,
  RESOURCE,
  TABLE,
  TD1,
  TD2,
  TD3,
  accessDenied,
  appSpec,
  awsError,
  createRequest,
  deleteRequest,
  ourDescription,
  properties,
  throttled,
  updateRequest,
} from './fake-release';

let aws: FakeAws;
beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => {
  aws = new FakeAws();
});

/** onEvent, then the isComplete input the provider framework builds from its answer. */
async function start(req: ReleaseRequest): Promise<IsCompleteRequest> {
  const res = await onEvent(req, aws.deps());
  return { ...req, ...res };
}

describe('Create', () => {
  test('starts no deployment: the new service runs its task definition', async () => {
    const res = await onEvent(createRequest(TD1), aws.deps());

    expect(res).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { DeploymentId: '', Deployment: 'none', Summary: expect.stringContaining('no deployment needed') },
      CanaryRelease: { phase: 'done', summary: expect.any(String) },
    });
    expect(aws.codedeploy.calls()).toHaveLength(0);
    expect(aws.ecs.calls()).toHaveLength(0);
  });

  test('isComplete completes at once with the same attributes', async () => {
    const next = await start(createRequest(TD1));
    await expect(isComplete(next, aws.deps())).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: '', Deployment: 'none', Summary: expect.any(String) },
    });
    expect(aws.codedeploy.calls()).toHaveLength(0);
  });

  test('refuses properties the construct does not render', async () => {
    const req = createRequest(TD1);
    await expect(onEvent({ ...req, ResourceProperties: { ...req.ResourceProperties, Mode: 'later' } }, aws.deps()))
      .rejects.toThrow('release property Mode must be wait or async, got later');
  });
});

describe('Update', () => {
  test('starts the deployment of a new task definition with its AppSpec', async () => {
    const res = await onEvent(updateRequest(TD1, TD2), aws.deps());

    expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    expect(aws.codedeploy).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      applicationName: 'shop-app',
      deploymentGroupName: 'shop-group',
      deploymentConfigName: 'Canary50Percent15Minutes',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(TD2) } },
      description: `cdk-ecs-canary release of ${TD2} (cfn ${RESOURCE} ${REQUEST_ID})`,
    });
    expect(aws.ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'shop-cluster', services: ['shop-api'] });
    expect(aws.codedeploy).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      applicationName: 'shop-app',
      deploymentGroupName: 'shop-group',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
    expect(res).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { DeploymentId: 'd-NEW1', Deployment: 'd-NEW1', Summary: `deployment d-NEW1 releases ${TD2}` },
      CanaryRelease: { phase: 'started', deploymentId: 'd-NEW1', summary: `deployment d-NEW1 releases ${TD2}` },
    });
  });

  test('the same task definition again starts nothing', async () => {
    const res = await onEvent(updateRequest(TD2, TD2, { OnConflict: 'wait' }), aws.deps());
    expect(res.CanaryRelease).toEqual({ phase: 'done', summary: expect.stringContaining('task definition unchanged') });
    expect(aws.codedeploy.calls()).toHaveLength(0);
  });

  test('a CloudFormation rollback to the task definition the service runs starts nothing', async () => {
    aws.runs(TD1);
    const res = await onEvent(updateRequest(TD2, TD1), aws.deps());

    expect(res.CanaryRelease).toEqual({ phase: 'done', summary: `the service already runs ${TD1}; no deployment needed` });
    expect(res.Data?.DeploymentId).toBe('');
    expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    expect(aws.codedeploy).not.toHaveReceivedCommand(StopDeploymentCommand);
  });

  test('without task sets the service\'s own task definition counts', async () => {
    aws.service = { serviceName: 'shop-api', taskDefinition: TD1, taskSets: [] };
    await onEvent(updateRequest(TD2, TD1), aws.deps());
    expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);

    aws.service = { serviceName: 'shop-api', taskDefinition: TD1 };
    await onEvent(updateRequest(TD1, TD2), aws.deps());
    expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
  });

  test('an ACTIVE task set is not what the service runs: a new revision there is still deployed', async () => {
    aws.runs(TD1, TD2);
    await onEvent(updateRequest(TD3, TD2), aws.deps());
    expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
  });

  test('a missing service fails with ECS\'s reason', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/shop-cluster/shop-api', reason: 'MISSING' }] });
    await expect(onEvent(updateRequest(TD1, TD2), aws.deps())).rejects.toThrow(/ECS service shop-api in cluster shop-cluster was not found \(.*MISSING\)/);
  });

  describe('another deployment in progress', () => {
    beforeEach(() => {
      aws.addDeployment({ deploymentId: 'd-OTHER', status: 'InProgress', description: 'hotfix from the console' });
    });

    test('onConflict fail: fails naming the deployment and what to do', async () => {
      const err = await onEvent(updateRequest(TD1, TD2), aws.deps()).catch((e) => e);

      expect(err).toBeInstanceOf(ReleaseConflictError);
      expect(err.name).toBe('ReleaseConflictError');
      expect(err.message).toBe(
        `cannot release ${TD2}: deployment d-OTHER of shop-app/shop-group is InProgress ("hotfix from the console"), `
        + 'and a deployment group runs one deployment at a time. Wait for it to finish (npx canary watch) or stop it '
        + '(npx canary abort), then run cdk deploy again; or set release.onConflict to ReleaseConflictPolicy.WAIT to queue behind it.',
      );
      expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    test('onConflict fail from isComplete too (after a transient start)', async () => {
      const next: IsCompleteRequest = { ...updateRequest(TD1, TD2), CanaryRelease: { phase: 'pending', since: NOW.toISOString(), reason: 'throttled' } };
      await expect(isComplete(next, aws.deps())).rejects.toThrow(/deployment d-OTHER .* is InProgress/);
    });

    test('names our own earlier release when it is the one in the way', async () => {
      aws.deployments[0].description = ourDescription(TD2);
      await expect(onEvent(updateRequest(TD2, TD3), aws.deps()))
        .rejects.toThrow(`deployment d-OTHER of shop-app/shop-group is InProgress (started by a cdk-ecs-canary release of ${TD2})`);
    });

    test('onConflict wait: queues, then starts once the other deployment ended, then watches its own', async () => {
      const next = await start(updateRequest(TD1, TD2, { OnConflict: 'wait' }));
      expect(next.CanaryRelease).toEqual({
        phase: 'pending',
        since: new Date(NOW.getTime() - REQUEST_LOOKBACK_MS).toISOString(),
        reason: expect.stringContaining('waiting for deployment d-OTHER'),
      });
      expect((next as { Data?: unknown }).Data).toBeUndefined();

      // Still in the way: poll again later, start nothing.
      await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
      expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);

      // It ended: the same (stateless) poll starts ours...
      aws.setStatus('d-OTHER', 'Succeeded');
      await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
      expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);

      // ...and the next polls find it by the request's marker instead of starting another.
      await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
      aws.setStatus('d-NEW1', 'Succeeded');
      await expect(isComplete(next, aws.deps())).resolves.toEqual({
        IsComplete: true,
        Data: { DeploymentId: 'd-NEW1', Deployment: 'd-NEW1', Summary: `deployment d-NEW1 released ${TD2}` },
      });
      expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    });

    test('onConflict wait in async mode completes as soon as its deployment started', async () => {
      const next = await start(updateRequest(TD1, TD2, { OnConflict: 'wait', Mode: 'async' }));
      aws.setStatus('d-OTHER', 'Stopped');
      await expect(isComplete(next, aws.deps())).resolves.toEqual({
        IsComplete: true,
        Data: { DeploymentId: 'd-NEW1', Deployment: 'd-NEW1', Summary: expect.any(String) },
      });
    });

    test('a deployment started between our check and CreateDeployment is a conflict too', async () => {
      aws.setStatus('d-OTHER', 'Succeeded');
      aws.codedeploy.on(CreateDeploymentCommand).callsFake(() => {
        aws.setStatus('d-OTHER', 'InProgress');
        throw Object.assign(new Error('The number of allowed deployments was exceeded'), { name: 'DeploymentLimitExceededException' });
      });
      await expect(onEvent(updateRequest(TD1, TD2), aws.deps())).rejects.toThrow(ReleaseConflictError);
    });
  });

  describe('idempotent under retries', () => {
    test('a retry of the same request joins the deployment it already started', async () => {
      aws.addDeployment({ deploymentId: 'd-MINE', status: 'InProgress', description: ourDescription(TD2, REQUEST_ID) });
      const res = await onEvent(updateRequest(TD1, TD2), aws.deps());
      expect(res.CanaryRelease).toEqual({ phase: 'started', deploymentId: 'd-MINE', summary: expect.any(String) });
      expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    test('a retry after that deployment already failed reports the failure instead of starting another', async () => {
      aws.addDeployment({
        deploymentId: 'd-MINE',
        status: 'Failed',
        description: ourDescription(TD2, REQUEST_ID),
        errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'BeforeInstall refused: stable version in alarm' },
      });
      const next = await start(updateRequest(TD1, TD2));
      expect(next.CanaryRelease).toEqual({ phase: 'started', deploymentId: 'd-MINE', summary: expect.any(String) });
      await expect(isComplete(next, aws.deps())).rejects.toThrow('BeforeInstall refused');
      expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    test('an in-flight deployment of this resource for the same task definition is joined (another request)', async () => {
      aws.addDeployment({ deploymentId: 'd-EARLIER', status: 'Baking', description: ourDescription(TD2, OTHER_REQUEST_ID) });
      const res = await onEvent(updateRequest(TD1, TD2), aws.deps());
      expect(res.Data?.DeploymentId).toBe('d-EARLIER');
      expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    test('another resource\'s deployment of the same task definition is a conflict, not ours', async () => {
      aws.addDeployment({ deploymentId: 'd-ELSE', status: 'InProgress', description: ourDescription(TD2, REQUEST_ID, 'abcdef012345') });
      await expect(onEvent(updateRequest(TD1, TD2), aws.deps())).rejects.toThrow(/d-ELSE/);
    });

    test('a finished deployment of an earlier request is not joined', async () => {
      aws.addDeployment({ deploymentId: 'd-OLD', status: 'Failed', description: ourDescription(TD2, OTHER_REQUEST_ID) });
      await onEvent(updateRequest(TD1, TD2), aws.deps());
      expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    });
  });

  test('a rollback while our async release is in flight stops it with rollback and starts nothing', async () => {
    aws.runs(TD1, TD2);
    aws.addDeployment({ deploymentId: 'd-ASYNC', status: 'InProgress', description: ourDescription(TD2) });

    const res = await onEvent(updateRequest(TD2, TD1), aws.deps());

    expect(aws.codedeploy).toHaveReceivedCommandWith(StopDeploymentCommand, { deploymentId: 'd-ASYNC', autoRollbackEnabled: true });
    expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    expect(res.CanaryRelease).toEqual({
      phase: 'done',
      summary: `the service still runs ${TD1}; stopped deployment d-ASYNC of ${TD2} with rollback`,
    });
  });

  test('a deployment someone else runs is left alone when the service already runs the task definition', async () => {
    aws.runs(TD1);
    aws.addDeployment({ deploymentId: 'd-PIPELINE', status: 'InProgress', description: 'CodePipeline' });
    const res = await onEvent(updateRequest(TD2, TD1), aws.deps());
    expect(res.CanaryRelease.phase).toBe('done');
    expect(aws.codedeploy).not.toHaveReceivedCommand(StopDeploymentCommand);
  });
});

describe('isComplete', () => {
  const started = (over: Partial<Parameters<typeof properties>[1]> = {}): IsCompleteRequest => ({
    ...updateRequest(TD1, TD2, over),
    PhysicalResourceId: PHYSICAL_ID,
    CanaryRelease: { phase: 'started', deploymentId: 'd-NEW1', summary: 'started' },
  });
  beforeEach(() => {
    aws.addDeployment({ deploymentId: 'd-NEW1', status: 'InProgress', description: ourDescription(TD2, REQUEST_ID) });
  });

  test('async mode completes at once with the deployment id', async () => {
    await expect(isComplete(started({ Mode: 'async' }), aws.deps())).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: 'd-NEW1', Deployment: 'd-NEW1', Summary: 'started' },
    });
    expect(aws.codedeploy).not.toHaveReceivedCommand(GetDeploymentCommand);
  });

  test.each(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])('wait mode keeps polling while %s (no Data)', async (status) => {
    aws.setStatus('d-NEW1', status);
    await expect(isComplete(started(), aws.deps())).resolves.toEqual({ IsComplete: false });
    expect(aws.codedeploy).toHaveReceivedCommandWith(GetDeploymentCommand, { deploymentId: 'd-NEW1' });
  });

  test('wait mode completes when the deployment succeeded', async () => {
    aws.setStatus('d-NEW1', 'Succeeded');
    await expect(isComplete(started(), aws.deps())).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: 'd-NEW1', Deployment: 'd-NEW1', Summary: `deployment d-NEW1 released ${TD2}` },
    });
  });

  test('a failed deployment fails with CodeDeploy\'s error and the canary\'s rollback reason', async () => {
    aws.setStatus('d-NEW1', 'Failed', {
      errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' },
      rollbackInfo: { rollbackDeploymentId: 'd-RB', rollbackMessage: 'Deployment d-NEW1 rolled back by d-RB' },
    });
    aws.dynamodb.on(GetItemCommand).resolves({
      Item: {
        deploymentId: { S: 'd-NEW1' },
        sk: { S: 'outcome' },
        kind: { S: 'outcome' },
        doc: { S: JSON.stringify({ source: 'stepper', result: 'failed', reason: 'step 2 (25 %): green 5xx rate 4.2 % > 1 %' }) },
      },
    });

    const err = await isComplete(started(), aws.deps()).catch((e) => e);

    expect(err).toBeInstanceOf(ReleaseFailedError);
    expect(err.message).toBe(
      `canary release of ${TD2} failed (deployment d-NEW1). CodeDeploy: ALARM_ACTIVE: One or more alarms have been activated. `
      + 'rollback reason: step 2 (25 %): green 5xx rate 4.2 % > 1 %. rollback: Deployment d-NEW1 rolled back by d-RB. '
      + 'details: npx canary status (deployment d-NEW1)',
    );
    expect(aws.dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { deploymentId: { S: 'd-NEW1' }, sk: { S: 'outcome' } },
    });
  });

  test('a stopped deployment fails too; without a record the message is CodeDeploy\'s alone', async () => {
    aws.setStatus('d-NEW1', 'Stopped', { errorInformation: { code: 'MANUAL_STOP', message: 'stopped by user' } });
    aws.dynamodb.on(GetItemCommand).resolves({});
    await expect(isComplete(started(), aws.deps())).rejects.toThrow(
      `canary release of ${TD2} stopped (deployment d-NEW1). CodeDeploy: MANUAL_STOP: stopped by user. details: npx canary status (deployment d-NEW1)`,
    );
  });

  test('an unreadable decision record does not hide the failure', async () => {
    aws.setStatus('d-NEW1', 'Failed', { errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'smoke test GET / got 500' } });
    aws.dynamodb.on(GetItemCommand).rejects(awsError('AccessDeniedException', 400));
    await expect(isComplete(started(), aws.deps())).rejects.toThrow(/failed \(deployment d-NEW1\)\. CodeDeploy: HOOK_EXECUTION_FAILURE: smoke test GET \/ got 500\. details/);
  });

  test('without a decisions table nothing is read', async () => {
    aws.setStatus('d-NEW1', 'Failed', { errorInformation: { message: 'x' } });
    await expect(isComplete(started(), aws.deps(''))).rejects.toThrow(ReleaseFailedError);
    expect(aws.dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });

  test('refuses an input without the state onEvent returns', async () => {
    await expect(isComplete(updateRequest(TD1, TD2), aws.deps())).rejects.toThrow(ReleasePropertiesError);
  });
});

describe('errors from AWS', () => {
  test('throttling in onEvent hands the start to isComplete instead of failing the stack', async () => {
    aws.codedeploy.on(ListDeploymentsCommand).rejects(throttled());
    const res = await onEvent(updateRequest(TD1, TD2), aws.deps());

    expect(res.CanaryRelease).toEqual({ phase: 'pending', since: expect.any(String), reason: 'ThrottlingException: Rate exceeded' });
    expect(res.Data).toBeUndefined();
    expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('isComplete retries the start on the next poll once throttling is over', async () => {
    aws.codedeploy.on(ListDeploymentsCommand).rejects(throttled());
    const next = await start(updateRequest(TD1, TD2));
    await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });

    aws = new FakeAws();
    await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
    expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
  });

  test('throttling while watching is not a failed release: poll again', async () => {
    aws.codedeploy.on(GetDeploymentCommand).rejects(throttled());
    const next: IsCompleteRequest = { ...updateRequest(TD1, TD2), CanaryRelease: { phase: 'started', deploymentId: 'd-NEW1', summary: 's' } };
    await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
  });

  test('a 5xx while watching is polled again too', async () => {
    aws.codedeploy.on(GetDeploymentCommand).rejects(awsError('InternalFailure', 500));
    const next: IsCompleteRequest = { ...updateRequest(TD1, TD2), CanaryRelease: { phase: 'started', deploymentId: 'd-NEW1', summary: 's' } };
    await expect(isComplete(next, aws.deps())).resolves.toEqual({ IsComplete: false });
  });

  test('access denied fails at once, in onEvent and in isComplete', async () => {
    aws.codedeploy.on(ListDeploymentsCommand).rejects(accessDenied());
    await expect(onEvent(updateRequest(TD1, TD2), aws.deps())).rejects.toThrow('not authorized to perform: codedeploy:ListDeployments');

    aws.codedeploy.on(GetDeploymentCommand).rejects(accessDenied());
    const next: IsCompleteRequest = { ...updateRequest(TD1, TD2), CanaryRelease: { phase: 'started', deploymentId: 'd-NEW1', summary: 's' } };
    await expect(isComplete(next, aws.deps())).rejects.toThrow('not authorized to perform');
  });

  test.each<[string, boolean, unknown]>([
    ['throttling', true, throttled()],
    ['HTTP 503', true, awsError('Weird', 503)],
    ['HTTP 429', true, awsError('TooMany', 429)],
    ['a reset connection', true, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['access denied', false, accessDenied()],
    ['a validation error', false, awsError('InvalidRevisionException', 400)],
    ['our conflict', false, new ReleaseConflictError('busy')],
    ['a bug', false, new TypeError('x is undefined')],
    ['a string', false, 'oops'],
  ])('%s: transient %s', (_, expected, err) => {
    expect(isTransient(err)).toBe(expected);
  });
});

describe('Delete', () => {
  test('stops what this resource has in flight, with rollback, and leaves others alone', async () => {
    aws.addDeployment({ deploymentId: 'd-MINE', status: 'InProgress', description: ourDescription(TD2) });
    aws.addDeployment({ deploymentId: 'd-PIPELINE', status: 'InProgress', description: 'CodePipeline' });

    const res = await onEvent(deleteRequest(), aws.deps());

    expect(aws.codedeploy).toHaveReceivedCommandTimes(StopDeploymentCommand, 1);
    expect(aws.codedeploy).toHaveReceivedCommandWith(StopDeploymentCommand, { deploymentId: 'd-MINE', autoRollbackEnabled: true });
    expect(res).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { DeploymentId: '', Deployment: 'none', Summary: 'deleted; stopped deployment d-MINE with rollback' },
      CanaryRelease: { phase: 'done', summary: 'deleted; stopped deployment d-MINE with rollback' },
    });
  });

  test('nothing in flight: nothing stopped', async () => {
    await expect(onEvent(deleteRequest(), aws.deps())).resolves.toMatchObject({ CanaryRelease: { phase: 'done', summary: 'deleted' } });
    expect(aws.codedeploy).not.toHaveReceivedCommand(StopDeploymentCommand);
  });

  test('a failing StopDeployment does not fail the delete', async () => {
    aws.addDeployment({ deploymentId: 'd-MINE', status: 'InProgress', description: ourDescription(TD2) });
    aws.codedeploy.on(StopDeploymentCommand).rejects(awsError('DeploymentAlreadyCompletedException', 400));
    await expect(onEvent(deleteRequest(), aws.deps())).resolves.toMatchObject({ CanaryRelease: { phase: 'done' } });
  });

  test('neither does an unreadable deployment list, nor broken properties', async () => {
    aws.codedeploy.on(ListDeploymentsCommand).rejects(accessDenied());
    await expect(onEvent(deleteRequest(), aws.deps())).resolves.toMatchObject({ CanaryRelease: { phase: 'done', summary: 'deleted' } });
    await expect(onEvent({ ...deleteRequest(), ResourceProperties: {} }, aws.deps())).resolves.toMatchObject({ PhysicalResourceId: PHYSICAL_ID });
  });
});

describe('the marker in the deployment description', () => {
  test('round-trips and names the task definition', () => {
    const marker = { taskDefinitionArn: TD2, resource: RESOURCE, requestId: REQUEST_ID };
    expect(releaseDescription(marker)).toContain(TD2);
    expect(parseMarker(releaseDescription(marker))).toEqual(marker);
  });

  test('does not confuse revision 1 with revision 12', () => {
    const twelve = releaseDescription({ taskDefinitionArn: `${TD1}2`, resource: RESOURCE, requestId: REQUEST_ID });
    expect(parseMarker(twelve)?.taskDefinitionArn).not.toBe(TD1);
  });

  test('stays under CodeDeploy\'s description limit for the longest task definition ARN', () => {
    const longest = `arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/${'f'.repeat(255)}:1000000`;
    expect(releaseDescription({ taskDefinitionArn: longest, resource: RESOURCE, requestId: REQUEST_ID }).length).toBeLessThanOrEqual(512);
  });

  test.each([undefined, '', 'hotfix', 'cdk-ecs-canary release of x (cfn nothex 1)'])('%j is not ours', (d) => {
    expect(parseMarker(d)).toBeUndefined();
  });
});

describe('parseProperties', () => {
  test.each(['TaskDefinitionArn', 'AppSpec', 'ApplicationName', 'DeploymentGroupName', 'DeploymentConfigName', 'ClusterName', 'ServiceName'])(
    'requires %s', (key) => {
      const p = properties(TD1);
      delete p[key];
      expect(() => parseProperties(p)).toThrow(`release property ${key} is missing or empty`);
    });

  test('requires a known OnConflict', () => {
    expect(() => parseProperties(properties(TD1, { OnConflict: 'retry' as 'wait' }))).toThrow('OnConflict must be fail or wait');
  });
});

describe('Lambda entries', () => {
  const env = process.env.CANARY_DECISIONS_TABLE;
  // The entries use the real clock (`new Date()`); pin it to the fixtures' NOW, faking Date only,
  // so the deployment dated NOW stays inside the lookback window on any day the suite runs.
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env.CANARY_DECISIONS_TABLE = env;
  });

  test('onEvent and isComplete run the plain functions with the table from the environment', async () => {
    process.env.CANARY_DECISIONS_TABLE = 'table-from-env';
    aws.addDeployment({ deploymentId: 'd-MINE', status: 'Failed', description: ourDescription(TD2, REQUEST_ID), errorInformation: { message: 'x' } });
    aws.dynamodb.on(GetItemCommand).resolves({});

    const res = await handler.onEvent(updateRequest(TD1, TD2));
    expect(res.CanaryRelease).toMatchObject({ phase: 'started', deploymentId: 'd-MINE' });
    await expect(handler.isComplete({ ...updateRequest(TD1, TD2), ...res })).rejects.toThrow(ReleaseFailedError);
    expect(aws.dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'table-from-env' });
  });
});
