import {
  APP, AWS_FAILURES, CONTAINER, DEPLOYMENT_ID, EVENT, GROUP, LISTENER, LONG_CONTEXT, PORT, TASK_DEF, TG_A, TG_B,
  appSpec, awsError, buildConfig, buildContext, deploymentOutput, expectReportedOnce, healthyTargets, hookContract,
  mockService, mockTargets, mocks, never, resetMocks,
} from './fixtures';
import { DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Action, DescribeListenersCommand, DescribeRulesCommand, DescribeTargetHealthCommand, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CanaryRuntimeConfig } from '../../../lib/runtime-config';
import { beforeInstall, handler, parseAppSpec } from '../../../lambda/hooks/before-install';
import { createClients } from '../../../lambda/shared/clients';

const clients = createClients();
const TABLE = 'canary-decisions';
process.env.CANARY_DECISIONS_TABLE = TABLE;
const OTHER_TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/other-app/3333333333333333';

/** The production listener: its default actions and its rules (DescribeRules lists the default rule too). */
function mockListener(defaults: Action[], rules: Rule[] = []): void {
  mocks.elbv2.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, DefaultActions: defaults }] });
  mocks.elbv2.on(DescribeRulesCommand).resolves({ Rules: [...rules, { RuleArn: `${LISTENER}/default`, IsDefault: true, Priority: 'default', Actions: defaults }] });
}
const forwardTo = (...arns: string[]): Action => ({ Type: 'forward', ForwardConfig: { TargetGroups: arns.map((TargetGroupArn) => ({ TargetGroupArn, Weight: 1 })) } });

const alarm = (name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): MetricAlarm => ({ AlarmName: name, StateValue: state });

/** Everything healthy: alarms OK, blue (TG_A) healthy, no other deployment, task definition fine. */
function arrangeHealthy(): void {
  mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-rollback', 'OK')], CompositeAlarms: [] });
  mockService();
  mockTargets(TG_A, healthyTargets(2));
  mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT_ID] });
  mockListener([forwardTo(TG_A)]);
  mocks.dynamodb.on(PutItemCommand).resolves({});
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TASK_DEF,
      status: 'ACTIVE',
      containerDefinitions: [
        { name: 'sidecar', portMappings: [{ containerPort: 9901 }] },
        { name: CONTAINER, portMappings: [{ containerPort: PORT }] },
      ],
    },
  });
}

/** As loadDeploymentContext does: the context carries the deployment CodeDeploy returns (revision included). */
async function run(config: CanaryRuntimeConfig = buildConfig()) {
  const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: DEPLOYMENT_ID }));
  return beforeInstall({ ...buildContext(config), deployment: deploymentInfo! }, clients);
}

describe('BeforeInstall handler', () => {
  hookContract(handler, {
    arrange: arrangeHealthy,
    calls: {
      DescribeAlarms: (err) => mocks.cloudwatch.on(DescribeAlarmsCommand).rejects(err),
      DescribeServices: (err) => mocks.ecs.on(DescribeServicesCommand).rejects(err),
      DescribeTargetHealth: (err) => mocks.elbv2.on(DescribeTargetHealthCommand).rejects(err),
      ListDeployments: (err) => mocks.codedeploy.on(ListDeploymentsCommand).rejects(err),
      DescribeTaskDefinition: (err) => mocks.ecs.on(DescribeTaskDefinitionCommand).rejects(err),
      DescribeListeners: (err) => mocks.elbv2.on(DescribeListenersCommand).rejects(err),
      DescribeRules: (err) => mocks.elbv2.on(DescribeRulesCommand).rejects(err),
      'PutItem (the stable record)': (err) => mocks.dynamodb.on(PutItemCommand).rejects(err),
      // One GetDeployment (loadDeploymentContext's) gives the group and the revision.
      'GetDeployment (context)': (err) => mocks.codedeploy.on(GetDeploymentCommand).rejects(err),
    },
    hang: () => mocks.cloudwatch.on(DescribeAlarmsCommand).callsFake(never),
  });

  it('sends the preflight calls for this deployment, group and task definition', async () => {
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome).toEqual({ status: 'Succeeded', reason: expect.stringMatching(/^preflight passed/) });
    expect(mocks.cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['api-rollback'],
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    });
    expect(mocks.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_A });
    expect(mocks.codedeploy).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      applicationName: APP,
      deploymentGroupName: GROUP,
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
    expect(mocks.ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: TASK_DEF });
    expectReportedOnce('Succeeded');
  });

  it('reports Failed once, naming every problem, when several checks fail', async () => {
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-rollback', 'ALARM')] });
    mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT_ID, 'd-OTHER0001'] });
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toContain('alarm in ALARM: api-rollback');
    expect(outcome.reason).toContain(`another deployment of ${APP}/${GROUP} is in progress: d-OTHER0001`);
    expectReportedOnce('Failed');
  });
});

describe('beforeInstall', () => {
  beforeEach(() => {
    resetMocks();
    arrangeHealthy();
  });

  describe('alarms', () => {
    it('fails when a metric alarm is in ALARM', async () => {
      mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-rollback', 'ALARM')] });
      expect(await run()).toEqual({ status: 'Failed', reason: 'preflight failed: alarm in ALARM: api-rollback' });
    });

    it('fails when a composite alarm is in ALARM', async () => {
      mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [alarm('api-5xx', 'OK')],
        CompositeAlarms: [{ AlarmName: 'api-composite', StateValue: 'ALARM' }],
      });
      const outcome = await run(buildConfig({ alarmNames: ['api-5xx', 'api-composite'] }));
      expect(outcome).toEqual({ status: 'Failed', reason: 'preflight failed: alarm in ALARM: api-composite' });
    });

    it('passes on INSUFFICIENT_DATA (a new green-scoped alarm has no data before traffic)', async () => {
      mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-rollback', 'INSUFFICIENT_DATA')] });
      expect((await run()).status).toBe('Succeeded');
    });

    it('follows NextToken and finds an alarm on the second page', async () => {
      mocks.cloudwatch.on(DescribeAlarmsCommand)
        .resolvesOnce({ MetricAlarms: [alarm('a1', 'OK')], NextToken: 'page-2' })
        .resolvesOnce({ MetricAlarms: [alarm('a2', 'ALARM')] });
      const outcome = await run(buildConfig({ alarmNames: ['a1', 'a2'] }));
      expect(outcome.reason).toBe('preflight failed: alarm in ALARM: a2');
      expect(mocks.cloudwatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, { NextToken: 'page-2' });
    });

    it('asks for at most 100 names per call', async () => {
      const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
      mocks.cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) =>
        ({ MetricAlarms: input.AlarmNames.map((n) => alarm(n, 'OK')) }));
      expect((await run(buildConfig({ alarmNames: names }))).status).toBe('Succeeded');
      expect(mocks.cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
      expect(mocks.cloudwatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, { AlarmNames: names.slice(100) });
    });

    it('fails when a configured alarm does not exist (the release would be unguarded)', async () => {
      mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-rollback', 'OK')] });
      const outcome = await run(buildConfig({ alarmNames: ['api-rollback', 'api-gone'] }));
      expect(outcome.reason).toBe('preflight failed: alarm not found: api-gone');
    });

    it('makes no call when no alarm is configured', async () => {
      expect((await run(buildConfig({ alarmNames: [] }))).status).toBe('Succeeded');
      expect(mocks.cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
    });
  });

  describe('stable target group', () => {
    it('fails naming the unhealthy targets', async () => {
      mockTargets(TG_A, [...healthyTargets(1), { id: '10.0.1.7', state: 'unhealthy', reason: 'Target.FailedHealthChecks' }]);
      expect(await run()).toEqual({
        status: 'Failed',
        reason: 'preflight failed: stable target group api-tg-a has unhealthy targets: 10.0.1.7:8080 (Target.FailedHealthChecks)',
      });
    });

    it('fails when no target is healthy', async () => {
      mockTargets(TG_A, [
        { id: '10.0.1.1', state: 'initial', reason: 'Elb.RegistrationInProgress' },
        { id: '10.0.1.2', state: 'initial', reason: 'Elb.RegistrationInProgress' },
      ]);
      expect((await run()).reason).toBe(
        'preflight failed: stable target group api-tg-a has no healthy target (2 targets initial (Elb.RegistrationInProgress))');
    });

    it('fails when no target is registered', async () => {
      mockTargets(TG_A, []);
      expect((await run()).reason).toBe('preflight failed: stable target group api-tg-a has no healthy target (no registered targets)');
    });

    it('tolerates draining targets next to healthy ones', async () => {
      mockTargets(TG_A, [...healthyTargets(2), { id: '10.0.1.9', state: 'draining', reason: 'Target.DeregistrationInProgress' }]);
      expect((await run()).status).toBe('Succeeded');
    });

    it('checks the group serving the PRIMARY task set (blue and green swap every deployment)', async () => {
      mockService({ primaryTg: TG_B });
      mockTargets(TG_B, [{ id: '10.0.2.1', state: 'unhealthy', reason: 'Target.Timeout' }]);
      mockTargets(TG_A, healthyTargets(2));
      expect((await run()).reason).toBe('preflight failed: stable target group api-tg-b has unhealthy targets: 10.0.2.1:8080 (Target.Timeout)');
      expect(mocks.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_A });
    });
  });

  describe('production listener and the stable record', () => {
    const stableItem = (blue: string, green: string) => ({
      TableName: TABLE,
      Item: {
        deploymentId: { S: DEPLOYMENT_ID },
        sk: { S: 'stable' },
        kind: { S: 'stable' },
        doc: { S: JSON.stringify({ blueTargetGroupArn: blue, greenTargetGroupArn: green, productionListenerArn: LISTENER, at: '2025-06-02T10:00:00.000Z' }) },
        expiresAt: { N: expect.any(String) },
      },
    });
    const now = () => new Date('2025-06-02T10:00:00Z');

    it('fails when no action of the listener forwards to the pair (default forwards elsewhere, no rule for it)', async () => {
      mockListener([forwardTo(OTHER_TG)], [{ RuleArn: `${LISTENER}/r1`, Priority: '1', Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }]);
      const outcome = await run();
      expect(outcome.status).toBe('Failed');
      expect(outcome.reason).toContain(`no action of the production listener ${LISTENER} forwards to the service's target groups api-tg-a and api-tg-b`);
      expect(mocks.dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    });

    it('passes for a service routed by a listener rule on a shared listener', async () => {
      mockListener([forwardTo(OTHER_TG)], [{ RuleArn: `${LISTENER}/api`, Priority: '10', Actions: [forwardTo(TG_A)] }]);
      const outcome = await run();
      expect(outcome.status).toBe('Succeeded');
      expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, { TableName: TABLE });
    });

    // BeforeInstall runs for every schedule: allAtOnce (no steps), linear, single step, stepped.
    it.each([
      ['all at once', { steps: [], finalStep: { percent: 100, bakeSeconds: 0 } }],
      ['a single step', { steps: [], finalStep: { percent: 50, bakeSeconds: 600 } }],
      ['stepped', {}],
    ])('records blue (the PRIMARY task set\'s group) for the guard: %s', async (_name, over) => {
      mockService({ primaryTg: TG_B });
      mockTargets(TG_B, healthyTargets(2));
      mockListener([forwardTo(TG_B)]);
      const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: DEPLOYMENT_ID }));
      const outcome = await beforeInstall({ ...buildContext(buildConfig(over as Partial<CanaryRuntimeConfig>)), deployment: deploymentInfo! }, clients, { table: TABLE, now });
      expect(outcome).toMatchObject({ status: 'Succeeded' });
      expect(mocks.dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
      expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, stableItem(TG_B, TG_A));
    });
  });

  describe('other deployments', () => {
    it('ignores this deployment itself', async () => {
      mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT_ID] });
      expect((await run()).status).toBe('Succeeded');
    });

    it('fails naming another open deployment found on a later page', async () => {
      mocks.codedeploy.on(ListDeploymentsCommand)
        .resolvesOnce({ deployments: [DEPLOYMENT_ID], nextToken: 'more' })
        .resolvesOnce({ deployments: ['d-QUEUED001'] });
      expect((await run()).reason).toBe(`preflight failed: another deployment of ${APP}/${GROUP} is in progress: d-QUEUED001`);
      expect(mocks.codedeploy).toHaveReceivedNthSpecificCommandWith(2, ListDeploymentsCommand, { nextToken: 'more' });
    });
  });

  describe('task definition', () => {
    it('fails when the task definition is not ACTIVE', async () => {
      mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TASK_DEF, status: 'INACTIVE' } });
      expect((await run()).reason).toBe('preflight failed: task definition api:42 is INACTIVE, not ACTIVE');
    });

    it('fails when the container is missing', async () => {
      mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput(appSpec({ containerName: 'api' })));
      expect((await run()).reason).toBe('preflight failed: task definition api:42 has no container named api (has sidecar, web)');
    });

    it('fails when the container does not expose the port', async () => {
      mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput(appSpec({ containerPort: 3000 })));
      expect((await run()).reason).toBe('preflight failed: container web of task definition api:42 does not expose port 3000 (exposes 8080)');
    });

    it('fails when the AppSpec names no task definition', async () => {
      mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput(JSON.stringify({ version: '0.0', Resources: [] })));
      expect((await run()).reason).toBe('preflight failed: the AppSpec names no TaskDefinition for an AWS::ECS::Service resource');
      expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
    });

    it('skips the check when the AppSpec is YAML', async () => {
      mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput('version: 0.0\nResources:\n  - TargetService: {}\n'));
      expect((await run()).status).toBe('Succeeded');
      expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
    });

    it('skips the check when the revision is not inline AppSpec content', async () => {
      mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput(undefined, 'S3'));
      expect((await run()).status).toBe('Succeeded');
      expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
    });
  });

  it.each(AWS_FAILURES)('names the check that could not run (%s)', async (_kind, make) => {
    mocks.ecs.on(DescribeTaskDefinitionCommand).rejects(make());
    const outcome = await run();
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toMatch(/^preflight failed: could not check the task definition: \w+: /);
  });

  it('fails on an access error too (no pass on what it could not see)', async () => {
    mocks.cloudwatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied', 'not authorized to perform cloudwatch:DescribeAlarms'));
    expect((await run()).reason).toBe('preflight failed: could not check alarms: AccessDenied: not authorized to perform cloudwatch:DescribeAlarms');
  });
});

describe('parseAppSpec', () => {
  it('reads the ECS service resource whatever its key', () => {
    const spec = JSON.stringify({
      version: 0.0,
      Resources: [{ Api: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: TASK_DEF, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: '8080' } } } }],
    });
    expect(parseAppSpec(spec)).toEqual({ taskDefinition: TASK_DEF, containerName: 'web', containerPort: 8080 });
  });

  it('returns undefined for YAML', () => {
    expect(parseAppSpec('version: 0.0')).toBeUndefined();
  });
});
