/**
 * Which ECS-engine canary service a command is about. NativeCanaryDeployment keeps one
 * configuration document per service at /cdk-ecs-canary/ecs/<cluster>/<service>: they are the
 * catalogue, as the CodeDeploy documents are for ../target.ts.
 */
import type { Parameter } from '@aws-sdk/client-ssm';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig } from '../../../lib/native/native-config';
import { CONFIG_PARAMETER_PREFIX } from '../../../lib/runtime-config';
import type { CliClients } from '../aws';
import { CliError } from '../errors';
import { targetsOfStack, targetsUnder, TargetSelector } from '../target';

export const NATIVE_PREFIX = `${CONFIG_PARAMETER_PREFIX}/ecs`;

export interface NativeTarget {
  readonly parameterName: string;
  readonly config: NativeRuntimeConfig;
}

export function nativeTargetName(t: NativeTarget): string {
  return `${t.config.clusterName}/${t.config.serviceName}`;
}

function toTarget(p: Parameter): NativeTarget | undefined {
  if (!p.Name?.startsWith(`${NATIVE_PREFIX}/`)) return undefined;
  try {
    const config = JSON.parse(p.Value ?? 'null') as NativeRuntimeConfig | null;
    if (!config || config.version !== NATIVE_CONFIG_VERSION || config.engine !== 'ecs') return undefined;
    return { parameterName: p.Name, config };
  } catch {
    return undefined;
  }
}

/** Exactly one ECS-engine canary service, or a CliError naming the candidates. */
export async function findNativeTarget(clients: CliClients, selector: TargetSelector): Promise<NativeTarget> {
  const candidates = selector.stack
    ? await targetsOfStack(clients, selector.stack, (name) => name.startsWith(`${NATIVE_PREFIX}/`), toTarget)
    : await targetsUnder(clients, NATIVE_PREFIX, toTarget);
  const where = selector.stack ? `stack ${selector.stack}` : `${NATIVE_PREFIX} in this account and region`;
  const names = () => candidates.map(nativeTargetName).sort().join(', ');
  if (candidates.length === 0) throw new CliError(`no ECS-engine canary service found in ${where}`);
  if (!selector.service) {
    if (candidates.length === 1) return candidates[0];
    throw new CliError(`${candidates.length} ECS-engine canary services in ${where}: pass --service with one of ${names()}`);
  }
  const found = candidates.filter((t) => t.config.serviceName === selector.service || nativeTargetName(t) === selector.service);
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new CliError(`unknown service ${selector.service} in ${where}; known: ${names()}`);
  throw new CliError(`${selector.service} matches ${found.length} services: ${names()}; pass --service <cluster>/<service>`);
}
