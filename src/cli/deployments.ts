/**
 * The deployments of a canary deployment group, as CodeDeploy reports them.
 *
 * ListDeployments does not document its order, so the CLI sorts by createTime itself and looks
 * back in widening windows (1 day, 7, 30, 365, everything) until it has what it needs: a group
 * with years of history costs a few calls, not one GetDeployment per deployment ever made.
 */
import {
  DeploymentInfo,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { IN_FLIGHT_STATUSES, listDeploymentIds, TERMINAL_STATUSES } from '../../lambda/shared/deployments';
import type { CliClients } from './aws';
import { CliError } from './errors';
import { CanaryTarget, targetName } from './target';

/** A deployment that still holds the group (CodeDeploy runs one at a time per group). */
export const IN_FLIGHT: readonly string[] = IN_FLIGHT_STATUSES;

export const TERMINAL: readonly string[] = TERMINAL_STATUSES;

export function isInFlight(d: DeploymentInfo | undefined): boolean {
  return !!d?.status && IN_FLIGHT.includes(d.status);
}

const WINDOWS_DAYS: readonly (number | undefined)[] = [1, 7, 30, 365, undefined];

function listIds(clients: CliClients, target: CanaryTarget, start: Date | undefined): Promise<string[]> {
  return listDeploymentIds(clients, target.applicationName, target.deploymentGroupName, { since: start });
}

export async function getDeployment(clients: CliClients, deploymentId: string): Promise<DeploymentInfo> {
  const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  if (!deploymentInfo) throw new CliError(`CodeDeploy returned nothing for deployment ${deploymentId}`);
  return { ...deploymentInfo, deploymentId: deploymentInfo.deploymentId ?? deploymentId };
}

function newestFirst(a: DeploymentInfo, b: DeploymentInfo): number {
  return (b.createTime ? new Date(b.createTime).getTime() : 0) - (a.createTime ? new Date(a.createTime).getTime() : 0);
}

/**
 * The group's deployments, newest first, looking back until `enough` says so (or everything
 * was read). `enough` gets the list so far, newest first.
 */
export async function deploymentsNewestFirst(
  clients: CliClients,
  target: CanaryTarget,
  now: Date,
  enough: (newestFirst: DeploymentInfo[]) => boolean,
): Promise<DeploymentInfo[]> {
  const byId = new Map<string, DeploymentInfo>();
  let sorted: DeploymentInfo[] = [];
  for (const days of WINDOWS_DAYS) {
    const start = days === undefined ? undefined : new Date(now.getTime() - days * 86_400_000);
    const ids = (await listIds(clients, target, start)).filter((id) => !byId.has(id));
    for (let i = 0; i < ids.length; i += 10) {
      const infos = await Promise.all(ids.slice(i, i + 10).map((id) => getDeployment(clients, id)));
      for (const info of infos) byId.set(info.deploymentId!, info);
    }
    sorted = [...byId.values()].sort(newestFirst);
    if (sorted.length > 0 && enough(sorted)) return sorted;
  }
  return sorted;
}

/** The deployment in flight, else the newest one; a CliError when the group has none. */
export async function currentOrLastDeployment(clients: CliClients, target: CanaryTarget, now: Date, deploymentId?: string): Promise<DeploymentInfo> {
  if (deploymentId) return getDeployment(clients, deploymentId);
  const all = await deploymentsNewestFirst(clients, target, now, () => true);
  if (all.length === 0) {
    throw new CliError(`no deployment of ${targetName(target)} yet: the next \`cdk deploy\` that changes the task definition starts one`);
  }
  return all.find(isInFlight) ?? all[0];
}

/** The deployment in flight; a CliError naming the last one when nothing is in flight. */
export async function inFlightDeployment(clients: CliClients, target: CanaryTarget, now: Date, deploymentId?: string): Promise<DeploymentInfo> {
  const d = await currentOrLastDeployment(clients, target, now, deploymentId);
  if (!isInFlight(d)) {
    throw new CliError(`no deployment in progress for ${targetName(target)}: the last one, ${d.deploymentId}, is ${d.status}`);
  }
  return d;
}

export interface LifecycleEventView {
  readonly name: string;
  readonly status: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

/** ECS lifecycle events of the deployment's (single) target, in CodeDeploy's order. */
export async function lifecycleEvents(clients: CliClients, deploymentId: string): Promise<LifecycleEventView[]> {
  const { targetIds } = await clients.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
  const targetId = targetIds?.[0];
  if (!targetId) return [];
  const { deploymentTarget } = await clients.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }));
  return (deploymentTarget?.ecsTarget?.lifecycleEvents ?? []).map((e) => ({
    name: e.lifecycleEventName ?? '?',
    status: e.status ?? 'Unknown',
    startTime: e.startTime ? new Date(e.startTime).toISOString() : undefined,
    endTime: e.endTime ? new Date(e.endTime).toISOString() : undefined,
  }));
}
