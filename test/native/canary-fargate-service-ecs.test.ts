import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CanaryFargateService, DeploymentEngine, HttpCheck, ReleaseMode } from '../../lib';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

describe('CanaryFargateService with engine: DeploymentEngine.ECS', () => {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const svc = new CanaryFargateService(stack, 'Api', { image, engine: DeploymentEngine.ECS });
  const template = Template.fromStack(stack);

  test('the service uses the ECS controller with the native strategy and our hook', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentController: { Type: 'ECS' },
      DeploymentConfiguration: Match.objectLike({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 5, StepBakeTimeInMinutes: 0 }, BakeTimeInMinutes: 5 }),
      LoadBalancers: [Match.objectLike({ AdvancedConfiguration: Match.objectLike({ ProductionListenerRule: Match.anyValue(), TestListenerRule: Match.anyValue() }) })],
    });
    expect(svc.engine).toBe(DeploymentEngine.ECS);
    expect(svc.nativeDeployment).toBeDefined();
    expect(svc.topic).toBe(svc.nativeDeployment!.topic);
  });

  test('no CodeDeploy, no release custom resource', () => {
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    template.resourceCountIs('AWS::CodeDeploy::Application', 0);
    template.resourceCountIs('AWS::CloudFormation::CustomResource', 0);
    expect(svc.release).toBeUndefined();
    expect(() => svc.deployment).toThrow(/runs on the ECS engine: it has no CodeDeploy deployment; use nativeDeployment/);
  });

  test('production and test listeners route through rules that forward to both groups (blue 100, green 0)', () => {
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [Match.objectLike({ Weight: 100 }), Match.objectLike({ Weight: 0 })] } }],
    }, 2);
  });

  test('fails when release is given (CloudFormation releases through ECS)', () => {
    const s = new Stack(new App(), 'R');
    expect(() => new CanaryFargateService(s, 'Api', { image, engine: DeploymentEngine.ECS, release: { mode: ReleaseMode.async() } }))
      .toThrow(/release.*does not apply to DeploymentEngine.ECS/);
  });

  test('fails when installTimeout is given (ECS waits for the new tasks itself)', () => {
    const s = new Stack(new App(), 'I');
    expect(() => new CanaryFargateService(s, 'Api', { image, engine: DeploymentEngine.ECS, installTimeout: Duration.minutes(5) }))
      .toThrow(/installTimeout.*does not apply to DeploymentEngine.ECS/);
  });

  test('smoke tests run at POST_TEST_TRAFFIC_SHIFT from a function in the VPC that may reach the tasks', () => {
    const s = new Stack(new App(), 'T');
    const api = new CanaryFargateService(s, 'Api', { image, engine: DeploymentEngine.ECS, smokeTests: [HttpCheck.get('/health')] });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        LifecycleHooks: Match.arrayWith([Match.objectLike({
          HookTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksSmoke'), 'Arn'] },
          LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
        })]),
      }),
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Description: 'cdk-ecs-canary native-smoke', VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }) });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'cdk-ecs-canary smoke tests', FromPort: 80, ToPort: 80,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkEcsCanaryNativeHooksSmokeSecurityGroup'), 'GroupId'] },
    });
    const param = Object.values(t.findResources('AWS::SSM::Parameter'))[0];
    expect(JSON.stringify(param.Properties.Value)).toContain('\\"smokeTests\\":[{\\"kind\\":\\"http\\"');
    expect(api.nativeDeployment).toBeDefined();
  });
});

test('the CodeDeploy engine stays the default', () => {
  const stack = new Stack(new App(), 'D');
  const svc = new CanaryFargateService(stack, 'Api', { image });
  expect(svc.engine).toBe(DeploymentEngine.CODE_DEPLOY);
  expect(svc.deployment.deploymentGroup).toBe(svc.deploymentGroup);
  Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'CODE_DEPLOY' } });
});
