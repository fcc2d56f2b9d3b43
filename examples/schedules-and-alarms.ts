import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CanaryFargateService, ReleaseMode, RollbackAlarms, TrafficSchedule } from 'cdk-ecs-canary';

const app = new App();
const stack = new Stack(app, 'Staging');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });

// Fast feedback in staging: 10 % → 50 % → 100 % with two-minute steps. The alarm window must be
// shorter than the first bake, so the alarms look at one minute here; the whole release fits
// CloudFormation's one-hour wait, so `cdk deploy` returns only when the release is done.
const staging = new CanaryFargateService(stack, 'Staging', {
  cluster,
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  schedule: TrafficSchedule.steps([
    { percent: 10, bake: Duration.minutes(2) },
    { percent: 50, bake: Duration.minutes(2) },
  ]),
  alarms: { evaluationMinutes: 1, breachMinutes: 1 },
  release: { mode: ReleaseMode.wait() },
});

// Other schedules: everything at once after the smoke tests, or CodeDeploy's equal linear steps.
TrafficSchedule.allAtOnce();
TrafficSchedule.linear(10, Duration.minutes(5));

// RollbackAlarms on its own, for target groups you manage (both, as they swap every release).
const alarms = new RollbackAlarms(stack, 'MoreAlarms', {
  blueTargetGroup: staging.blueTargetGroup,
  greenTargetGroup: staging.greenTargetGroup,
  maxErrorRatePercent: 0.5,
  maxP95: Duration.millis(400),
  maxP99: Duration.millis(800),
});
new CfnOutput(stack, 'CompositeAlarm', { value: alarms.alarm.alarmName });
app.synth();
