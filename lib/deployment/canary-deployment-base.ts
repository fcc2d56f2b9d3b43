import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import type { AppSpecHookFunctions } from '../hooks/canary-hooks';
import type { TrafficSchedule } from './traffic-schedule';

/**
 * A canary deployment on CodeDeploy, as CanaryRelease, ReleaseEstimate and CanaryDashboard use
 * it: what to release through, and the timings a release-time estimate adds up.
 */
export interface ICanaryDeployment extends IConstruct {
  /** The CodeDeploy application. */
  readonly application: codedeploy.IEcsApplication;
  /** The deployment group releasing the service. */
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;
  /** The deployment config (CodeDeploy's part of the schedule). */
  readonly deploymentConfig: codedeploy.IEcsDeploymentConfig;
  /** The functions this deployment's AppSpec names. */
  readonly hookFunctions: AppSpecHookFunctions;
  /** The ECS service. */
  readonly service: ecs.IBaseService;
  /** The target group serving production when the deployment was created. */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The other target group. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /** Any rollback signal (a composite alarm), for dashboards and notifications. */
  readonly rollbackAlarm: cloudwatch.IAlarm;
  /** How production traffic moves to the new version. */
  readonly schedule: TrafficSchedule;
  /** How often an inconclusive step may be extended by one bake. */
  readonly maxExtensions: number;
  /** How long AfterInstall waits for the new tasks. */
  readonly installTimeout: Duration;
  /** How long the old tasks are kept after 100 %. */
  readonly terminationWaitTime: Duration;
  /** The window the final verdict judges at 100 %. */
  readonly finalVerdictWindow: Duration;

  /** The AppSpec (JSON, tokens resolved by CloudFormation) that releases `taskDefinitionArn` through this deployment's hooks. */
  renderAppSpec(taskDefinitionArn: string): string;
}
