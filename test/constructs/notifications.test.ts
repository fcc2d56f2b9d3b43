import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ExampleStack } from '../../bin/example-stack';

describe('rollback notifications', () => {
  const stack = new ExampleStack(new App(), 'Notify');
  const template = Template.fromStack(stack);

  test('one encrypted, SSL-only topic per stack, exposed on the service', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(stack.api.topic).toBe(stack.api.deployment.hooks.topic);
  });

  test('the guard knows the topic and may publish to it only', () => {
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-ecs-canary guard',
      Environment: { Variables: Match.objectLike({ CANARY_NOTIFICATION_TOPIC_ARN: { Ref: topicId } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: topicId } }]) },
    });
  });
});
