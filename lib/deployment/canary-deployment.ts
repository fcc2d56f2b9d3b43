import { Annotations, CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { RollbackAlarms } from '../alarms/rollback-alarms';
import { AppSpecHookFunctions, CanaryHooks } from '../hooks/canary-hooks';
import { CanaryDashboard } from '../observability/canary-dashboard';
import { SmokeTest } from '../hooks/smoke-test';
import { findOrCreate } from '../private/bundled-function';
import { bindSmokeTest } from '../private/smoke-checks';
import { durationIn, invalid, known, requireConcrete } from '../private/validation';
import { checkInputs, treeProblems } from '../private/deployment-checks';
import { AnalysisConfig, CONFIG_VERSION, CONSTRUCT_PATH_METADATA, DEFAULT_FINAL_VERDICT_WINDOW_SECONDS, RELEASE_POLICY_ANALYSIS, CanaryRuntimeConfig, configParameterName } from '../runtime-config';
import { validateFinalVerdictWindow } from './final-verdict-window';
import { TrafficSchedule } from './traffic-schedule';
import { ICanaryDeployment } from './canary-deployment-base';
import { AppSpecPlacement } from './app-spec';
import { AppSpec } from '../private/app-spec-document';
import { appSpecPlacement } from '../private/app-spec-placement';
import { alarmThresholdsOf } from '../private/alarm-thresholds';
import {
  alarmTimingOf, DEFAULT_INSTALL_TIMEOUT_SECONDS, DEFAULT_TERMINATION_WAIT_SECONDS, isFinalVerdictWindowInRange,
} from '../policy/release-policy';

/** What to do when a step stays inconclusive (too little traffic) after every extension. */
export enum InconclusivePolicy {
  /** Roll back: a canary that could not be judged is not a pass. */
  FAIL = 'fail',
  /** Move on to the next step anyway (for low-traffic staging services). */
  PASS = 'pass',
}

/** Ratios the new version is judged by against the stable one, over the same window. */
export interface RelativeToStable {
  /**
   * Green's 5xx rate may be at most this many times blue's.
   * @default 2
   */
  readonly errorRate?: number;
  /**
   * Floor for blue's error rate in that ratio, in percent, so 0 % vs 0.01 % is not "infinite".
   * @default 0.1
   */
  readonly errorRateFloorPercent?: number;
  /**
   * Green's p95 may be at most this many times blue's.
   * @default 1.5
   */
  readonly latency?: number;
}

/** How each step is judged. The thresholds also set the rollback alarms. Defaults: release-policy.md. */
export interface AnalysisOptions {
  /**
   * Time between two verdicts while a step bakes.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Requests the new version must have served in a step's window before it can pass;
   * below it the verdict is inconclusive and the step is extended.
   * @default 100
   */
  readonly minRequests?: number;
  /**
   * 5xx responses as a percent of requests.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;
  /**
   * p95 response time.
   * @default Duration.seconds(1)
   */
  readonly maxP95?: Duration;
  /**
   * p99 response time.
   * @default Duration.seconds(2)
   */
  readonly maxP99?: Duration;
  /**
   * Unhealthy hosts tolerated; more for `unhealthyMinutes` minutes fails.
   * @default 0
   */
  readonly maxUnhealthyHosts?: number;
  /**
   * Consecutive minutes of unhealthy hosts that fail.
   * @default 2
   */
  readonly unhealthyMinutes?: number;
  /**
   * Whether the new version is also judged against the stable one (`relativeToStable`); `false`
   * turns the relative checks off (leave `relativeToStable` out then).
   * @default true
   */
  readonly compareWithStable?: boolean;
  /**
   * Canary-vs-stable ratios.
   * @default { errorRate: 2, errorRateFloorPercent: 0.1, latency: 1.5 }
   */
  readonly relativeToStable?: RelativeToStable;
  /**
   * What to do when a step stays inconclusive after `maxExtensions` extensions.
   * @default InconclusivePolicy.FAIL
   */
  readonly onInconclusive?: InconclusivePolicy;
  /**
   * How many times an inconclusive step is extended by one bake (and its settle minute). Counts
   * towards the hook budget: the in-hook steps may take Σ (bake + 1 min) × (1 + maxExtensions).
   * @default 1
   */
  readonly maxExtensions?: number;
  /**
   * Shadow mode: the judge runs and records every verdict (decision records, `canary status`),
   * but a failing step, or one still inconclusive after its extensions, does not stop the
   * release; the rollback alarms still act. For trying a policy on real traffic and counting its
   * false rollbacks before it may roll anything back.
   * @default false
   */
  readonly shadow?: boolean;
  /**
   * Confidence, in percent, the data must give that a limit is crossed before a check fails; the
   * stepper spends 100 - confidencePercent over all the verdicts of a release, so it bounds the
   * chance that a version exactly at a limit is rolled back. Lower it to catch smaller
   * regressions on little traffic, at the price of more false rollbacks.
   * @default 99
   */
  readonly confidencePercent?: number;
}

/** Timing of the rollback alarms. */
export interface RollbackAlarmOptions {
  /**
   * Minutes a rate or latency threshold must be breached within `evaluationMinutes`.
   * @default 2
   */
  readonly breachMinutes?: number;
  /**
   * Window of the rate and latency alarms, in minutes. Must be shorter than the first step's bake.
   * @default 3
   */
  readonly evaluationMinutes?: number;
  /**
   * Your own alarms that roll a deployment back too: the deployment group watches them with the
   * 3 rollback alarms (at most 10 in all: up to 7 of yours), and they join the composite alarm.
   * @default none
   */
  readonly additionalAlarms?: cloudwatch.IAlarm[];
}

/**
 * The options of a canary deployment that do not wire it to a service: schedule, judgement,
 * alarms, smoke tests and timings. CanaryDeploymentProps and CanaryFargateServiceProps both extend
 * it (as aws-ecs-patterns composes its props), so the L3 never lags behind.
 */
export interface CanaryDeploymentOptions {
  /**
   * How production traffic moves to the new version.
   * @default TrafficSchedule.default() (5 % 5 min → 25 % 10 min → 50 % 15 min → 100 %)
   */
  readonly schedule?: TrafficSchedule;
  /**
   * How each step is judged; the same thresholds set the rollback alarms.
   * @default release-policy.md thresholds
   */
  readonly analysis?: AnalysisOptions;
  /**
   * Rollback alarm timing and your own alarms.
   * @default 2 of 3 one-minute periods, no extra alarms
   */
  readonly alarms?: RollbackAlarmOptions;
  /**
   * Checks against the new version before production sees it.
   * @default none
   */
  readonly smokeTests?: SmokeTest[];
  /**
   * Base URL through which the smoke tests reach the new version (e.g. an internal test listener).
   * The smoke-test function must be able to reach it, e.g.
   * `testListener.connections.allowDefaultPortFrom(deployment.hookFunctions.afterAllowTestTraffic)`.
   * @default the new tasks are called directly on their private IPs from inside the VPC
   */
  readonly testBaseUrl?: string;
  /**
   * Security groups of the service's tasks, opened to the smoke-test function on the container
   * port (needed for an imported service, whose security groups the construct cannot see).
   * @default the service's own security groups when it is a construct of this app
   */
  readonly serviceSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * How long the old tasks are kept after 100 %; rollback stays possible during this time.
   * @default Duration.minutes(5)
   */
  readonly terminationWaitTime?: Duration;
  /**
   * How long AfterInstall waits for the new tasks to be running and healthy (at most 14 minutes).
   * @default Duration.minutes(10)
   */
  readonly installTimeout?: Duration;
  /**
   * Window of metrics judged at 100 % by AfterAllowTraffic (and of the stable baseline). The hook
   * waits for it: from the first whole minute at 100 %, plus a minute for the last metrics to be
   * published, inside the hook's hour (at most 48 minutes).
   * @default Duration.minutes(5)
   */
  readonly finalVerdictWindow?: Duration;
  /**
   * A CloudWatch dashboard of its own with blue and green side by side (a dashboard costs $3 a
   * month beyond the account's first three, and 8 KB of template per service).
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * CodeDeploy application name. Given, the deployment gets an application of its own.
   * @default the stack's shared CodeDeploy application (one per stack, generated name)
   */
  readonly applicationName?: string;
  /**
   * CodeDeploy deployment group name.
   * @default generated
   */
  readonly deploymentGroupName?: string;
}

export interface CanaryDeploymentProps extends CanaryDeploymentOptions, AppSpecPlacement {
  /** The ECS service; it must use the `CODE_DEPLOY` deployment controller. */
  readonly service: ecs.IBaseService;
  /** Name of the container the load balancer sends traffic to (for the AppSpec). */
  readonly containerName: string;
  /** Port of that container (for the AppSpec and the smoke tests). */
  readonly containerPort: number;
  /** The production listener. CodeDeploy and the traffic stepper weight its forward actions to the two target groups: the default action and/or listener rules. */
  readonly listener: elbv2.IApplicationListener;
  /**
   * The test listener: serves the new version before production does.
   * @default no test listener; smoke tests still call the new tasks directly
   */
  readonly testListener?: elbv2.IApplicationListener;
  /** The target group serving production now. */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The other target group; CodeDeploy registers the new tasks there. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /**
   * The protocol of the two target groups (how the load balancer reaches the tasks). Say HTTP for
   * imported target groups that use it: the error-rate alarm then leaves out TLS negotiation
   * errors, which only HTTPS targets have (two metrics and about 1 KB of template fewer per service).
   * @default read from the target groups when this app creates them; otherwise HTTPS is assumed
   * possible and TLS negotiation errors are counted
   */
  readonly targetProtocol?: elbv2.ApplicationProtocol;
}

/**
 * Canary releases for an existing ECS service: the CodeDeploy application and deployment group,
 * the custom deployment config rendered from the schedule, the rollback alarms, and the
 * lifecycle hooks that run the in-hook steps and judge them.
 */
export class CanaryDeployment extends Construct implements ICanaryDeployment {
  public readonly application: codedeploy.IEcsApplication;
  public readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;
  /** The custom deployment config (CodeDeploy's part of the schedule). */
  public readonly deploymentConfig: codedeploy.IEcsDeploymentConfig;
  public readonly rollbackAlarms: RollbackAlarms;
  /**
   * Any rollback signal, for dashboards and notifications (the deployment group watches the metric
   * alarms). A composite alarm, created on first use.
   */
  public get rollbackAlarm(): cloudwatch.IAlarm {
    return this.rollbackAlarms.alarm;
  }
  public readonly schedule: TrafficSchedule;
  /** The shared hook functions of the stack. */
  public readonly hooks: CanaryHooks;
  /** Notified of every failed or stopped deployment, with the reason (shared by the stack's services). */
  public readonly topic: sns.ITopic;
  /** Blue and green side by side; undefined unless `dashboard: true`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The functions this deployment's AppSpec names. */
  public readonly hookFunctions: AppSpecHookFunctions;
  /** The SSM parameter holding the runtime configuration the hooks read. */
  public readonly configParameter: ssm.StringParameter;
  public readonly containerName: string;
  public readonly containerPort: number;
  public readonly service: ecs.IBaseService;
  /** The target group serving production when the deployment was created (blue and green swap every release). */
  public readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The other target group. */
  public readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /** How often an inconclusive step may be extended (analysis.maxExtensions, resolved). */
  public readonly maxExtensions: number;
  /** Resolved analysis thresholds (the runtime configuration's shape, not a jsii type). */
  private readonly analysis: AnalysisConfig;
  /** How long AfterInstall waits for the new tasks (for release-time estimates). */
  public readonly installTimeout: Duration;
  /** How long the old tasks are kept after 100 % (for release-time estimates). */
  public readonly terminationWaitTime: Duration;
  /** The window the final verdict judges at 100 % (for release-time estimates). */
  public readonly finalVerdictWindow: Duration;

  /** Platform version and capacity providers given for the AppSpec (else read from the service). */
  private readonly placement: AppSpecPlacement;

  constructor(scope: Construct, id: string, props: CanaryDeploymentProps) {
    super(scope, id);
    this.placement = { platformVersion: props.platformVersion, capacityProviderStrategies: props.capacityProviderStrategies };
    checkInputs(this, props);
    this.schedule = props.schedule ?? TrafficSchedule.default();
    this.service = props.service;
    this.blueTargetGroup = props.blueTargetGroup;
    this.greenTargetGroup = props.greenTargetGroup;
    this.containerName = props.containerName;
    this.containerPort = props.containerPort;
    this.analysis = resolveAnalysis(this, props.analysis ?? {});
    this.maxExtensions = this.analysis.maxExtensions;
    this.installTimeout = props.installTimeout ?? Duration.seconds(DEFAULT_INSTALL_TIMEOUT_SECONDS);
    this.terminationWaitTime = props.terminationWaitTime ?? Duration.seconds(DEFAULT_TERMINATION_WAIT_SECONDS);
    this.finalVerdictWindow = props.finalVerdictWindow ?? Duration.seconds(DEFAULT_FINAL_VERDICT_WINDOW_SECONDS);
    validateDeployment(this, props, this.schedule, this.analysis);

    this.rollbackAlarms = new RollbackAlarms(this, 'Alarms', {
      blueTargetGroup: props.blueTargetGroup,
      greenTargetGroup: props.greenTargetGroup,
      // A listener this app creates knows its load balancer: shorter metric dimensions (issue 12).
      loadBalancer: (props.listener as Partial<elbv2.ApplicationListener>).loadBalancer,
      targetProtocol: props.targetProtocol,
      ...alarmThresholdsOf(this.analysis, props.alarms),
      additionalAlarms: props.alarms?.additionalAlarms,
    });
    validateAlarmWindow(this, this.schedule, this.rollbackAlarms.evaluationWindow);

    this.application = props.applicationName !== undefined
      ? new codedeploy.EcsApplication(this, 'Application', { applicationName: props.applicationName })
      : sharedApplication(this);
    this.deploymentConfig = sharedDeploymentConfig(this, this.schedule);
    this.deploymentGroup = new codedeploy.EcsDeploymentGroup(this, 'DeploymentGroup', {
      application: this.application,
      deploymentGroupName: props.deploymentGroupName,
      service: props.service,
      deploymentConfig: byNameOnly(this, this.deploymentConfig),
      role: sharedCodeDeployRole(this),
      blueGreenDeploymentConfig: {
        blueTargetGroup: props.blueTargetGroup,
        greenTargetGroup: props.greenTargetGroup,
        listener: props.listener,
        testListener: props.testListener,
        terminationWaitTime: this.terminationWaitTime,
      },
      // The metric alarms themselves (at most 10): CodeDeploy documents metric alarms only
      // [inference, aws-facts.md]; the composite stays for the dashboard and notifications.
      alarms: this.rollbackAlarms.deploymentGroupAlarms,
      // Never continue when alarm state cannot be read (aws-facts.md).
      ignorePollAlarmsFailure: false,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });


    this.hooks = CanaryHooks.of(this);
    this.topic = this.hooks.topic;
    const vpc = clusterVpc(props.service);
    this.hookFunctions = this.hooks.appSpecHooks(vpc);
    const smoke = (props.smokeTests ?? []).map((s) => bindSmokeTest(this, s));

    const applicationName = this.application.applicationName;
    const deploymentGroupName = this.deploymentGroup.deploymentGroupName;
    const runtimeConfig: CanaryRuntimeConfig = {
      version: CONFIG_VERSION,
      clusterName: props.service.cluster.clusterName,
      serviceName: props.service.serviceName,
      productionListenerArn: props.listener.listenerArn,
      testListenerArn: props.testListener?.listenerArn,
      targetGroupArns: [props.blueTargetGroup.targetGroupArn, props.greenTargetGroup.targetGroupArn],
      testBaseUrl: props.testBaseUrl,
      containerPort: props.containerPort,
      steps: this.schedule.inHookSteps.map((s) => ({ percent: s.percent, bakeSeconds: s.bake.toSeconds() })),
      finalStep: this.schedule.finalStep
        ? { percent: this.schedule.finalStep.percent, bakeSeconds: this.schedule.finalStep.bake.toSeconds() }
        : undefined,
      analysis: this.analysis,
      smokeTests: smoke.map((s) => s.config),
      // The metric alarms: the composite is "any of them", and DescribeAlarms without AlarmTypes
      // returns metric alarms only.
      alarmNames: this.rollbackAlarms.alarmNames,
      installTimeoutSeconds: this.installTimeout.toSeconds(),
      finalVerdictWindowSeconds: this.finalVerdictWindow.toSeconds(),
      decisionsTableName: this.hooks.table.tableName,
      terminationWaitSeconds: this.terminationWaitTime.toSeconds(),
      alarmTiming: alarmTimingOf(props.alarms),
    };
    this.configParameter = new ssm.StringParameter(this, 'RuntimeConfig', {
      parameterName: configParameterName(applicationName, deploymentGroupName),
      simpleName: false,
      stringValue: Stack.of(this).toJsonString(runtimeConfig),
      // Standard tier up to 4 KB, advanced beyond (many smoke tests) without a synth-time guess.
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
    });
    // `canary plan` and `rehearse` name services by construct path, also in an assembly
    // synthesized without the CLI's aws:cdk:path metadata (a plain `node app.js`, tests).
    (this.configParameter.node.defaultChild as CfnResource).addMetadata(CONSTRUCT_PATH_METADATA, this.node.path);

    if (props.dashboard === true) {
      this.dashboard = new CanaryDashboard(this, 'Dashboard', {
        blueTargetGroup: props.blueTargetGroup,
      greenTargetGroup: props.greenTargetGroup,
        rollbackAlarm: this.rollbackAlarm,
        deploymentGroup: `${applicationName}/${deploymentGroupName}`,
      }).dashboard;
    }

    const directHttpChecks = smoke.some((s) => s.config.kind === 'http') && !props.testBaseUrl;
    this.node.addValidation({ validate: () => treeProblems(props, directHttpChecks) });
    if (directHttpChecks && !props.serviceSecurityGroups && !connectionsOf(props.service)) {
      Annotations.of(this).addWarningV2('cdk-ecs-canary:smokeTestsUnreachable',
        'HTTP smoke tests call the new tasks directly, but the security groups of this (imported) service are unknown: '
        + 'pass serviceSecurityGroups so the smoke-test function may reach the container port, or set testBaseUrl.');
    }
    this.hooks.register({
      applicationName,
      deploymentGroupName,
      deploymentGroupArn: this.deploymentGroup.deploymentGroupArn,
      configParameterArn: this.configParameter.parameterArn,
      serviceArn: props.service.serviceArn,
      clusterName: props.service.cluster.clusterName,
      productionListenerArn: props.listener.listenerArn,
      productionLoadBalancer: (props.listener as Partial<elbv2.ApplicationListener>).loadBalancer,
      additionalAlarms: props.alarms?.additionalAlarms ?? [],
      vpc,
      serviceConnections: props.serviceSecurityGroups
        ? new ec2.Connections({ securityGroups: props.serviceSecurityGroups })
        : connectionsOf(props.service),
      containerPort: props.containerPort,
      smokeReachesTasks: props.testBaseUrl === undefined && smoke.some((s) => s.config.kind === 'http'),
      checkFunctions: smoke.flatMap((s) => s.functions),
    });
  }

  /**
   * The AppSpec that releases `taskDefinitionArn` through this deployment's hooks (as an object,
   * for tests and the CLI; users take renderAppSpec()).
   * @internal
   */
  public _appSpec(taskDefinitionArn: string): AppSpec {
    const h = this.hookFunctions;
    return {
      version: '0.0',
      Resources: [{
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: this.containerName, ContainerPort: this.containerPort },
            ...appSpecPlacement(this.service, this.placement),
          },
        },
      }],
      Hooks: [
        { BeforeInstall: h.beforeInstall.functionName },
        { AfterInstall: h.afterInstall.functionName },
        { AfterAllowTestTraffic: h.afterAllowTestTraffic.functionName },
        { BeforeAllowTraffic: h.beforeAllowTraffic.functionName },
        { AfterAllowTraffic: h.afterAllowTraffic.functionName },
      ],
    };
  }

  /** The AppSpec as a JSON string (tokens resolved by CloudFormation). */
  public renderAppSpec(taskDefinitionArn: string): string {
    return Stack.of(this).toJsonString(this._appSpec(taskDefinitionArn));
  }
}

function clusterVpc(service: ecs.IBaseService) {
  try {
    return service.cluster.vpc;
  } catch {
    // An imported cluster without a VPC: the smoke-test hook then runs outside any VPC.
    return undefined;
  }
}

function connectionsOf(service: ecs.IBaseService) {
  return (service as Partial<ecs.BaseService>).connections;
}

/** Deployment configs are capped at 50 per account: services with the same schedule share one. */
/** The stack's CodeDeploy application, shared by its canary services (one resource, one grant pattern). */
function sharedApplication(scope: IConstruct): codedeploy.EcsApplication {
  const stack = Stack.of(scope);
  return findOrCreate(stack, 'CdkEcsCanaryApplication', () => new codedeploy.EcsApplication(stack, 'CdkEcsCanaryApplication'));
}

/** CodeDeploy's service role, shared by the stack's deployment groups (the same managed policy for each). */
function sharedCodeDeployRole(scope: IConstruct): iam.IRole {
  const stack = Stack.of(scope);
  return findOrCreate(stack, 'CdkEcsCanaryCodeDeployRole', () => {
    const role = new iam.Role(stack, 'CdkEcsCanaryCodeDeployRole', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSCodeDeployRoleForECS')],
      description: 'cdk-ecs-canary: CodeDeploy blue/green for the canary services of this stack',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSCodeDeployRoleForECS]',
      reason: 'AWSCodeDeployRoleForECS is the AWS-managed service role policy CodeDeploy needs for ECS blue/green: '
        + 'task sets, listener and target-group changes, alarm reads and invoking the lifecycle hooks it is given in the AppSpec.',
    });
    return role;
  });
}

/**
 * The shared deployment configuration as the deployment group should take it: by name. Given the
 * construct itself, aws-cdk-lib's EcsDeploymentGroup also adds a DependsOn on it, which the group's
 * `DeploymentConfigName: {Ref}` already implies (CloudFormation orders a resource after those it
 * references; cfn-lint W3005): 92 bytes of template per service for nothing.
 */
function byNameOnly(scope: Construct, config: codedeploy.IEcsDeploymentConfig): codedeploy.IEcsDeploymentConfig {
  if (!Construct.isConstruct(config)) return config; // a predefined configuration: no resource to depend on
  return codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(scope, 'DeploymentConfigByName', config.deploymentConfigName);
}

function sharedDeploymentConfig(scope: IConstruct, schedule: TrafficSchedule): codedeploy.IEcsDeploymentConfig {
  const routing = schedule.renderTrafficRouting().bind(scope);
  if (routing.type === 'AllAtOnce') return codedeploy.EcsDeploymentConfig.ALL_AT_ONCE;
  const key = routing.timeBasedCanary
    ? `Canary${routing.timeBasedCanary.canaryPercentage}Percent${routing.timeBasedCanary.canaryInterval}Minutes`
    : `Linear${routing.timeBasedLinear!.linearPercentage}Percent${routing.timeBasedLinear!.linearInterval}Minutes`;
  const stack = Stack.of(scope);
  const container = findOrCreate(stack, 'CdkEcsCanaryDeploymentConfigs', () => new Construct(stack, 'CdkEcsCanaryDeploymentConfigs'));
  return findOrCreate(container, key, () => new codedeploy.EcsDeploymentConfig(container, key, { trafficRouting: schedule.renderTrafficRouting() }));
}

export function resolveAnalysis(scope: IConstruct, a: AnalysisOptions): AnalysisConfig {
  if (a.compareWithStable === false && a.relativeToStable !== undefined) {
    invalid(scope, 'analysis.relativeToStable', 'is set, but analysis.compareWithStable is false, which turns the relative checks off: remove one of the two.');
  }
  const rel = a.compareWithStable === false ? undefined : (a.relativeToStable ?? {});
  const d = RELEASE_POLICY_ANALYSIS;
  const intervalSeconds = a.interval ? durationIn(scope, 'analysis.interval', a.interval, 'seconds') : d.intervalSeconds;
  if (!Token.isUnresolved(intervalSeconds) && (intervalSeconds < 60 || intervalSeconds % 60 !== 0)) {
    invalid(scope, 'analysis.interval', `must be whole minutes of at least 1 (load balancer metrics are per minute), got ${intervalSeconds} s.`);
  }
  const config: AnalysisConfig = {
    intervalSeconds,
    minRequests: a.minRequests ?? d.minRequests,
    maxErrorRatePercent: a.maxErrorRatePercent ?? d.maxErrorRatePercent,
    maxP95Ms: a.maxP95 ? a.maxP95.toMilliseconds() : d.maxP95Ms,
    maxP99Ms: a.maxP99 ? a.maxP99.toMilliseconds() : d.maxP99Ms,
    maxUnhealthyHosts: a.maxUnhealthyHosts ?? d.maxUnhealthyHosts,
    unhealthyMinutes: a.unhealthyMinutes ?? d.unhealthyMinutes,
    errorRateRatio: rel ? rel.errorRate ?? d.errorRateRatio : undefined,
    errorRateFloorPercent: rel?.errorRateFloorPercent ?? d.errorRateFloorPercent,
    latencyRatio: rel ? rel.latency ?? d.latencyRatio : undefined,
    onInconclusive: a.onInconclusive ?? (d.onInconclusive as InconclusivePolicy),
    maxExtensions: a.maxExtensions ?? d.maxExtensions,
    ...(a.shadow ? { shadow: true } : {}),
    ...(a.confidencePercent !== undefined ? { confidencePercent: a.confidencePercent } : {}),
  };
  // Values from tokens (CfnParameter, Lazy) are skipped: they are only known at deploy time.
  const check = (prop: string, value: number | undefined, ok: boolean, msg: string) => {
    if (known(value) && !ok) invalid(scope, `analysis.${prop}`, msg);
  };
  check('minRequests', config.minRequests, Number.isInteger(config.minRequests) && config.minRequests >= 1,
    `must be a whole number >= 1 (got ${config.minRequests}); a step must never pass on no data.`);
  check('maxExtensions', config.maxExtensions, Number.isInteger(config.maxExtensions) && config.maxExtensions >= 0 && config.maxExtensions <= 10,
    `must be a whole number 0..10 (got ${config.maxExtensions}).`);
  if (config.errorRateRatio !== undefined) {
    check('relativeToStable.errorRate', config.errorRateRatio, config.errorRateRatio >= 1, `must be >= 1 (got ${config.errorRateRatio}); below 1 a canary identical to stable fails.`);
  }
  if (config.latencyRatio !== undefined) {
    check('relativeToStable.latency', config.latencyRatio, config.latencyRatio >= 1, `must be >= 1 (got ${config.latencyRatio}); below 1 a canary identical to stable fails.`);
  }
  check('confidencePercent', config.confidencePercent, config.confidencePercent === undefined || (config.confidencePercent >= 50 && config.confidencePercent < 100),
    `must be a percentage from 50 up to (not including) 100 (got ${config.confidencePercent}); 100 would never fail anything.`);
  check('relativeToStable.errorRateFloorPercent', config.errorRateFloorPercent, config.errorRateFloorPercent > 0 && config.errorRateFloorPercent < 100,
    `must be between 0 and 100 exclusive (got ${config.errorRateFloorPercent}).`);
  return config;
}

function validateDeployment(scope: IConstruct, props: CanaryDeploymentProps, schedule: TrafficSchedule, analysis: AnalysisConfig): void {
  const errors = schedule.validate(analysis.maxExtensions);
  if (errors.length > 0) invalid(scope, 'schedule', errors.map((e) => e.replace(/^schedule:?\s*/, '')).join('\n'));
  if (!Token.isUnresolved(props.containerPort) && (!Number.isInteger(props.containerPort) || props.containerPort < 1 || props.containerPort > 65535)) {
    invalid(scope, 'containerPort', `must be a TCP port 1..65535 (got ${props.containerPort}).`);
  }
  if (props.blueTargetGroup === props.greenTargetGroup) {
    invalid(scope, 'greenTargetGroup', 'must be a different target group from blueTargetGroup: CodeDeploy moves the new tasks to the other group.');
  }
  if (props.testListener && props.testListener === props.listener) {
    invalid(scope, 'testListener', 'must be a different listener from the production listener.');
  }
  const install = props.installTimeout && durationIn(scope, 'installTimeout', props.installTimeout, 'seconds');
  if (install !== undefined && !Token.isUnresolved(install) && (install < 60 || install > 14 * 60)) {
    invalid(scope, 'installTimeout', `must be between 1 and 14 minutes (got ${props.installTimeout!.toHumanString()}): the AfterInstall hook runs in one Lambda invocation (15 min maximum).`);
  }
  if (props.terminationWaitTime) {
    requireConcrete(scope, 'terminationWaitTime', props.terminationWaitTime,
      'CodeDeploy takes it in minutes and the hooks in seconds, both computed at synth time.');
  }
  const term = props.terminationWaitTime?.toMinutes({ integral: false });
  if (term !== undefined && !Token.isUnresolved(term) && (term < 0 || term > 2880)) {
    invalid(scope, 'terminationWaitTime', `must be between 0 and 2880 minutes (got ${term}).`);
  }
  const fv = props.finalVerdictWindow && durationIn(scope, 'finalVerdictWindow', props.finalVerdictWindow, 'seconds');
  if (fv !== undefined && !Token.isUnresolved(fv) && !isFinalVerdictWindowInRange(fv)) {
    invalid(scope, 'finalVerdictWindow', `must be whole minutes between 1 and 60 (got ${props.finalVerdictWindow!.toHumanString()}).`);
  }
  validateFinalVerdictWindow(scope, props.finalVerdictWindow);
}

function validateAlarmWindow(scope: IConstruct, schedule: TrafficSchedule, window: Duration): void {
  const first = schedule.inHookSteps[0] ?? schedule.finalStep;
  if (!first || window.isUnresolved() || first.bake.isUnresolved() || Token.isUnresolved(window.toSeconds()) || Token.isUnresolved(first.bake.toSeconds())) return;
  if (window.toSeconds() >= first.bake.toSeconds()) {
    invalid(scope, 'alarms.evaluationMinutes',
      `the rollback alarm window (${window.toHumanString()}) must be shorter than the first step's bake (${first.bake.toHumanString()} at ${first.percent} %), ` +
      'or a bad first step can move on before its alarm can fire. Lower alarms.evaluationMinutes or lengthen the first bake.');
  }
}
