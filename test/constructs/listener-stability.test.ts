/**
 * A stack update that touches the production listener resets its actions to the template's
 * value and can send production back to the old target group after CodeDeploy swapped them
 * (aws-facts.md, aws/aws-cdk#36649). So an ordinary release (new image) and a change of the
 * canary settings must leave listeners, listener rules and target groups byte-identical.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ExampleStack, ExampleStackProps } from '../../bin/example-stack';
import { CanaryFargateService, CanaryFargateServiceProps, HttpCheck, TrafficSchedule } from '../../lib';
import { logicalId, resourcesOfType, serializeResources } from '../helpers/template';

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

/**
 * CloudFormation re-applies a listener's DefaultActions whenever it updates the listener, so a
 * certificate rotation or a port change would reset a forward held there. The production forward
 * lives in a catch-all listener rule whose template never changes; the listener's own default
 * action (a forward to blue, CodeDeploy's documented shape) is never reached while the rule exists.
 */
describe('stack updates that touch the production listener', () => {
  const certA = 'arn:aws:acm:eu-west-1:111111111111:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333';
  const certB = 'arn:aws:acm:eu-west-1:111111111111:certificate/0f1e2d3c-dddd-eeee-ffff-444455556666';
  const RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';
  const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';

  interface Built { template: Template; svc: CanaryFargateService; stack: Stack }
  function build(extra: (stack: Stack) => Partial<CanaryFargateServiceProps> = () => ({}), after?: (svc: CanaryFargateService) => void): Built {
    const stack = new Stack(new App(), 'Svc');
    const svc = new CanaryFargateService(stack, 'Api', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.26'),
      ...extra(stack),
    });
    after?.(svc);
    return { template: Template.fromStack(stack), svc, stack };
  }
  const withCert = (arn: string) => (stack: Stack) => ({ certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', arn) });
  /** The production listener's resource. */
  const productionListener = (b: Built) => resourcesOfType(b.template, LISTENER)[logicalId(b.svc.listener)];
  /** Every listener rule that forwards to one of the service's target groups, serialized. */
  const forwardRules = (b: Built) => {
    const tgs = b.svc.targetGroups.map(logicalId);
    const rules = Object.entries(resourcesOfType(b.template, RULE))
      .filter(([, r]) => JSON.stringify(r.Properties!.Actions).match(new RegExp(tgs.join('|'))));
    return JSON.stringify(rules);
  };

  test('the production listener forwards through a catch-all rule, evaluated before its default action', () => {
    const b = build();
    expect(productionListener(b).Properties!.DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { Ref: logicalId(b.svc.targetGroups[0]) } },
    ]);
    b.template.hasResourceProperties(RULE, {
      ListenerArn: { Ref: logicalId(b.svc.listener) },
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(b.svc.targetGroups[0]) } }],
    });
    expect(logicalId(b.svc.productionRule)).toBe(Object.keys(resourcesOfType(b.template, RULE))[0]);
  });

  test.each([
    ['a certificate rotation', withCert(certA), withCert(certB)],
    ['HTTP to HTTPS', () => ({}), withCert(certA)],
    ['a production port change', () => ({ listenerPort: 80 }), () => ({ listenerPort: 8080 })],
    ['a test listener port change', () => ({ testListenerPort: 9000 }), () => ({ testListenerPort: 9001 })],
  ] as const)('%s updates the listener but leaves the forwarding rule byte-identical', (_name, before, after) => {
    const b = build(before);
    const a = build(after);
    const listenersChanged = serializeResources(a.template, [LISTENER]) !== serializeResources(b.template, [LISTENER]);
    expect(listenersChanged).toBe(true);
    expect(forwardRules(b)).toMatch(/ProductionRoute/);
    expect(forwardRules(a)).toEqual(forwardRules(b));
    // What an update resets is the default action, which the catch-all rule shadows.
    expect(productionListener(a).Properties!.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: logicalId(a.svc.targetGroups[0]) } }]);
  });

  test('a rule the user adds to the listener is a new resource and leaves the forwarding rule byte-identical', () => {
    const b = build();
    const a = build(() => ({}), (svc) => svc.listener.addAction('Maintenance', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/maintenance'])],
      action: elbv2.ListenerAction.fixedResponse(503, { contentType: 'text/plain', messageBody: 'maintenance' }),
    }));
    a.template.resourceCountIs(RULE, 2);
    expect(forwardRules(a)).toEqual(forwardRules(b));
    expect(serializeResources(a.template, [LISTENER])).toEqual(serializeResources(b.template, [LISTENER]));
  });
});
