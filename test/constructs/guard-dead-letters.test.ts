/**
 * The guard's asynchronous retries are bounded, and a guard invocation that failed them all
 * lands in an encrypted, TLS-only dead-letter queue whose alarm makes a lost restore visible.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CanaryDeployment, CanaryHooks } from '../../lib';
import { buildExistingService, buildNetwork, newStack } from '../helpers/fixtures';
import { logicalId } from '../helpers/template';

function stackWithCanary() {
  const stack = newStack();
  const network = buildNetwork(stack);
  const svc = buildExistingService(stack, 'Svc', { network });
  new CanaryDeployment(stack, 'Canary', {
    service: svc.service, containerName: svc.container.containerName, containerPort: 8080,
    listener: svc.listener, testListener: svc.testListener, blueTargetGroup: svc.blue, greenTargetGroup: svc.green,
  });
  const hooks = CanaryHooks.of(stack);
  return { stack, hooks, template: Template.fromStack(stack) };
}

describe('guard dead letters', () => {
  const { hooks, template } = stackWithCanary();
  const guardId = logicalId(hooks.guard);
  const queueId = logicalId(hooks.guardDeadLetterQueue);

  test('the guard retries twice within an hour, then sends the event to the queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: guardId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  test('the queue is encrypted (SSE-SQS) and refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('the guard role may only send messages to it', () => {
    const roleId = (template.toJSON().Resources[guardId].Properties.Role['Fn::GetAtt'] as string[])[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }]),
      },
    });
  });

  test('events the rule could not deliver land in the same queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [guardId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
      })],
    });
  });

  test('an alarm fires as soon as one message is visible', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});
