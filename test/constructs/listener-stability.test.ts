/**
 * A stack update that touches the production listener resets its actions to the template's
 * value and can send production back to the old target group after CodeDeploy swapped them
 * (aws-facts.md, aws/aws-cdk#36649). So an ordinary release (new image) and a change of the
 * canary settings must leave listeners, listener rules and target groups byte-identical.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ExampleStack, ExampleStackProps } from '../../bin/example-stack';
import { CanaryFargateService, CanaryFargateServiceProps, HttpCheck, TrafficSchedule } from '../../lib';
import { resourcesOfType, serializeResources } from '../helpers/template';

const TRAFFIC_TYPES = [
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
];

const exampleTemplate = (props: ExampleStackProps) => Template.fromStack(new ExampleStack(new App(), 'CanaryExample', props));

function serviceTemplate(props: Partial<CanaryFargateServiceProps> & Pick<CanaryFargateServiceProps, 'image'>): Template {
  const stack = new Stack(new App(), 'Svc');
  new CanaryFargateService(stack, 'Api', props);
  return Template.fromStack(stack);
}

const taskDefinitions = (t: Template) => JSON.stringify(resourcesOfType(t, 'AWS::ECS::TaskDefinition'));

describe('the example stack released with a new image', () => {
  let before: Template;
  let after: Template;
  beforeAll(() => {
    before = exampleTemplate({ image: 'public.ecr.aws/nginx/nginx:1.26' });
    after = exampleTemplate({ image: 'public.ecr.aws/nginx/nginx:1.27' });
  });

  test('changes the task definition (the release itself)', () => {
    expect(taskDefinitions(after)).not.toEqual(taskDefinitions(before));
    after.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'app', Image: 'public.ecr.aws/nginx/nginx:1.27' })],
    });
  });

  test('leaves both listeners, the listener rules, the target groups and the load balancer byte-identical', () => {
    before.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    before.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    const stable = serializeResources(before, TRAFFIC_TYPES);
    expect(stable.match(/"AWS::ElasticLoadBalancingV2::(Listener|TargetGroup)"/g)).toHaveLength(4);
    expect(serializeResources(after, TRAFFIC_TYPES)).toEqual(stable);
  });
});

describe('a service whose canary settings change', () => {
  let before: Template;
  let after: Template;
  beforeAll(() => {
    before = serviceTemplate({
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.26'),
    });
    after = serviceTemplate({
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'),
      schedule: TrafficSchedule.steps([
        { percent: 10, bake: Duration.minutes(5) },
        { percent: 30, bake: Duration.minutes(10) },
        { percent: 60, bake: Duration.minutes(20) },
      ]),
      analysis: { maxErrorRatePercent: 0.5, maxP95: Duration.millis(700), minRequests: 200 },
      alarms: { breachMinutes: 1, evaluationMinutes: 2 },
      smokeTests: [HttpCheck.get('/health')],
      terminationWaitTime: Duration.minutes(15),
    });
  });

  test('changes the task definition, the deployment config, the alarms and the runtime configuration', () => {
    expect(taskDefinitions(after)).not.toEqual(taskDefinitions(before));
    for (const type of ['AWS::CodeDeploy::DeploymentConfig', 'AWS::CloudWatch::Alarm', 'AWS::SSM::Parameter', 'AWS::CodeDeploy::DeploymentGroup']) {
      expect([type, JSON.stringify(resourcesOfType(after, type))]).not.toEqual([type, JSON.stringify(resourcesOfType(before, type))]);
    }
  });

  test('leaves both listeners, the listener rules, the target groups and the load balancer byte-identical', () => {
    before.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    before.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    const stable = serializeResources(before, TRAFFIC_TYPES);
    expect(stable.match(/"AWS::ElasticLoadBalancingV2::(Listener|TargetGroup)"/g)).toHaveLength(4);
    expect(serializeResources(after, TRAFFIC_TYPES)).toEqual(stable);
  });
});
