import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CanaryDeployment, HttpCheck, InconclusivePolicy, LambdaCheck, TrafficSchedule } from 'cdk-ecs-canary';

const app = new App();
const stack = new Stack(app, 'Existing', { env: { account: '111111111111', region: 'eu-west-1' } });

// Your own network, cluster and load balancer, imported by attributes.
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
});
const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'orders' });
const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
  listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2',
  securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0a1b2c3d4e5f60718'),
});
const targetGroup = (id: string, name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, id, {
  targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`,
  loadBalancerArns: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/prod/50dc6c495c0c9188',
});
const contractTests = lambda.Function.fromFunctionName(stack, 'ContractTests', 'orders-contract-tests');

const canary = new CanaryDeployment(stack, 'Canary', {
  service,
  containerName: 'orders',
  containerPort: 8080,
  listener,
  blueTargetGroup: targetGroup('Blue', 'orders-blue'),
  greenTargetGroup: targetGroup('Green', 'orders-green'),
  serviceSecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'TaskSg', 'sg-0b1b2c3d4e5f60718')],
  // Nothing can be read from an imported service: name its platform version and capacity providers,
  // or CodeDeploy starts every release's tasks on LATEST with the launch type.
  platformVersion: ecs.FargatePlatformVersion.VERSION1_4,
  capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  schedule: TrafficSchedule.steps([
    { percent: 10, bake: Duration.minutes(10) },
    { percent: 50, bake: Duration.minutes(20) },
  ]),
  analysis: { minRequests: 50, onInconclusive: InconclusivePolicy.FAIL, maxExtensions: 2 },
  smokeTests: [HttpCheck.get('/health'), LambdaCheck.of(contractTests)],
  terminationWaitTime: Duration.minutes(15),
});

// The AppSpec your own pipeline (CodePipeline's ECS blue/green action, `aws deploy create-deployment`)
// uses, so it runs the same hooks:
canary.renderAppSpec('arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:42');
app.synth();
