/**
 * A service routed by a listener rule on a shared ALB (path conditions), not by the listener's
 * default action: CanaryDeployment accepts it, names the shared listener and the pair in the
 * deployment group and the runtime configuration, and lets the stepper and the guard modify
 * that listener's rules (and no other listener's).
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment, CanaryHooks } from '../../lib';
import { buildNetwork, newStack } from '../helpers/fixtures';
import { flatten, functionRoleId, logicalId, mayChangeListener, parseJoinedJson, resourcesOfType } from '../helpers/template';

interface RoutedService {
  service: ecs.FargateService;
  blue: elbv2.ApplicationTargetGroup;
  green: elbv2.ApplicationTargetGroup;
  canary: CanaryDeployment;
}

function sharedAlb(): { stack: Stack; template: Template; listener: elbv2.ApplicationListener; api: RoutedService; web: RoutedService } {
  const stack = newStack();
  const { vpc, cluster } = buildNetwork(stack);
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'SharedAlb', { vpc, internetFacing: true });
  // The default action belongs to nobody's canary: a 404 for unknown paths.
  const listener = alb.addListener('Prod', {
    port: 80,
    protocol: elbv2.ApplicationProtocol.HTTP,
    defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'not found' }),
  });
  const testListener = alb.addListener('Test', {
    port: 9000,
    protocol: elbv2.ApplicationProtocol.HTTP,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
    open: false,
  });

  const routed = (name: string, path: string, priority: number): RoutedService => {
    const tg = (color: string) => new elbv2.ApplicationTargetGroup(stack, `${name}${color}`, {
      vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP, healthCheck: { path: '/health' },
    });
    const blue = tg('Blue');
    const green = tg('Green');
    new elbv2.ApplicationListenerRule(stack, `${name}ProdRule`, {
      listener, priority, conditions: [elbv2.ListenerCondition.pathPatterns([path])], action: elbv2.ListenerAction.forward([blue]),
    });
    new elbv2.ApplicationListenerRule(stack, `${name}TestRule`, {
      listener: testListener, priority, conditions: [elbv2.ListenerCondition.pathPatterns([path])], action: elbv2.ListenerAction.forward([green]),
    });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, `${name}TaskDef`, { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), portMappings: [{ containerPort: 8080 }] });
    const service = new ecs.FargateService(stack, `${name}Service`, {
      cluster, taskDefinition, desiredCount: 2, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
    });
    service.attachToApplicationTargetGroup(blue);
    const canary = new CanaryDeployment(stack, `${name}Canary`, {
      service, containerName: 'web', containerPort: 8080, listener, testListener, blueTargetGroup: blue, greenTargetGroup: green,
    });
    return { service, blue, green, canary };
  };
  const api = routed('Api', '/api/*', 10);
  const web = routed('Web', '/web/*', 20);
  return { stack, template: Template.fromStack(stack), listener, api, web };
}

describe('a service routed by a listener rule on a shared listener', () => {
  const t = sharedAlb();
  const listenerId = logicalId(t.listener);

  test('each deployment group names the shared production listener and its own pair', () => {
    for (const s of [t.api, t.web]) {
      t.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        BlueGreenDeploymentConfiguration: Match.anyValue(),
        LoadBalancerInfo: {
          TargetGroupPairInfoList: [{
            ProdTrafficRoute: { ListenerArns: [{ Ref: listenerId }] },
            TargetGroups: [
              { Name: { 'Fn::GetAtt': [logicalId(s.blue), 'TargetGroupName'] } },
              { Name: { 'Fn::GetAtt': [logicalId(s.green), 'TargetGroupName'] } },
            ],
            TestTrafficRoute: Match.anyValue(),
          }],
        },
      });
    }
  });

  test('the runtime configuration carries the shared listener and the pair (what the stepper looks for among the rules)', () => {
    const configs = Object.values(resourcesOfType(t.template, 'AWS::SSM::Parameter'))
      .map((p) => parseJoinedJson(p.Properties!.Value));
    expect(configs).toHaveLength(2);
    for (const c of configs) expect(c.productionListenerArn).toBe(`<<Ref:${listenerId}>>`);
    expect(configs.map((c) => c.targetGroupArns).sort()).toEqual([
      [`<<Ref:${logicalId(t.api.blue)}>>`, `<<Ref:${logicalId(t.api.green)}>>`],
      [`<<Ref:${logicalId(t.web.blue)}>>`, `<<Ref:${logicalId(t.web.green)}>>`],
    ].sort());
  });

  test('stepper and guard may modify the listeners and rules of that (stack-owned) load balancer, in one statement each conditioned on its traffic tag, and read rules', () => {
    const policies = Object.values(resourcesOfType(t.template, 'AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[]);
    const modifyRule = statements.filter((s) => [s.Action].flat().includes('elasticloadbalancing:ModifyRule'));
    // Stepper and guard (the second service's identical statement is merged into the same policy).
    expect(modifyRule).toHaveLength(2);
    for (const s of modifyRule) {
      expect([s.Action].flat().sort()).toEqual(['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule']);
      expect(flatten(s.Resource)).toBe('arn:<<Ref:AWS::Partition>>:elasticloadbalancing:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:listener*/app/*');
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cdk-ecs-canary:traffic': t.stack.stackName } });
    }
    expect(statements.filter((s) => [s.Action].flat().includes('elasticloadbalancing:ModifyListener'))).toHaveLength(2);
    expect(statements.some((s) => [s.Action].flat().includes('elasticloadbalancing:DescribeRules') && s.Resource === '*')).toBe(true);
  });

  test('the rules the services are routed by, declared outside the load balancer, carry the tag: the stepper and the guard may change them and the listener', () => {
    const hooks = CanaryHooks.of(t.stack);
    const roles = [hooks.stepper, hooks.guard].map((fn) => functionRoleId(t.template, logicalId(fn)));
    const rules = Object.entries(resourcesOfType(t.template, 'AWS::ElasticLoadBalancingV2::ListenerRule'))
      .filter(([, r]) => JSON.stringify(r.Properties!.ListenerArn) === JSON.stringify({ Ref: listenerId })).map(([id]) => id);
    expect(rules).toHaveLength(2);
    for (const role of roles) {
      for (const rule of rules) expect({ rule, allowed: mayChangeListener(t.template, role, 'elasticloadbalancing:ModifyRule', rule) }).toEqual({ rule, allowed: true });
      expect(mayChangeListener(t.template, role, 'elasticloadbalancing:ModifyListener', listenerId)).toBe(true);
    }
  });

  test('the listener rules stay as the user declared them (the canary does not add actions to them)', () => {
    t.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: listenerId },
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(t.api.blue) } }],
    });
    t.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
      Port: 80,
    });
  });
});
