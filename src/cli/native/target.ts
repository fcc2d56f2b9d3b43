/**
 * Which ECS-engine canary service a command is about. NativeCanaryDeployment keeps one
 * configuration document per service at /cdk-ecs-canary/ecs/<cluster>/<service>: they are the
 * catalogue, as the CodeDeploy documents are for ../target.ts.
 */
import { ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetParametersByPathCommand, GetParametersCommand, Parameter } from '@aws-sdk/client-ssm';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig } from '../../../lib/native/native-config';
import { CONFIG_PARAMETER_PREFIX } from '../../../lib/runtime-config';
import type { CliClients } from '../aws';
import { CliError } from '../errors';
import type { TargetSelector } from '../target';

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

async function allTargets(clients: CliClients): Promise<NativeTarget[]> {
  const out: NativeTarget[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.ssm.send(new GetParametersByPathCommand({ Path: NATIVE_PREFIX, Recursive: true, NextToken }));
    for (const p of page.Parameters ?? []) {
      const t = toTarget(p);
      if (t) out.push(t);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function stackTargets(clients: CliClients, stack: string): Promise<NativeTarget[]> {
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stack, NextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const names = resources
    .filter((r) => r.ResourceType === 'AWS::SSM::Parameter' && r.PhysicalResourceId?.startsWith(`${NATIVE_PREFIX}/`))
    .map((r) => r.PhysicalResourceId!);
  const out: NativeTarget[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const page = await clients.ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10) }));
    for (const p of page.Parameters ?? []) {
      const t = toTarget(p);
      if (t) out.push(t);
    }
  }
  return out;
}

/** Exactly one ECS-engine canary service, or a CliError naming the candidates. */
export async function findNativeTarget(clients: CliClients, selector: TargetSelector): Promise<NativeTarget> {
  const candidates = selector.stack ? await stackTargets(clients, selector.stack) : await allTargets(clients);
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
