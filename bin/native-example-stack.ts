import { Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HttpCheck, NativeCanaryDeployment, TrafficSchedule } from '../lib';

export interface NativeExampleStackProps extends StackProps {
  /** @default 'public.ecr.aws/nginx/nginx:stable' */
  readonly image?: string;
  /** @default 80 */
  readonly containerPort?: number | string;
  /** @default TrafficSchedule.default() */
  readonly schedule?: TrafficSchedule;
}

/**
 * The example on Amazon ECS's own blue/green engine (`npx cdk synth -c engine=ecs`): a Fargate
 * service behind an ALB whose production and test listener rules ECS shifts, released by
 * NativeCanaryDeployment with the default 5 → 25 → 50 → 100 % schedule. A new image in `cdk
 * deploy` updates the service's task definition and ECS runs the canary: no custom resource.
 */
export class NativeExampleStack extends Stack {
  public readonly service: ecs.FargateService;
  public readonly deployment: NativeCanaryDeployment;
  public readonly listener: elbv2.ApplicationListener;
  public readonly productionRule: elbv2.ApplicationListenerRule;
  public readonly targetGroups: [elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup];

  constructor(scope: Construct, id: string, props: NativeExampleStackProps = {}) {
    super(scope, id, props);
    const containerPort = Number(props.containerPort ?? 80);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    vpc.addFlowLog('FlowLogs', { trafficType: ec2.FlowLogTrafficType.REJECT });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', { vpc, internetFacing: true, dropInvalidHeaderFields: true });

    const tg = (tgId: string) => new elbv2.ApplicationTargetGroup(this, tgId, {
      vpc, port: containerPort, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP,
      healthCheck: { path: '/', healthyHttpCodes: '200-399', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });
    this.targetGroups = [tg('BlueTargetGroup'), tg('GreenTargetGroup')];
    const [blue, green] = this.targetGroups;
    // Both groups in one weighted forward that never changes on a stack update, so CloudFormation
    // does not reset the weights ECS set [inference, as for CodeDeploy in aws-facts.md].
    const forward = elbv2.ListenerAction.weightedForward([{ targetGroup: blue, weight: 100 }, { targetGroup: green, weight: 0 }]);
    const notFound = elbv2.ListenerAction.fixedResponse(404);
    this.listener = alb.addListener('ProductionListener', { port: 80, open: true, defaultAction: notFound });
    const testListener = alb.addListener('TestListener', { port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: notFound });
    this.productionRule = new elbv2.ApplicationListenerRule(this, 'ProductionRule', {
      listener: this.listener, priority: 1, conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])], action: forward,
    });
    const testRule = new elbv2.ApplicationListenerRule(this, 'TestRule', {
      listener: testListener, priority: 1, conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])], action: forward,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', { cpu: 256, memoryLimitMiB: 512 });
    const container = taskDefinition.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry(props.image ?? 'public.ecr.aws/nginx/nginx:stable'),
      portMappings: [{ containerPort }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup: new logs.LogGroup(this, 'ContainerLogs', { retention: logs.RetentionDays.ONE_MONTH }) }),
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster, taskDefinition, desiredCount: 2,
      deploymentController: { type: ecs.DeploymentControllerType.ECS },
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      healthCheckGracePeriod: Duration.seconds(60),
      minHealthyPercent: 100,
    });
    this.service.connections.allowFrom(alb, ec2.Port.tcp(containerPort), 'load balancer to tasks');

    this.deployment = new NativeCanaryDeployment(this, 'Canary', {
      service: this.service,
      containerName: container.containerName,
      containerPort,
      listener: this.listener,
      productionRule: this.productionRule,
      testRule,
      blueTargetGroup: blue,
      greenTargetGroup: green,
      schedule: props.schedule ?? TrafficSchedule.default(),
      smokeTests: [HttpCheck.get('/', { expectStatus: [200] })],
      dashboard: true,
    });
    Validations.of(alb).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The example serves the public on its production port 80; the test listener (9000) stays closed to the internet.',
    }, {
      id: 'AwsSolutions-ELB2',
      reason: 'The example has no log bucket.',
    });
  }
}
