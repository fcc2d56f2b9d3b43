import { DeploymentStatus, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import type { Clients } from './clients';

/** CodeDeploy's deployment ids: `d-` and upper-case letters and digits. */
export function isDeploymentId(value: unknown): value is string {
  return typeof value === 'string' && /^d-[A-Z0-9]+$/.test(value);
}

/** A deployment in these states is over: CodeDeploy waits for none of its hooks any more. */
export const TERMINAL_STATUSES: readonly string[] = [DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.STOPPED];

/** Statuses of a deployment that still holds its group (CodeDeploy runs one at a time per group). */
export const IN_FLIGHT_STATUSES: DeploymentStatus[] = [
  DeploymentStatus.CREATED,
  DeploymentStatus.QUEUED,
  DeploymentStatus.IN_PROGRESS,
  DeploymentStatus.BAKING,
  DeploymentStatus.READY,
];

/** Ids of a deployment group's deployments, every page, optionally filtered by status or creation time. */
export async function listDeploymentIds(
  clients: Pick<Clients, 'codedeploy'>,
  applicationName: string,
  deploymentGroupName: string,
  filter: { statuses?: DeploymentStatus[]; since?: Date } = {},
): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.codedeploy.send(new ListDeploymentsCommand({
      applicationName,
      deploymentGroupName,
      includeOnlyStatuses: filter.statuses,
      createTimeRange: filter.since ? { start: filter.since } : undefined,
      nextToken,
    }));
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}
