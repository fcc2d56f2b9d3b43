// A consumer's app, in plain JavaScript: what `npm install cdk-ecs-canary` gives a user must
// synthesize with only aws-cdk-lib and constructs next to it (no esbuild, ts-node or Docker).
const { App, Duration, Stack } = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const { CanaryDeployment, CanaryFargateService, HttpCheck, TrafficSchedule } = require('cdk-ecs-canary');

const app = new App({ outdir: process.argv[2] ?? 'cdk.out' });

// 1. The L3 pattern: VPC, cluster, ALB, listeners, target groups and service are created.
const shop = new Stack(app, 'PackShop');
new CanaryFargateService(shop, 'Api', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  containerPort: 80,
  smokeTests: [HttpCheck.get('/', { expectStatus: [200] })],
});

// 2. A canary on imported resources: the user's own VPC, cluster, service and load balancer.
const existing = new Stack(app, 'PackExisting', { env: { account: '111111111111', region: 'eu-west-1' } });
const vpc = ec2.Vpc.fromVpcAttributes(existing, 'Vpc', {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
});
const cluster = ecs.Cluster.fromClusterAttributes(existing, 'Cluster', { clusterName: 'prod', vpc });
const service = ecs.FargateService.fromFargateServiceAttributes(existing, 'Service', { cluster, serviceName: 'orders' });
const albSg = ec2.SecurityGroup.fromSecurityGroupId(existing, 'AlbSg', 'sg-0a1b2c3d4e5f60718');
const lbArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/prod/50dc6c495c0c9188';
const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(existing, 'Listener', {
  listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2',
  securityGroup: albSg,
});
const testListener = elbv2.ApplicationListener.fromApplicationListenerAttributes(existing, 'TestListener', {
  listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/prod/50dc6c495c0c9188/a1b2c3d4e5f60718',
  securityGroup: albSg,
});
const targetGroup = (id, name) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(existing, id, {
  targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`,
  loadBalancerArns: lbArn,
});
new CanaryDeployment(existing, 'Canary', {
  service,
  containerName: 'orders',
  containerPort: 8080,
  listener,
  testListener,
  blueTargetGroup: targetGroup('Blue', 'orders-blue'),
  greenTargetGroup: targetGroup('Green', 'orders-green'),
  serviceSecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(existing, 'TaskSg', 'sg-0b1b2c3d4e5f60718')],
  schedule: TrafficSchedule.steps([
    { percent: 10, bake: Duration.minutes(10) },
    { percent: 50, bake: Duration.minutes(20) },
  ]),
});

app.synth();
