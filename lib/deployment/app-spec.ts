import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * How the replacement task set is placed, for an AppSpec. CodeDeploy builds the replacement task
 * set from the AppSpec: `PlatformVersion` defaults to LATEST when absent and a capacity provider
 * strategy missing from it is not carried over (CodeDeploy AppSpec 'resources' section for ECS;
 * aws/containers-roadmap#1752), so both are rendered from the service.
 */
export interface AppSpecPlacement {
  /**
   * Fargate platform version of the service's tasks.
   * @default read from the service when it is a construct of this app, else none (CodeDeploy uses LATEST)
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;
  /**
   * Capacity provider strategy of the service (e.g. FARGATE_SPOT).
   * @default read from the service when it is a construct of this app, else none (the launch type)
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
}
