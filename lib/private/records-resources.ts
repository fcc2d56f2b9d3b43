import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The decision-record table (lambda/shared/records.ts layout): records and state kept 90 days
 * (TTL attribute `expiresAt`), kept when the stack goes, since they answer "why did it roll back?".
 * One layout for both engines, so the CLI reads their records alike.
 */
export function decisionsTable(scope: Construct, id = 'Decisions'): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'deploymentId', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The topic told of every rollback with its reason: TLS only, encrypted with the AWS managed key for SNS. */
export function rollbackTopic(scope: Construct, displayName: string, id = 'Notifications'): sns.Topic {
  return new sns.Topic(scope, id, {
    displayName,
    enforceSSL: true,
    masterKey: kms.Alias.fromAliasName(scope, 'SnsKey', 'alias/aws/sns'),
  });
}
