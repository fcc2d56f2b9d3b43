/**
 * Least privilege, proven against the shipped code: every AWS call a bundled function can make
 * (read from assets/<name>/index.js) is granted by that function's role, the role grants nothing
 * the code does not call, and only actions without resource-level permissions use "*".
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ExampleStack } from '../../bin/example-stack';
import { NativeExampleStack } from '../../bin/native-example-stack';
import { CanaryFargateService, DeploymentEngine, LambdaCheck } from '../../lib';
import { sdkActionsOfBundle, sdkActionsOfCode } from './sdk-calls';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Actions AWS offers no resource-level permission for (Service Authorization Reference). */
const NO_RESOURCE_LEVEL = new Set([
  'cloudwatch:GetMetricData',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:DescribeTargetHealth',
  'ecs:DescribeTaskDefinition',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

/** Granted for the Lambda service itself, not called by our code. */
const PLATFORM_ACTIONS = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  // The guard's on-failure destination: Lambda sends the failed event with the function's role.
  'sqs:SendMessage',
]);

/**
 * Checked by CodeDeploy on the caller of CreateDeployment, not sent by our code [inference from
 * AWS's CodePipeline ECS blue/green role policy and reported AccessDenied errors]; scoped to
 * our application and deployment config.
 */
const CREATE_DEPLOYMENT_DEPENDENCIES = new Set([
  'codedeploy:GetDeploymentConfig',
  'codedeploy:GetApplicationRevision',
  'codedeploy:RegisterApplicationRevision',
]);

const asList = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

function grantsOf(template: Template): Map<string, Statement[]> {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const out = new Map<string, Statement[]>();
  for (const fn of Object.values(resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    // "cdk-ecs-canary <bundle>" or "cdk-ecs-canary <bundle> <entry point>"
    const m = /^cdk-ecs-canary ([\w-]+)(?: \w+)?$/.exec(fn.Properties.Description ?? '');
    if (!m) continue;
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === role))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
    out.set(m[1], [...(out.get(m[1]) ?? []), ...statements]);
  }
  return out;
}

function allows(statements: Statement[], action: string): boolean {
  return statements.some((s) => s.Effect === 'Allow' && asList(s.Action).includes(action));
}

describe('IAM of the shipped functions', () => {
  const app = new App();
  const stack = new ExampleStack(app, 'Iam');
  // A second service with a user check function, so the conditional grant (lambda:InvokeFunction
  // for LambdaCheck) is present and checked too.
  const check = new lambda.Function(stack, 'UserCheck', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
  });
  new CanaryFargateService(stack, 'Second', {
    cluster: stack.api.cluster,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    smokeTests: [LambdaCheck.of(check)],
  });
  const template = Template.fromStack(stack);
  const grants = grantsOf(template);
  // The ECS-engine example ships the native-hook bundle.
  const ecsStack = new NativeExampleStack(new App(), 'IamEcs');
  const ecsCheck = new lambda.Function(ecsStack, 'UserCheck', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
  });
  // A second ECS-engine service in the same VPC with a Lambda check: the smoke function's invoke grant.
  new CanaryFargateService(ecsStack, 'SecondEcs', { cluster: ecsStack.service.cluster, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), engine: DeploymentEngine.ECS, smokeTests: [LambdaCheck.of(ecsCheck)] });
  for (const [name, statements] of grantsOf(Template.fromStack(ecsStack))) grants.set(name, statements);

  test('every bundled function of the stack is checked', () => {
    expect([...grants.keys()].sort()).toEqual(expect.arrayContaining([
      'after-allow-test-traffic', 'after-allow-traffic', 'after-install', 'before-allow-traffic', 'before-install', 'guard', 'native-hook', 'native-smoke', 'release', 'stepper',
    ]));
  });

  test.each([...grants.keys()])('%s: every AWS call in its bundle is granted', (name) => {
    const used = sdkActionsOfBundle(name);
    expect(used.length).toBeGreaterThan(0);
    const missing = used.filter((a) => !allows(grants.get(name)!, a));
    expect(missing).toEqual([]);
  });

  test.each([...grants.keys()])('%s: grants nothing its bundle does not call', (name) => {
    const used = new Set(sdkActionsOfBundle(name));
    const granted = grants.get(name)!.flatMap((s) => asList(s.Action));
    const extra = granted.filter((a) => !used.has(a) && !PLATFORM_ACTIONS.has(a)
      && !(used.has('codedeploy:CreateDeployment') && CREATE_DEPLOYMENT_DEPENDENCIES.has(a)));
    expect(extra).toEqual([]);
  });

  test.each([...grants.keys()])('%s: no wildcard actions, "*" resources only where AWS has no resource-level permission', (name) => {
    for (const s of grants.get(name)!) {
      for (const a of asList(s.Action)) {
        expect(a).not.toMatch(/\*/);
        if (s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*'))) {
          expect({ action: a, resource: '*', allowed: NO_RESOURCE_LEVEL.has(a) }).toEqual({ action: a, resource: '*', allowed: true });
        }
      }
    }
  });

  test('no function is granted PutMetricData: outcome metrics are EMF log lines', () => {
    expect(grants.size).toBeGreaterThan(0);
    for (const [, statements] of grants) {
      expect(statements.flatMap((s) => asList(s.Action))).not.toContain('cloudwatch:PutMetricData');
    }
  });
});

describe('reading SDK calls out of a bundle', () => {
  test('finds commands through minified module aliases and maps Invoke to lambda:InvokeFunction', () => {
    const code = 'var a=R(require("@aws-sdk/client-codedeploy")),b=require("@aws-sdk/client-lambda");'
      + 'x.send(new a.GetDeploymentCommand({}));y.send(new b.InvokeCommand({}));z.ba.FooCommand;';
    expect(sdkActionsOfCode(code)).toEqual(['codedeploy:GetDeployment', 'lambda:InvokeFunction']);
  });

  test('refuses a client it cannot map to an IAM prefix', () => {
    expect(() => sdkActionsOfCode('var a=require("@aws-sdk/client-s3");new a.GetObjectCommand({})')).toThrow(/client-s3/);
  });
});
