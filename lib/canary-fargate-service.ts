import { Duration, Names, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CanaryDeployment, CanaryDeploymentOptions } from './deployment/canary-deployment';
import { containerLogStreamPrefix, sharedContainerLogGroup, sharedExecutionRole } from './private/task-resources';
import { invalid } from './private/validation';
import { CanaryRelease, CanaryReleaseOptions } from './release/canary-release';
import { NativeCanaryDeployment } from './deployment/native-canary-deployment';
import { DeploymentEngine } from './native/deployment-engine';

/**
 * Props of CanaryFargateService: the service, its load balancer and network, and every option of
 * the canary deployment (CanaryDeploymentOptions).
 */
export interface CanaryFargateServiceProps extends CanaryDeploymentOptions {
  /** The container image of the service. */
  readonly image: ecs.ContainerImage;
  /**
   * Port the container listens on.
   * @default 80
   */
  readonly containerPort?: number;
  /**
   * Name of the container.
   * @default 'app'
   */
  readonly containerName?: string;
  /**
   * Environment variables of the container.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * The VPC to run in. Ignored when `cluster` is given (the cluster's VPC is used).
   * @default a new VPC with 2 AZs, public and private subnets, one NAT gateway and flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The ECS cluster to run in.
   * @default a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * An existing Application Load Balancer to add the production and test listeners to.
   * @default a new load balancer (internet-facing unless `publicLoadBalancer` is false)
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /**
   * Whether a new load balancer is internet-facing.
   * @default true
   */
  readonly publicLoadBalancer?: boolean;
  /**
   * Bucket for the access logs of a new load balancer.
   * @default no access logs
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Certificate for an HTTPS production listener.
   * @default HTTP
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Port of the production listener.
   * @default 443 with a certificate, else 80
   */
  readonly listenerPort?: number;
  /**
   * Port of the test listener, which serves the new version before production does.
   * @default 9000
   */
  readonly testListenerPort?: number;
  /**
   * Who may reach the test listener. It is never open to the internet by default.
   * @default nobody (the smoke tests call the new tasks directly)
   */
  readonly testTrafficFrom?: ec2.IPeer;
  /**
   * Target group health check.
   * @default path '/', HTTP 200-399, every 15 s, 2 healthy / 3 unhealthy
   */
  readonly healthCheck?: elbv2.HealthCheck;
  /**
   * Task CPU units.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Number of tasks.
   * @default 2
   */
  readonly desiredCount?: number;
  /**
   * CPU architecture of the tasks.
   * @default X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Fargate platform version of the tasks; every release keeps it (it is rendered into the AppSpec).
   * @default LATEST
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;
  /**
   * Capacity provider strategy of the service, e.g. FARGATE_SPOT; every release keeps it (it is
   * rendered into the AppSpec). A cluster this construct creates gets the Fargate capacity providers.
   * @default the FARGATE launch type
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
  /**
   * How long the load balancer drains a deregistered task.
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
  /**
   * Whether `cdk deploy` releases a new task definition revision through the canary (a
   * CanaryRelease); `false` for no release trigger (nothing deploys a new revision until you
   * start a deployment yourself, and `release` must be left out).
   * @default true
   */
  readonly releaseOnDeploy?: boolean;
  /**
   * How `cdk deploy` releases a new task definition revision through the canary.
   * @default ReleaseMode.auto() and ReleaseConflictPolicy.FAIL
   */
  readonly release?: CanaryReleaseOptions;
  /**
   * Which engine releases the service. `DeploymentEngine.ECS` uses Amazon ECS's own blue/green
   * engine (NativeCanaryDeployment): same schedule, thresholds, alarms, records and CLI
   * (`--engine ecs`), no CodeDeploy and no release custom resource.
   * @default DeploymentEngine.CODE_DEPLOY
   */
  readonly engine?: DeploymentEngine;
  /**
   * The task execution role (the ECS agent pulls the image and writes the logs with it).
   * @default one role shared by the CanaryFargateServices of the stack
   */
  readonly executionRole?: iam.IRole;
  /**
   * The log group of the container's logs; the service writes under its construct id as stream prefix.
   * @default one log group shared by the CanaryFargateServices of the stack, kept one month
   */
  readonly logGroup?: logs.ILogGroup;
}

/**
 * A Fargate service behind an Application Load Balancer, released by stepped canary:
 * VPC and cluster (or yours), load balancer with a production and a private test listener,
 * two target groups, the service with the CODE_DEPLOY controller and a CanaryDeployment.
 */
export class CanaryFargateService extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly cluster: ecs.ICluster;
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  public readonly listener: elbv2.ApplicationListener;
  public readonly testListener: elbv2.ApplicationListener;
  /** [blue, green] at creation; they swap roles every deployment. */
  public readonly targetGroups: elbv2.ApplicationTargetGroup[];
  /** The target group serving production at creation (blue and green swap roles every deployment). */
  public readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The target group the first release deploys to. */
  public readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly service: ecs.FargateService;
  /** The engine releasing the service. */
  public readonly engine: DeploymentEngine;
  /** The ECS-engine deployment; undefined on the CodeDeploy engine. */
  public readonly nativeDeployment?: NativeCanaryDeployment;
  /**
   * The catch-all rule of the production listener that forwards to the service's target groups:
   * CodeDeploy (and our stepper) or ECS weight it. Add your own rules with a lower priority number.
   */
  public readonly productionRule!: elbv2.ApplicationListenerRule;
  /** Any rollback signal (a composite alarm, created on first use), for dashboards and notifications. */
  public get rollbackAlarm(): cloudwatch.IAlarm {
    return this.nativeDeployment ? this.nativeDeployment.rollbackAlarm : this.deployment.rollbackAlarm;
  }
  /** Notified of every failed or stopped deployment, with the reason. */
  public readonly topic: sns.ITopic;
  /** Blue and green side by side; undefined with `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The release trigger of `cdk deploy`; undefined with `releaseOnDeploy: false`. */
  public readonly release?: CanaryRelease;

  constructor(scope: Construct, id: string, props: CanaryFargateServiceProps) {
    super(scope, id);
    const containerPort = props.containerPort ?? 80;
    const listenerPort = props.listenerPort ?? (props.certificate ? 443 : 80);
    const testListenerPort = props.testListenerPort ?? 9000;
    validatePorts(this, containerPort, listenerPort, testListenerPort);
    if (listenerPort === 443 && !props.certificate) {
      invalid(this, 'listenerPort', '443 is the HTTPS port, but no certificate is given, so the listener would serve plain HTTP there. '
        + 'Pass certificate for HTTPS, or use another port (80 by default).');
    }
    this.engine = props.engine ?? DeploymentEngine.CODE_DEPLOY;
    const native = this.engine === DeploymentEngine.ECS;
    if (native) validateNative(this, props);
    if (props.releaseOnDeploy === false && props.release !== undefined) {
      invalid(this, 'release', 'is set, but releaseOnDeploy is false, so there is no release trigger to configure: remove one of the two.');
    }
    if (props.vpc && props.cluster) {
      invalid(this, 'vpc', 'give either vpc or cluster, not both: the cluster already has a VPC.');
    }

    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc ?? newVpc(this),
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: props.capacityProviderStrategies ? true : undefined,
    });
    this.vpc = this.cluster.vpc;

    if (props.loadBalancer && props.accessLogsBucket) {
      invalid(this, 'accessLogsBucket', 'only applies to a load balancer this construct creates; enable access logs on your own loadBalancer instead.');
    }
    if (props.loadBalancer) {
      this.loadBalancer = props.loadBalancer;
    } else {
      const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
        vpc: this.vpc,
        internetFacing: props.publicLoadBalancer ?? true,
        dropInvalidHeaderFields: true,
      });
      if (props.accessLogsBucket) alb.logAccessLogs(props.accessLogsBucket, Names.uniqueId(this));
      this.loadBalancer = alb;
    }

    const healthCheck: elbv2.HealthCheck = {
      path: '/',
      healthyHttpCodes: '200-399',
      interval: Duration.seconds(15),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
      ...props.healthCheck,
    };
    const tg = (tgId: string) => new elbv2.ApplicationTargetGroup(this, tgId, {
      vpc: this.vpc,
      port: containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      healthCheck,
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
    });
    const blue = this.blueTargetGroup = tg('BlueTargetGroup');
    const green = this.greenTargetGroup = tg('GreenTargetGroup');
    this.targetGroups = [blue, green];

    // Production is forwarded by a catch-all listener rule, which ALB evaluates before the default
    // action: CloudFormation re-applies a listener's DefaultActions whenever it updates the listener
    // (a certificate, SSL policy or port change), which would send production back to `blue` after
    // a release swapped the groups (aws-cdk#36649). CloudFormation updates only resources whose
    // template changed, and this rule's template never changes (docs/how-it-works-on-aws.md).
    // The default action keeps CodeDeploy's documented shape (a forward to the pair) but is never
    // reached while the rule exists, so a reset of it moves no traffic; our stepper, guard and
    // AfterAllowTraffic shift every forward to the pair, so production does not depend on whether
    // CodeDeploy shifts rules too (an inference).
    // Listeners live under the load balancer (their ids since 0.1). Several services on one given
    // load balancer would collide there: later ones keep their listeners under their own scope.
    const addListener = (listenerId: string, listenerProps: elbv2.BaseApplicationListenerProps): elbv2.ApplicationListener =>
      this.loadBalancer.node.tryFindChild(listenerId)
        ? new elbv2.ApplicationListener(this, listenerId, { loadBalancer: this.loadBalancer, ...listenerProps })
        : this.loadBalancer.addListener(listenerId, listenerProps);
    this.listener = addListener('ProductionListener', {
      port: listenerPort,
      protocol: props.certificate ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificates: props.certificate ? [props.certificate] : undefined,
      sslPolicy: props.certificate ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      defaultAction: native ? elbv2.ListenerAction.fixedResponse(404) : elbv2.ListenerAction.forward([blue]),
      open: true,
    });
    this.testListener = addListener('TestListener', {
      port: testListenerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: native ? elbv2.ListenerAction.fixedResponse(404) : elbv2.ListenerAction.forward([green]),
      open: false,
    });
    if (!native) {
      this.productionRule = new elbv2.ApplicationListenerRule(this, 'ProductionRoute', {
        listener: this.listener,
        priority: CATCH_ALL_PRIORITY,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
        action: elbv2.ListenerAction.forward([blue]),
      });
    }
    if (props.testTrafficFrom) {
      this.testListener.connections.allowDefaultPortFrom(props.testTrafficFrom, 'cdk-ecs-canary test traffic');
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      // Shared per stack (issue 12: a role, its policy and a log group per service made 20 services overflow 500 resources).
      executionRole: props.executionRole ?? sharedExecutionRole(this),
    });
    this.container = this.taskDefinition.addContainer(props.containerName ?? 'app', {
      image: props.image,
      portMappings: [{ containerPort }],
      environment: props.environment,
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: containerLogStreamPrefix(this),
        logGroup: props.logGroup ?? sharedContainerLogGroup(this),
      }),
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount ?? 2,
      platformVersion: props.platformVersion,
      capacityProviderStrategies: props.capacityProviderStrategies,
      deploymentController: { type: native ? ecs.DeploymentControllerType.ECS : ecs.DeploymentControllerType.CODE_DEPLOY },
      // ECS engine: failing new tasks roll the deployment back at once [inference: the circuit
      // breaker applies to ECS blue/green deployments as to rolling ones].
      circuitBreaker: native ? { enable: true, rollback: true } : undefined,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      healthCheckGracePeriod: Duration.seconds(60),
      // Keep full capacity when ECS replaces tasks outside a deployment (CodeDeploy runs releases).
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });
    // On the ECS engine NativeCanaryDeployment attaches the service, with green as the alternate target.
    if (!native) this.service.attachToApplicationTargetGroup(blue);
    // The load balancer reaches the tasks on the container port; targets of both groups.
    this.service.connections.allowFrom(this.loadBalancer, ec2.Port.tcp(containerPort), 'load balancer to tasks');

    if (native) {
      // ECS shifts a listener rule, not a default action: one rule per listener forwarding to both
      // groups, whose action never changes on a stack update (so CloudFormation keeps ECS's weights).
      const rule = (ruleId: string, listener: elbv2.ApplicationListener) => new elbv2.ApplicationListenerRule(this, ruleId, {
        listener,
        priority: 1,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
        action: elbv2.ListenerAction.weightedForward([{ targetGroup: blue, weight: 100 }, { targetGroup: green, weight: 0 }]),
      });
      this.productionRule = rule('ProductionRule', this.listener);
      this.nativeDeployment = new NativeCanaryDeployment(this, 'Canary', {
        service: this.service,
        containerName: this.container.containerName,
        containerPort,
        listener: this.listener,
        productionRule: this.productionRule,
        testRule: rule('TestRule', this.testListener),
        blueTargetGroup: blue,
        greenTargetGroup: green,
        schedule: props.schedule,
        analysis: props.analysis,
        alarms: props.alarms,
        bakeTime: props.terminationWaitTime,
        dashboard: props.dashboard,
        smokeTests: props.smokeTests,
        testBaseUrl: props.testBaseUrl,
        finalVerdictWindow: props.finalVerdictWindow,
      });
      this.topic = this.nativeDeployment.topic;
      this.dashboard = this.nativeDeployment.dashboard;
      return;
    }

    this._deployment = new CanaryDeployment(this, 'Canary', {
      service: this.service,
      containerName: this.container.containerName,
      containerPort,
      listener: this.listener,
      testListener: this.testListener,
      blueTargetGroup: blue,
      greenTargetGroup: green,
      schedule: props.schedule,
      analysis: props.analysis,
      alarms: props.alarms,
      smokeTests: props.smokeTests,
      testBaseUrl: props.testBaseUrl,
      serviceSecurityGroups: props.serviceSecurityGroups,
      terminationWaitTime: props.terminationWaitTime,
      installTimeout: props.installTimeout,
      finalVerdictWindow: props.finalVerdictWindow,
      dashboard: props.dashboard,
      applicationName: props.applicationName,
      deploymentGroupName: props.deploymentGroupName,
    });
    this.topic = this._deployment.topic;
    this.dashboard = this._deployment.dashboard;
    if (props.releaseOnDeploy !== false) {
      this.release = new CanaryRelease(this, 'Release', { ...props.release, deployment: this._deployment, taskDefinition: this.taskDefinition });
    }
  }

  private readonly _deployment?: CanaryDeployment;

  /** The CodeDeploy canary deployment (CodeDeploy engine only; see `nativeDeployment` for ECS). */
  public get deployment(): CanaryDeployment {
    if (!this._deployment) throw new Error(`${this.node.path} runs on the ECS engine: it has no CodeDeploy deployment; use nativeDeployment.`);
    return this._deployment;
  }

  /** The CodeDeploy deployment group (CodeDeploy engine only). */
  public get deploymentGroup(): codedeploy.IEcsDeploymentGroup {
    return this.deployment.deploymentGroup;
  }
}

/** Options the ECS engine does not take, each with what to do instead. */
function validateNative(scope: Construct, props: CanaryFargateServiceProps): void {
  if (props.release !== undefined) {
    invalid(scope, 'release', 'does not apply to DeploymentEngine.ECS: CloudFormation updates the service\'s task definition and ECS releases it. Remove release.');
  }
  if (props.releaseOnDeploy !== undefined) {
    invalid(scope, 'releaseOnDeploy', 'does not apply to DeploymentEngine.ECS: CloudFormation updates the service\'s task definition and ECS releases it. Remove releaseOnDeploy.');
  }
  if (props.installTimeout !== undefined) {
    invalid(scope, 'installTimeout', 'does not apply to DeploymentEngine.ECS: ECS waits for the new tasks itself (the circuit breaker rolls back tasks that do not start). Remove installTimeout.');
  }
  for (const [prop, value] of [['applicationName', props.applicationName], ['deploymentGroupName', props.deploymentGroupName]] as const) {
    if (value !== undefined) invalid(scope, prop, `does not apply to DeploymentEngine.ECS: it has no CodeDeploy application or deployment group. Remove ${prop}.`);
  }
  if (props.serviceSecurityGroups !== undefined) {
    invalid(scope, 'serviceSecurityGroups', 'does not apply to DeploymentEngine.ECS: the smoke-test function is let in through the security groups of the service this construct creates. Remove serviceSecurityGroups.');
  }
}

function newVpc(scope: Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
  });
  vpc.addFlowLog('FlowLogs', { trafficType: ec2.FlowLogTrafficType.REJECT });
  return vpc;
}

/**
 * Priority of the production rule: the highest ALB allows, so rules users add are evaluated first.
 * A path pattern of `/*` matches every request path (ALB listener rules, path conditions).
 */
const CATCH_ALL_PRIORITY = 50000;

function validatePorts(scope: Construct, container: number, listener: number, test: number): void {
  const port = (prop: string, v: number) => {
    if (!Token.isUnresolved(v) && (!Number.isInteger(v) || v < 1 || v > 65535)) invalid(scope, prop, `must be a TCP port 1..65535 (got ${v}).`);
  };
  port('containerPort', container);
  port('listenerPort', listener);
  port('testListenerPort', test);
  if (!Token.isUnresolved(listener) && listener === test) {
    invalid(scope, 'testListenerPort', `must differ from the production listener port (${listener}); the test listener serves the new version only.`);
  }
}
