/**
 * The stepper and the guard change the listeners of the load balancers a stack creates for its
 * canary services through one statement conditioned on the stack's traffic tag
 * (lib/private/traffic-tags.ts). These tests check the tag lands on exactly the listeners and rules
 * they must be able to change, wherever those are declared, and nowhere else, by evaluating the
 * roles' statements against each listener's ARN and tags (test/helpers/template.ts).
 */
import { App, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment, CanaryHooks } from '../../lib';
import { buildExistingService, buildNetwork, deploymentPropsFor, validationFailure } from '../helpers/fixtures';
import { flatten, functionRoleId, logicalId, mayChangeListener, policyStatements } from '../helpers/template';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TAG = 'cdk-ecs-canary:traffic';

function canaryStack(app: App, id: string) {
  const stack = new Stack(app, id, { env: ENV });
  const network = buildNetwork(stack);
  const svc = buildExistingService(stack, 'Svc', { network });
  new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc));
  return { stack, network, svc };
}

const rolesOf = (stack: Stack, template: Template) => {
  const hooks = CanaryHooks.of(stack);
  return [hooks.stepper, hooks.guard].map((fn) => functionRoleId(template, logicalId(fn)));
};

const tagsOf = (template: Template, id: string): Record<string, string> =>
  Object.fromEntries(((template.toJSON().Resources[id].Properties.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));

describe('traffic tags', () => {
  test('a listener of a load balancer no canary service uses gets no tag, and the stepper and the guard may not change it', () => {
    const app = new App();
    const { stack, network } = canaryStack(app, 'Canaries');
    const other = new elbv2.ApplicationLoadBalancer(stack, 'OtherAlb', { vpc: network.vpc });
    const otherListener = other.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(200), open: false });
    const template = Template.fromStack(stack);
    expect(tagsOf(template, logicalId(otherListener))[TAG]).toBeUndefined();
    for (const role of rolesOf(stack, template)) {
      expect(mayChangeListener(template, role, 'elasticloadbalancing:ModifyListener', logicalId(otherListener))).toBe(false);
    }
  });

  test('a rule of a canary listener declared in another stack of the app carries the tag too', () => {
    const app = new App();
    const { stack, network, svc } = canaryStack(app, 'Canaries');
    const routes = new Stack(app, 'Routes', { env: ENV });
    const extra = new elbv2.ApplicationTargetGroup(routes, 'Extra', { vpc: network.vpc, port: 8080, targetType: elbv2.TargetType.IP });
    const rule = new elbv2.ApplicationListenerRule(routes, 'ExtraRoute', {
      listener: svc.listener, priority: 5, conditions: [elbv2.ListenerCondition.pathPatterns(['/extra/*'])], action: elbv2.ListenerAction.forward([extra]),
    });
    const routesTemplate = Template.fromStack(routes);
    expect(tagsOf(routesTemplate, logicalId(rule))).toEqual({ [TAG]: stack.stackName });
    const template = Template.fromStack(stack);
    for (const listener of [svc.listener, svc.testListener]) expect(tagsOf(template, logicalId(listener))).toEqual({ [TAG]: stack.stackName });
  });

  test('two stacks tag with their own names: one stack\'s stepper and guard may not change the other\'s listeners', () => {
    const app = new App();
    const a = canaryStack(app, 'A');
    const b = canaryStack(app, 'B');
    const [ta, tb] = [Template.fromStack(a.stack), Template.fromStack(b.stack)];
    expect(tagsOf(tb, logicalId(b.svc.listener))).toEqual({ [TAG]: 'B' });
    // Evaluate A's statements against B's listener as it is tagged: put it in A's template.
    const merged = Template.fromJSON({ Resources: { ...ta.toJSON().Resources, ForeignListener: tb.toJSON().Resources[logicalId(b.svc.listener)] } });
    for (const role of rolesOf(a.stack, ta)) {
      expect(mayChangeListener(merged, role, 'elasticloadbalancing:ModifyListener', logicalId(a.svc.listener))).toBe(true);
      expect(mayChangeListener(merged, role, 'elasticloadbalancing:ModifyListener', 'ForeignListener')).toBe(false);
    }
  });

  test('fails when the production listener loses the tag (Tags.of().remove), naming the listener and the tag', () => {
    const app = new App();
    const { svc } = canaryStack(app, 'Canaries');
    Tags.of(svc.listener).remove(TAG);
    expect(() => app.synth()).toThrow(/The production listener "Canaries\/Svc\/Alb\/Prod\/Resource" does not carry the tag cdk-ecs-canary:traffic=Canaries/);
  });

  test('a user tag on the listeners is kept beside ours', () => {
    const app = new App();
    const { stack, svc } = canaryStack(app, 'Canaries');
    Tags.of(stack).add('team', 'payments');
    const template = Template.fromStack(stack);
    expect(tagsOf(template, logicalId(svc.listener))).toEqual({ [TAG]: 'Canaries', team: 'payments' });
  });

  describe('turned off with the context cdk-ecs-canary:listenerTags', () => {
    test.each([false, 'false'])('%p: no tags, and one ARN pattern per load balancer (its listeners and rules), as before tags', (value) => {
      const app = new App({ context: { 'cdk-ecs-canary:listenerTags': value } });
      const { stack, network, svc } = canaryStack(app, 'Canaries');
      const second = buildExistingService(stack, 'Second', { network });
      new CanaryDeployment(stack, 'SecondCanary', deploymentPropsFor(second));
      const template = Template.fromStack(stack);
      for (const listener of [svc.listener, second.listener]) expect(tagsOf(template, logicalId(listener))[TAG]).toBeUndefined();
      const roles = rolesOf(stack, template);
      const modify = policyStatements(template).filter((st) => st.actions.includes('elasticloadbalancing:ModifyListener'));
      expect(modify.map((st) => st.statement.Condition)).toEqual(modify.map(() => undefined));
      const pattern = (lb: IConstruct) => `arn:<<Ref:AWS::Partition>>:elasticloadbalancing:eu-west-1:111111111111:listener*/<<GetAtt:${logicalId(lb)}.LoadBalancerFullName>>/*`;
      for (const role of roles) {
        expect(modify.filter((st) => st.roles.includes(role)).flatMap((st) => st.resources.map(flatten)).sort())
          .toEqual([pattern(svc.loadBalancer), pattern(second.loadBalancer)].sort());
      }
    });

    test('fails when the context has any other value, naming the key and the values it takes', () => {
      const app = new App({ context: { 'cdk-ecs-canary:listenerTags': 'no' } });
      const error = validationFailure(() => canaryStack(app, 'Canaries'));
      expect(error.prop).toBe('context cdk-ecs-canary:listenerTags');
      expect(error.message).toMatch(/is "no": set it to true .* or false/);
    });
  });
});
