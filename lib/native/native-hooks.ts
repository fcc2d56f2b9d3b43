import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { bundledFunction, findOrCreate } from '../private/bundled-function';
import { ENV } from '../runtime-config';
import { nativeConfigParameterName } from './native-config';

const SINGLETON_ID = 'CdkEcsCanaryNativeHooks';

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
  private readonly role: iam.Role;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Decisions', {
      partitionKey: { name: 'deploymentId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: 'cdk-ecs-canary rollbacks (ECS engine)',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    this.role = new iam.Role(this, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.function = bundledFunction(this, 'Hook', {
      asset: 'native-hook',
      timeout: Duration.minutes(1),
      role: this.role,
      description: 'cdk-ecs-canary native-hook',
      environment: { [ENV.DECISIONS_TABLE]: this.table.tableName, [ENV.NOTIFICATION_TOPIC_ARN]: this.topic.topicArn },
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
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only cloudwatch:GetMetricData and elasticloadbalancing:DescribeRules, which have no resource-level permissions (Service Authorization Reference).',
    });
  }

  /**
   * Grants the hook what it needs for the services of one cluster. Scoped to the cluster, not to
   * the service: the service names the hook function (its lifecycle hook), and the function waits
   * for its role's policy, so a statement naming the service would be a circular dependency.
   */
  public register(clusterName: string): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: nativeConfigParameterName(clusterName, '*').replace(/^\//, '') })],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:ListServiceDeployments'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${clusterName}/*` })],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeServiceDeployments'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service-deployment', resourceName: `${clusterName}/*` })],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeServiceRevisions'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service-revision', resourceName: `${clusterName}/*` })],
    }));
    const cluster = Stack.of(this).resolve(clusterName);
    const token = typeof cluster === 'object' && cluster && 'Ref' in cluster ? `<${(cluster as { Ref: string }).Ref}>` : String(cluster);
    const reason = 'The hook reads the configuration and the service deployments of the services of one cluster: a statement naming '
      + 'the service would be a circular dependency (the service names the hook function, which waits for this policy).';
    Validations.of(this.role).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cdk-ecs-canary/ecs/${token}/*]`, reason },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/${token}/*]`, reason },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service-deployment/${token}/*]`, reason },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service-revision/${token}/*]`, reason },
    );
  }
}
