/**
 * Stacks the construct tests build on: the "existing service" a user brings to CanaryDeployment
 * (VPC, cluster, ALB with production and test listener, two target groups, a Fargate service),
 * built by hand with aws-cdk-lib, without CanaryFargateService.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { CanaryDeploymentProps } from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';

/** An environment-agnostic stack in a fresh app (its own temporary output directory). */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id);
}

export interface Network {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
}

/** A VPC (public + private subnets, one NAT) and a cluster in it. */
export function buildNetwork(scope: Construct, id = 'Net'): Network {
  const c = new Construct(scope, id);
  const vpc = new ec2.Vpc(c, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(c, 'Cluster', { vpc });
  return { vpc, cluster };
}

export interface ExistingService {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly green: elbv2.ApplicationTargetGroup;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
}

export interface ExistingServiceOptions {
  readonly network: Network;
  /** @default CODE_DEPLOY */
  readonly controller?: ecs.DeploymentControllerType;
  /** @default 8080 */
  readonly containerPort?: number;
  /** @default 80 */
  readonly listenerPort?: number;
  /** @default 9000 */
  readonly testListenerPort?: number;
}

/** A service as a user wires it for CodeDeploy blue/green: production → blue, test → green. */
export function buildExistingService(scope: Construct, id: string, opts: ExistingServiceOptions): ExistingService {
  const c = new Construct(scope, id);
  const { vpc, cluster } = opts.network;
  const containerPort = opts.containerPort ?? 8080;
  const loadBalancer = new elbv2.ApplicationLoadBalancer(c, 'Alb', { vpc, internetFacing: true });
  const tg = (name: string) => new elbv2.ApplicationTargetGroup(c, name, {
    vpc,
    port: containerPort,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    healthCheck: { path: '/health' },
  });
  const blue = tg('Blue');
  const green = tg('Green');
  const listener = loadBalancer.addListener('Prod', {
    port: opts.listenerPort ?? 80,
    protocol: elbv2.ApplicationProtocol.HTTP,
    defaultAction: elbv2.ListenerAction.forward([blue]),
  });
  const testListener = loadBalancer.addListener('Test', {
    port: opts.testListenerPort ?? 9000,
    protocol: elbv2.ApplicationProtocol.HTTP,
    defaultAction: elbv2.ListenerAction.forward([green]),
    open: false,
  });
  const taskDefinition = new ecs.FargateTaskDefinition(c, 'TaskDef', { cpu: 256, memoryLimitMiB: 512 });
  const container = taskDefinition.addContainer('web', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    portMappings: [{ containerPort }],
  });
  const service = new ecs.FargateService(c, 'Service', {
    cluster,
    taskDefinition,
    desiredCount: 2,
    deploymentController: { type: opts.controller ?? ecs.DeploymentControllerType.CODE_DEPLOY },
  });
  service.attachToApplicationTargetGroup(blue);
  return { loadBalancer, listener, testListener, blue, green, taskDefinition, container, service };
}

/** CanaryDeployment props for an existing service built by buildExistingService (container port 8080). */
export function deploymentPropsFor(svc: ExistingService, extra: Partial<CanaryDeploymentProps> = {}): CanaryDeploymentProps {
  return {
    service: svc.service,
    containerName: svc.container.containerName,
    containerPort: 8080,
    listener: svc.listener,
    testListener: svc.testListener,
    blueTargetGroup: svc.blue,
    greenTargetGroup: svc.green,
    ...extra,
  };
}

/** The CanaryValidationError `make` throws (the test fails when it throws nothing or anything else). */
export function validationFailure(make: () => unknown): CanaryValidationError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(CanaryValidationError);
    return e as CanaryValidationError;
  }
  throw new Error('expected a CanaryValidationError');
}

/** A stack with an existing service on its own network. */
export function stackWithService(stack: Stack = newStack()): { stack: Stack; svc: ExistingService } {
  return { stack, svc: buildExistingService(stack, 'Svc', { network: buildNetwork(stack) }) };
}
