import { CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { CanaryHooks } from '../hooks/canary-hooks';
import { clusterServicesOf, deploymentGroupsOf, OnceGrants } from '../private/grant-patterns';
import { bundledFunction, canaryLogGroup, findOrCreate, grantLogWrite } from '../private/bundled-function';
import { ENV } from '../runtime-config';
import { RELEASE_WAIT_BUDGET } from './release-estimate';

/** The resources one release may touch, all of one canary service. */
export interface ReleaseGrantTarget {
  /** CreateDeployment, GetDeployment, ListDeployments, StopDeployment: on the application's deployment groups. */
  readonly applicationName: string;
  readonly deploymentGroupArn: string;
  /** GetDeploymentConfig: CreateDeployment reads the config it names [inference, aws-facts.md]. */
  readonly deploymentConfigArn: string;
  /** GetApplicationRevision and RegisterApplicationRevision (CreateDeployment registers the AppSpec revision). */
  readonly applicationArn: string;
  /** DescribeServices: which task definition the service runs (granted on its cluster's services). */
  readonly serviceArn: string;
  readonly clusterName: string;
}

const SINGLETON_ID = 'CdkEcsCanaryRelease';

/** Time between two isComplete polls. */
export const RELEASE_POLL_INTERVAL = Duration.seconds(30);

/**
 * The custom resource provider behind every CanaryRelease of a stack: our pre-bundled onEvent and
 * isComplete functions behind aws-cdk-lib's provider framework (whose waiter polls isComplete for
 * up to 55 minutes). Created once per stack; `grantRelease` adds each service's resources.
 */
export class CanaryReleaseProvider extends Construct {
  /** The stack's shared instance, created on first use. */
  public static of(scope: IConstruct): CanaryReleaseProvider {
    const stack = Stack.of(scope);
    return findOrCreate(stack, SINGLETON_ID, () => new CanaryReleaseProvider(stack, SINGLETON_ID));
  }

  /** Decides and starts a release (Create/Update/Delete). */
  public readonly onEventFunction: lambda.Function;
  /** Watches a release until its deployment ends (polled by the provider framework). */
  public readonly isCompleteFunction: lambda.Function;
  /** The role both functions run with: they run the same code. */
  public readonly role: iam.Role;
  public readonly provider: cr.Provider;
  /** The longest a stack update waits for one release (the provider's total timeout). */
  public readonly totalTimeout = RELEASE_WAIT_BUDGET;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const hooks = CanaryHooks.of(this);

    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.onEventFunction = this.makeFunction('OnEvent', 'index.onEvent', Duration.minutes(2), hooks);
    this.isCompleteFunction = this.makeFunction('IsComplete', 'index.isComplete', Duration.minutes(1), hooks);
    // The rollback reason of a failed release comes from the canary's outcome record.
    hooks.table.grant(this.role, 'dynamodb:GetItem');

    const frameworkLogs = canaryLogGroup(this, 'FrameworkLogs');
    const frameworkOnEventRole = this.frameworkRole('FrameworkOnEventRole', frameworkLogs);
    const frameworkCompleteRole = this.frameworkRole('FrameworkIsCompleteRole', frameworkLogs);
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.onEventFunction,
      isCompleteHandler: this.isCompleteFunction,
      queryInterval: RELEASE_POLL_INTERVAL,
      totalTimeout: this.totalTimeout,
      logGroup: frameworkLogs,
      frameworkOnEventRole,
      frameworkCompleteAndTimeoutRole: frameworkCompleteRole,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: frameworkLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    this.acknowledgeFramework(frameworkOnEventRole, frameworkCompleteRole);
  }

  /** The service token of the custom resources. */
  public get serviceToken(): string {
    return this.provider.serviceToken;
  }

  /**
   * Lets the release functions deploy one more service. Grants are patterns many services share
   * (the application's deployment groups, the cluster's services), added once each, so the role's
   * policy does not grow with the number of services (IAM allows 10,240 characters per role).
   */
  public grantRelease(target: ReleaseGrantTarget): void {
    const stack = Stack.of(this);
    const groups = deploymentGroupsOf(stack, target.applicationName);
    this.grantOnce(['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:StopDeployment'], groups,
      'The deployment groups of the canary services\' CodeDeploy application only: one pattern for every service of the stack.');
    this.grantOnce(['codedeploy:GetDeploymentConfig'], target.deploymentConfigArn);
    this.grantOnce(['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'], target.applicationArn);
    this.grantOnce(['ecs:DescribeServices'], clusterServicesOf(stack, target.clusterName),
      'The services of the canary service\'s cluster (read only): one pattern per cluster, not per service.');
  }

  private readonly grants = new OnceGrants();

  private grantOnce(actions: string[], resource: string, patternReason?: string): void {
    this.grants.grant(this.role, actions, resource, patternReason);
  }

  private makeFunction(id: string, handler: string, timeout: Duration, hooks: CanaryHooks): lambda.Function {
    return bundledFunction(this, id, {
      asset: 'release',
      handler,
      timeout,
      role: this.role,
      description: `cdk-ecs-canary release ${handler.replace('index.', '')}`,
      environment: { [ENV.DECISIONS_TABLE]: hooks.table.tableName },
    });
  }

  /** A role for the provider framework's functions, logging to our log group only. */
  private frameworkRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grantLogWrite(role, logGroup);
    return role;
  }

  private acknowledgeFramework(onEventRole: iam.Role, completeRole: iam.Role): void {
    const stack = Stack.of(this);
    const arnOf = (c: IConstruct) => `${stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement)}.Arn`;
    // Each framework function may invoke both user functions (aws-cdk-lib's Provider grants both).
    for (const role of [onEventRole, completeRole]) {
      Validations.of(role).acknowledge(...[this.onEventFunction, this.isCompleteFunction].map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${arnOf(fn)}>:*]`,
        reason: `Generated by aws-cdk-lib's provider framework: lambda:InvokeFunction on the versions and aliases of our ${fn.node.id} function only.`,
      })));
    }
    const waiter = this.provider.node.findChild('waiter-state-machine');
    const frameworkFn = (name: string) => this.provider.node.findChild(`framework-${name}`);
    Validations.of(waiter).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Generated by aws-cdk-lib\'s provider framework: CloudWatch Logs delivery for the waiter state machine, '
        + 'whose logs:*LogDelivery and resource-policy actions have no resource-level permissions.',
    }, {
      id: `AwsSolutions-IAM5[Resource::<${arnOf(frameworkFn('isComplete'))}>:*]`,
      reason: 'Generated by aws-cdk-lib\'s provider framework: the waiter invokes the framework\'s isComplete function (versions and aliases).',
    }, {
      id: `AwsSolutions-IAM5[Resource::<${arnOf(frameworkFn('onTimeout'))}>:*]`,
      reason: 'Generated by aws-cdk-lib\'s provider framework: the waiter invokes the framework\'s onTimeout function (versions and aliases).',
    }, {
      id: 'AwsSolutions-SF2',
      reason: 'The provider framework\'s waiter state machine (aws-cdk-lib) has no X-Ray option; it only polls isComplete, whose calls are logged.',
    });
  }
}
