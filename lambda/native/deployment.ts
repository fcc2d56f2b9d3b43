/**
 * Where a native hook finds its deployment and its configuration. A module of its own, with no
 * other SDK client than the two it calls, so the smoke hook's cold start loads only what it uses.
 */
import { ListServiceDeploymentsCommand, ServiceDeploymentBrief, ServiceDeploymentStatus } from '@aws-sdk/client-ecs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig, nativeConfigParameterName } from '../../lib/native/native-config';
import type { Clients } from '../shared/clients';
import { ConfigurationError } from '../shared/errors';

export const OPEN_STATUSES: ServiceDeploymentStatus[] = [
  ServiceDeploymentStatus.PENDING, ServiceDeploymentStatus.IN_PROGRESS, ServiceDeploymentStatus.STOP_REQUESTED,
  ServiceDeploymentStatus.ROLLBACK_REQUESTED, ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS,
];

/** The open service deployment of the service, preferring the one deploying `targetRevision`. */
export async function findDeployment(clients: Clients, cluster: string, service: string, targetRevision?: string): Promise<ServiceDeploymentBrief> {
  const { serviceDeployments } = await clients.ecs.send(new ListServiceDeploymentsCommand({ cluster, service, status: OPEN_STATUSES }));
  const open = (serviceDeployments ?? []).filter((d) => d.serviceDeploymentArn);
  const found = open.find((d) => d.targetServiceRevisionArn === targetRevision) ?? open[0];
  if (!found) throw new ConfigurationError(`no open service deployment of ${cluster}/${service}`);
  return found;
}

export async function readConfig(clients: Clients, cluster: string, service: string): Promise<NativeRuntimeConfig> {
  const name = nativeConfigParameterName(cluster, service);
  const { Parameter } = await clients.ssm.send(new GetParameterCommand({ Name: name }));
  const config = JSON.parse(Parameter?.Value ?? 'null') as NativeRuntimeConfig | null;
  if (!config || config.version !== NATIVE_CONFIG_VERSION || config.engine !== 'ecs') {
    throw new ConfigurationError(`${name} is not a version ${NATIVE_CONFIG_VERSION} native canary configuration`);
  }
  return config;
}
