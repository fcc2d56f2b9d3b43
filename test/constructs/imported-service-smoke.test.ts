import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment, HttpCheck } from '../../lib';
import { newStack } from '../helpers/fixtures';

/** An imported service hides its security groups: the smoke-test path must still really work. */
function importedCanary(extraOf: (stack: ReturnType<typeof newStack>) => Partial<ConstructorParameters<typeof CanaryDeployment>[2]> = () => ({})) {
  const account = '111111111111';
  const stack = newStack('ImportedSmoke');
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
  });
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
  const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'web' });
  const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
    listenerArn: `arn:aws:elasticloadbalancing:eu-west-1:${account}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0aaaaaaaaaaaaaaaa'),
  });
  const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
    targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:${account}:targetgroup/${name}/6d0ecf831eec9f09`,
    loadBalancerArns: `arn:aws:elasticloadbalancing:eu-west-1:${account}:loadbalancer/app/web/50dc6c495c0c9188`,
  });
  const canary = new CanaryDeployment(stack, 'Canary', {
    service, containerName: 'web', containerPort: 8080, listener,
    blueTargetGroup: tg('blue'), greenTargetGroup: tg('green'),
    smokeTests: [HttpCheck.get('/health')],
    ...extraOf(stack),
  });
  return { stack, canary };
}

describe('HTTP smoke tests on an imported service', () => {
  test('without its security groups: a synth warning says what to pass', () => {
    const { stack } = importedCanary();
    Annotations.fromStack(stack).hasWarning('/ImportedSmoke/Canary', Match.stringLikeRegexp('pass serviceSecurityGroups'));
  });

  test('with serviceSecurityGroups: the tasks admit the smoke-test function on the container port, no warning', () => {
    const { stack } = importedCanary((s) => ({
      serviceSecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'TaskSg', 'sg-0bbbbbbbbbbbbbbbb')],
    }));
    Annotations.fromStack(stack).hasNoWarning('/ImportedSmoke/Canary', Match.stringLikeRegexp('serviceSecurityGroups'));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0bbbbbbbbbbbbbbbb',
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('AfterAllowTestTrafficSecurityGroup'), 'GroupId'] }),
    });
  });

  test('with testBaseUrl: no warning (the checks go through that URL)', () => {
    const { stack } = importedCanary(() => ({ testBaseUrl: 'http://internal-test.example:9000' }));
    Annotations.fromStack(stack).hasNoWarning('/ImportedSmoke/Canary', Match.anyValue());
  });
});
