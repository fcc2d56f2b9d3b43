/** The service deployments of an ECS-engine canary service (ECS ListServiceDeployments / DescribeServiceDeployments). */
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand, ServiceDeployment } from '@aws-sdk/client-ecs';
import type { CliClients } from '../aws';
import { CliError } from '../errors';
import type { NativeTarget } from './target';

/** ECS no longer moves a deployment in these states. */
export const TERMINAL = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'];
const OPEN = ['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];

/** `--deployment <arn>`, else the open deployment, else the newest one. */
export async function nativeDeployment(clients: CliClients, target: NativeTarget, arn?: string, openOnly = false): Promise<ServiceDeployment> {
  let deploymentArn = arn;
  if (!deploymentArn) {
    const { serviceDeployments } = await clients.ecs.send(new ListServiceDeploymentsCommand({
      cluster: target.config.clusterName,
      service: target.config.serviceName,
    }));
    const all = [...(serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
    const pick = all.find((d) => OPEN.includes(String(d.status))) ?? (openOnly ? undefined : all[0]);
    if (!pick?.serviceDeploymentArn) {
      throw new CliError(`${openOnly ? 'no deployment in progress' : 'no deployment yet'} for ${target.config.clusterName}/${target.config.serviceName}`);
    }
    deploymentArn = pick.serviceDeploymentArn;
  }
  const { serviceDeployments } = await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [deploymentArn] }));
  const d = serviceDeployments?.[0];
  if (!d) throw new CliError(`service deployment ${deploymentArn} not found`);
  return d;
}
