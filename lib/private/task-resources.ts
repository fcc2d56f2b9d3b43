import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { findOrCreate } from './bundled-function';

/**
 * The task execution role every CanaryFargateService of the stack shares (issue 12: one role, not
 * one role and policy per service). The ECS agent uses it to pull the image and write the
 * container logs; CDK's grants to it (ecr:GetAuthorizationToken, the log group) are identical for
 * every service and deduplicated, so its policy does not grow with the number of services.
 */
export function sharedExecutionRole(scope: IConstruct): iam.IRole {
  const stack = Stack.of(scope);
  return findOrCreate(stack, 'CdkEcsCanaryTaskExecutionRole', () => new iam.Role(stack, 'CdkEcsCanaryTaskExecutionRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'cdk-ecs-canary: task execution role of the CanaryFargateServices in this stack (image pull, container logs)',
  }));
}

/**
 * The container log group every CanaryFargateService of the stack shares, kept a month; each
 * service writes under its own stream prefix (`containerLogStreamPrefix`).
 */
export function sharedContainerLogGroup(scope: IConstruct): logs.ILogGroup {
  const stack = Stack.of(scope);
  return findOrCreate(stack, 'CdkEcsCanaryContainerLogs', () => new logs.LogGroup(stack, 'CdkEcsCanaryContainerLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
  }));
}

/**
 * The awslogs stream prefix of a service in the shared log group: its construct id. Streams are
 * named `<prefix>/<container>/<task id>` (awslogs driver); ':' and '*' are not allowed in a log
 * stream name (CloudWatch Logs), so they become '-'.
 */
export function containerLogStreamPrefix(scope: IConstruct): string {
  return scope.node.id.replace(/[:*]/g, '-');
}
