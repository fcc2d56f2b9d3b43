import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { RollbackAlarms } from '../alarms/rollback-alarms';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig, nativeConfigParameterName } from '../native/native-config';
import { NativeHooks } from '../native/native-hooks';
import { NATIVE_HOOK_HOLD_BUDGET_MINUTES, NATIVE_MAX_SCHEDULE_MINUTES, NativePlan, nativePlan, worstCaseNativeMinutes } from '../native/native-plan';
import { CanaryDashboard } from '../observability/canary-dashboard';
import { SmokeTest } from '../hooks/smoke-test';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { durationIn, invalid } from '../private/validation';
import { alarmThresholdsOf } from '../private/alarm-thresholds';
import { isFinalVerdictWindowInRange } from '../policy/release-policy';
import { bindSmokeTest } from '../private/smoke-checks';
import { finalVerdictHookDuration } from './final-verdict-window';
import { AnalysisConfig, DEFAULT_FINAL_VERDICT_WINDOW_SECONDS } from '../runtime-config';
import { AnalysisOptions, resolveAnalysis, RollbackAlarmOptions } from './canary-deployment';
import { TrafficSchedule } from './traffic-schedule';

export interface NativeCanaryDeploymentProps {
  /**
   * The service, created with the ECS deployment controller (the default) and not yet attached to
   * a load balancer: this construct attaches it to `blueTargetGroup` with `greenTargetGroup` as
   * the alternate target and sets its deployment strategy from the schedule.
   */
  readonly service: ecs.BaseService;
  /** Container the load balancer sends traffic to. */
  readonly containerName: string;
  /** Port of that container. */
  readonly containerPort: number;
  /** The production listener (its ARN names the load balancer in the metrics). */
  readonly listener: elbv2.IApplicationListener;
  /** The production listener rule ECS shifts between the two target groups. */
  readonly productionRule: elbv2.ApplicationListenerRule;
  /**
   * A test listener rule ECS points at the new revision before production sees it.
   * @default no test traffic
   */
  readonly testRule?: elbv2.ApplicationListenerRule;
  /** The target group serving production now. */
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The alternate target group ECS registers the new tasks in. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /**
   * How production traffic moves to the new version. Bakes may exceed an hour (ECS hooks are not
   * limited to one); the whole schedule must stay under 33 h (CloudFormation's limit for a stack update).
   * @default TrafficSchedule.default()
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
   * How long ECS keeps the old tasks after 100 % (the deployment bake time); the rollback alarms
   * can still roll back during it.
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;
  /**
   * Whole minutes at 100 % judged at POST_PRODUCTION_TRAFFIC_SHIFT against the stable version's
   * minutes recorded before production moved (and the length of that baseline). The hook holds
   * for it from the first whole minute at 100 %, plus a minute for the last metrics; a failing
   * verdict rolls back (recorded only with `analysis.shadow`). 1 to 60 minutes.
   * @default Duration.minutes(5)
   */
  readonly finalVerdictWindow?: Duration;
  /**
   * The role ECS uses to shift the listener rules and register targets.
   * @default a role scoped to this service's listener(s), rule(s) and target groups
   */
  readonly infrastructureRole?: iam.IRole;
  /**
   * A CloudWatch dashboard of its own with blue and green side by side (a dashboard costs $3 a
   * month beyond the account's first three, and 8 KB of template per service).
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * Checks against the new version at POST_TEST_TRAFFIC_SHIFT, before production sees it (needs
   * `testRule`: the checks find the new tasks through it).
   * @default none
   */
  readonly smokeTests?: SmokeTest[];
  /**
   * Base URL the smoke tests reach the new version through (e.g. an internal test listener).
   * @default the new tasks are called directly on their private IPs from inside the VPC
   */
  readonly testBaseUrl?: string;
}

/**
 * Stepped canary releases of an ECS service on Amazon ECS's own blue/green engine: the schedule
 * becomes a native LINEAR (or CANARY) strategy, a lifecycle hook holds and judges each of the
 * schedule's steps, the rollback alarms are the service's deployment alarms, and every decision is
 * recorded. A new task definition from `cdk deploy` is released by CloudFormation's service update
 * directly: no custom resource.
 */
export class NativeCanaryDeployment extends Construct {
  public readonly schedule: TrafficSchedule;
  /** The ECS deployment strategy the schedule became: LINEAR, CANARY or BLUE_GREEN. */
  public readonly strategy: string;
  /** LINEAR: the percent of each ECS step; CANARY: the canary percent; BLUE_GREEN: undefined. */
  public readonly stepPercent?: number;
  private readonly plan: NativePlan;
  /** How often an inconclusive hold may be extended (analysis.maxExtensions, resolved). */
  public readonly maxExtensions: number;
  /** Resolved analysis thresholds (the runtime configuration's shape, not a jsii type). */
  private readonly analysis: AnalysisConfig;
  public readonly rollbackAlarms: RollbackAlarms;
  /**
   * Any rollback signal, for dashboards and notifications (the service's deployment alarms are the
   * metric alarms). A composite alarm, created on first use.
   */
  public get rollbackAlarm(): cloudwatch.IAlarm {
    return this.rollbackAlarms.alarm;
  }
  public readonly hooks: NativeHooks;
  public readonly topic: sns.ITopic;
  public readonly configParameter: ssm.StringParameter;
  public readonly infrastructureRole: iam.IRole;
  public readonly bakeTime: Duration;
  /** Minutes at 100 % the final verdict judges (POST_PRODUCTION_TRAFFIC_SHIFT). */
  public readonly finalVerdictWindow: Duration;
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: NativeCanaryDeploymentProps) {
    super(scope, id);
    const service = props.service;
    const cfn = service.node.defaultChild as ecs.CfnService;
    const controller = (cfn.deploymentController as ecs.CfnService.DeploymentControllerProperty | undefined)?.type;
    if (controller !== undefined && !Token.isUnresolved(controller) && controller !== 'ECS') {
      invalid(this, 'service', `must use the ECS deployment controller (got ${controller}); for CODE_DEPLOY use CanaryDeployment.`);
    }
    if (props.blueTargetGroup === props.greenTargetGroup) {
      invalid(this, 'greenTargetGroup', 'must be a different target group from blueTargetGroup: ECS registers the new tasks in the other group.');
    }
    this.schedule = props.schedule ?? TrafficSchedule.default();
    this.analysis = resolveAnalysis(this, props.analysis ?? {});
    this.maxExtensions = this.analysis.maxExtensions;
    this.bakeTime = props.bakeTime ?? Duration.minutes(5);
    this.finalVerdictWindow = props.finalVerdictWindow ?? Duration.seconds(DEFAULT_FINAL_VERDICT_WINDOW_SECONDS);
    validateFinalWindow(this, this.finalVerdictWindow);
    this.plan = planOf(this, this.schedule, this.analysis, this.bakeTime, this.finalVerdictWindow);
    this.strategy = this.plan.strategy;
    this.stepPercent = this.plan.stepPercent;

    this.rollbackAlarms = new RollbackAlarms(this, 'Alarms', {
      blueTargetGroup: props.blueTargetGroup,
      greenTargetGroup: props.greenTargetGroup,
      ...alarmThresholdsOf(this.analysis, props.alarms),
      additionalAlarms: props.alarms?.additionalAlarms,
    });
    // ECS rolls the deployment back when one of these goes to ALARM (deployment alarms).
    service.enableDeploymentAlarms(this.rollbackAlarms.alarms.map((a) => a.alarmName), { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM });

    this.infrastructureRole = props.infrastructureRole ?? this.scopedInfrastructureRole(props);
    service.loadBalancerTarget({
      containerName: props.containerName,
      containerPort: props.containerPort,
      alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
        alternateTargetGroup: props.greenTargetGroup,
        productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(props.productionRule),
        testListener: props.testRule ? ecs.ListenerRuleConfiguration.applicationListenerRule(props.testRule) : undefined,
        role: this.infrastructureRole,
      }),
    }).attachToApplicationTargetGroup(props.blueTargetGroup);
    applyStrategy(cfn, this.plan, this.bakeTime);

    this.hooks = NativeHooks.of(this);
    this.topic = this.hooks.topic;
    // ECS invokes the hook with this role (ECS developer guide, "Permissions required for Lambda
    // functions in Amazon ECS blue/green deployments"): the unqualified function only.
    const hookRole = new iam.Role(this, 'HookInvokeRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS lifecycle hooks: invokes the cdk-ecs-canary native hook',
    });
    hookRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.hooks.function.functionArn] }));
    service.addLifecycleHook(new ecs.DeploymentLifecycleLambdaTarget(this.hooks.function, 'CanaryHook', {
      role: hookRole,
      lifecycleStages: [
        ecs.DeploymentLifecycleStage.POST_SCALE_UP,
        ecs.DeploymentLifecycleStage.PRODUCTION_TRAFFIC_SHIFT,
        ecs.DeploymentLifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT,
      ],
    }));

    const clusterName = service.cluster.clusterName;
    const serviceName = service.serviceName;
    const smoke = (props.smokeTests ?? []).map((t) => bindSmokeTest(this, t));
    if (smoke.length > 0) {
      if (!props.testRule) invalid(this, 'testRule', 'is needed with smokeTests: at POST_TEST_TRAFFIC_SHIFT the checks find the new tasks through the test listener rule. Pass testRule.');
      const { fn, sg } = this.hooks.smokeFunctionFor(service.cluster.vpc);
      this.hooks.registerSmoke(fn, clusterName, smoke.flatMap((t) => t.functions));
      if (sg && !props.testBaseUrl) service.connections.allowFrom(sg, ec2.Port.tcp(props.containerPort), 'cdk-ecs-canary smoke tests');
      hookRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
      service.addLifecycleHook(new ecs.DeploymentLifecycleLambdaTarget(fn, 'SmokeHook', {
        role: hookRole,
        lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
      }));
    }
    const config: NativeRuntimeConfig = {
      version: NATIVE_CONFIG_VERSION,
      engine: 'ecs',
      clusterName,
      serviceName,
      productionListenerArn: props.listener.listenerArn,
      productionRuleArn: props.productionRule.listenerRuleArn,
      targetGroupArns: [props.blueTargetGroup.targetGroupArn, props.greenTargetGroup.targetGroupArn],
      strategy: this.plan.strategy,
      stepPercent: this.plan.stepPercent,
      steps: [...this.plan.holds],
      analysis: this.analysis,
      alarmNames: this.rollbackAlarms.alarms.map((a) => a.alarmName),
      bakeTimeMinutes: this.bakeTime.toMinutes(),
      decisionsTableName: this.hooks.table.tableName,
      topicArn: this.topic.topicArn,
      testRuleArn: props.testRule?.listenerRuleArn,
      smokeTests: smoke.map((t) => t.config),
      containerPort: props.containerPort,
      testBaseUrl: props.testBaseUrl,
      finalVerdictWindowSeconds: this.finalVerdictWindow.toSeconds(),
    };
    this.configParameter = new ssm.StringParameter(this, 'RuntimeConfig', {
      parameterName: nativeConfigParameterName(clusterName, serviceName),
      simpleName: false,
      stringValue: Stack.of(this).toJsonString(config),
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
      description: 'cdk-ecs-canary runtime configuration read by the ECS lifecycle hook',
    });
    this.hooks.register(clusterName);

    if (props.dashboard === true) {
      this.dashboard = new CanaryDashboard(this, 'Dashboard', {
        blueTargetGroup: props.blueTargetGroup,
      greenTargetGroup: props.greenTargetGroup,
        rollbackAlarm: this.rollbackAlarm,
        // The DeploymentGroup dimension the native hook publishes FinalVerdict with (lambda/native/final-verdict.ts).
        deploymentGroup: `${clusterName}/${serviceName}`,
      }).dashboard;
    }
  }

  /**
   * What ECS needs on the load balancer for this one service ([inference] the actions of AWS's
   * AmazonECSInfrastructureRolePolicyForLoadBalancers that concern an ALB listener rule pair,
   * scoped to our listener(s), rule(s) and target groups instead of every one in the account).
   */
  private scopedInfrastructureRole(props: NativeCanaryDeploymentProps): iam.Role {
    const role = new iam.Role(this, 'InfrastructureRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS blue/green: shifts the canary listener rules and registers the new tasks',
    });
    const rules = [props.productionRule, ...(props.testRule ? [props.testRule] : [])];
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      // ELB Describe* actions have no resource-level permissions (Service Authorization Reference).
      actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: [props.blueTargetGroup.targetGroupArn, props.greenTargetGroup.targetGroupArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyRule'],
      resources: rules.map((r) => r.listenerRuleArn),
    }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only elasticloadbalancing:Describe* (no resource-level permissions, Service Authorization Reference); '
        + 'RegisterTargets/DeregisterTargets and ModifyRule are scoped to this service\'s target groups and rules.',
    });
    return role;
  }
}

/** The schedule as a native plan; synth-time errors name the prop and the fix. */
function planOf(scope: Construct, schedule: TrafficSchedule, analysis: AnalysisConfig, bakeTime: Duration, finalVerdictWindow: Duration): NativePlan {
  // The schedule's own checks, minus the one-hour CodeDeploy hook budget, which ECS does not have.
  const errors = schedule.validate(analysis.maxExtensions).filter((e) => !e.includes('BeforeAllowTraffic hook'));
  if (errors.length > 0) invalid(scope, 'schedule', errors.map((e) => e.replace(/^schedule:?\s*/, '')).join('\n'));
  const steps = schedule.stepsBeforeFull().map((s) => ({ percent: s.percent, bakeSeconds: s.bake.toSeconds() }));
  const { plan, error } = nativePlan(steps);
  if (!plan) invalid(scope, 'schedule', error!);
  // The final verdict holds POST_PRODUCTION_TRAFFIC_SHIFT: up to a minute to the first whole minute at 100 %, the window, the settle minute.
  const final = finalVerdictHookDuration(finalVerdictWindow).toMinutes();
  const holds = worstCaseNativeMinutes(plan!, analysis.maxExtensions) + final;
  if (!Token.isUnresolved(holds) && holds > NATIVE_HOOK_HOLD_BUDGET_MINUTES) {
    invalid(scope, 'schedule', `the hook may hold the steps and the final verdict up to ${Math.round(holds)} min with ${analysis.maxExtensions} extension(s) per step `
      + `(the final verdict ${final} min), `
      + `but ECS rolls back a lifecycle hook after its timeout (24 h by default, which aws-cdk-lib 2.276 cannot change) and we keep an hour of margin `
      + `(${NATIVE_HOOK_HOLD_BUDGET_MINUTES} min). Shorten the bakes or lower analysis.maxExtensions.`);
  }
  const minutes = holds + bakeTime.toMinutes();
  if (!Token.isUnresolved(minutes) && minutes > NATIVE_MAX_SCHEDULE_MINUTES) {
    invalid(scope, 'schedule', `can take up to ${Math.round(minutes)} min with ${analysis.maxExtensions} extension(s) per step, the final verdict (${final} min) and the bake time, `
      + `but CloudFormation gives up on a stack update after 36 h and refuses ECS deployments planned over ${NATIVE_MAX_SCHEDULE_MINUTES / 60} h. Shorten the bakes.`);
  }
  return plan!;
}

/** Whole minutes, 1 to 60 (the same range as the CodeDeploy engine's; no one-hour hook limit to fit here). */
function validateFinalWindow(scope: Construct, window: Duration): void {
  const seconds = durationIn(scope, 'finalVerdictWindow', window, 'seconds');
  if (Token.isUnresolved(seconds)) invalid(scope, 'finalVerdictWindow', 'cannot come from a token: the schedule\'s limits are checked with it at synth time. Give a literal value.');
  if (!isFinalVerdictWindowInRange(seconds)) {
    invalid(scope, 'finalVerdictWindow', `must be whole minutes between 1 and 60 (got ${window.toHumanString()}).`);
  }
}

/**
 * The strategy through the L1 service: the service is created before this construct sees it.
 * ECS calls the hook at every step; ECS's own step bake is 0 because the hook does the holding.
 */
function applyStrategy(cfn: ecs.CfnService, plan: NativePlan, bakeTime: Duration): void {
  cfn.addPropertyOverride('DeploymentController', { Type: 'ECS' });
  cfn.addPropertyOverride('DeploymentConfiguration.Strategy', plan.strategy);
  cfn.addPropertyOverride('DeploymentConfiguration.BakeTimeInMinutes', bakeTime.toMinutes());
  if (plan.strategy === 'LINEAR') {
    cfn.addPropertyOverride('DeploymentConfiguration.LinearConfiguration', { StepPercent: plan.stepPercent, StepBakeTimeInMinutes: 0 });
  } else if (plan.strategy === 'CANARY') {
    cfn.addPropertyOverride('DeploymentConfiguration.CanaryConfiguration', { CanaryPercent: plan.stepPercent, CanaryBakeTimeInMinutes: 0 });
  }
}
