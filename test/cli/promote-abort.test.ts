import { ContinueDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { readControl } from '../../lambda/shared/records';
import type { ControlDoc } from '../../lambda/stepper/types';
import { abort } from '../../src/cli/abort';
import { runCli } from '../../src/cli/program';
import { promote } from '../../src/cli/promote';
import { deployment, eventsUpTo, FakeCliAws, LISTENER, mocks, T0, TABLE, TG_A, TG_B } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  aws.deployments = [deployment('d-OLD', 'Succeeded', 300, 6), deployment('d-CUR', 'InProgress', 12, 7)];
  aws.events['d-CUR'] = eventsUpTo('BeforeAllowTraffic', new Date(T0 - 600_000));
});

describe('promote', () => {
  test('writes the control record the stepper reads, and says what it cannot shorten', async () => {
    aws.state('d-CUR');

    const code = await runCli(['promote', '--service', 'api-service', '--by', 'bob'], aws.deps());

    expect(code).toBe(0);
    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: expect.objectContaining({ deploymentId: { S: 'd-CUR' }, sk: { S: 'control' }, kind: { S: 'control' } }),
    });
    expect(aws.record<ControlDoc>('d-CUR', 'control')).toEqual({ action: 'promote', at: new Date(T0).toISOString(), by: 'bob' });
    expect(aws.out.text).toContain('the stepper skips the remaining in-hook bake at its next tick (within 1 min); traffic stays at 25 % green');
    expect(aws.out.text).toContain("CodeDeploy's own last step (50 % for 15 min, the TimeBasedCanary interval) cannot be shortened through the API");
    expect(mocks.codedeploy).not.toHaveReceivedCommand(ContinueDeploymentCommand);
    // The stepper's control validation (validControl, behind readControl) accepts what the CLI wrote.
    expect(await readControl(aws.context().clients, TABLE, 'd-CUR')).toEqual({ action: 'promote', at: new Date(T0).toISOString(), by: 'bob' });
  });

  test('during CodeDeploy\'s step there is nothing for the stepper to skip; the end of that step is named', async () => {
    aws.state('d-CUR', { finished: 'succeeded', reason: 'all 2 in-hook steps done', reported: true });
    aws.events['d-CUR'] = eventsUpTo('AllowTraffic', new Date(T0 - 300_000));

    expect(await promote(aws.context(), { service: 'api-service' })).toBe(0);

    expect(aws.record('d-CUR', 'control')).toBeUndefined();
    expect(aws.out.text).toContain('in-hook steps already succeeded: nothing to skip');
    expect(aws.out.text).toContain("it shifts to 100 % at 2025-06-02T10:10:00Z (in 10 min)");
  });

  test('--full in the termination wait: ContinueDeployment(TERMINATION_WAIT)', async () => {
    aws.state('d-CUR', { finished: 'succeeded', reported: true });
    aws.events['d-CUR'] = eventsUpTo(undefined);

    expect(await promote(aws.context(), { service: 'api-service', full: true })).toBe(0);

    expect(mocks.codedeploy).toHaveReceivedCommandWith(ContinueDeploymentCommand, { deploymentId: 'd-CUR', deploymentWaitType: 'TERMINATION_WAIT' });
    expect(aws.out.text).toContain('ContinueDeployment(TERMINATION_WAIT) sent for d-CUR');
  });

  test('--full before the termination wait: says it applies only then, sends nothing', async () => {
    aws.state('d-CUR');
    expect(await promote(aws.context(), { service: 'api-service', full: true })).toBe(0);
    expect(mocks.codedeploy).not.toHaveReceivedCommand(ContinueDeploymentCommand);
    expect(aws.out.text).toContain('--full: the termination wait has not started (stage stepper); ContinueDeployment(TERMINATION_WAIT) is accepted only then');
  });

  test('--full --wait polls until the termination wait starts, then continues', async () => {
    aws.state('d-CUR');
    aws.onSleep = (n) => {
      if (n === 2) aws.events['d-CUR'] = eventsUpTo('AllowTraffic');
      if (n === 3) aws.deployments[1].instanceTerminationWaitTimeStarted = true;
    };

    expect(await promote(aws.context(), { service: 'api-service', full: true, wait: true, interval: 20 })).toBe(0);

    expect(aws.sleeps).toEqual([20_000, 20_000, 20_000]);
    expect(aws.log).toEqual(['PutItem control', 'ContinueDeployment d-CUR TERMINATION_WAIT']);
  });

  test('no deployment in progress: clear error, nothing written', async () => {
    aws.deployments = [deployment('d-OLD', 'Succeeded', 300, 6)];
    expect(await runCli(['promote', '--service', 'api-service'], aws.deps())).toBe(1);
    expect(aws.out.errors).toEqual(['canary: no deployment in progress for api-app/api-dg: the last one, d-OLD, is Succeeded']);
    expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
  });
});

describe('abort', () => {
  test('production to blue 100 % FIRST, then the control record, then StopDeployment with rollback', async () => {
    aws.state('d-CUR');

    const code = await runCli(['abort', '--service', 'api-service', '--by', 'carol'], aws.deps());

    expect(code).toBe(0);
    expect(aws.log).toEqual(['ModifyListener A=0 B=100', 'PutItem control', 'StopDeployment d-CUR autoRollback=true']);
    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }] } }],
    });
    expect(mocks.codedeploy).toHaveReceivedCommandWith(StopDeploymentCommand, { deploymentId: 'd-CUR', autoRollbackEnabled: true });
    expect(aws.record<ControlDoc>('d-CUR', 'control')).toEqual({ action: 'abort', at: new Date(T0).toISOString(), by: 'carol' });
    expect(aws.out.lines).toEqual([
      'abort api-service (api-app/api-dg), deployment d-CUR (InProgress)',
      '1. production listener: blue api-tg-b 100 %, green api-tg-a 0 % (was green 25 %; colors from the stepper state)',
      '2. control record: abort by carol at 2025-06-02T10:00:00Z (the stepper fails its hook at its next tick)',
      '3. StopDeployment(autoRollbackEnabled) for d-CUR: Pending (Stopping)',
      'follow the rollback with: canary watch --service api-app/api-dg',
    ]);
  });

  test('without a stepper state, blue is the PRIMARY task set\'s target group', async () => {
    aws.primaryTargetGroup = TG_A;
    aws.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];
    aws.events['d-CUR'] = eventsUpTo('AfterInstall');

    expect(await abort(aws.context(), { service: 'api-service' })).toBe(0);

    expect(aws.log[0]).toBe('ModifyListener A=100 B=0');
    expect(aws.out.lines[1]).toBe('1. production listener: blue api-tg-a 100 %, green api-tg-b 0 % (was green 0 %; colors from the PRIMARY task set)');
  });

  test('a failed restore does not stop the rollback, and the command exits non-zero', async () => {
    aws.state('d-CUR');
    const err = new Error('listener is busy');
    err.name = 'ResourceInUseException';
    mocks.elbv2.on(ModifyListenerCommand).rejects(err);

    expect(await runCli(['abort'], aws.deps())).toBe(1);

    expect(aws.log).toEqual(['PutItem control', 'StopDeployment d-CUR autoRollback=true']);
    expect(aws.out.errors).toEqual(['canary: abort incomplete: could not put production on the stable version: ResourceInUseException: listener is busy']);
  });

  test('no deployment in progress: clear error, nothing touched', async () => {
    aws.deployments = [deployment('d-CUR', 'Failed', 12, 7)];
    expect(await runCli(['abort'], aws.deps())).toBe(1);
    expect(aws.out.errors).toEqual(['canary: no deployment in progress for api-app/api-dg: the last one, d-CUR, is Failed']);
    expect(aws.log).toEqual([]);
  });
});
