/**
 * The contract between the CanaryRelease construct (synth time) and the release custom
 * resource's Lambda code (lambda/release, run time).
 *
 * This file must stay free of aws-cdk-lib imports: it is bundled into the Lambda code.
 */
import { configParameterName } from '../runtime-config';

/** CloudFormation type of the release custom resource. */
export const RELEASE_RESOURCE_TYPE = 'Custom::CanaryRelease';

/** `wait`: the stack update waits for the deployment's result. `async`: it returns once the deployment started. */
export type ReleaseRunMode = 'wait' | 'async';

/** What to do when another deployment of the group is in progress: fail the update, or queue behind it. */
export type ReleaseConflict = 'fail' | 'wait';

/**
 * Properties of the custom resource. CloudFormation hands every property to the function as a
 * string, so only strings are used.
 */
export interface ReleaseResourceProperties {
  /** The task definition revision this stack declares for the service. */
  readonly TaskDefinitionArn: string;
  /** The AppSpec (JSON) that releases it through the canary hooks. */
  readonly AppSpec: string;
  readonly ApplicationName: string;
  readonly DeploymentGroupName: string;
  readonly DeploymentConfigName: string;
  readonly ClusterName: string;
  readonly ServiceName: string;
  readonly Mode: ReleaseRunMode;
  readonly OnConflict: ReleaseConflict;
}

/** Attributes (`Fn::GetAtt`) of the custom resource. */
export interface ReleaseAttributes {
  /** The CodeDeploy deployment this update started or joined; '' when there was nothing to deploy. */
  readonly DeploymentId: string;
  /** Like DeploymentId, but `none` instead of '' (a stack output is never empty). */
  readonly Deployment: string;
  /** One sentence saying what the release did. */
  readonly Summary: string;
}

/** `Deployment` attribute when no deployment was started. */
export const NO_DEPLOYMENT = 'none';

/** SSM parameter holding the AppSpec of the task definition the stack declares (for pipelines and the CLI). */
export function appSpecParameterName(applicationName: string, deploymentGroupName: string): string {
  return `${configParameterName(applicationName, deploymentGroupName)}/appspec`;
}
