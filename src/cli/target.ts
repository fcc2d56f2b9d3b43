/**
 * Which canary service a command is about. Every canary deployment group has its runtime
 * configuration document in SSM at /cdk-ecs-canary/<application>/<deployment group>, so the
 * documents are the catalogue: `--service` matches the ECS service name or
 * `<application>/<deploymentGroup>`, `--stack` takes the documents the stack created.
 */
import { ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetParametersByPathCommand, GetParametersCommand, Parameter } from '@aws-sdk/client-ssm';
import { parseConfig } from '../../lambda/shared/deployment-context';
import { CONFIG_PARAMETER_PREFIX, CanaryRuntimeConfig } from '../../lib/runtime-config';
import type { CliClients } from './aws';
import { CliError } from './errors';

export interface CanaryTarget {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly parameterName: string;
  readonly config: CanaryRuntimeConfig;
}

export interface TargetSelector {
  /** ECS service name or `<application>/<deploymentGroup>`. */
  readonly service?: string;
  /** CloudFormation stack name (or id) that created the canary service. */
  readonly stack?: string;
}

/** `app/group` of a target, as people pass it to `--service`. */
export function targetName(t: Pick<CanaryTarget, 'applicationName' | 'deploymentGroupName'>): string {
  return `${t.applicationName}/${t.deploymentGroupName}`;
}

export function describeTarget(t: CanaryTarget): string {
  return `${t.config.serviceName} (${targetName(t)})`;
}

/**
 * `/cdk-ecs-canary/app/group` -> { app, group }; undefined for anything else under the prefix
 * (the release keeps `/cdk-ecs-canary/app/group/appspec` there too).
 */
export function splitParameterName(name: string): { applicationName: string; deploymentGroupName: string } | undefined {
  if (!name.startsWith(`${CONFIG_PARAMETER_PREFIX}/`)) return undefined;
  const parts = name.slice(CONFIG_PARAMETER_PREFIX.length + 1).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { applicationName: parts[0], deploymentGroupName: parts[1] };
}

function toTarget(p: Parameter): CanaryTarget | undefined {
  const names = p.Name ? splitParameterName(p.Name) : undefined;
  if (!names || !p.Name) return undefined;
  try {
    return { ...names, parameterName: p.Name, config: parseConfig(p.Value, p.Name) };
  } catch {
    // A document this CLI cannot read (another version) is not a candidate.
    return undefined;
  }
}

/** Every parameter under `path` that `toTarget` accepts (GetParametersByPath, all pages). */
export async function targetsUnder<T>(clients: CliClients, path: string, toTarget: (p: Parameter) => T | undefined): Promise<T[]> {
  const out: T[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken }));
    for (const p of page.Parameters ?? []) {
      const t = toTarget(p);
      if (t) out.push(t);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/**
 * The parameters of a stack that `toTarget` accepts, among those whose name `isCandidate`.
 * ListStackResources, not DescribeStackResources: the latter returns only the first 100
 * resources, and a canary stack has about 90 before the user adds anything.
 */
export async function targetsOfStack<T>(
  clients: CliClients, stack: string, isCandidate: (name: string) => boolean, toTarget: (p: Parameter) => T | undefined,
): Promise<T[]> {
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const page = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stack, NextToken }));
      resources.push(...(page.StackResourceSummaries ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (err) {
    if ((err as Error).name === 'ValidationError' && /does not exist/i.test((err as Error).message)) {
      throw new CliError(`stack ${stack} does not exist in this account and region (check --region / --profile)`);
    }
    throw err;
  }
  const names = resources
    .filter((r) => r.ResourceType === 'AWS::SSM::Parameter' && r.PhysicalResourceId && isCandidate(r.PhysicalResourceId))
    .map((r) => r.PhysicalResourceId!);
  const out: T[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const page = await clients.ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10) }));
    for (const p of page.Parameters ?? []) {
      const t = toTarget(p);
      if (t) out.push(t);
    }
  }
  return out;
}

function matches(t: CanaryTarget, service: string): boolean {
  return t.config.serviceName === service || targetName(t) === service;
}

function list(targets: CanaryTarget[]): string {
  return targets.map(describeTarget).sort().join(', ');
}

/** Exactly one canary service, or a CliError that names the candidates. */
export async function findTarget(clients: CliClients, selector: TargetSelector): Promise<CanaryTarget> {
  const { service, stack } = selector;
  const candidates = stack
    ? await targetsOfStack(clients, stack, (name) => splitParameterName(name) !== undefined, toTarget)
    : await targetsUnder(clients, CONFIG_PARAMETER_PREFIX, toTarget);
  const where = stack ? `stack ${stack}` : `${CONFIG_PARAMETER_PREFIX} in this account and region`;
  if (candidates.length === 0) {
    throw new CliError(`no canary service found in ${where}: deploy one first, or check --region / --profile${stack ? ' / --stack' : ''}`);
  }
  if (!service) {
    if (candidates.length === 1) return candidates[0];
    throw new CliError(`${candidates.length} canary services in ${where}: pass --service with one of ${list(candidates)}`);
  }
  const found = candidates.filter((t) => matches(t, service));
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new CliError(`unknown service ${service} in ${where}; known: ${list(candidates)}`);
  throw new CliError(`${service} matches ${found.length} canary services: ${list(found)}; pass --service <application>/<deploymentGroup>`);
}
