/**
 * CodeDeploy builds the replacement task set from the AppSpec: without `PlatformVersion` it uses
 * LATEST, and a capacity provider strategy the AppSpec does not carry is lost at the first release
 * (CodeDeploy AppSpec 'resources' section for ECS; aws/containers-roadmap#1752). The AppSpec
 * carries both, read from the service or given for an imported one.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment, CanaryDeploymentProps, CanaryFargateService } from '../../lib';
import { buildExistingService, buildNetwork, newStack } from '../helpers/fixtures';
import { parseJoinedJson } from '../helpers/template';

const SPOT: ecs.CapacityProviderStrategy[] = [
  { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 3 },
  { capacityProvider: 'FARGATE', weight: 1 },
];
const RENDERED_SPOT = [
  { CapacityProvider: 'FARGATE_SPOT', Base: 1, Weight: 3 },
  { CapacityProvider: 'FARGATE', Weight: 1 },
];

/** The TargetService properties of the AppSpec as CloudFormation will write it (JSON, intrinsics as placeholders). */
const targetProperties = (stack: Stack, d: CanaryDeployment) =>
  parseJoinedJson(stack.resolve(d.renderAppSpec('arn:td'))).Resources[0].TargetService.Properties;

describe('the AppSpec of a CanaryFargateService', () => {
  const build = (extra: Partial<ConstructorParameters<typeof CanaryFargateService>[2]> = {}) => {
    const stack = newStack();
    const svc = new CanaryFargateService(stack, 'Api', { image: ecs.ContainerImage.fromRegistry('nginx'), ...extra });
    return { stack, svc };
  };

  test('names neither a platform version nor capacity providers by default', () => {
    const { stack, svc } = build();
    const props = targetProperties(stack, svc.deployment);
    expect(props).toEqual({ TaskDefinition: 'arn:td', LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 } });
  });

  test('carries the service platform version and capacity provider strategy', () => {
    const { stack, svc } = build({ platformVersion: ecs.FargatePlatformVersion.VERSION1_4, capacityProviderStrategies: SPOT });
    expect(targetProperties(stack, svc.deployment)).toMatchObject({
      PlatformVersion: '1.4.0',
      CapacityProviderStrategy: RENDERED_SPOT,
    });
    // The service itself runs on them, and the cluster it created offers them.
    const t = JSON.stringify(stack.resolve((svc.service.node.defaultChild as ecs.CfnService).capacityProviderStrategy));
    expect(t).toContain('FARGATE_SPOT');
  });

  test('the release publishes the same placement (SSM parameter and output)', () => {
    const { stack, svc } = build({ capacityProviderStrategies: SPOT });
    expect(parseJoinedJson(stack.resolve(svc.release!.appSpec)).Resources[0].TargetService.Properties.CapacityProviderStrategy)
      .toEqual(RENDERED_SPOT);
  });
});

describe('the AppSpec of a CanaryDeployment on an existing service', () => {
  test('reads the placement from a service of this app, including changes made after the canary', () => {
    const stack = newStack();
    const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
    const d = new CanaryDeployment(stack, 'Canary', {
      service: svc.service, containerName: 'web', containerPort: 8080, listener: svc.listener,
      testListener: svc.testListener, blueTargetGroup: svc.blue, greenTargetGroup: svc.green,
    });
    const cfn = svc.service.node.defaultChild as ecs.CfnService;
    cfn.platformVersion = '1.4.0';
    cfn.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    expect(targetProperties(stack, d)).toMatchObject({
      PlatformVersion: '1.4.0',
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
  });

  test('given values win over the service', () => {
    const stack = newStack();
    const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
    (svc.service.node.defaultChild as ecs.CfnService).platformVersion = '1.3.0';
    const d = new CanaryDeployment(stack, 'Canary', {
      service: svc.service, containerName: 'web', containerPort: 8080, listener: svc.listener,
      testListener: svc.testListener, blueTargetGroup: svc.blue, greenTargetGroup: svc.green,
      platformVersion: ecs.FargatePlatformVersion.VERSION1_4,
    });
    expect(targetProperties(stack, d).PlatformVersion).toBe('1.4.0');
  });

  describe('imported', () => {
    const imported = (extra: Partial<CanaryDeploymentProps> = {}) => {
      const stack = newStack('Imported');
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0a1b2c3d4e5f60718'],
      });
      const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
      const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'web' });
      const albArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188';
      const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
        listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0a1b2c3d4e5f60718'),
      });
      const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
        targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`, loadBalancerArns: albArn,
      });
      const d = new CanaryDeployment(stack, 'Canary', {
        service, containerName: 'web', containerPort: 8080, listener, blueTargetGroup: tg('blue'), greenTargetGroup: tg('green'), ...extra,
      });
      return { stack, d };
    };

    test('renders no placement when none is given (it cannot be read)', () => {
      const { stack, d } = imported();
      const props = targetProperties(stack, d);
      expect(props).not.toHaveProperty('PlatformVersion');
      expect(props).not.toHaveProperty('CapacityProviderStrategy');
    });

    test('renders the platform version and capacity providers given as props', () => {
      const { stack, d } = imported({ platformVersion: ecs.FargatePlatformVersion.VERSION1_4, capacityProviderStrategies: SPOT });
      expect(targetProperties(stack, d)).toMatchObject({ PlatformVersion: '1.4.0', CapacityProviderStrategy: RENDERED_SPOT });
    });
  });
});
