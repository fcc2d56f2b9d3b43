import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { configParameterName } from '../../lib/runtime-config';
import { createCliClients } from '../../src/cli/aws';
import { runCli } from '../../src/cli/program';
import { findTarget, splitParameterName } from '../../src/cli/target';
import { config, deployment, FakeCliAws, mocks } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  aws.parameters = {
    [configParameterName('api-app', 'api-dg')]: JSON.stringify(config()),
    // The release's AppSpec lives under the same prefix, one level deeper: never a candidate.
    [`${configParameterName('api-app', 'api-dg')}/appspec`]: '{"version":"0.0"}',
    [configParameterName('web-app', 'web-dg')]: JSON.stringify(config({ serviceName: 'web-service' })),
    [configParameterName('web-app-staging', 'web-dg')]: JSON.stringify(config({ serviceName: 'web-service' })),
  };
});

const clients = () => aws.context().clients;

describe('finding the service', () => {
  test('by ECS service name, through GetParametersByPath over /cdk-ecs-canary', async () => {
    const t = await findTarget(clients(), { service: 'api-service' });
    expect(t).toMatchObject({ applicationName: 'api-app', deploymentGroupName: 'api-dg', parameterName: '/cdk-ecs-canary/api-app/api-dg' });
    expect(t.config.productionListenerArn).toContain(':listener/app/api-alb/');
    expect(mocks.ssm).toHaveReceivedCommandWith(GetParametersByPathCommand, { Path: '/cdk-ecs-canary', Recursive: true });
  });

  test('by <application>/<deploymentGroup> when the service name is ambiguous', async () => {
    await expect(findTarget(clients(), { service: 'web-service' })).rejects.toThrow(
      'web-service matches 2 canary services: web-service (web-app-staging/web-dg), web-service (web-app/web-dg); pass --service <application>/<deploymentGroup>');
    expect((await findTarget(clients(), { service: 'web-app-staging/web-dg' })).applicationName).toBe('web-app-staging');
  });

  test('an unknown service lists the known ones', async () => {
    await expect(findTarget(clients(), { service: 'nope' })).rejects.toThrow(
      'unknown service nope in /cdk-ecs-canary in this account and region; known: api-service (api-app/api-dg), web-service (web-app-staging/web-dg), web-service (web-app/web-dg)');
  });

  test('without --service: the only one, or a list to choose from', async () => {
    await expect(findTarget(clients(), {})).rejects.toThrow('3 canary services in /cdk-ecs-canary in this account and region: pass --service with one of');
    aws.parameters = { [configParameterName('api-app', 'api-dg')]: JSON.stringify(config()) };
    expect((await findTarget(clients(), {})).config.serviceName).toBe('api-service');
  });

  test('--stack reads the stack\'s configuration parameters (ListStackResources + GetParameters); --service narrows', async () => {
    aws.stackResources = [
      { LogicalResourceId: 'ApiConfig', PhysicalResourceId: '/cdk-ecs-canary/api-app/api-dg', ResourceType: 'AWS::SSM::Parameter' },
      { LogicalResourceId: 'ApiAppSpec', PhysicalResourceId: '/cdk-ecs-canary/api-app/api-dg/appspec', ResourceType: 'AWS::SSM::Parameter' },
      { LogicalResourceId: 'WebConfig', PhysicalResourceId: '/cdk-ecs-canary/web-app/web-dg', ResourceType: 'AWS::SSM::Parameter' },
      { LogicalResourceId: 'Other', PhysicalResourceId: '/something/else', ResourceType: 'AWS::SSM::Parameter' },
    ];
    await expect(findTarget(clients(), { stack: 'ApiStack' })).rejects.toThrow(
      '2 canary services in stack ApiStack: pass --service with one of api-service (api-app/api-dg), web-service (web-app/web-dg)');
    expect((await findTarget(clients(), { stack: 'ApiStack', service: 'web-service' })).applicationName).toBe('web-app');
    expect(mocks.ssm).not.toHaveReceivedCommand(GetParametersByPathCommand);
  });

  test('a stack that does not exist, or has no canary service', async () => {
    await expect(findTarget(clients(), { stack: 'Nope' })).rejects.toThrow('stack Nope does not exist in this account and region (check --region / --profile)');
    aws.stackResources = [];
    await expect(findTarget(clients(), { stack: 'ApiStack' })).rejects.toThrow('no canary service found in stack ApiStack');
  });

  test('parameter names: exactly /cdk-ecs-canary/<application>/<group>', () => {
    expect(splitParameterName('/cdk-ecs-canary/a/g')).toEqual({ applicationName: 'a', deploymentGroupName: 'g' });
    expect(splitParameterName('/cdk-ecs-canary/a/g/appspec')).toBeUndefined();
    expect(splitParameterName('/cdk-ecs-canary/a')).toBeUndefined();
    expect(splitParameterName('/other/a/g')).toBeUndefined();
  });
});

describe('one clear line and a non-zero exit', () => {
  test.each([
    ['CredentialsProviderError', 'Could not load credentials from any providers', 'canary: no AWS credentials found: set AWS_PROFILE or pass --profile (after `aws sso login` if you use SSO), or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY'],
    ['Error', 'Region is missing', 'canary: no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile'],
    ['ExpiredTokenException', 'The security token included in the request is expired', 'canary: AWS credentials have expired (The security token included in the request is expired): refresh them (e.g. `aws sso login`) and try again'],
    ['AccessDeniedException', 'User: arn:aws:iam::1:user/bob is not authorized to perform: ssm:GetParametersByPath', 'canary: access denied: User: arn:aws:iam::1:user/bob is not authorized to perform: ssm:GetParametersByPath'],
  ])('%s', async (name, message, line) => {
    const err = new Error(message);
    err.name = name;
    mocks.ssm.on(GetParametersByPathCommand).rejects(err);

    const code = await runCli(['status', '--service', 'api-service'], aws.deps());

    expect(code).toBe(1);
    expect(aws.out.errors).toEqual([line]);
    expect(aws.out.lines).toEqual([]);
  });

  test('unknown service', async () => {
    expect(await runCli(['abort', '--service', 'nope'], aws.deps())).toBe(1);
    expect(aws.out.errors[0]).toMatch(/^canary: unknown service nope in \/cdk-ecs-canary in this account and region; known: /);
  });

  test('an unknown option is commander\'s error, exit 1', async () => {
    aws.deployments = [deployment('d-1', 'Succeeded', 5, 1)];
    expect(await runCli(['status', '--nope'], aws.deps())).toBe(1);
    expect(aws.out.errors[0]).toContain("unknown option '--nope'");
  });
});

test('--region and --profile reach every client; clients are built once, on first use', async () => {
  const c = createCliClients({ region: 'eu-central-1', profile: 'ops' });
  expect(await c.ssm.config.region()).toBe('eu-central-1');
  expect(await c.cloudformation.config.region()).toBe('eu-central-1');
  expect((c.codedeploy.config as { profile?: string }).profile).toBe('ops');
  expect(c.dynamodb).toBe(c.dynamodb);
});
