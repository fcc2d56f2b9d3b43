import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { NativeExampleStack } from '../../bin/native-example-stack';
import { NativeCanaryDeployment, NativeCanaryDeploymentProps, TrafficSchedule } from '../../lib';

function synth(schedule?: TrafficSchedule): { stack: NativeExampleStack; template: Template } {
  const stack = new NativeExampleStack(new App(), 'Native', { schedule });
  return { stack, template: Template.fromStack(stack) };
}

const steps = (...s: Array<[number, number]>) => TrafficSchedule.steps(s.map(([percent, minutes]) => ({ percent, bake: Duration.minutes(minutes) })));

describe('NativeCanaryDeployment', () => {
  const { stack, template } = synth();

  test('the default schedule becomes ECS LINEAR 5 % steps with no ECS step bake: the hook holds', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentController: { Type: 'ECS' },
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'LINEAR',
        LinearConfiguration: { StepPercent: 5, StepBakeTimeInMinutes: 0 },
        BakeTimeInMinutes: 5,
        LifecycleHooks: [{
          HookTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksHook'), 'Arn'] },
          LifecycleStages: ['POST_SCALE_UP', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
          RoleArn: Match.anyValue(),
        }, {
          HookTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksSmoke'), 'Arn'] },
          LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          RoleArn: Match.anyValue(),
        }],
        Alarms: { AlarmNames: Match.arrayWith([{ Ref: Match.stringLikeRegexp('ErrorRate') }]), Enable: true, Rollback: true },
      }),
    });
  });

  test('blue is the target group, green the alternate one, ECS shifts the production and test rules', () => {
    const ref = (c: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(c.node.defaultChild as never) });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{
        ContainerName: 'app',
        ContainerPort: 80,
        TargetGroupArn: ref(stack.targetGroups[0]),
        AdvancedConfiguration: {
          AlternateTargetGroupArn: ref(stack.targetGroups[1]),
          ProductionListenerRule: ref(stack.productionRule),
          TestListenerRule: Match.anyValue(),
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CanaryInfrastructureRole'), 'Arn'] },
        },
      }],
    });
  });

  test('the infrastructure role is trusted by ECS and scoped to our rules and target groups', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })] },
      Description: Match.stringLikeRegexp('ECS blue/green'),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('CanaryInfrastructureRole'),
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: Match.arrayWith(['elasticloadbalancing:DescribeRules']), Resource: '*' }),
          { Effect: 'Allow', Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], Resource: [{ Ref: Match.stringLikeRegexp('BlueTargetGroup') }, { Ref: Match.stringLikeRegexp('GreenTargetGroup') }] },
          { Effect: 'Allow', Action: 'elasticloadbalancing:ModifyRule', Resource: [{ Ref: Match.stringLikeRegexp('ProductionRule') }, { Ref: Match.stringLikeRegexp('TestRule') }] },
        ],
      },
    });
    // No AWS managed policy on it (AmazonECSInfrastructureRolePolicyForLoadBalancers allows every rule).
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('ECS blue/green') } });
    expect(Object.values(roles).map((r) => r.Properties.ManagedPolicyArns)).toEqual([undefined]);
  });

  test('ECS may invoke the hook and smoke functions only (unqualified)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('CanaryHookInvokeRole'),
      PolicyDocument: { Statement: [
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksHook'), 'Arn'] } },
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksSmoke'), 'Arn'] } },
      ] },
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ LifecycleHooks: Match.arrayWith([Match.objectLike({ RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CanaryHookInvokeRole'), 'Arn'] } })]) }),
    });
  });

  test('the hook role reads only the configuration and deployments of services in this cluster', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('CdkEcsCanaryNativeHooksHookRole'),
      PolicyDocument: { Statement: Match.arrayWith([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('Decisions'), 'Arn'] } },
        { Effect: 'Allow', Action: 'ecs:ListServiceDeployments', Resource: { 'Fn::Join': ['', Match.arrayWith([':service/', { Ref: Match.stringLikeRegexp('Cluster') }, '/*'])] } },
        { Effect: 'Allow', Action: 'ecs:DescribeServiceDeployments', Resource: { 'Fn::Join': ['', Match.arrayWith([':service-deployment/', { Ref: Match.stringLikeRegexp('Cluster') }, '/*'])] } },
      ]) },
    });
  });

  test('the runtime configuration names the steps the hook holds, under the path the hook derives from the service ARN', () => {
    const params = template.findResources('AWS::SSM::Parameter');
    const [param] = Object.values(params);
    expect(JSON.stringify(param.Properties.Name)).toContain('/cdk-ecs-canary/ecs/');
    const value = JSON.stringify(param.Properties.Value);
    expect(value).toContain('\\"strategy\\":\\"LINEAR\\"');
    expect(value).toContain('\\"steps\\":[{\\"percent\\":5,\\"bakeSeconds\\":300},{\\"percent\\":25,\\"bakeSeconds\\":600},{\\"percent\\":50,\\"bakeSeconds\\":900}]');
  });

  test('the hook writes its metric as EMF to the namespace its environment names, with no PutMetricData grant', () => {
    const hook = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('CdkEcsCanaryNativeHooksHookRole') } });
    expect(Object.keys(hook)).toHaveLength(1);
    expect(JSON.stringify(hook)).not.toContain('PutMetricData');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-ecs-canary native-hook',
      Environment: { Variables: Match.objectLike({ CANARY_METRICS_NAMESPACE: 'CdkEcsCanary' }) },
    });
    // The smoke hook publishes nothing.
    const smoke = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('NativeHooksSmokeRole') } });
    expect(JSON.stringify(smoke)).not.toContain('PutMetricData');
  });

  test('the runtime configuration carries the final verdict window (default 5 min)', () => {
    const value = JSON.stringify(Object.values(template.findResources('AWS::SSM::Parameter'))[0].Properties.Value);
    expect(value).toContain('\\"finalVerdictWindowSeconds\\":300');
    const other = new NativeExampleStack(new App(), 'Native');
    deploymentOn(other, 'Ten', { finalVerdictWindow: Duration.minutes(10) });
    const values = Object.values(Template.fromStack(other).findResources('AWS::SSM::Parameter')).map((p) => JSON.stringify(p.Properties.Value));
    expect(values.filter((v) => v.includes('\\"finalVerdictWindowSeconds\\":600'))).toHaveLength(1);
  });

  test('the dashboard\'s final verdict widget reads the dimension the hook publishes: <cluster>/<service>', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    const cluster = stack.getLogicalId(stack.service.cluster.node.defaultChild as never);
    const service = stack.getLogicalId(stack.service.node.defaultChild as never);
    expect(body).toMatch(new RegExp(`FinalVerdict.*DeploymentGroup.*${cluster}.*/.*${service}`));
  });

  test('no release custom resource: CloudFormation updates the task definition of the service itself', () => {
    template.resourceCountIs('AWS::CloudFormation::CustomResource', 0);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    template.hasResourceProperties('AWS::ECS::Service', { TaskDefinition: { Ref: Match.stringLikeRegexp('TaskDefinition') } });
  });
});

describe('schedules on the ECS engine', () => {
  const strategyOf = (schedule: TrafficSchedule) => {
    const { template } = synth(schedule);
    return Object.values(template.findResources('AWS::ECS::Service'))[0].Properties.DeploymentConfiguration;
  };

  test('one step is an ECS CANARY', () => {
    expect(strategyOf(steps([10, 30]))).toMatchObject({ Strategy: 'CANARY', CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 0 } });
  });

  test('all at once is BLUE_GREEN', () => {
    const c = strategyOf(TrafficSchedule.allAtOnce());
    expect(c.Strategy).toBe('BLUE_GREEN');
    expect(c.LinearConfiguration).toBeUndefined();
  });

  test('a linear schedule keeps its step', () => {
    expect(strategyOf(TrafficSchedule.linear(20, Duration.minutes(5)))).toMatchObject({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 20 } });
  });

  test('bakes longer than one hour are allowed (the CodeDeploy engine refuses them)', () => {
    expect(strategyOf(steps([5, 120], [50, 180]))).toMatchObject({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 5 } });
  });

  test('fails when the percents share no divisor of 3 or more', () => {
    expect(() => synth(steps([5, 5], [12, 5]))).toThrow(/schedule.*greatest common divisor.*1 % for 5, 12; ECS needs at least 3 %/s);
  });

  test('fails when the holds could outlast the ECS hook timeout (24 h, an hour of margin)', () => {
    expect(() => synth(steps([5, 12 * 60], [50, 2 * 60]))).toThrow(/schedule.*hold the steps and the final verdict up to 1691 min.*final verdict 7 min.*ECS rolls back a lifecycle hook after its timeout.*1380 min/s);
  });

  test('the final verdict counts in the hold budget: 1376 min of holds fit alone, not with a 5 min window (1 + 5 + 1 min)', () => {
    const stack = new NativeExampleStack(new App(), 'Native');
    const long = { schedule: steps([5, 1375]), analysis: { maxExtensions: 0 } };
    expect(() => deploymentOn(stack, 'Short', { ...long, finalVerdictWindow: Duration.minutes(1) })).not.toThrow();
    expect(() => deploymentOn(stack, 'Long', long)).toThrow(/schedule.*hold the steps and the final verdict up to 1383 min.*1380 min/s);
  });

  test('the final verdict counts in the 33 h of a stack update', () => {
    const stack = new NativeExampleStack(new App(), 'Native');
    const long = { schedule: steps([5, 600]), analysis: { maxExtensions: 0 }, bakeTime: Duration.minutes(1375) };
    expect(() => deploymentOn(stack, 'Short', { ...long, finalVerdictWindow: Duration.minutes(1) })).not.toThrow();
    expect(() => deploymentOn(stack, 'Long', long)).toThrow(/schedule.*can take up to 1983 min.*final verdict \(7 min\).*33 h/s);
  });

  test.each([Duration.seconds(90), Duration.minutes(0), Duration.minutes(61)])('fails when finalVerdictWindow is %s (whole minutes 1..60)', (w) => {
    const stack = new NativeExampleStack(new App(), 'Native');
    expect(() => deploymentOn(stack, 'Bad', { finalVerdictWindow: w })).toThrow(/finalVerdictWindow.*must be whole minutes between 1 and 60/s);
  });

  test('fails when holds and bake time could outlast CloudFormation (33 h)', () => {
    const stack = new NativeExampleStack(new App(), 'Native');
    expect(() => deploymentOn(stack, 'Long', { schedule: steps([5, 600]), analysis: { maxExtensions: 0 }, bakeTime: Duration.hours(24) }))
      .toThrow(/schedule.*2048 min.*the final verdict \(7 min\).*CloudFormation gives up on a stack update after 36 h.*33 h/s);
  });

  test('fails when a bake is not whole minutes (the schedule\'s own checks still apply)', () => {
    expect(() => synth(TrafficSchedule.steps([{ percent: 5, bake: Duration.seconds(90) }]))).toThrow(/bake must be whole minutes/);
  });

  test('fails when smoke tests have no test rule to find the new tasks through', () => {
    const stack = new NativeExampleStack(new App(), 'Native');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { HttpCheck } = require('../../lib');
    expect(() => deploymentOn(stack, 'NoTest', { smokeTests: [HttpCheck.get('/')] })).toThrow(/testRule.*is needed with smokeTests.*Pass testRule/s);
  });

  test('fails when the service uses the CODE_DEPLOY controller', () => {
    const stack = new NativeExampleStack(new App(), 'Native');
    expect(() => deploymentOn(stack, 'Bad', {}, ecs.DeploymentControllerType.CODE_DEPLOY))
      .toThrow(/service.*must use the ECS deployment controller \(got CODE_DEPLOY\)/);
  });
});

/** A second service of the example stack with its own NativeCanaryDeployment. */
function deploymentOn(stack: NativeExampleStack, id: string, props: Partial<NativeCanaryDeploymentProps>, controller = ecs.DeploymentControllerType.ECS): NativeCanaryDeployment {
  const svc = new ecs.FargateService(stack, `${id}Service`, {
    cluster: stack.service.cluster,
    taskDefinition: stack.service.taskDefinition,
    deploymentController: { type: controller },
  });
  return new NativeCanaryDeployment(stack, id, {
    service: svc,
    containerName: 'app',
    containerPort: 80,
    listener: stack.listener,
    productionRule: stack.productionRule,
    blueTargetGroup: stack.targetGroups[0],
    greenTargetGroup: stack.targetGroups[1],
    ...props,
  });
}

test('the rollback alarms take the analysis thresholds: minRequests gates them, the latency limits set them', () => {
  const stack = new NativeExampleStack(new App(), 'Thresholds');
  deploymentOn(stack, 'Tuned', { analysis: { minRequests: 250, maxP95: Duration.millis(600) } });
  const alarms = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
    .filter(([id]) => id.startsWith('Tuned'));
  const of = (kind: string) => alarms.filter(([id]) => id.includes(kind)).map(([, r]) => r.Properties);
  // One alarm per check over both target groups, each group's expression gated.
  expect(of('ErrorRate')).toHaveLength(1);
  for (const a of of('ErrorRate')) expect(JSON.stringify(a.Metrics).match(/>= 250,/g)).toHaveLength(2);
  const [latency] = of('Latency');
  expect(latency.Threshold).toBe(1);
  expect(JSON.stringify(latency.Metrics)).toContain('IF(FILL(requests1, 0) >= 250, IF(p95_1 / 0.6 > p99_1 / 2, p95_1 / 0.6, p99_1 / 2), 0)');
});
