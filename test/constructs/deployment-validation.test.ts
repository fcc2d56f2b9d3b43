/**
 * Inputs that used to synthesize and break at deploy or at the first release (issue 10, item 7):
 * each is a synth-time error naming the prop and the fix, or a warning where it is legitimate.
 */
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  CanaryDeployment,
  CanaryDeploymentProps,
  CanaryFargateService,
  HttpCheck,
  TrafficSchedule,
} from '../../lib';
import { buildNetwork, newStack, deploymentPropsFor, stackWithService, validationFailure } from '../helpers/fixtures';

const propsFor = deploymentPropsFor;

const setup = stackWithService;
/** The CanaryValidationError a construction throws. */
const failure = validationFailure;

/** The synth-time validation errors of a stack (Node.addValidation), as one string. */
function synthErrors(stack: Stack): string {
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synthesis to fail');
}

describe('the task definition (when the service object shows it)', () => {
  test('fails when containerName is not a container of the task definition', () => {
    const { stack, svc } = setup();
    new CanaryDeployment(stack, 'Canary', propsFor(svc, { containerName: 'api' }));
    expect(synthErrors(stack)).toContain('containerName: "api" is not a container of the service\'s task definition (containers: "web").');
  });

  test('fails when containerPort is not a port mapping of the container', () => {
    const { stack, svc } = setup();
    new CanaryDeployment(stack, 'Canary', propsFor(svc, { containerPort: 3000 }));
    expect(synthErrors(stack)).toContain('containerPort: 3000 is not a port mapping of container "web" (ports: 8080).');
  });

  test('a port mapping added after the canary counts', () => {
    const { stack, svc } = setup();
    new CanaryDeployment(stack, 'Canary', propsFor(svc, { containerPort: 3000 }));
    svc.container.addPortMappings({ containerPort: 3000 });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails when a target group has target type INSTANCE while the service uses awsvpc', () => {
    const { stack, svc } = setup();
    const green = new elbv2.ApplicationTargetGroup(stack, 'InstanceTg', {
      vpc: svc.service.cluster.vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE,
    });
    svc.testListener.addTargetGroups('Instances', { targetGroups: [green], priority: 10, conditions: [elbv2.ListenerCondition.pathPatterns(['/x'])] });
    new CanaryDeployment(stack, 'Canary', propsFor(svc, { greenTargetGroup: green }));
    expect(synthErrors(stack)).toContain('greenTargetGroup: has target type INSTANCE, but the service uses the awsvpc network mode');
  });

  describe('an EC2 service in bridge mode', () => {
    const bridge = (extra: Partial<CanaryDeploymentProps>) => {
      const stack = newStack();
      const { vpc, cluster } = buildNetwork(stack);
      cluster.addCapacity('Capacity', { instanceType: new ec2.InstanceType('t3.small'), minCapacity: 1 });
      const td = new ecs.Ec2TaskDefinition(stack, 'Td', { networkMode: ecs.NetworkMode.BRIDGE });
      td.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx'), memoryLimitMiB: 256, portMappings: [{ containerPort: 80, hostPort: 0 }] });
      const service = new ecs.Ec2Service(stack, 'Service', { cluster, taskDefinition: td, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY } });
      const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
      const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE });
      const blue = tg('Blue');
      const green = tg('Green');
      const listener = alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward([blue]) });
      const testListener = alb.addListener('Test', { port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, defaultAction: elbv2.ListenerAction.forward([green]) });
      service.attachToApplicationTargetGroup(blue);
      new CanaryDeployment(stack, 'Canary', {
        service, containerName: 'web', containerPort: 80, listener, testListener, blueTargetGroup: blue, greenTargetGroup: green, ...extra,
      });
      return stack;
    };

    test('fails with HTTP smoke tests that call the tasks directly', () => {
      expect(synthErrors(bridge({ smokeTests: [HttpCheck.get('/')] })))
        .toContain('smokeTests: the HTTP smoke tests call the new tasks directly by IP on the container port, but the service uses the bridge network mode');
    });

    test('is fine with a testBaseUrl (and INSTANCE target groups)', () => {
      expect(() => Template.fromStack(bridge({ smokeTests: [HttpCheck.get('/')], testBaseUrl: 'http://internal.example.com:9000' }))).not.toThrow();
    });
  });
});

describe('one CanaryDeployment per service', () => {
  test('fails when a second CanaryDeployment is created on the same service', () => {
    const { stack, svc } = setup();
    new CanaryDeployment(stack, 'First', propsFor(svc));
    const e = failure(() => new CanaryDeployment(stack, 'Second', propsFor(svc)));
    expect(e.prop).toBe('service');
    expect(e.message).toContain('service: already has a CanaryDeployment (TestStack/First); CodeDeploy allows one deployment group per ECS service.');
  });
});

describe('load balancer pieces', () => {
  test('fails when the listener is a Network Load Balancer listener', () => {
    const { stack, svc } = setup();
    const nlbListener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Nlb', {
      listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/net/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0a1b2c3d4e5f60718'),
    });
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { listener: nlbListener })));
    expect(e.message).toMatch(/^listener: is a Network Load Balancer listener\. .*use an Application Load Balancer\./);
  });

  test('fails when a target group is a Network Load Balancer target group', () => {
    const { stack, svc } = setup();
    const nlbTg = new elbv2.NetworkTargetGroup(stack, 'NlbTg', { vpc: svc.service.cluster.vpc, port: 8080, targetType: elbv2.TargetType.IP });
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { blueTargetGroup: nlbTg as unknown as elbv2.IApplicationTargetGroup })));
    expect(e.message).toContain('blueTargetGroup: is a Network Load Balancer target group (TCP/UDP/TLS).');
  });

  test('fails without a test listener when green is attached to no load balancer, saying how to fix it', () => {
    const stack = newStack();
    const network = buildNetwork(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc: network.vpc });
    const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc: network.vpc, port: 80, targetType: elbv2.TargetType.IP });
    const blue = tg('Blue');
    const green = tg('Green');
    const listener = alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward([blue]) });
    const td = new ecs.FargateTaskDefinition(stack, 'Td');
    td.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx'), portMappings: [{ containerPort: 80 }] });
    const service = new ecs.FargateService(stack, 'Service', { cluster: network.cluster, taskDefinition: td, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY } });
    const props = { service, containerName: 'web', containerPort: 80, listener, blueTargetGroup: blue, greenTargetGroup: green };
    const e = failure(() => new CanaryDeployment(stack, 'Canary', props));
    expect(e.prop).toBe('greenTargetGroup');
    expect(e.message).toContain('greenTargetGroup: is attached to no load balancer: the load balancer never health-checks its targets, so AfterInstall would wait');
    expect(e.message).toContain('Give a testListener that forwards to it, or add it to the production forward action at weight 0');
  });

  test('without a test listener, green at weight 0 in the production forward is enough', () => {
    const stack = newStack();
    const network = buildNetwork(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc: network.vpc });
    const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc: network.vpc, port: 80, targetType: elbv2.TargetType.IP });
    const blue = tg('Blue');
    const green = tg('Green');
    const listener = alb.addListener('Prod', {
      port: 80,
      defaultAction: elbv2.ListenerAction.weightedForward([{ targetGroup: blue, weight: 100 }, { targetGroup: green, weight: 0 }]),
    });
    const td = new ecs.FargateTaskDefinition(stack, 'Td');
    td.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx'), portMappings: [{ containerPort: 80 }] });
    const service = new ecs.FargateService(stack, 'Service', { cluster: network.cluster, taskDefinition: td, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY } });
    service.attachToApplicationTargetGroup(blue);
    new CanaryDeployment(stack, 'Canary', { service, containerName: 'web', containerPort: 80, listener, blueTargetGroup: blue, greenTargetGroup: green });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails when the service is in another stack (which would be a cyclic reference)', () => {
    const app = new App();
    const { svc } = setup(new Stack(app, 'ServiceStack'));
    const e = failure(() => new CanaryDeployment(new Stack(app, 'CanaryStack'), 'Canary', propsFor(svc)));
    expect(e.message).toContain('service: is in stack ServiceStack, this CanaryDeployment in stack CanaryStack: the two stacks would reference each other');
    expect(e.message).toContain('Create the CanaryDeployment in the service\'s stack');
  });
});

describe('thresholds are reported under the prop the user set', () => {
  const fail = (analysis: CanaryDeploymentProps['analysis'], alarms?: CanaryDeploymentProps['alarms']) => {
    const { stack, svc } = setup();
    return failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { analysis, alarms })));
  };

  test.each([
    ['maxP95', { maxP95: Duration.millis(0) }],
    ['maxP99', { maxP99: Duration.seconds(0) }],
  ] as const)('fails when analysis.%s is 0', (prop, analysis) => {
    const e = fail(analysis);
    expect(e.prop).toBe(`analysis.${prop}`);
    expect(e.message).toMatch(new RegExp(`^analysis\\.${prop}: must be longer than 0 \\(got 0 \\w+\\): every request would breach it\\.`));
  });

  test('fails when only maxP99 is set below the default p95, saying it is the default', () => {
    const e = fail({ maxP99: Duration.millis(500) });
    expect(e.prop).toBe('analysis.maxP99');
    expect(e.message).toContain('analysis.maxP99: (500 millis) is below the default analysis.maxP95 (1 second)');
    expect(e.message).toContain('Set analysis.maxP95 too, at most analysis.maxP99.');
  });

  test('fails when both are set and maxP95 exceeds maxP99', () => {
    expect(fail({ maxP95: Duration.seconds(3), maxP99: Duration.seconds(2) }).message)
      .toContain('analysis.maxP95: (3 seconds) must not exceed analysis.maxP99 (2 seconds).');
  });

  test('fails when analysis.maxErrorRatePercent is out of range (not blamed on "alarms")', () => {
    const e = fail({ maxErrorRatePercent: 150 });
    expect(e.message).toMatch(/^analysis\.maxErrorRatePercent: must be between 0 and 100 exclusive \(got 150\)\./);
  });

  test('fails when alarms.breachMinutes exceeds alarms.evaluationMinutes', () => {
    const e = fail(undefined, { breachMinutes: 4 });
    expect(e.prop).toBe('alarms.breachMinutes');
    expect(e.message).toContain('breachMinutes (4) must not exceed evaluationMinutes (3).');
  });

  test('fails when analysis.unhealthyMinutes is 0', () => {
    expect(fail({ unhealthyMinutes: 0 }).message).toContain('analysis.unhealthyMinutes: must be a whole number of minutes >= 1 (got 0).');
  });
});

describe('testBaseUrl', () => {
  test.each(['internal.example.com:9000', '/health', 'ftp://x'])('fails when testBaseUrl is %p (no http(s) scheme)', (url) => {
    const { stack, svc } = setup();
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { testBaseUrl: url })));
    expect(e.message).toContain(`testBaseUrl: must be an absolute http:// or https:// URL (got "${url}")`);
  });

  test('an http URL with a port is fine', () => {
    const { stack, svc } = setup();
    expect(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { testBaseUrl: 'http://internal.example.com:9000' }))).not.toThrow();
  });
});

describe('tokens (CfnParameter, Lazy)', () => {
  test('numbers from tokens are skipped by validation, not reported as -1.888e+289', () => {
    const { stack, svc } = setup();
    const n = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    expect(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, {
      analysis: { minRequests: n('MinRequests'), maxErrorRatePercent: n('MaxError'), maxUnhealthyHosts: n('Hosts'), relativeToStable: { errorRate: n('Ratio') } },
      alarms: { breachMinutes: n('Breach'), evaluationMinutes: n('Evaluation') },
      installTimeout: Duration.seconds(n('Install')),
      finalVerdictWindow: Duration.seconds(n('Window')),
      testBaseUrl: new CfnParameter(stack, 'Url').valueAsString,
    }))).not.toThrow();
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails, naming the prop, when a token duration is in a unit that must be converted', () => {
    const { stack, svc } = setup();
    const n = new CfnParameter(stack, 'Minutes', { type: 'Number' }).valueAsNumber;
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { installTimeout: Duration.minutes(n) })));
    expect(e.message).toMatch(/^installTimeout: comes from a token \(e\.g\. a CfnParameter\) in another unit than seconds, .*give it as Duration\.seconds\(…\)\./);
  });

  test('fails, naming the prop, when a latency threshold is a token', () => {
    const { stack, svc } = setup();
    const n = new CfnParameter(stack, 'P95', { type: 'Number' }).valueAsNumber;
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, { analysis: { maxP95: Duration.millis(n) } })));
    expect(e.message).toMatch(/^analysis\.maxP95: cannot come from a token/);
  });

  test('fails, naming the step, when a schedule percent or bake is a token', () => {
    const { stack, svc } = setup();
    const n = new CfnParameter(stack, 'Percent', { type: 'Number' }).valueAsNumber;
    const e = failure(() => new CanaryDeployment(stack, 'Canary', propsFor(svc, {
      schedule: TrafficSchedule.steps([{ percent: n, bake: Duration.minutes(5) }, { percent: 50, bake: Duration.minutes(5) }]),
    })));
    expect(e.message).toMatch(/^schedule: step 1: percent cannot come from a token/);
  });
});

describe('names and environments', () => {
  const inStack = (app: App, id: string, env?: { account: string; region: string }, names = { applicationName: 'shop', deploymentGroupName: 'web' }) => {
    const stack = new Stack(app, id, { env });
    const { svc } = setup(stack);
    return () => new CanaryDeployment(stack, 'Canary', propsFor(svc, names));
  };
  const env = { account: '111111111111', region: 'eu-west-1' };

  test('fails when two stacks in one account and region give the same application and deployment group names', () => {
    const app = new App();
    inStack(app, 'One', env)();
    const e = failure(inStack(app, 'Two', env));
    expect(e.prop).toBe('applicationName');
    expect(e.message).toContain('applicationName: "shop" / "web" is already used by One/Canary;');
    expect(e.message).toContain('or leave them out (CloudFormation then generates unique names)');
  });

  test('the same names in another region are fine', () => {
    const app = new App();
    inStack(app, 'One', env)();
    expect(inStack(app, 'Two', { ...env, region: 'us-east-1' })).not.toThrow();
  });

  test('environment-agnostic stacks with the same names get a warning', () => {
    const app = new App();
    inStack(app, 'One')();
    inStack(app, 'Two')();
    const two = app.node.findChild('Two') as Stack;
    Annotations.fromStack(two).hasWarning('/Two/Canary', Match.stringLikeRegexp('applicationName: "shop" / "web" is already used by One/Canary'));
  });

  test('default names are left to CloudFormation (unique per stack)', () => {
    const { stack, svc } = setup();
    new CanaryDeployment(stack, 'Canary', propsFor(svc));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CodeDeploy::Application', { ApplicationName: Match.absent() });
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentGroupName: Match.absent() });
  });
});

describe('CanaryFargateService', () => {
  const image = ecs.ContainerImage.fromRegistry('nginx');

  test('warns when desiredCount is 0', () => {
    const stack = newStack();
    new CanaryFargateService(stack, 'Api', { image, desiredCount: 0 });
    Annotations.fromStack(stack).hasWarning('/TestStack/Api/Canary', Match.stringLikeRegexp('^desiredCount: the service runs 0 tasks'));
  });

  test('no desiredCount warning with the default count', () => {
    const stack = newStack();
    new CanaryFargateService(stack, 'Api', { image });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('desiredCount'));
  });

  test('fails when the production listener is on port 443 without a certificate', () => {
    const e = failure(() => new CanaryFargateService(newStack(), 'Api', { image, listenerPort: 443 }));
    expect(e.prop).toBe('listenerPort');
    expect(e.message).toContain('listenerPort: 443 is the HTTPS port, but no certificate is given');
  });
});

describe('one CanaryDeployment per imported service', () => {
  test('fails when the same service is imported twice and given two CanaryDeployments', () => {
    const stack = new Stack(new App(), 'Imported', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0a1b2c3d4e5f60718'],
    });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
    const albArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188';
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
      listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0a1b2c3d4e5f60718'),
    });
    const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
      targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`, loadBalancerArns: albArn,
    });
    const canary = (id: string) => new CanaryDeployment(stack, id, {
      service: ecs.FargateService.fromFargateServiceAttributes(stack, `${id}Service`, { cluster, serviceName: 'web' }),
      containerName: 'web', containerPort: 8080, listener, blueTargetGroup: tg(`${id}blue`), greenTargetGroup: tg(`${id}green`),
    });
    canary('First');
    expect(failure(() => canary('Second')).message).toContain('service: already has a CanaryDeployment (Imported/First)');
  });
});
