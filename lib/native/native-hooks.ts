import { Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { decisionsTable, rollbackTopic } from '../private/records-resources';
import { clusterServicesOf } from '../private/grant-patterns';
import { bundledFunction, findOrCreate } from '../private/bundled-function';
import { LAMBDA_TIMEOUT_SECONDS } from '../policy/release-policy';
import { DEFAULT_METRICS_NAMESPACE, ENV } from '../runtime-config';
import { nativeConfigParameterName } from './native-config';

const SINGLETON_ID = 'CdkEcsCanaryNativeHooks';

/** The ECS engine's smoke-test function for the services of one VPC. */
export interface NativeSmokeFunction {
  /** The function. */
  readonly fn: lambda.Function;
  /**
   * Its security group, opened by each service's security groups on the container port.
   * @default none (the function runs outside any VPC)
   */
  readonly sg?: ec2.SecurityGroup;
}

/**
 * The native engine's lifecycle hook function, decision table and notification topic: one per
 * stack, shared by every NativeCanaryDeployment in it. The table has the layout of CanaryHooks'
 * (lambda/shared/records.ts), so the CLI reads native and CodeDeploy records alike.
 */
export class NativeHooks extends Construct {
  public static of(scope: IConstruct): NativeHooks {
    const stack = Stack.of(scope);
    return findOrCreate(stack, SINGLETON_ID, () => new NativeHooks(stack, SINGLETON_ID));
  }

  public readonly table: dynamodb.Table;
  public readonly topic: sns.Topic;
  public readonly function: lambda.Function;
  /** Where the hook publishes the FinalVerdict outcome metric (the namespace CanaryDashboard reads). */
  public readonly metricsNamespace = DEFAULT_METRICS_NAMESPACE;
  private readonly role: iam.Role;
  private readonly smoke = new Map<string, { fn: lambda.Function; role: iam.Role; sg?: ec2.SecurityGroup }>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = decisionsTable(this);
    this.topic = rollbackTopic(this, 'cdk-ecs-canary rollbacks (ECS engine)');
    this.role = new iam.Role(this, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.function = bundledFunction(this, 'Hook', {
      asset: 'native-hook',
      timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS.nativeHook),
      role: this.role,
      description: 'cdk-ecs-canary native-hook',
      environment: {
        [ENV.DECISIONS_TABLE]: this.table.tableName,
        [ENV.NOTIFICATION_TOPIC_ARN]: this.topic.topicArn,
        [ENV.METRICS_NAMESPACE]: this.metricsNamespace,
      },
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [this.table.tableArn],
    }));
    this.topic.grantPublish(this.role);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      // Neither action has resource-level permissions (Service Authorization Reference).
      actions: ['cloudwatch:GetMetricData', 'elasticloadbalancing:DescribeRules'],
      resources: ['*'],
    }));
    // The FinalVerdict metric is an EMF log line (lambda/shared/emf.ts): no cloudwatch:PutMetricData grant.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only cloudwatch:GetMetricData and elasticloadbalancing:DescribeRules, which have no resource-level permissions '
        + '(Service Authorization Reference).',
    });
  }

  /**
   * Grants the hook what it needs for the services of one cluster. Scoped to the cluster, not to
   * the service: the service names the hook function (its lifecycle hook), and the function waits
   * for its role's policy, so a statement naming the service would be a circular dependency.
   */
  public register(clusterName: string): void {
    const stack = Stack.of(this);
    const reason = 'The hook reads the configuration and the service deployments of the services of one cluster: a statement naming '
      + 'the service would be a circular dependency (the service names the hook function, which waits for this policy).';
    const token = grantClusterServices(this.role, clusterName, reason);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeServiceDeployments'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service-deployment', resourceName: `${clusterName}/*` })],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeServiceRevisions'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service-revision', resourceName: `${clusterName}/*` })],
    }));
    Validations.of(this.role).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service-deployment/${token}/*]`, reason },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service-revision/${token}/*]`, reason },
    );
  }

  /**
   * The smoke-test hook function for services in `vpc` (one per VPC): it calls the green tasks
   * directly, so it runs in the VPC with its own security group.
   */
  public smokeFunctionFor(vpc?: ec2.IVpc): NativeSmokeFunction {
    const key = vpc ? Names.nodeUniqueId(vpc.node) : 'NoVpc';
    const existing = this.smoke.get(key);
    if (existing) return existing;
    const id = this.smoke.size === 0 ? 'Smoke' : `Smoke${key}`;
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const sg = vpc ? new ec2.SecurityGroup(this, `${id}SecurityGroup`, { vpc, description: 'cdk-ecs-canary smoke tests (ECS engine): calls the new version directly', allowAllOutbound: true }) : undefined;
    const fn = bundledFunction(this, id, {
      asset: 'native-smoke',
      timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS.nativeSmoke),
      role,
      description: 'cdk-ecs-canary native-smoke',
      environment: { [ENV.DECISIONS_TABLE]: this.table.tableName },
      extra: vpc && sg ? { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [sg] } : {},
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }));
    const unscoped = ['elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth',
      ...(vpc ? ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'] : [])];
    // No resource-level permissions for these (Service Authorization Reference); the ec2 ones are AWSLambdaVPCAccessExecutionRole's.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: unscoped, resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only actions without resource-level permissions: elasticloadbalancing:DescribeRules/DescribeTargetHealth and the ec2 network-interface actions of a function in a VPC.',
    });
    const entry = { fn, role, sg };
    this.smoke.set(key, entry);
    return entry;
  }

  /** Grants a smoke function what it needs for the services of one cluster and their check functions. */
  public registerSmoke(fn: lambda.Function, clusterName: string, checkFunctions: lambda.IFunction[]): void {
    const entry = [...this.smoke.values()].find((e) => e.fn === fn);
    if (!entry) throw new Error('registerSmoke: not a smoke function of this stack');
    grantClusterServices(entry.role, clusterName,
      'The smoke hook reads the configuration and the service deployments of the services of one cluster (a statement naming the service would be a circular dependency).');
    if (checkFunctions.length > 0) {
      entry.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: checkFunctions.map((f) => f.functionArn) }));
    }
  }
}

/**
 * Grants `role` the per-cluster reads both native hooks make (the services' configuration
 * parameters, their service deployments) and acknowledges the two cluster-wide resources for
 * cdk-nag with `reason`. Returns the cluster as it appears in cdk-nag's finding ids (`<LogicalId>`
 * for a cluster of this stack, the name itself for an imported one), for further acknowledgements.
 */
function grantClusterServices(role: iam.Role, clusterName: string, reason: string): string {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ssm:GetParameter'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: nativeConfigParameterName(clusterName, '*').replace(/^\//, '') })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecs:ListServiceDeployments'],
    resources: [clusterServicesOf(stack, clusterName)],
  }));
  const cluster = stack.resolve(clusterName);
  const token = typeof cluster === 'object' && cluster && 'Ref' in cluster ? `<${(cluster as { Ref: string }).Ref}>` : String(cluster);
  Validations.of(role).acknowledge(
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cdk-ecs-canary/ecs/${token}/*]`, reason },
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/${token}/*]`, reason },
  );
  return token;
}
