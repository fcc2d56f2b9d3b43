import { DeploymentInfo, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { CONFIG_VERSION, CanaryRuntimeConfig, configParameterName } from '../../lib/runtime-config';
import type { Clients } from './clients';
import { ConfigurationError } from './errors';

/** What every function needs to know about the deployment it works for. */
export interface DeploymentContext {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** CodeDeploy's status of the deployment (Created, InProgress, Succeeded, Failed, Stopped, ...). */
  readonly status: string;
  readonly config: CanaryRuntimeConfig;
  /** CodeDeploy's whole answer (revision, creator, error information), so nobody reads it twice. */
  readonly deployment: DeploymentInfo;
}

/**
 * Looks the deployment up and reads its group's configuration document. The shared functions
 * only receive a deployment id from CodeDeploy, so this is how per-service settings reach them.
 */
export async function loadDeploymentContext(clients: Clients, deploymentId: string): Promise<DeploymentContext> {
  const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  const applicationName = deploymentInfo?.applicationName;
  const deploymentGroupName = deploymentInfo?.deploymentGroupName;
  if (!deploymentInfo || !applicationName || !deploymentGroupName) {
    throw new ConfigurationError(`deployment ${deploymentId} has no application or deployment group`);
  }
  const name = configParameterName(applicationName, deploymentGroupName);
  const param = await clients.ssm.send(new GetParameterCommand({ Name: name }));
  const config = parseConfig(param.Parameter?.Value, name);
  return { deploymentId, applicationName, deploymentGroupName, status: deploymentInfo.status ?? 'Unknown', config, deployment: deploymentInfo };
}

/** Parses and sanity-checks the configuration document; a bad one is a ConfigurationError. */
export function parseConfig(raw: string | undefined, source: string): CanaryRuntimeConfig {
  if (!raw) throw new ConfigurationError(`configuration ${source} is empty`);
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw new ConfigurationError(`configuration ${source} is not JSON: ${(err as Error).message}`);
  }
  const c = doc as Partial<CanaryRuntimeConfig>;
  if (typeof doc !== 'object' || doc === null || c.version !== CONFIG_VERSION) {
    throw new ConfigurationError(`configuration ${source} has version ${String(c?.version)}, this code reads version ${CONFIG_VERSION}`);
  }
  const missing = (['clusterName', 'serviceName', 'productionListenerArn', 'targetGroupArns', 'steps', 'analysis', 'smokeTests', 'alarmNames'] as const)
    .filter((k) => c[k] === undefined);
  if (missing.length > 0) throw new ConfigurationError(`configuration ${source} lacks ${missing.join(', ')}`);
  if (!Array.isArray(c.targetGroupArns) || c.targetGroupArns.length !== 2) {
    throw new ConfigurationError(`configuration ${source} must name exactly two target groups`);
  }
  return c as CanaryRuntimeConfig;
}
