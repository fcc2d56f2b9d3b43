import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  CanaryDeployment,
  CanaryDeploymentProps,
  CanaryHooks,
  HttpCheck,
  LambdaCheck,
  TrafficSchedule,
} from '../../lib';
import { ExistingService, Network, buildExistingService, buildNetwork, newStack, deploymentPropsFor, validationFailure } from '../helpers/fixtures';
import {
  flatten,
  functionRoleId,
  logicalId,
  mayChangeListener,
  parseJoinedJson,
  policyStatements,
  referencedIds,
  resourcesOfType,
} from '../helpers/template';

const deploymentProps = deploymentPropsFor;

/**
 * One stack, one VPC and cluster, two existing services wired by hand, each with a
 * CanaryDeployment on the default schedule: A with defaults and smoke tests, B with its own
 * thresholds and termination wait.
 */
interface TwoServices {
  stack: Stack;
  network: Network;
  a: ExistingService;
  b: ExistingService;
  canaryA: CanaryDeployment;
  canaryB: CanaryDeployment;
  userCheck: lambda.Function;
  template: Template;
}

function twoServices(): TwoServices {
  const stack = newStack();
  const network = buildNetwork(stack);
  const a = buildExistingService(stack, 'A', { network });
  const b = buildExistingService(stack, 'B', { network, listenerPort: 8081, testListenerPort: 9001 });
  const userCheck = new lambda.Function(stack, 'UserCheck', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
  });
  const canaryA = new CanaryDeployment(stack, 'CanaryA', deploymentProps(a, {
    smokeTests: [
      HttpCheck.get('/health', { expectStatus: [200, 204], bodyMatches: '"status":"ok"' }),
      LambdaCheck.of(userCheck),
    ],
  }));
  const canaryB = new CanaryDeployment(stack, 'CanaryB', deploymentProps(b, {
    schedule: TrafficSchedule.steps(),
    terminationWaitTime: Duration.minutes(10),
    analysis: {
      maxErrorRatePercent: 2,
      maxP95: Duration.millis(800),
      maxP99: Duration.millis(1500),
      minRequests: 50,
      compareWithStable: false,
    },
  }));
  return { stack, network, a, b, canaryA, canaryB, userCheck, template: Template.fromStack(stack) };
}

let t: TwoServices;
let ids: {
  appA: string; appB: string; dgA: string; dgB: string;
  listenerA: string; listenerB: string; testListenerA: string;
  blueA: string; greenA: string;
  fns: Record<'beforeInstall' | 'afterInstall' | 'afterAllowTestTraffic' | 'beforeAllowTraffic' | 'afterAllowTraffic' | 'stepper' | 'guard', string>;
};

beforeAll(() => {
  t = twoServices();
  const hooks = CanaryHooks.of(t.stack);
  ids = {
    appA: logicalId(t.canaryA.application),
    appB: logicalId(t.canaryB.application),
    dgA: logicalId(t.canaryA.deploymentGroup),
    dgB: logicalId(t.canaryB.deploymentGroup),
    listenerA: logicalId(t.a.listener),
    listenerB: logicalId(t.b.listener),
    testListenerA: logicalId(t.a.testListener),
    blueA: logicalId(t.a.blue),
    greenA: logicalId(t.a.green),
    fns: {
      beforeInstall: logicalId(hooks.beforeInstall),
      afterInstall: logicalId(hooks.afterInstall),
      afterAllowTestTraffic: logicalId(t.canaryA.hookFunctions.afterAllowTestTraffic),
      beforeAllowTraffic: logicalId(hooks.beforeAllowTraffic),
      afterAllowTraffic: logicalId(hooks.afterAllowTraffic),
      stepper: logicalId(hooks.stepper),
      guard: logicalId(hooks.guard),
    },
  };
});

/** Every deployment group of an application, as CDK renders the ARN pattern (application by Ref). */
const dgArnPattern = (app: string) =>
  `arn:<<Ref:AWS::Partition>>:codedeploy:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:deploymentgroup:<<Ref:${app}>>/*`;

/** The properties of one deployment group, by logical id (both services share the application). */
const groupProps = (dg: string) => (resourcesOfType(t.template, 'AWS::CodeDeploy::DeploymentGroup')[dg] as any).Properties;

describe('deployment group', () => {
  test('one CodeDeploy ECS application for the stack (at its root), one blue/green deployment group per service', () => {
    t.template.resourceCountIs('AWS::CodeDeploy::Application', 1);
    t.template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
    t.template.hasResourceProperties('AWS::CodeDeploy::Application', { ComputePlatform: 'ECS' });
    expect(t.canaryA.application).toBe(t.canaryB.application);
    expect(t.canaryA.application.node.path).toBe(`${t.stack.node.path}/CdkEcsCanaryApplication`);
    expect(groupProps(ids.dgA).ApplicationName).toEqual({ Ref: ids.appA });
    expect(groupProps(ids.dgB).ApplicationName).toEqual({ Ref: ids.appA });
  });

  test('with applicationName the deployment keeps an application of its own; the hooks are granted its groups too', () => {
    const stack = newStack();
    const network = buildNetwork(stack);
    const a = buildExistingService(stack, 'A', { network });
    const b = buildExistingService(stack, 'B', { network, listenerPort: 8081, testListenerPort: 9001 });
    const shared = new CanaryDeployment(stack, 'CanaryA', deploymentProps(a));
    const own = new CanaryDeployment(stack, 'CanaryB', deploymentProps(b, { applicationName: 'orders' }));
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::CodeDeploy::Application', 2);
    template.hasResourceProperties('AWS::CodeDeploy::Application', { ApplicationName: 'orders', ComputePlatform: 'ECS' });
    expect(own.application).not.toBe(shared.application);
    expect(own.application.node.path).toBe(`${own.node.path}/Application`);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: logicalId(own.application) },
      ECSServices: [Match.objectLike({ ServiceName: { 'Fn::GetAtt': [logicalId(b.service), 'Name'] } })],
    });
    const reported = policyStatements(template)
      .filter((st) => st.actions.includes('codedeploy:PutLifecycleEventHookExecutionStatus'))
      .flatMap((st) => st.resources.map(flatten));
    expect([...new Set(reported)].sort()).toEqual([
      dgArnPattern(logicalId(shared.application)),
      dgArnPattern(logicalId(own.application)),
    ].sort());
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ application: [{ Ref: logicalId(shared.application) }, { Ref: logicalId(own.application) }] }) }),
    });
  });

  test('one CodeDeploy service role for the stack (AWSCodeDeployRoleForECS), used by every deployment group', () => {
    const roles = Object.entries(resourcesOfType(t.template, 'AWS::IAM::Role'))
      .filter(([, r]) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument).includes('codedeploy.amazonaws.com'));
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0];
    expect(roleId).toMatch(/^CdkEcsCanaryCodeDeployRole/);
    expect(JSON.stringify(role.Properties!.ManagedPolicyArns)).toContain(':iam::aws:policy/AWSCodeDeployRoleForECS');
    for (const dg of [ids.dgA, ids.dgB]) expect(groupProps(dg).ServiceRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  test('is blue/green with traffic control on the existing service', () => {
    t.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: ids.appA },
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ECSServices: [{
        ClusterName: { Ref: logicalId(t.network.cluster) },
        ServiceName: { 'Fn::GetAtt': [logicalId(t.a.service), 'Name'] },
      }],
      BlueGreenDeploymentConfiguration: Match.objectLike({
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 },
      }),
    });
  });

  test('names both target groups, the production listener and the test listener', () => {
    t.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: ids.appA },
      LoadBalancerInfo: {
        TargetGroupPairInfoList: [{
          TargetGroups: [
            { Name: { 'Fn::GetAtt': [ids.blueA, 'TargetGroupName'] } },
            { Name: { 'Fn::GetAtt': [ids.greenA, 'TargetGroupName'] } },
          ],
          ProdTrafficRoute: { ListenerArns: [{ Ref: ids.listenerA }] },
          TestTrafficRoute: { ListenerArns: [{ Ref: ids.testListenerA }] },
        }],
      },
    });
  });

  test('rolls back on failure, on a stop and on alarm', () => {
    t.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: ids.appA },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayEquals(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
    });
  });

  test('watches the 4 metric alarms (not the composite) and never ignores alarm poll failures', () => {
    for (const [dg, canary] of [[ids.dgA, t.canaryA], [ids.dgB, t.canaryB]] as const) {
      expect(groupProps(dg).AlarmConfiguration).toEqual({
        Enabled: true,
        IgnorePollAlarmFailure: false,
        Alarms: canary.rollbackAlarms.alarms.map((a) => ({ Name: { Ref: logicalId(a) } })),
      });
    }
  });

  test('no composite alarm when nothing uses rollbackAlarm (it is created on first use)', () => {
    t.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });

  test('no dashboard unless dashboard: true', () => {
    t.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(t.canaryA.dashboard).toBeUndefined();
  });

  test('the metric alarms are named under the stack\'s prefix (the hooks read them by that pattern)', () => {
    const names = Object.values(resourcesOfType(t.template, 'AWS::CloudWatch::Alarm'))
      .map((a) => String(a.Properties!.AlarmName))
      .filter((name) => /^TestStack-canary-TestStackCanary[AB]/.test(name));
    expect(names).toHaveLength(6);
    for (const name of names) expect(name).toMatch(/^TestStack-canary-\S+-(ErrorRate|Latency|UnhealthyHosts)$/);
    expect(new Set(names).size).toBe(6);
  });

  test('termination wait follows the prop (B: 10 min, A: the default 5)', () => {
    expect(groupProps(ids.dgB).BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess)
      .toEqual({ Action: 'TERMINATE', TerminationWaitTimeInMinutes: 10 });
    expect(groupProps(ids.dgA).BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess)
      .toEqual({ Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 });
  });

  test('exposes what users wire to', () => {
    expect(t.canaryA.rollbackAlarm).toBe(t.canaryA.rollbackAlarms.alarm);
    expect(t.canaryA.service).toBe(t.a.service);
    expect(t.canaryA.containerName).toBe('web');
    expect(t.canaryA.containerPort).toBe(8080);
    expect(t.canaryA.schedule.describe()).toBe(TrafficSchedule.default().describe());
  });
});

describe('custom deployment config', () => {
  test('renders the final step as TimeBasedCanary 50 % / 15 min', () => {
    t.template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'ECS',
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 50, CanaryInterval: 15 } },
    });
  });

  test('is shared by services with the same schedule (50 custom configs per account)', () => {
    t.template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 1);
    const configId = Object.keys(resourcesOfType(t.template, 'AWS::CodeDeploy::DeploymentConfig'))[0];
    for (const dg of [ids.dgA, ids.dgB]) expect(groupProps(dg).DeploymentConfigName).toEqual({ Ref: configId });
    expect(t.canaryA.deploymentConfig).toBe(t.canaryB.deploymentConfig);
  });

  test('each group orders itself after the config by its Ref alone: no DependsOn saying it again (cfn-lint W3005)', () => {
    const configId = Object.keys(resourcesOfType(t.template, 'AWS::CodeDeploy::DeploymentConfig'))[0];
    for (const dg of [ids.dgA, ids.dgB]) {
      const group = resourcesOfType(t.template, 'AWS::CodeDeploy::DeploymentGroup')[dg] as { DependsOn?: string[] };
      expect(groupProps(dg).DeploymentConfigName).toEqual({ Ref: configId });
      expect(group.DependsOn ?? []).not.toContain(configId);
    }
  });

  test('a different schedule gets its own config; allAtOnce uses the predefined one', () => {
    const stack = newStack();
    const network = buildNetwork(stack);
    const a = buildExistingService(stack, 'A', { network });
    const b = buildExistingService(stack, 'B', { network, listenerPort: 8081, testListenerPort: 9001 });
    const c = buildExistingService(stack, 'C', { network, listenerPort: 8082, testListenerPort: 9002 });
    new CanaryDeployment(stack, 'CanaryA', deploymentProps(a));
    new CanaryDeployment(stack, 'CanaryB', deploymentProps(b, { schedule: TrafficSchedule.linear(10, Duration.minutes(5)) }));
    const all = new CanaryDeployment(stack, 'CanaryC', deploymentProps(c, { schedule: TrafficSchedule.allAtOnce() }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 2);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 10, LinearInterval: 5 } },
    });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: logicalId(all.application) },
      DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    });
  });
});

describe('runtime configuration (SSM parameter read by the hooks)', () => {
  /** The runtime configuration of one deployment group (by its logical id). */
  const configOf = (dg: string) => {
    const app = dg === ids.dgA ? ids.appA : ids.appB;
    const params = Object.values(resourcesOfType(t.template, 'AWS::SSM::Parameter'))
      .filter((p) => flatten(p.Properties!.Name) === `/cdk-ecs-canary/<<Ref:${app}>>/<<Ref:${dg}>>`);
    expect(params).toHaveLength(1);
    return parseJoinedJson(params[0].Properties!.Value);
  };

  test('one parameter per deployment group, named after application and group', () => {
    t.template.resourceCountIs('AWS::SSM::Parameter', 2);
    configOf(ids.dgA);
    configOf(ids.dgB);
  });

  test('holds the in-hook steps (5 %/300 s, 25 %/600 s) and the final step', () => {
    const c = configOf(ids.dgA);
    expect(c.version).toBe(1);
    expect(c.steps).toEqual([{ percent: 5, bakeSeconds: 300 }, { percent: 25, bakeSeconds: 600 }]);
    expect(c.finalStep).toEqual({ percent: 50, bakeSeconds: 900 });
  });

  test('holds the release-policy analysis thresholds by default', () => {
    expect(configOf(ids.dgA).analysis).toEqual({
      intervalSeconds: 60,
      minRequests: 100,
      maxErrorRatePercent: 1,
      maxP95Ms: 1000,
      maxP99Ms: 2000,
      maxUnhealthyHosts: 0,
      unhealthyMinutes: 2,
      errorRateRatio: 2,
      errorRateFloorPercent: 0.1,
      latencyRatio: 1.5,
      onInconclusive: 'fail',
      maxExtensions: 1,
    });
  });

  test('holds the thresholds given as props, and no ratios when compareWithStable is false', () => {
    const analysis = configOf(ids.dgB).analysis;
    expect(analysis).toMatchObject({ maxErrorRatePercent: 2, maxP95Ms: 800, maxP99Ms: 1500, minRequests: 50 });
    expect(analysis).not.toHaveProperty('errorRateRatio');
    expect(analysis).not.toHaveProperty('latencyRatio');
  });

  test('the same thresholds set the rollback alarms', () => {
    const alarms = Object.values(resourcesOfType(t.template, 'AWS::CloudWatch::Alarm'))
      .filter((a) => String(a.Properties!.AlarmName).startsWith('TestStack-canary-TestStackCanaryB'));
    expect(alarms).toHaveLength(3);
    const thresholds = alarms.map((a) => a.Properties!.Threshold).sort();
    // Latency's threshold is 1 (latency / limit): its limits, 0.8 s and 1.5 s, are in its expression.
    expect(thresholds).toEqual([0, 1, 2]);
    const latency = alarms.find((a) => String(a.Properties!.AlarmName).endsWith('-Latency'))!;
    expect((latency.Properties!.Metrics as { Id: string; Expression?: string }[]).find((m) => m.Id === 'tg1')!.Expression)
      .toBe('IF(FILL(requests1, 0) >= 50, IF(p95_1 / 0.8 > p99_1 / 1.5, p95_1 / 0.8, p99_1 / 1.5), 0)');
  });

  test('holds the smoke tests', () => {
    expect(configOf(ids.dgA).smokeTests).toEqual([
      {
        kind: 'http', method: 'GET', path: '/health', expectStatus: [200, 204], bodyMatches: '"status":"ok"',
        latencyBudgetMs: 2000, repeat: 3,
      },
      { kind: 'lambda', functionArn: `<<GetAtt:${logicalId(t.userCheck)}.Arn>>` },
    ]);
    expect(configOf(ids.dgB).smokeTests).toEqual([]);
  });

  test('holds the service, listeners, target groups and every metric rollback alarm (not the composite)', () => {
    const c = configOf(ids.dgA);
    expect(c).toMatchObject({
      clusterName: `<<Ref:${logicalId(t.network.cluster)}>>`,
      serviceName: `<<GetAtt:${logicalId(t.a.service)}.Name>>`,
      productionListenerArn: `<<Ref:${ids.listenerA}>>`,
      testListenerArn: `<<Ref:${ids.testListenerA}>>`,
      targetGroupArns: [`<<Ref:${ids.blueA}>>`, `<<Ref:${ids.greenA}>>`],
      containerPort: 8080,
      installTimeoutSeconds: 600,
      finalVerdictWindowSeconds: 300,
    });
    // The names themselves (strings known at synth), the same the alarms are created with.
    const alarms = resourcesOfType(t.template, 'AWS::CloudWatch::Alarm');
    expect(c.alarmNames).toEqual(t.canaryA.rollbackAlarms.alarms.map((a) => alarms[logicalId(a)].Properties!.AlarmName));
    expect(c.alarmNames).toHaveLength(3);
  });

  test('the lambda check function may be invoked by the smoke-test hook only', () => {
    const invokers = policyStatements(t.template)
      .filter((s) => s.actions.includes('lambda:InvokeFunction') && JSON.stringify(s.resources).includes(logicalId(t.userCheck)));
    expect(invokers.map((s) => s.roles).flat()).toEqual([functionRoleId(t.template, ids.fns.afterAllowTestTraffic)]);
  });
});

describe('hooks (one shared set per stack)', () => {
  test('two services still mean 7 functions: 5 hooks, the stepper and the guard', () => {
    // 7 shared + the user's own check function.
    t.template.resourceCountIs('AWS::Lambda::Function', 8);
    expect(new Set(Object.values(ids.fns)).size).toBe(7);
    expect(t.canaryA.hooks).toBe(t.canaryB.hooks);
    expect(t.canaryB.hookFunctions).toEqual(t.canaryA.hookFunctions);
  });

  test('every hook function runs Node.js 22 or later on arm64', () => {
    const fns = Object.entries(resourcesOfType(t.template, 'AWS::Lambda::Function'))
      .filter(([id]) => Object.values(ids.fns).includes(id));
    expect(fns).toHaveLength(7);
    for (const [id, fn] of fns) {
      const m = /^nodejs(\d+)\.x$/.exec(fn.Properties!.Runtime);
      expect([id, m && Number(m[1]) >= 22]).toEqual([id, true]);
      expect([id, fn.Properties!.Architectures]).toEqual([id, ['arm64']]);
    }
  });

  test('the smoke-test hook runs in the service VPC and may reach, on the container port, the services its HTTP checks call', () => {
    t.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-ecs-canary after-allow-test-traffic',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
    });
    const smokeRules = Object.values(resourcesOfType(t.template, 'AWS::EC2::SecurityGroupIngress'))
      .filter((r) => r.Properties!.Description === 'cdk-ecs-canary smoke tests reach the new version directly');
    // A has an HTTP check; B has no smoke tests, so its tasks stay closed to the function (issue 12: one resource less).
    expect(smokeRules.map((r) => r.Properties!.GroupId)).toEqual([{ 'Fn::GetAtt': [logicalId(t.a.service.connections.securityGroups[0]), 'GroupId'] }]);
    expect(smokeRules[0].Properties).toMatchObject({ FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: expect.anything() });
  });

  test('appSpec() names the 5 hooks, the task definition, the container and the port', () => {
    const taskDefinitionArn = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7';
    const spec = t.stack.resolve(t.canaryA._appSpec(taskDefinitionArn));
    expect(spec).toEqual({
      version: '0.0',
      Resources: [{
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 } },
        },
      }],
      Hooks: [
        { BeforeInstall: { Ref: ids.fns.beforeInstall } },
        { AfterInstall: { Ref: ids.fns.afterInstall } },
        { AfterAllowTestTraffic: { Ref: ids.fns.afterAllowTestTraffic } },
        { BeforeAllowTraffic: { Ref: ids.fns.beforeAllowTraffic } },
        { AfterAllowTraffic: { Ref: ids.fns.afterAllowTraffic } },
      ],
    });
  });

  test('renderAppSpec() is the same document as JSON', () => {
    const rendered = parseJoinedJson(t.stack.resolve(t.canaryA.renderAppSpec('arn:td')));
    expect(rendered.Hooks.map((h: Record<string, string>) => Object.keys(h)[0])).toEqual(
      ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'],
    );
    expect(rendered.Hooks[3].BeforeAllowTraffic).toBe(`<<Ref:${ids.fns.beforeAllowTraffic}>>`);
    expect(rendered.Resources[0].TargetService.Properties.TaskDefinition).toBe('arn:td');
  });

  test('the guard rule listens for FAILURE, STOP and SUCCESS of the stack\'s application (once, however many services)', () => {
    t.template.resourceCountIs('AWS::Events::Rule', 1);
    t.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        'detail': {
          state: Match.arrayEquals(['FAILURE', 'STOP', 'SUCCESS']),
          application: [{ Ref: ids.appA }],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.fns.guard, 'Arn'] } })],
    });
  });

  test('the stepper state machine waits $.waitSeconds between ticks and ends before the hook limit', () => {
    const machines = Object.values(resourcesOfType(t.template, 'AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(1);
    const definition = parseJoinedJson(machines[0].Properties!.DefinitionString);
    const waits = Object.values(definition.States as Record<string, any>).filter((s) => s.Type === 'Wait');
    // The stepper's bake and the final verdict's wait for the minutes at 100 %.
    expect(waits).toEqual([expect.objectContaining({ SecondsPath: '$.waitSeconds' }), expect.objectContaining({ SecondsPath: '$.waitSeconds' })]);
    const tasks = Object.values(definition.States as Record<string, any>).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(2);
    for (const task of tasks) expect(task.Resource).toBe(`<<GetAtt:${ids.fns.stepper}.Arn>>`);
    expect(definition.TimeoutSeconds).toBeLessThan(3600);
  });

  test('BeforeAllowTraffic knows the state machine and may start it', () => {
    const machineId = Object.keys(resourcesOfType(t.template, 'AWS::StepFunctions::StateMachine'))[0];
    t.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-ecs-canary before-allow-traffic',
      Environment: { Variables: Match.objectLike({ CANARY_STEPPER_STATE_MACHINE_ARN: { Ref: machineId } }) },
    });
    const starters = policyStatements(t.template).filter((s) => s.actions.includes('states:StartExecution'));
    // AfterAllowTraffic starts the final verdict on the same state machine.
    expect(starters.map((s) => s.roles).flat().sort()).toEqual([ids.fns.beforeAllowTraffic, ids.fns.afterAllowTraffic].map((f) => functionRoleId(t.template, f)).sort());
  });
});

describe('IAM', () => {
  const rolesWith = (action: string) => {
    const found = policyStatements(t.template).filter((s) => s.actions.includes(action));
    return {
      roles: [...new Set(found.flatMap((s) => s.roles))].sort(),
      resources: found.flatMap((s) => s.resources),
    };
  };
  const roleOf = (fn: keyof typeof ids.fns) => functionRoleId(t.template, ids.fns[fn]);

  test('PutLifecycleEventHookExecutionStatus: the 5 hooks and the stepper, only on the pattern <stack application>/*, once each', () => {
    const { roles, resources } = rolesWith('codedeploy:PutLifecycleEventHookExecutionStatus');
    const reporters = ['beforeInstall', 'afterInstall', 'afterAllowTestTraffic', 'beforeAllowTraffic', 'afterAllowTraffic', 'stepper'] as const;
    expect(roles).toEqual(reporters.map(roleOf).sort());
    // One statement per role although two services registered: the policy does not grow per service.
    expect(resources.map(flatten)).toEqual(reporters.map(() => dgArnPattern(ids.appA)));
  });

  test('ssm:GetParameter, ecs:DescribeServices and cloudwatch:DescribeAlarms: only on the shared patterns, once per role, nothing broader', () => {
    const arn = (service: string, resource: string) =>
      `arn:<<Ref:AWS::Partition>>:${service}:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:${resource}`;
    const all = ['beforeInstall', 'afterInstall', 'afterAllowTestTraffic', 'beforeAllowTraffic', 'afterAllowTraffic', 'stepper', 'guard'] as const;
    const ssm = rolesWith('ssm:GetParameter');
    expect(ssm.roles).toEqual(all.map(roleOf).sort());
    expect(ssm.resources.map(flatten)).toEqual(all.map(() => arn('ssm', `parameter/cdk-ecs-canary/<<Ref:${ids.appA}>>/*`)));
    // A and B run on the same cluster: one pattern for its services.
    const describers = ['beforeInstall', 'afterInstall', 'afterAllowTestTraffic', 'stepper', 'guard'] as const;
    const ecsRead = rolesWith('ecs:DescribeServices');
    expect(ecsRead.roles).toEqual(describers.map(roleOf).sort());
    expect(ecsRead.resources.map(flatten)).toEqual(describers.map(() => arn('ecs', `service/<<Ref:${logicalId(t.network.cluster)}>>/*`)));
    const alarms = rolesWith('cloudwatch:DescribeAlarms');
    expect(alarms.roles).toEqual([roleOf('beforeInstall')]);
    expect(alarms.resources.map(flatten)).toEqual([arn('cloudwatch', 'alarm:TestStack-canary-*')]);
  });

  // Each service here has its own load balancer, created in the stack: their listeners and rules
  // carry the stack's traffic tag, and one statement per role, conditioned on it, covers them all.
  test('ModifyRule and ModifyListener: only the stepper and the guard, in one statement per role however many load balancers, on listeners and rules tagged with the stack\'s name', () => {
    for (const action of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:ModifyListener']) {
      const { roles, resources } = rolesWith(action);
      expect(roles).toEqual([roleOf('stepper'), roleOf('guard')].sort());
      expect(resources.map(flatten)).toEqual(['stepper', 'guard'].map(() =>
        'arn:<<Ref:AWS::Partition>>:elasticloadbalancing:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:listener*/app/*'));
    }
    const both = policyStatements(t.template).filter((st) => st.actions.includes('elasticloadbalancing:ModifyRule'));
    for (const st of both) {
      expect([...st.actions].sort()).toEqual(['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule']);
      expect(st.statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cdk-ecs-canary:traffic': t.stack.stackName } });
    }
  });

  test('the stepper and the guard may change both services\' listeners (production and test); the hooks may not', () => {
    for (const listener of [ids.listenerA, ids.listenerB, ids.testListenerA]) {
      for (const fn of ['stepper', 'guard'] as const) {
        expect({ fn, listener, allowed: mayChangeListener(t.template, roleOf(fn), 'elasticloadbalancing:ModifyListener', listener) }).toEqual({ fn, listener, allowed: true });
      }
      for (const fn of ['beforeInstall', 'afterAllowTraffic'] as const) {
        expect(mayChangeListener(t.template, roleOf(fn), 'elasticloadbalancing:ModifyListener', listener)).toBe(false);
      }
    }
  });

  test('no statement allows every action or every action of a service', () => {
    const statements = policyStatements(t.template);
    expect(statements.length).toBeGreaterThan(20);
    const wild = statements.filter((s) => s.actions.some((a) => a === '*' || /:\*$/.test(a)) || 'NotAction' in s.statement);
    expect(wild).toEqual([]);
  });

  test('statements on Resource "*" only hold actions without resource-level permissions', () => {
    const unscopable = new Set([
      'cloudwatch:GetMetricData',
      'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeRules',
      'ecs:DescribeTaskDefinition',
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      // Generated by aws-cdk-lib for the state machine's logging and tracing.
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
      'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
    ]);
    const unscoped = policyStatements(t.template).filter((s) => s.resources.includes('*'));
    expect(unscoped.length).toBeGreaterThan(0);
    expect(unscoped.flatMap((s) => s.actions).filter((a) => !unscopable.has(a))).toEqual([]);
  });
});

describe('on imported resources', () => {
  const account = '111111111111';
  const listenerArn = `arn:aws:elasticloadbalancing:eu-west-1:${account}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
  const albArn = `arn:aws:elasticloadbalancing:eu-west-1:${account}:loadbalancer/app/web/50dc6c495c0c9188`;
  const tgArn = (name: string) => `arn:aws:elasticloadbalancing:eu-west-1:${account}:targetgroup/${name}/6d0ecf831eec9f09`;
  let template: Template;
  let canary: CanaryDeployment;

  beforeAll(() => {
    const stack = newStack('Imported');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
    });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
    const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'web' });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0a1b2c3d4e5f60718');
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', { listenerArn, securityGroup: sg });
    const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
      targetGroupArn: tgArn(name), loadBalancerArns: albArn,
    });
    canary = new CanaryDeployment(stack, 'Canary', {
      service, containerName: 'web', containerPort: 8080, listener,
      blueTargetGroup: tg('blue'), greenTargetGroup: tg('green'),
    });
    // A user wiring the composite to a notification: it is created on this first use.
    expect(canary.rollbackAlarm).toBeDefined();
    template = Template.fromStack(stack);
  });

  test('the deployment group names the imported service, target groups and listener', () => {
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ECSServices: [{ ClusterName: 'prod', ServiceName: 'web' }],
      LoadBalancerInfo: {
        TargetGroupPairInfoList: [{
          TargetGroups: [{ Name: 'blue' }, { Name: 'green' }],
          ProdTrafficRoute: { ListenerArns: [listenerArn] },
          TestTrafficRoute: Match.absent(),
        }],
      },
    });
  });

  test('DescribeServices is scoped to the imported cluster\'s services', () => {
    const found = policyStatements(template).filter((s) => s.actions.includes('ecs:DescribeServices'));
    expect(found.length).toBeGreaterThan(0);
    expect([...new Set(found.flatMap((s) => s.resources).map(flatten))])
      .toEqual(['arn:<<Ref:AWS::Partition>>:ecs:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:service/prod/*']);
  });

  test('ModifyListener is scoped to the imported listener ARN', () => {
    const found = policyStatements(template).filter((s) => s.actions.includes('elasticloadbalancing:ModifyListener'));
    expect(found.flatMap((s) => s.resources)).toEqual([listenerArn, listenerArn]);
  });

  test('alarms watch the imported target groups; the composite, once used, is any of the 3', () => {
    // + 1: the guard's dead-letter alarm (CanaryHooks), not a rollback alarm.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({
            MetricName: 'UnHealthyHostCount',
            Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: 'targetgroup/green/6d0ecf831eec9f09' }]),
          }),
        }),
      })]),
    });
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(referencedIds(Object.values(resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'))[0].Properties!.AlarmRule))
      .toHaveLength(3);
    expect(canary.rollbackAlarm).toBe(canary.rollbackAlarms.alarm);
    expect(canary.rollbackAlarms.alarms).toHaveLength(3);
  });

  test('the runtime configuration has no test listener', () => {
    const value = parseJoinedJson(Object.values(resourcesOfType(template, 'AWS::SSM::Parameter'))[0].Properties!.Value);
    expect(value).not.toHaveProperty('testListenerArn');
    expect(value).toMatchObject({ clusterName: 'prod', serviceName: 'web', productionListenerArn: listenerArn });
  });
});

describe('CanaryDeployment validation', () => {
  /** A fresh stack with one existing service, and the props for a CanaryDeployment on it. */
  const setup = (controller?: ecs.DeploymentControllerType) => {
    const stack = newStack();
    const network = buildNetwork(stack);
    const svc = buildExistingService(stack, 'Svc', { network, controller });
    return { stack, svc };
  };
  const failure = (make: (svc: ExistingService) => Partial<CanaryDeploymentProps>) => {
    const { stack, svc } = setup();
    return validationFailure(() => new CanaryDeployment(stack, 'Canary', deploymentProps(svc, make(svc))));
  };

  test('the default setup is valid (control for the cases below)', () => {
    const { stack, svc } = setup();
    expect(() => new CanaryDeployment(stack, 'Canary', deploymentProps(svc))).not.toThrow();
  });

  test('fails when the service does not use the CODE_DEPLOY controller', () => {
    const { stack, svc } = setup(ecs.DeploymentControllerType.ECS);
    expect(() => new CanaryDeployment(stack, 'Canary', deploymentProps(svc))).toThrow(/CODE_DEPLOY deployment controller/);
  });

  test('fails when blue and green are the same target group', () => {
    const e = failure((svc) => ({ greenTargetGroup: svc.blue }));
    expect(e.prop).toBe('greenTargetGroup');
    expect(e.message).toBe(
      'greenTargetGroup: must be a different target group from blueTargetGroup: CodeDeploy moves the new tasks to the other group. (at TestStack/Canary)',
    );
  });

  test('fails when the test listener is the production listener', () => {
    const e = failure((svc) => ({ testListener: svc.listener }));
    expect(e.message).toContain('testListener: must be a different listener from the production listener.');
  });

  test('fails when the alarm window is not shorter than the first bake', () => {
    const e = failure(() => ({ alarms: { evaluationMinutes: 5 } }));
    expect(e.prop).toBe('alarms.evaluationMinutes');
    expect(e.message).toContain("the rollback alarm window (5 minutes) must be shorter than the first step's bake (5 minutes at 5 %)");
    expect(e.message).toContain('Lower alarms.evaluationMinutes or lengthen the first bake.');
  });

  test('an alarm window one minute shorter than the first bake is fine', () => {
    const { stack, svc } = setup();
    expect(() => new CanaryDeployment(stack, 'Canary', deploymentProps(svc, { alarms: { evaluationMinutes: 4 } }))).not.toThrow();
  });

  test('fails when the schedule does not validate, with the schedule messages', () => {
    const e = failure(() => ({
      schedule: TrafficSchedule.steps([
        { percent: 5, bake: Duration.minutes(30) },
        { percent: 10, bake: Duration.minutes(30) },
        { percent: 50, bake: Duration.minutes(30) },
      ]),
    }));
    expect(e.prop).toBe('schedule');
    // 2 x ((30 + 1) + (30 + 1)) min: bakes and settle minutes, one extension each.
    expect(e.message).toMatch(/^schedule: the steps run inside the BeforeAllowTraffic hook .* can take up to 124 min/);
    expect(e.message).toContain('longer than one hook are not supported yet');
  });

  test('the hook budget counts analysis.maxExtensions', () => {
    const e = failure(() => ({ analysis: { maxExtensions: 3 } }));
    // 4 x ((5 + 1) + (10 + 1)) min.
    expect(e.message).toContain('can take up to 68 min with 3 extension(s) per step');
  });

  test('fails when analysis.minRequests is 0', () => {
    const e = failure(() => ({ analysis: { minRequests: 0 } }));
    expect(e.prop).toBe('analysis.minRequests');
    expect(e.message).toContain('analysis.minRequests: must be a whole number >= 1 (got 0); a step must never pass on no data.');
  });

  test('fails when relativeToStable.errorRate is below 1', () => {
    const e = failure(() => ({ analysis: { relativeToStable: { errorRate: 0.5 } } }));
    expect(e.message).toContain('analysis.relativeToStable.errorRate: must be >= 1 (got 0.5); below 1 a canary identical to stable fails.');
  });

  test('fails when relativeToStable.latency is below 1', () => {
    expect(failure(() => ({ analysis: { relativeToStable: { latency: 0.9 } } })).message)
      .toContain('analysis.relativeToStable.latency: must be >= 1 (got 0.9)');
  });

  test('fails when analysis.interval is not whole minutes', () => {
    expect(failure(() => ({ analysis: { interval: Duration.seconds(30) } })).message)
      .toContain('analysis.interval: must be whole minutes of at least 1 (load balancer metrics are per minute), got 30 s.');
  });

  test('fails when analysis.maxExtensions is out of range', () => {
    expect(failure(() => ({ analysis: { maxExtensions: 11 } })).message).toContain('analysis.maxExtensions: must be a whole number 0..10 (got 11).');
  });

  test('fails when installTimeout is 20 minutes', () => {
    const e = failure(() => ({ installTimeout: Duration.minutes(20) }));
    expect(e.message).toContain('installTimeout: must be between 1 and 14 minutes (got 20 minutes)');
  });

  test('fails when terminationWaitTime exceeds 2 days', () => {
    expect(failure(() => ({ terminationWaitTime: Duration.days(3) })).message)
      .toContain('terminationWaitTime: must be between 0 and 2880 minutes (got 4320).');
  });

  test('fails when finalVerdictWindow is not whole minutes', () => {
    expect(failure(() => ({ finalVerdictWindow: Duration.seconds(90) })).message)
      .toContain('finalVerdictWindow: must be whole minutes between 1 and 60 (got 1 minute 30 seconds).');
  });

  test.each([0, 70000, 80.5])('fails when containerPort is %p', (port) => {
    const e = failure(() => ({ containerPort: port }));
    expect(e.message).toBe(`containerPort: must be a TCP port 1..65535 (got ${port}). (at TestStack/Canary)`);
  });

  test('fails when an HttpCheck path does not start with "/"', () => {
    const e = failure(() => ({ smokeTests: [HttpCheck.get('health')] }));
    expect(e.message).toBe('smokeTests (GET health): path must start with "/" (got "health"). (at TestStack/Canary)');
  });

  test('fails when an HttpCheck bodyMatches is not a valid regular expression', () => {
    const e = failure(() => ({ smokeTests: [HttpCheck.get('/health', { bodyMatches: '(unclosed' })] }));
    expect(e.message).toMatch(/^smokeTests \(GET \/health\): bodyMatches is not a valid regular expression: .+/);
  });

  test('fails when an HttpCheck expects a status that is not an HTTP status', () => {
    expect(failure(() => ({ smokeTests: [HttpCheck.head('/', { expectStatus: [42] })] })).message)
      .toContain('smokeTests (HEAD /): expectStatus must hold HTTP status codes 100..599 (got 42).');
  });

  test('fails when an HttpCheck repeat or latency budget is out of range', () => {
    expect(failure(() => ({ smokeTests: [HttpCheck.post('/x', '{}', { repeat: 0 })] })).message)
      .toContain('smokeTests (POST /x): repeat must be a whole number 1..100 (got 0).');
    expect(failure(() => ({ smokeTests: [HttpCheck.get('/', { latencyBudget: Duration.minutes(2) })] })).message)
      .toContain('latencyBudget must be between 1 ms and 60 s (got 120000 ms).');
  });
});
