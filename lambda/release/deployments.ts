/**
 * What the release needs to know from CodeDeploy and ECS, and the marker that ties a CodeDeploy
 * deployment to the custom resource (and the request) that started it.
 */
import { createHash } from 'crypto';
import {
  CreateDeploymentCommand,
  DeploymentCreator,
  DeploymentStatus,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { IN_FLIGHT_STATUSES, listDeploymentIds } from '../shared/deployments';
import type { Clients } from '../shared/clients';
import { errorMessage } from '../shared/errors';
import { logger } from '../shared/logger';
import { ReleasePropertiesError } from './errors';
import type { ReleaseProperties } from './types';

/** Statuses of a deployment that still holds the group (one deployment at a time per group). */
export { IN_FLIGHT_STATUSES };

/** Written into the deployment's description so a retry or a later request recognises it. */
export interface ReleaseMarker {
  readonly taskDefinitionArn: string;
  /** Stable per custom resource: hash of the stack id and the logical id. */
  readonly resource: string;
  /** The CloudFormation request that started it. */
  readonly requestId: string;
}

export function resourceKey(stackId: string, logicalResourceId: string): string {
  return createHash('sha256').update(`${stackId}|${logicalResourceId}`).digest('hex').slice(0, 12);
}

/**
 * The deployment description: names the task definition for people, and carries the marker.
 * At most ~410 characters for the longest task definition ARN (CodeDeploy's limit is 512
 * [inference: DescriptionTooLongException's limit is not in the API reference]).
 */
export function releaseDescription(m: ReleaseMarker): string {
  return `cdk-ecs-canary release of ${m.taskDefinitionArn} (cfn ${m.resource} ${m.requestId})`;
}

const MARKER_RE = /^cdk-ecs-canary release of (\S+) \(cfn ([0-9a-f]{12}) (\S+)\)/;

export function parseMarker(description: string | undefined): ReleaseMarker | undefined {
  const m = description ? MARKER_RE.exec(description) : null;
  return m ? { taskDefinitionArn: m[1], resource: m[2], requestId: m[3] } : undefined;
}

export interface DeploymentSummary {
  readonly deploymentId: string;
  readonly status: string;
  readonly description?: string;
  readonly createTime?: Date;
  /** Set when one of our release resources started it. */
  readonly marker?: ReleaseMarker;
  readonly error?: { readonly code?: string; readonly message?: string };
  /**
   * On a deployment that was rolled back: the rollback's id (`deploymentId`). On a rollback
   * deployment itself: the deployment it undoes (`triggeringDeploymentId`).
   */
  readonly rollback?: { readonly deploymentId?: string; readonly triggeringDeploymentId?: string; readonly message?: string };
  /** Who started it: 'user', 'autoscaling', 'codeDeployRollback', 'CloudFormation', ... */
  readonly creator?: string;
}

export async function getDeployment(clients: Clients, deploymentId: string): Promise<DeploymentSummary> {
  const { deploymentInfo: d } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  return {
    deploymentId,
    status: d?.status ?? 'Unknown',
    description: d?.description,
    createTime: d?.createTime,
    marker: parseMarker(d?.description),
    error: d?.errorInformation ? { code: d.errorInformation.code, message: d.errorInformation.message } : undefined,
    rollback: d?.rollbackInfo
      ? {
        deploymentId: d.rollbackInfo.rollbackDeploymentId,
        triggeringDeploymentId: d.rollbackInfo.rollbackTriggeringDeploymentId,
        message: d.rollbackInfo.rollbackMessage,
      }
      : undefined,
    creator: d?.creator,
  };
}

function listGroupDeployments(clients: Clients, props: ReleaseProperties, filter: { statuses?: DeploymentStatus[]; since?: Date }): Promise<string[]> {
  return listDeploymentIds(clients, props.ApplicationName, props.DeploymentGroupName, filter);
}

/** Deployments of the group that are not finished, oldest first. */
export async function inFlightDeployments(clients: Clients, props: ReleaseProperties): Promise<DeploymentSummary[]> {
  const ids = await listGroupDeployments(clients, props, { statuses: IN_FLIGHT_STATUSES });
  const all = await Promise.all(ids.map((id) => getDeployment(clients, id)));
  return all.sort((a, b) => (a.createTime?.getTime() ?? 0) - (b.createTime?.getTime() ?? 0));
}

/** The deployment (any status) that this very request started, if it already did. */
export async function deploymentOfRequest(
  clients: Clients,
  props: ReleaseProperties,
  marker: { resource: string; requestId: string },
  since: Date,
): Promise<DeploymentSummary | undefined> {
  const ids = await listGroupDeployments(clients, props, { since });
  for (const id of ids) {
    const d = await getDeployment(clients, id);
    if (d.marker?.resource === marker.resource && d.marker.requestId === marker.requestId
      && d.marker.taskDefinitionArn === props.TaskDefinitionArn) {
      return d;
    }
  }
  return undefined;
}

/** A rollback CodeDeploy runs of a deployment one of our release resources started. */
export interface OwnRollback {
  readonly rollback: DeploymentSummary;
  /** The release deployment it undoes (its description carries our marker). */
  readonly of: DeploymentSummary;
}

/**
 * Among the in-flight deployments, CodeDeploy's automatic rollback (creator
 * `codeDeployRollback`) of a deployment that the release resource `resource` started.
 */
export async function rollbackOfOurRelease(clients: Clients, inFlight: readonly DeploymentSummary[], resource: string): Promise<OwnRollback | undefined> {
  for (const d of inFlight) {
    const triggering = d.rollback?.triggeringDeploymentId;
    if (d.creator !== DeploymentCreator.CodeDeployRollback || !triggering) continue;
    const of = await getDeployment(clients, triggering);
    if (of.marker?.resource === resource) return { rollback: d, of };
  }
  return undefined;
}

export interface RunningTaskDefinitions {
  /** What the service serves production from: the PRIMARY task set, else the service's own. */
  readonly primary?: string;
  /** Every task definition with tasks in the service (PRIMARY and ACTIVE task sets during a deployment). */
  readonly all: string[];
}

export async function runningTaskDefinitions(clients: Clients, props: ReleaseProperties): Promise<RunningTaskDefinitions> {
  const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: props.ClusterName, services: [props.ServiceName] }));
  const service = out.services?.[0];
  if (!service) {
    const why = out.failures?.map((f) => `${f.arn ?? props.ServiceName}: ${f.reason}`).join('; ') ?? 'not returned';
    throw new ReleasePropertiesError(`ECS service ${props.ServiceName} in cluster ${props.ClusterName} was not found (${why})`);
  }
  const sets = service.taskSets ?? [];
  if (sets.length === 0) {
    return { primary: service.taskDefinition, all: service.taskDefinition ? [service.taskDefinition] : [] };
  }
  const all = [...new Set(sets.map((s) => s.taskDefinition).filter((t): t is string => !!t))];
  return { primary: sets.find((s) => s.status === 'PRIMARY')?.taskDefinition, all };
}

export async function createDeployment(clients: Clients, props: ReleaseProperties, marker: ReleaseMarker): Promise<string> {
  const out = await clients.codedeploy.send(new CreateDeploymentCommand({
    applicationName: props.ApplicationName,
    deploymentGroupName: props.DeploymentGroupName,
    deploymentConfigName: props.DeploymentConfigName,
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: props.AppSpec } },
    description: releaseDescription(marker),
  }));
  if (!out.deploymentId) throw new Error('CodeDeploy CreateDeployment returned no deployment id');
  return out.deploymentId;
}

/** Stops a deployment and rolls it back. Never throws: the callers must not fail because of it. */
export async function stopWithRollback(clients: Clients, deploymentId: string, why: string): Promise<boolean> {
  try {
    await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    logger.warn('release: stopped deployment with rollback', { stoppedDeploymentId: deploymentId, why });
    return true;
  } catch (err) {
    logger.error('release: could not stop deployment', { stoppedDeploymentId: deploymentId, why, error: errorMessage(err) });
    return false;
  }
}
