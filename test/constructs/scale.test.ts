/**
 * 30 canary services in one stack would deploy: under CloudFormation's 500 resources and 1 MB of
 * template, and the shared functions' roles stay far under IAM's 10,240 characters of inline
 * policy at any number of services (their grants are patterns, not one statement per service).
 * The synth-time check warns before any of the three limits is reached, naming it.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { fargateServices, importedServices } from '../../bench/scale';
import { limitFindings, measureStack, policyCharsFromTemplate, policyCharsFromTree, STACK_LIMITS } from '../../lib/private/stack-limits';

function synth(build: (stack: Stack) => void): { stack: Stack; resources: number; bytes: number; roles: Map<string, number> } {
  const app = new App();
  const stack = new Stack(app, 'Scale', { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  const template = app.synth().getStackByName('Scale').template as { Resources: object };
  return {
    stack,
    resources: Object.keys(template.Resources).length,
    bytes: Buffer.byteLength(JSON.stringify(template, undefined, 1)),
    roles: measureStack(stack).roleInlinePolicyChars,
  };
}

describe('30 CanaryDeployments on imported services behind one shared listener', () => {
  const one = synth(importedServices(1));
  const two = synth(importedServices(2));
  const thirty = synth(importedServices(30));

  test('fit one stack: under 500 resources and 1 MB of template', () => {
    expect(thirty.resources).toBeLessThan(STACK_LIMITS.resources);
    expect(thirty.bytes).toBeLessThan(STACK_LIMITS.templateBytes);
  });

  test('each extra service adds at most 10 resources', () => {
    expect((thirty.resources - one.resources) / 29).toBeLessThanOrEqual(10);
    expect(two.resources - one.resources).toBeLessThanOrEqual(10);
  });

  test('no role\'s inline policies grow with the number of services', () => {
    expect([...thirty.roles.keys()].sort()).toEqual([...one.roles.keys()].sort());
    for (const [role, chars] of thirty.roles) {
      expect({ role, chars }).toEqual({ role, chars: one.roles.get(role) });
      expect(chars).toBeLessThan(STACK_LIMITS.roleInlinePolicyChars / 2);
    }
  });

  test('no limit warning at 30 services', () => {
    Annotations.fromStack(thirty.stack).hasNoWarning('*', Match.stringLikeRegexp('limit of'));
  });

  test('each extra service adds at most 15 KB of template for HTTP targets (targetProtocol), and at most 17 KB when the protocol is unknown', () => {
    const http = (n: number) => synth(importedServices(n, { targetProtocol: elbv2.ApplicationProtocol.HTTP }));
    const [httpOne, httpThirty] = [http(1), http(30)];
    expect((httpThirty.bytes - httpOne.bytes) / 29).toBeLessThanOrEqual(15 * 1024);
    expect((thirty.bytes - one.bytes) / 29).toBeLessThanOrEqual(17 * 1024);
    // Stating HTTP only drops the TLS metric: a saving, never a cost.
    expect(httpThirty.bytes).toBeLessThan(thirty.bytes);
  });
});

describe('CanaryFargateServices on one cluster', () => {
  const one = synth(fargateServices(1));
  const two = synth(fargateServices(2));
  const twelve = synth(fargateServices(12));

  test('sharing one given ALB (each adds its listeners on their own ports): 15 fit, roles do not grow', () => {
    const fifteen = synth(fargateServices(15));
    expect(fifteen.resources).toBeLessThan(STACK_LIMITS.resources);
    expect(fifteen.bytes).toBeLessThan(STACK_LIMITS.templateBytes);
    // The shared roles (the hooks' and the release provider's): each service's task roles are its own.
    const shared = [...one.roles.keys()].filter((r) => !r.startsWith('Scale/Svc0/'));
    expect(shared.length).toBeGreaterThan(5);
    for (const role of shared) expect({ role, chars: fifteen.roles.get(role) }).toEqual({ role, chars: one.roles.get(role) });
  });

  test('each extra service adds 18 resources, at most 25 (26 before: 8 alarms, its own execution role, policy and log group) and under 40 KB of template', () => {
    expect(two.resources - one.resources).toBe(18);
    expect((twelve.resources - one.resources) / 11).toBe(18);
    expect((twelve.resources - one.resources) / 11).toBeLessThanOrEqual(25);
    expect((twelve.bytes - one.bytes) / 11).toBeLessThan(40 * 1024);
  });

  test('the alarms name a load balancer of the stack by its LoadBalancerFullName, not by parsing a listener ARN', () => {
    const template = Template.fromStack(one.stack);
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('Svc0')).map(([, a]) => a);
    expect(alarms.length).toBe(3);
    const lbId = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    for (const alarm of alarms) {
      for (const q of (alarm.Properties.Metrics as any[]).filter((m) => m.MetricStat)) {
        expect(q.MetricStat.Metric.Dimensions).toEqual([
          { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [lbId, 'LoadBalancerFullName'] } },
          { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [expect.any(String), 'TargetGroupFullName'] } },
        ]);
      }
    }
  });

  test('each with its own ALB: the shared roles\' policies do not grow either (the listeners carry the stack\'s traffic tag)', () => {
    const own = (n: number) => synth(fargateServices(n, { ownLoadBalancers: true }));
    const [a, b] = [own(1), own(3)];
    // Was 295 characters per load balancer with one ARN pattern each (448 with two statements).
    for (const role of ['GuardRole', 'StepperRole']) {
      const id = `Scale/CdkEcsCanaryHooks/${role}/Resource`;
      expect({ role, chars: b.roles.get(id) }).toEqual({ role, chars: a.roles.get(id) });
    }
    expect(Math.max(...b.roles.values())).toBe(Math.max(...a.roles.values()));
  });
});

describe('the stack-limit check', () => {
  test('warns from 80 % of the resource limit, naming it', () => {
    const usage = { resources: 420, templateBytes: 500_000, roleInlinePolicyChars: new Map<string, number>() };
    expect(limitFindings(usage)).toEqual([{ level: 'warning', message: expect.stringMatching(/^CloudFormation resources in this stack: 420 resources is at 84 % of the limit of 500\. /) }]);
  });

  test('an error over the template limit, and over a role\'s inline policy limit', () => {
    const usage = { resources: 100, templateBytes: 1_200_000, roleInlinePolicyChars: new Map([['S/Role/Resource', 11_000]]) };
    expect(limitFindings(usage)).toEqual([
      { level: 'error', message: expect.stringMatching(/^CloudFormation template size: 1200000 bytes is over the limit of 1000000: the deploy would fail\./) },
      { level: 'error', message: expect.stringMatching(/^IAM inline policies of role S\/Role\/Resource: 11000 characters is over the limit of 10240/) },
    ]);
  });

  test('20 CanaryFargateServices on one cluster and one shared ALB fit one stack: the limit check passes (it warns, naming the resource limit)', () => {
    const twenty = synth(fargateServices(20));
    expect(twenty.resources).toBeLessThan(STACK_LIMITS.resources);
    expect(twenty.bytes).toBeLessThan(STACK_LIMITS.templateBytes);
    for (const [role, chars] of twenty.roles) expect({ role, over: chars > STACK_LIMITS.roleInlinePolicyChars }).toEqual({ role, over: false });
    Annotations.fromStack(twenty.stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(twenty.stack).hasWarning('*', Match.stringLikeRegexp('^CloudFormation resources in this stack: \\d+ resources is at 9\\d % of the limit of 500'));
  });

  test('a stack of 24 CanaryFargateServices (19 resources each, on one shared ALB) is refused at synth, naming the resource limit', () => {
    expect(() => synth(fargateServices(24))).toThrow(/greater than allowed maximum of 500|CloudFormation resources in this stack: \d+ resources is over the limit of 500/);
  });

  test('measures a role\'s inline policies from the construct tree', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    const chars = measureStack(stack).roleInlinePolicyChars.get('S/Role/Resource');
    expect(chars).toBe(JSON.stringify({ Statement: [{ Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::bucket/*' }], Version: '2012-10-17' }).length);
  });

  test('reads the policies of a rendered (large) stack from its template as from the tree', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { Inline: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [stack.formatArn({ service: 'sqs', resource: 'q' })] })] }) },
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    new iam.Policy(stack, 'Extra', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['*'] })] });
    const resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
    const fromTree: [string, number][] = [];
    const fromTemplate: [string, number][] = [];
    policyCharsFromTree(stack, resources, (id, n) => fromTree.push([id, n]));
    const rendered = app.synth().getStackByName('S').template.Resources;
    policyCharsFromTemplate(stack, resources, rendered, (id, n) => fromTemplate.push([id, n]));
    expect(fromTree).toHaveLength(3);
    expect(fromTemplate).toEqual(fromTree);
  });
});
