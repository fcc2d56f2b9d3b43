/**
 * 30 canary services in one stack would deploy: under CloudFormation's 500 resources and 1 MB of
 * template, and the shared functions' roles stay far under IAM's 10,240 characters of inline
 * policy at any number of services (their grants are patterns, not one statement per service).
 * The synth-time check warns before any of the three limits is reached, naming it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { fargateServices, importedServices } from '../../bench/scale';
import { limitFindings, measureStack, STACK_LIMITS } from '../../lib/private/stack-limits';

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

  test('a stack of 20 CanaryFargateServices with their own load balancers is refused at synth, naming the resource limit', () => {
    expect(() => synth(fargateServices(20))).toThrow(/greater than allowed maximum of 500|CloudFormation resources in this stack: \d+ resources is over the limit of 500/);
  });

  test('measures a role\'s inline policies from the construct tree', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    const chars = measureStack(stack).roleInlinePolicyChars.get('S/Role/Resource');
    expect(chars).toBe(JSON.stringify({ Statement: [{ Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::bucket/*' }], Version: '2012-10-17' }).length);
  });
});
