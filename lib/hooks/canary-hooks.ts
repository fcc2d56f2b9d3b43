import { ArnFormat, CfnElement, Duration, Lazy, Names, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct, IConstruct } from 'constructs';
import { CODEDEPLOY_HOOK_LIMIT_SECONDS, DEFAULT_METRICS_NAMESPACE, ENV, HOOK_MARGIN_SECONDS } from '../runtime-config';
import { LAMBDA_TIMEOUT_SECONDS } from '../policy/release-policy';
import { applicationListenersAndRules, clusterServicesOf, configParametersOf, deploymentGroupsOf, listenerRulesArn, listenersOf, OnceGrants } from '../private/grant-patterns';
import { listenerTagsEnabled, TRAFFIC_TAG_KEY, TrafficTags } from '../private/traffic-tags';
import { RollbackAlarms } from '../alarms/rollback-alarms';
import { BundledFunction } from '../private/assets';
import { decisionsTable, rollbackTopic } from '../private/records-resources';
import { bundledFunction, canaryLogGroup, findOrCreate } from '../private/bundled-function';
import { FINAL_VERDICT_LOOP, phaseChoice, STEPPER_LOOP, timerLoop } from './final-verdict-states';
import { checkStackLimits } from '../private/stack-limits';

/** Everything the shared functions need to be allowed to touch for one canary service. */
export interface HookTarget {
  /** CodeDeploy application and deployment group names (for the guard rule). */
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** ARN of the deployment group: GetDeployment, PutLifecycleEventHookExecutionStatus, ListDeployments. */
  readonly deploymentGroupArn: string;
  /** ARN of the SSM parameter holding the group's runtime configuration. */
  readonly configParameterArn: string;
  /** ARN of the ECS service. */
  readonly serviceArn: string;
  /** Name of the service's cluster: DescribeServices is granted on the cluster's services. */
  readonly clusterName: string;
  /** The production listener the stepper and the guard weight. */
  readonly productionListenerArn: string;
  /**
   * The production listener's load balancer. For one this stack creates, its listeners and their
   * rules carry the stack's traffic tag (TrafficTags), and the stepper and the guard get one grant
   * on listeners and rules with that tag, however many such load balancers and services there are.
   * @default grants on the production listener and its rules only
   */
  readonly productionLoadBalancer?: elbv2.IApplicationLoadBalancer;
  /**
   * The user's own alarms the preflight reads besides the rollback alarms (which the functions
   * read by the stack's alarm-name prefix, RollbackAlarms.namePrefix).
   */
  readonly additionalAlarms: cloudwatch.IAlarm[];
  /**
   * The VPC the service runs in: the smoke-test function runs there to reach green targets.
   * @default none (the smoke-test function runs outside any VPC)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Security groups of the service: opened to the smoke-test function on the container port.
   * @default none opened
   */
  readonly serviceConnections?: ec2.Connections;
  /**
   * Whether the smoke-test function calls the service's tasks directly (HTTP checks without a test
   * base URL); only then is the service's security group opened to it.
   * @default true
   */
  readonly smokeReachesTasks?: boolean;
  readonly containerPort: number;
  /** Users' own check functions the smoke-test hook invokes. */
  readonly checkFunctions: lambda.IFunction[];
}

/** The hook functions a deployment's AppSpec names. */
export interface AppSpecHookFunctions {
  readonly beforeInstall: lambda.IFunction;
  readonly afterInstall: lambda.IFunction;
  readonly afterAllowTestTraffic: lambda.IFunction;
  readonly beforeAllowTraffic: lambda.IFunction;
  readonly afterAllowTraffic: lambda.IFunction;
}

const SINGLETON_ID = 'CdkEcsCanaryHooks';

/**
 * The Lambda hooks, the traffic stepper, the guard and the decision-record table, created once
 * per stack and shared by every canary service in it (30 services do not mean 150 functions).
 * Per-service settings reach the functions through each deployment group's SSM configuration;
 * per-service permissions are added by `register()`, scoped to that service's resources.
 */
export class CanaryHooks extends Construct {
  /** The stack's shared instance, created on first use. */
  public static of(scope: IConstruct): CanaryHooks {
    const stack = Stack.of(scope);
    return findOrCreate(stack, SINGLETON_ID, () => new CanaryHooks(stack, SINGLETON_ID));
  }

  /** Decision records and stepper state, kept 90 days (TTL attribute `expiresAt`). */
  public readonly table: dynamodb.Table;
  public readonly beforeInstall: lambda.Function;
  public readonly afterInstall: lambda.Function;
  public readonly beforeAllowTraffic: lambda.Function;
  public readonly afterAllowTraffic: lambda.Function;
  /** Runs every decision of the traffic stepper; the state machine is only its timer. */
  public readonly stepper: lambda.Function;
  public readonly stateMachine: sfn.StateMachine;
  /** Puts production back on the stable target group when a deployment fails or is stopped. */
  public readonly guard: lambda.Function;
  public readonly guardRule: events.Rule;
  /**
   * Guard invocations that failed every retry (or outlived the event age) land here, with the
   * event and the error: a restore that never happened. Watched by `guardDeadLetterAlarm`.
   */
  public readonly guardDeadLetterQueue: sqs.Queue;
  /** In ALARM while a failed guard invocation waits in the dead-letter queue. */
  public readonly guardDeadLetterAlarm: cloudwatch.Alarm;
  /** The CloudWatch namespace of the outcome metrics. */
  public readonly metricsNamespace = DEFAULT_METRICS_NAMESPACE;
  /**
   * Told of every failed or stopped canary deployment of the stack, with the reason and where
   * production is now. Subscribe your email, chat or pager to it.
   */
  public readonly topic: sns.Topic;

  private readonly applicationNames: string[] = [];
  private readonly smokeFunctions = new Map<string, { fn: lambda.Function; sg?: ec2.SecurityGroup }>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    // A stack with many canary services meets CloudFormation's and IAM's limits only at deploy
    // time: warn at synth, naming the limit, from 80 % of it.
    checkStackLimits(this);

    this.table = decisionsTable(this);

    this.beforeInstall = this.makeFunction('BeforeInstall', 'before-install', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.beforeInstall));
    // AfterInstall waits for the replacement task set; Lambda's 15 min maximum bounds the wait.
    this.afterInstall = this.makeFunction('AfterInstall', 'after-install', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.afterInstall));
    this.beforeAllowTraffic = this.makeFunction('BeforeAllowTraffic', 'before-allow-traffic', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.beforeAllowTraffic));
    this.afterAllowTraffic = this.makeFunction('AfterAllowTraffic', 'after-allow-traffic', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.afterAllowTraffic));
    this.stepper = this.makeFunction('Stepper', 'stepper', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.stepper));
    this.guard = this.makeFunction('Guard', 'guard', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.guard));

    this.topic = rollbackTopic(this, 'cdk-ecs-canary rollbacks');
    this.topic.grantPublish(this.guard);
    this.guard.addEnvironment(ENV.NOTIFICATION_TOPIC_ARN, this.topic.topicArn);

    this.stateMachine = this.makeStateMachine();
    this.beforeAllowTraffic.addEnvironment(ENV.STEPPER_STATE_MACHINE_ARN, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(this.beforeAllowTraffic);
    // AfterAllowTraffic starts the final verdict on the same state machine; the stepper judges it.
    this.afterAllowTraffic.addEnvironment(ENV.STEPPER_STATE_MACHINE_ARN, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(this.afterAllowTraffic);

    // BatchGetItem/BatchWriteItem: the stepper reads state + control and writes decision + state in one call each.
    this.table.grant(this.stepper, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem');
    this.table.grant(this.guard, 'dynamodb:GetItem', 'dynamodb:PutItem');
    // Outcome metrics are EMF log lines (lambda/shared/emf.ts): no cloudwatch:PutMetricData grant.
    // Read-only calls without resource-level permissions (Service Authorization Reference):
    // cloudwatch:GetMetricData, elasticloadbalancing:Describe*, ecs:DescribeTaskDefinition.
    this.grantUnscoped(this.beforeInstall, 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeListeners', 'ecs:DescribeTaskDefinition');
    this.grantUnscoped(this.afterInstall, 'elasticloadbalancing:DescribeTargetHealth');
    this.grantUnscoped(this.stepper, 'elasticloadbalancing:DescribeListeners', 'cloudwatch:GetMetricData');
    this.grantUnscoped(this.guard, 'elasticloadbalancing:DescribeListeners');
    // Shared load balancers: the listener's rules are read wherever its weights are
    // (DescribeRules has no resource-level permission).
    for (const fn of [this.beforeInstall, this.stepper, this.guard]) {
      this.grantUnscoped(fn, 'elasticloadbalancing:DescribeRules');
    }
    // BeforeInstall records blue for the guard, for every schedule.
    this.table.grant(this.beforeInstall, 'dynamodb:PutItem');

    // Bounded retries: a late restore could undo a newer release (the guard also checks that),
    // and a lost one must be visible rather than silent.
    this.guardDeadLetterQueue = new sqs.Queue(this, 'GuardDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.guardDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the guard function; a queue of failures needs no DLQ of its own.',
    });
    this.guard.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      // [inference] Lambda sends the failed event with the function's role: sqs:SendMessage only (the
      // stock SqsDestination also grants GetQueueAttributes/GetQueueUrl, which nothing calls).
      onFailure: {
        bind: (_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig => {
          this.guardDeadLetterQueue.grant(fn, 'sqs:SendMessage');
          return { destination: this.guardDeadLetterQueue.queueArn };
        },
      },
    });
    this.guardDeadLetterAlarm = new cloudwatch.Alarm(this, 'GuardDeadLettersAlarm', {
      alarmDescription: 'cdk-ecs-canary: a guard invocation failed every retry; production may not be back on the stable version. Read the message in the queue.',
      metric: this.guardDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.guardRule = new events.Rule(this, 'GuardRule', {
      description: 'cdk-ecs-canary: put production back on the stable version when a canary deployment fails or stops',
      eventPattern: {
        source: ['aws.codedeploy'],
        detailType: ['CodeDeploy Deployment State-change Notification'],
        detail: {
          state: ['FAILURE', 'STOP', 'SUCCESS'],
          // Filled as services register; resolved at synth time.
          application: Lazy.list({ produce: () => this.applicationNames }),
        },
      },
      targets: [new targets.LambdaFunction(this.guard, { retryAttempts: 4, maxEventAge: Duration.hours(1), deadLetterQueue: this.guardDeadLetterQueue })],
    });
  }

  /** The smoke-test hook function for a VPC (one per VPC in the stack, usually one). */
  public afterAllowTestTrafficFor(vpc?: ec2.IVpc): lambda.Function {
    const key = vpc ? Names.nodeUniqueId(vpc.node) : 'NoVpc';
    const existing = this.smokeFunctions.get(key);
    if (existing) return existing.fn;
    const first = this.smokeFunctions.size === 0;
    const id = first ? 'AfterAllowTestTraffic' : `AfterAllowTestTraffic${key}`;
    const sg = vpc
      ? new ec2.SecurityGroup(this, `${id}SecurityGroup`, {
        vpc,
        description: 'cdk-ecs-canary smoke tests: calls the new version directly',
        allowAllOutbound: true,
      })
      : undefined;
    const fn = this.makeFunction(id, 'after-allow-test-traffic', Duration.seconds(LAMBDA_TIMEOUT_SECONDS.afterAllowTestTraffic), vpc && sg ? {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [sg],
    } : {});
    this.grantUnscoped(fn, 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeListeners');
    this.grantUnscoped(fn, 'elasticloadbalancing:DescribeRules');
    if (vpc) {
      // ENI management for a function in a VPC has no resource-level permissions.
      // The same actions as AWSLambdaVPCAccessExecutionRole.
      this.grantUnscoped(fn, 'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses');
    }
    this.smokeFunctions.set(key, { fn, sg });
    return fn;
  }

  /** The functions to name in an AppSpec's Hooks for a service in `vpc`. */
  public appSpecHooks(vpc?: ec2.IVpc): AppSpecHookFunctions {
    return {
      beforeInstall: this.beforeInstall,
      afterInstall: this.afterInstall,
      afterAllowTestTraffic: this.afterAllowTestTrafficFor(vpc),
      beforeAllowTraffic: this.beforeAllowTraffic,
      afterAllowTraffic: this.afterAllowTraffic,
    };
  }

  /**
   * Grants the shared functions what they need for one more service. The grants are resource
   * patterns that many services share (the stack's CodeDeploy application, its configuration
   * parameters, a cluster's services, a listener's rules, the stack's canary alarms), each added
   * once: the roles' policies do not grow with the number of services, so 30 services stay far
   * under IAM's 10,240 characters per role (issue 12), and every grant still names only this
   * stack's canary resources.
   */
  public register(target: HookTarget): void {
    if (!this.applicationNames.includes(target.applicationName)) this.applicationNames.push(target.applicationName);
    const stack = Stack.of(this);
    const smoke = this.afterAllowTestTrafficFor(target.vpc);
    const all = [this.beforeInstall, this.afterInstall, smoke, this.beforeAllowTraffic, this.afterAllowTraffic, this.stepper, this.guard];
    const hooksThatReport = [this.beforeInstall, this.afterInstall, smoke, this.beforeAllowTraffic, this.afterAllowTraffic, this.stepper];
    const groups = deploymentGroupsOf(stack, target.applicationName);
    const parameters = configParametersOf(stack, target.applicationName);
    const services = clusterServicesOf(stack, target.clusterName);

    const why = {
      groups: 'The deployment groups of this stack\'s CodeDeploy application only: one pattern for every canary service of the stack.',
      parameters: 'The runtime configuration parameters of this stack\'s CodeDeploy application only (/cdk-ecs-canary/<application>/*).',
      services: 'The services of the canary service\'s cluster (read only): one pattern per cluster, not per service.',
      rules: 'elasticloadbalancing:ModifyRule on the rules of the production listener only: the service\'s rule ids are not known at synth time (shared load balancers route it by a listener rule).',
      alarms: 'cloudwatch:DescribeAlarms (read only) on this stack\'s canary alarms, which share one name prefix.',
      lbListenersByArn: 'The listeners (and their rules) of a load balancer this stack creates for its canary services: one pattern per load balancer, not per service.',
      lbListeners: `Application Load Balancer listeners and rules tagged ${TRAFFIC_TAG_KEY}=<this stack's name> only (the listeners of the load balancers `
        + 'this stack creates for its canary services, and their rules): one statement for every load balancer and service.',
    };
    for (const fn of all) {
      this.grantPattern(fn, ['codedeploy:GetDeployment'], groups, why.groups);
      this.grantPattern(fn, ['ssm:GetParameter'], parameters, why.parameters);
    }
    for (const fn of hooksThatReport) this.grantPattern(fn, ['codedeploy:PutLifecycleEventHookExecutionStatus'], groups, why.groups);
    // BeforeInstall looks for a concurrent deployment; the guard leaves the listener alone while a
    // newer deployment of the group is in flight.
    for (const fn of [this.beforeInstall, this.guard]) this.grantPattern(fn, ['codedeploy:ListDeployments'], groups, why.groups);
    for (const fn of [this.beforeInstall, this.afterInstall, smoke, this.stepper, this.guard]) {
      this.grantPattern(fn, ['ecs:DescribeServices'], services, why.services);
    }
    const lb = ownLoadBalancer(stack, target.productionLoadBalancer);
    // A load balancer of this stack: ModifyListener and ModifyRule in one statement on its listeners
    // and their rules, by the stack's traffic tag (one statement for every load balancer and
    // service), or, with listener tags turned off (LISTENER_TAGS_CONTEXT), one pattern per load balancer.
    const lbGrant = !lb ? undefined : listenerTagsEnabled(this)
      ? { resource: applicationListenersAndRules(stack), reason: why.lbListeners, conditions: TrafficTags.of(stack).add(lb, target.productionListenerArn) }
      : { resource: listenersOf(stack, lb.loadBalancerFullName), reason: why.lbListenersByArn, conditions: undefined };
    for (const fn of [this.stepper, this.guard]) {
      if (lbGrant) {
        this.grants.grant(fn.role!, ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'], lbGrant.resource, lbGrant.reason, lbGrant.conditions);
        continue;
      }
      this.grantOnce(fn, ['elasticloadbalancing:ModifyListener'], target.productionListenerArn);
      // Rules of the production listener only (the service's own rule is among them).
      this.grantPattern(fn, ['elasticloadbalancing:ModifyRule'], listenerRulesArn(target.productionListenerArn), why.rules);
    }
    // The preflight reads the rollback alarms: ours by the stack's alarm-name prefix, the user's one by one.
    const ownAlarms = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${RollbackAlarms.namePrefix(this)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.grantPattern(this.beforeInstall, ['cloudwatch:DescribeAlarms'], ownAlarms, why.alarms);
    for (const alarm of target.additionalAlarms) this.grantOnce(this.beforeInstall, ['cloudwatch:DescribeAlarms'], alarm.alarmArn);
    for (const check of target.checkFunctions) check.grantInvoke(smoke);

    const sg = this.smokeFunctions.get(target.vpc ? Names.nodeUniqueId(target.vpc.node) : 'NoVpc')?.sg;
    // No ingress rule for a service whose smoke tests never call its tasks: one resource less each.
    if (sg && target.serviceConnections && target.smokeReachesTasks !== false) {
      target.serviceConnections.allowFrom(sg, ec2.Port.tcp(target.containerPort), 'cdk-ecs-canary smoke tests reach the new version directly');
    }
  }

  private makeFunction(id: string, asset: BundledFunction, timeout: Duration, extra: Partial<lambda.FunctionProps> = {}): lambda.Function {
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only for actions without resource-level permissions (Service Authorization Reference): '
        + 'cloudwatch:GetMetricData, '
        + 'elasticloadbalancing:DescribeListeners/DescribeTargetHealth, ecs:DescribeTaskDefinition and the ec2 network-interface '
        + 'actions of a function in a VPC. Every mutating call is scoped to the registered resources.',
    });
    return bundledFunction(this, id, {
      asset,
      timeout,
      role,
      description: `cdk-ecs-canary ${asset}`,
      environment: {
        [ENV.DECISIONS_TABLE]: this.table.tableName,
        [ENV.METRICS_NAMESPACE]: this.metricsNamespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      extra,
    });
  }


  /** Each grant once per role: the functions are shared, their grants must not grow with the services. */
  private readonly grants = new OnceGrants();

  private grantOnce(fn: lambda.Function, actions: string[], resource: string): void {
    this.grants.grant(fn.role!, actions, resource);
  }

  /** grantOnce for a resource pattern (a `*` in it), with cdk-nag's IAM5 finding acknowledged once per role. */
  private grantPattern(fn: lambda.Function, actions: string[], pattern: string, reason: string): void {
    this.grants.grant(fn.role!, actions, pattern, reason);
  }

  private grantUnscoped(fn: lambda.Function, ...actions: string[]): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
  }

  private makeStateMachine(): sfn.StateMachine {
    const ids = {
      deploymentId: sfn.JsonPath.stringAt('$.deploymentId'),
      lifecycleEventHookExecutionId: sfn.JsonPath.stringAt('$.lifecycleEventHookExecutionId'),
    };
    const invoke = (id: string, payload: Record<string, unknown>) => new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.stepper,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });

    const failed = new sfn.Fail(this, 'RolledBack', { error: 'CanaryFailed', cause: 'The stepper restored production to the stable version and reported Failed' });
    const steps = timerLoop(this, invoke, ids, failed, STEPPER_LOOP);
    const finalVerdict = timerLoop(this, invoke, ids, failed, FINAL_VERDICT_LOOP);

    const logGroup = canaryLogGroup(this, 'StepperStateMachineLogs');
    const machine = new sfn.StateMachine(this, 'StepperStateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(phaseChoice(this, finalVerdict, steps)),
      // The hook fails after 1 hour anyway; ending a little earlier lets CodeDeploy's
      // rollback and the guard take over.
      timeout: Duration.seconds(CODEDEPLOY_HOOK_LIMIT_SECONDS - HOOK_MARGIN_SECONDS.stateMachine),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const stepperId = Stack.of(this).getLogicalId(this.stepper.node.defaultChild as CfnElement);
    Validations.of(machine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Generated by aws-cdk-lib: X-Ray tracing and CloudWatch Logs delivery, which have no resource-level permissions.',
    }, {
      id: `AwsSolutions-IAM5[Resource::<${stepperId}.Arn>:*]`,
      reason: 'Generated by aws-cdk-lib: lambda:InvokeFunction on the stepper function\'s versions and aliases only.',
    });
    return machine;
  }
}

/** `lb` when this stack creates it (its LoadBalancerFullName is known to CloudFormation), else undefined. */
function ownLoadBalancer(stack: Stack, lb?: elbv2.IApplicationLoadBalancer): elbv2.ApplicationLoadBalancer | undefined {
  return lb instanceof elbv2.ApplicationLoadBalancer && Stack.of(lb) === stack ? lb : undefined;
}
