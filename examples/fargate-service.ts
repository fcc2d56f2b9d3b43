import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CanaryFargateService, HttpCheck, TrafficSchedule } from 'cdk-ecs-canary';

const app = new App();
const stack = new Stack(app, 'Shop');

const api = new CanaryFargateService(stack, 'Api', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  containerPort: 80,
  // everything below has a default that follows the release policy
  schedule: TrafficSchedule.steps([
    { percent: 5, bake: Duration.minutes(5) },
    { percent: 25, bake: Duration.minutes(10) },
    { percent: 50, bake: Duration.minutes(15) },
  ]), // then 100 %
  analysis: { maxErrorRatePercent: 1, maxP95: Duration.seconds(1), relativeToStable: { errorRate: 2, latency: 1.5 } },
  smokeTests: [HttpCheck.get('/', { expectStatus: [200], repeat: 3 })],
});

// what you wire to: api.service, api.loadBalancer, api.listener, api.productionRule, api.testListener,
// api.targetGroups, api.deploymentGroup, api.rollbackAlarm, api.topic, api.dashboard, api.release
new CfnOutput(stack, 'Url', { value: `http://${api.loadBalancer.loadBalancerDnsName}` });
app.synth();
