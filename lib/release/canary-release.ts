import { Annotations, CfnOutput, CustomResource, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { ICanaryDeployment } from '../deployment/canary-deployment-base';
import { CanaryHooks } from '../hooks/canary-hooks';
import { RELEASE_RESOURCE_TYPE, ReleaseResourceProperties, appSpecParameterName } from './release-contract';
import { CUSTOM_RESOURCE_LIMIT, ReleaseEstimate } from './release-estimate';
import { ReleaseMode, ReleaseRunKind } from './release-mode';
import { CanaryReleaseProvider } from './release-provider';
import { dependencyRoots } from '../private/dependency-roots';
import { RollbackAlarms } from '../alarms/rollback-alarms';

/** What a release does when another deployment of the group is in progress. */
export enum ReleaseConflictPolicy {
  /** Fail the stack update, naming the deployment in the way: stop it or wait, then deploy again. */
  FAIL = 'fail',
  /** Queue behind it and start once it ended (within the same 55-minute budget of the stack update). */
  WAIT = 'wait',
}

/** How `cdk deploy` releases a new task definition. */
export interface CanaryReleaseOptions {
  /**
   * Whether the stack update waits for the canary deployment's result.
   * @default ReleaseMode.auto(): wait when the worst-case release fits 55 minutes, else async with a warning
   */
  readonly mode?: ReleaseMode;
  /**
   * What to do when another deployment of the group is in progress.
   * @default ReleaseConflictPolicy.FAIL
   */
  readonly onConflict?: ReleaseConflictPolicy;
}

export interface CanaryReleaseProps extends CanaryReleaseOptions {
  /** The canary deployment (CodeDeploy application, group, config and hooks) to release through. */
  readonly deployment: ICanaryDeployment;
  /** The task definition the stack declares for the service; a new revision is what gets released. */
  readonly taskDefinition: ecs.ITaskDefinition;
}

/**
 * Starts the canary deployment when `cdk deploy` registers a new task definition revision.
 *
 * With the `CODE_DEPLOY` controller CloudFormation cannot roll a new task definition into the
 * service (aws-facts.md): this custom resource calls CodeDeploy's CreateDeployment with the
 * AppSpec of the new revision and, in `wait` mode, ends the stack update with its result. On the
 * stack's first creation, and when the service already runs the revision (a CloudFormation
 * rollback), it starts nothing.
 *
 * Whatever the mode, the AppSpec and the task definition ARN are published as stack outputs and
 * in the SSM parameter `/cdk-ecs-canary/<application>/<deployment group>/appspec`, so CodePipeline's
 * ECS blue/green action or `aws deploy create-deployment` release through the same hooks.
 */
export class CanaryRelease extends Construct {
  /** How this release runs: wait, async, or external (no custom resource). */
  public readonly mode: ReleaseRunKind;
  /** Worst-case release time; undefined when a duration is an unresolved token. */
  public readonly estimate?: ReleaseEstimate;
  /** The AppSpec of the declared task definition (JSON, tokens resolved by CloudFormation). */
  public readonly appSpec: string;
  /** SSM parameter holding that AppSpec. */
  public readonly appSpecParameter: ssm.StringParameter;
  /** The custom resource; undefined in `external` mode. */
  public readonly resource?: CustomResource;
  /** The deployment the last update started or joined ('' when none); undefined in `external` mode. */
  public readonly deploymentId?: string;

  constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    const d = props.deployment;
    const taskDefinitionArn = props.taskDefinition.taskDefinitionArn;
    this.estimate = ReleaseEstimate.of(d);
    const mode = (props.mode ?? ReleaseMode.auto()).bind(this, this.estimate);
    this.mode = mode.kind;

    const applicationName = d.application.applicationName;
    const deploymentGroupName = d.deploymentGroup.deploymentGroupName;
    this.appSpec = d.renderAppSpec(taskDefinitionArn);
    this.appSpecParameter = new ssm.StringParameter(this, 'AppSpecParameter', {
      parameterName: appSpecParameterName(applicationName, deploymentGroupName),
      simpleName: false,
      stringValue: this.appSpec,
      description: 'cdk-ecs-canary: AppSpec of the task definition this stack declares (CodeDeploy AppSpecContent)',
    });
    new CfnOutput(this, 'AppSpec', {
      value: this.appSpec,
      description: 'AppSpec (JSON) releasing the declared task definition through the canary hooks: '
        + 'aws deploy create-deployment --revision revisionType=AppSpecContent, or CodePipeline ECS blue/green',
    });
    new CfnOutput(this, 'TaskDefinitionArn', {
      value: taskDefinitionArn,
      description: 'Task definition revision this stack declares for the canary service',
    });
    if (this.mode === ReleaseRunKind.EXTERNAL) return;

    const provider = CanaryReleaseProvider.of(this);
    provider.grantRelease({
      applicationName: d.application.applicationName,
      deploymentGroupArn: d.deploymentGroup.deploymentGroupArn,
      deploymentConfigArn: d.deploymentConfig.deploymentConfigArn,
      applicationArn: d.application.applicationArn,
      serviceArn: d.service.serviceArn,
      clusterName: d.service.cluster.clusterName,
    });

    const onConflict = props.onConflict ?? ReleaseConflictPolicy.FAIL;
    const properties: ReleaseResourceProperties = {
      TaskDefinitionArn: taskDefinitionArn,
      AppSpec: this.appSpec,
      ApplicationName: applicationName,
      DeploymentGroupName: deploymentGroupName,
      DeploymentConfigName: d.deploymentConfig.deploymentConfigName,
      ClusterName: d.service.cluster.clusterName,
      ServiceName: d.service.serviceName,
      Mode: this.mode === ReleaseRunKind.WAIT ? 'wait' : 'async',
      OnConflict: onConflict,
    };
    // The provider gives up first (55 min, with its own message); CloudFormation's own limit is
    // only the backstop. Every mode may poll: wait watches the deployment, and any mode retries a
    // start that is queued behind another deployment or hit throttling.
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RELEASE_RESOURCE_TYPE,
      serviceTimeout: CUSTOM_RESOURCE_LIMIT,
      properties,
    });
    // The deployment must not start before what it uses is in place and allowed: the deployment
    // group, config and runtime configuration, the hooks' functions and grants, and our own grants.
    // Named through the few resources that wait for the rest (DependsOn is transitive): the
    // deployment group the properties reference waits for its alarms, each function for its role.
    const rollbackAlarms = d.node.tryFindChild('Alarms');
    const watched = rollbackAlarms instanceof RollbackAlarms ? [...rollbackAlarms.alarms] : [];
    // What its properties reference (the hook functions in the AppSpec, the provider's function, the
    // deployment group) comes first anyway and is not named again.
    this.resource.node.addDependency(...dependencyRoots([d, CanaryHooks.of(this), provider], watched,
      { scope: this, value: [provider.serviceToken, properties] }));
    this.deploymentId = this.resource.getAttString('DeploymentId');

    const output = new CfnOutput(this, 'DeploymentId', {
      value: this.resource.getAttString('Deployment'),
      description: 'CodeDeploy deployment started by the last cdk deploy ("none" when there was nothing to release); '
        + 'follow it with npx canary watch',
    });
    if (mode.warning) {
      const outputName = Stack.of(this).resolve(output.logicalId);
      Annotations.of(this).addWarningV2(mode.warning.id, `${mode.warning.message} The deployment id is the stack output ${outputName}.`);
    }
  }
}
