/**
 * The public API in the shape jsii can carry to Python, Java, .NET and Go (issue 11): explicit
 * flags instead of `| false`, SmokeTest.bind() returning a struct, ICanaryDeployment accepted by
 * the dashboard. Each `fails when` checks the message naming the prop and the fix.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import {
  CanaryDashboard,
  CanaryDeployment,
  CanaryFargateService,
  DeploymentEngine,
  HttpCheck,
  ICanaryDeployment,
  ReleaseMode,
  SmokeCheckType,
  SmokeTest,
  SmokeTestConfig,
} from '../../lib';
import { deploymentPropsFor, newStack, stackWithService, validationFailure } from '../helpers/fixtures';
import { logicalId, parseJoinedJson, resourcesOfType } from '../helpers/template';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

const setup = () => stackWithService();
const thrown = validationFailure;

/** The runtime configuration (SSM parameter) of the only canary in `stack`. */
function runtimeConfig(stack: ReturnType<typeof newStack>): any {
  const params = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::SSM::Parameter'))
    .filter((p) => JSON.stringify(p.Properties!.Name).includes('/cdk-ecs-canary/') && !JSON.stringify(p.Properties!.Name).includes('/appspec'));
  expect(params).toHaveLength(1);
  return parseJoinedJson(params[0].Properties!.Value);
}

/** The smoke checks rendered into the deployment's runtime configuration (SSM parameter). */
function smokeConfig(stack: ReturnType<typeof newStack>): unknown[] {
  const [param] = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::SSM::Parameter'))
    .filter((p) => JSON.stringify(p.Properties!.Name).includes('/cdk-ecs-canary/') && !JSON.stringify(p.Properties!.Name).includes('/appspec'));
  return parseJoinedJson(param.Properties!.Value).smokeTests;
}

describe('SmokeTest.bind() returns a struct', () => {
  test('HttpCheck renders a typed http struct, and the runtime config keeps its tagged shape', () => {
    const { stack, svc } = setup();
    const config = HttpCheck.get('/health', { expectStatus: [200, 204] }).bind(stack);
    expect(config).toEqual({
      type: SmokeCheckType.HTTP,
      httpCheck: { method: 'GET', path: '/health', expectStatus: [200, 204], bodyMatches: undefined, latencyBudgetMs: 2000, repeat: 3, headers: undefined, body: undefined },
    });
    new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, { smokeTests: [HttpCheck.get('/health', { expectStatus: [200, 204] })] }));
    expect(smokeConfig(stack)).toEqual([{ kind: 'http', method: 'GET', path: '/health', expectStatus: [200, 204], latencyBudgetMs: 2000, repeat: 3 }]);
  });

  test('a custom SmokeTest (as one written in another language) returns only the struct, and is granted its functions', () => {
    const { stack, svc } = setup();
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Check', { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-check', sameEnvironment: true });
    class MyCheck extends SmokeTest {
      public bind(_scope: IConstruct): SmokeTestConfig {
        return { type: SmokeCheckType.LAMBDA, lambdaCheck: { functionArn: fn.functionArn }, functions: [fn] };
      }
    }
    new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, { smokeTests: [new MyCheck()] }));
    expect(smokeConfig(stack)).toEqual([{ kind: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-check' }]);
    const invokes = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::IAM::Policy'))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
      .filter((st) => st.Action === 'lambda:InvokeFunction' && JSON.stringify(st.Resource).includes('function:my-check'));
    expect(invokes).not.toHaveLength(0);
  });

  test('fails when a custom SmokeTest names a type without its field', () => {
    const { stack, svc } = setup();
    class Broken extends SmokeTest {
      public bind(): SmokeTestConfig {
        return { type: SmokeCheckType.HTTP };
      }
    }
    const e = thrown(() => new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, { smokeTests: [new Broken()] })));
    expect(e.message).toBe('smokeTests: a smoke test of type http must set the matching field (httpCheck for http, lambdaCheck for lambda). (at TestStack/Canary)');
  });

  test('fails when a custom HTTP check uses a method the hook does not send', () => {
    const { stack, svc } = setup();
    class Put extends SmokeTest {
      public bind(): SmokeTestConfig {
        return { type: SmokeCheckType.HTTP, httpCheck: { method: 'PUT', path: '/', expectStatus: [200], latencyBudgetMs: 1000, repeat: 1 } };
      }
    }
    const e = thrown(() => new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, { smokeTests: [new Put()] })));
    expect(e.message).toBe('smokeTests: an HTTP check\'s method must be GET, HEAD or POST (got PUT). (at TestStack/Canary)');
  });
});

describe('explicit flags instead of `| false`', () => {
  test('fails when relativeToStable is given with compareWithStable: false', () => {
    const { stack, svc } = setup();
    const e = thrown(() => new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, {
      analysis: { compareWithStable: false, relativeToStable: { latency: 2 } },
    })));
    expect(e.message).toBe('analysis.relativeToStable: is set, but analysis.compareWithStable is false, which turns the relative checks off: remove one of the two. (at TestStack/Canary)');
  });

  test('fails when release is given with releaseOnDeploy: false', () => {
    const stack = newStack();
    const e = thrown(() => new CanaryFargateService(stack, 'Api', { image, releaseOnDeploy: false, release: { mode: ReleaseMode.async() } }));
    expect(e.message).toBe('release: is set, but releaseOnDeploy is false, so there is no release trigger to configure: remove one of the two. (at TestStack/Api)');
  });
});

describe('ICanaryDeployment', () => {
  test('CanaryDashboard.forDeployment draws the deployment\'s two target groups, rollback alarm and outcomes', () => {
    const { stack, svc } = setup();
    const deployment: ICanaryDeployment = new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc));
    CanaryDashboard.forDeployment(stack, 'Dashboard', deployment, { dashboardName: 'orders-canary' });
    const [dashboard] = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties!.DashboardName).toBe('orders-canary');
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const tg of [svc.blue, svc.green]) expect(body).toContain(logicalId(tg));
    expect(body).toContain(logicalId(deployment.deploymentGroup));
  });
});

describe('CanaryFargateServiceProps extends CanaryDeploymentOptions', () => {
  test('finalVerdictWindow, testBaseUrl and the CodeDeploy names reach the deployment', () => {
    const stack = newStack();
    new CanaryFargateService(stack, 'Api', {
      image,
      finalVerdictWindow: Duration.minutes(10),
      testBaseUrl: 'http://internal-test.example.com:9000',
      applicationName: 'orders',
      deploymentGroupName: 'orders-canary',
    });
    const config = runtimeConfig(stack);
    expect(config.finalVerdictWindowSeconds).toBe(600);
    expect(config.testBaseUrl).toBe('http://internal-test.example.com:9000');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeDeploy::Application', { ApplicationName: 'orders' });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentGroupName: 'orders-canary' });
  });

  test('serviceSecurityGroups are the ones opened to the smoke-test function', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const taskSg = new ec2.SecurityGroup(stack, 'TaskSg', { vpc });
    new CanaryFargateService(stack, 'Api', { image, vpc, serviceSecurityGroups: [taskSg], smokeTests: [HttpCheck.get('/')] });
    const ingress = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::EC2::SecurityGroupIngress'))
      .filter((r) => JSON.stringify(r.Properties!.GroupId).includes(logicalId(taskSg)));
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({ FromPort: 80, ToPort: 80, IpProtocol: 'tcp' });
  });

  test('the ECS engine gets finalVerdictWindow and testBaseUrl too', () => {
    const stack = newStack();
    new CanaryFargateService(stack, 'Api', {
      image,
      engine: DeploymentEngine.ECS,
      finalVerdictWindow: Duration.minutes(10),
      testBaseUrl: 'http://internal-test.example.com:9000',
    });
    const config = runtimeConfig(stack);
    expect(config.finalVerdictWindowSeconds).toBe(600);
    expect(config.testBaseUrl).toBe('http://internal-test.example.com:9000');
  });

  test.each([
    ['applicationName', { applicationName: 'orders' }, 'applicationName: does not apply to DeploymentEngine.ECS: it has no CodeDeploy application or deployment group. Remove applicationName. (at TestStack/Api)'],
    ['deploymentGroupName', { deploymentGroupName: 'orders' }, 'deploymentGroupName: does not apply to DeploymentEngine.ECS: it has no CodeDeploy application or deployment group. Remove deploymentGroupName. (at TestStack/Api)'],
    ['releaseOnDeploy', { releaseOnDeploy: true }, 'releaseOnDeploy: does not apply to DeploymentEngine.ECS: CloudFormation updates the service\'s task definition and ECS releases it. Remove releaseOnDeploy. (at TestStack/Api)'],
  ])('fails when %s is given on the ECS engine', (_, props, message) => {
    const stack = newStack();
    expect(thrown(() => new CanaryFargateService(stack, 'Api', { image, engine: DeploymentEngine.ECS, ...props })).message).toBe(message);
  });

  test('fails when serviceSecurityGroups is given on the ECS engine', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const e = thrown(() => new CanaryFargateService(stack, 'Api', { image, vpc, engine: DeploymentEngine.ECS, serviceSecurityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })] }));
    expect(e.message).toBe('serviceSecurityGroups: does not apply to DeploymentEngine.ECS: the smoke-test function is let in through the security groups of the service this construct creates. Remove serviceSecurityGroups. (at TestStack/Api)');
  });
});
