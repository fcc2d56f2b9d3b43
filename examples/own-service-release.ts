import { App, Stack } from 'aws-cdk-lib';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import {
  CanaryDashboard, CanaryDeployment, CanaryHooks, CanaryRelease, ReleaseConflictPolicy, ReleaseMode,
} from 'cdk-ecs-canary';

const app = new App();
const stack = new Stack(app, 'Payments');

// A service you build yourself: the CODE_DEPLOY controller and two target groups are what it needs.
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: false });
const blue = new elbv2.ApplicationTargetGroup(stack, 'Blue', { vpc, port: 8080, targetType: elbv2.TargetType.IP });
const green = new elbv2.ApplicationTargetGroup(stack, 'Green', { vpc, port: 8080, targetType: elbv2.TargetType.IP });
const listener = alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward([blue]) });
const testListener = alb.addListener('Test', { port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: elbv2.ListenerAction.forward([green]) });
const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
taskDefinition.addContainer('payments', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  portMappings: [{ containerPort: 8080 }],
});
const service = new ecs.FargateService(stack, 'Service', {
  cluster, taskDefinition, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
});
service.attachToApplicationTargetGroup(blue);

const canary = new CanaryDeployment(stack, 'Canary', {
  service, containerName: 'payments', containerPort: 8080,
  listener, testListener, blueTargetGroup: blue, greenTargetGroup: green,
  dashboard: false, // built below, with your own name
});

// `cdk deploy` of a new task definition releases it; wait behind a running release instead of failing.
new CanaryRelease(stack, 'Release', {
  deployment: canary, taskDefinition, mode: ReleaseMode.auto(), onConflict: ReleaseConflictPolicy.WAIT,
});

new CanaryDashboard(stack, 'Dashboard', {
  blueTargetGroup: blue,
  greenTargetGroup: green,
  rollbackAlarm: canary.rollbackAlarm,
  deploymentGroup: `${canary.application.applicationName}/${canary.deploymentGroup.deploymentGroupName}`,
  dashboardName: 'payments-canary',
});

// The stack's shared hooks: one notification topic for every canary service in the stack.
const onCall: sns.ITopic = CanaryHooks.of(stack).topic;
onCall.addSubscription(new subscriptions.EmailSubscription('payments-oncall@example.com'));
// A guard run that failed every retry (production may not be back on stable) waits in a dead-letter
// queue; its alarm tells the same people.
CanaryHooks.of(stack).guardDeadLetterAlarm.addAlarmAction(new cw_actions.SnsAction(onCall));
app.synth();
