/**
 * BeforeInstall: preflight. Nothing has been created yet, so a Failed here costs nothing: it
 * refuses to start a release while the stable version is unhealthy or in alarm, another
 * deployment of the group is running, or the new task definition cannot work.
 */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeploymentStatus } from '@aws-sdk/client-codedeploy';
import { IN_FLIGHT_STATUSES, listDeploymentIds } from '../shared/deployments';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { Clients, createClients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { errorMessage } from '../shared/errors';
import { HookOutcome, InvocationContext, runHook } from '../shared/hook-handler';
import { logger } from '../shared/logger';
import { ENV } from '../../lib/runtime-config';
import type { StableRecordDoc } from '../guard/types';
import { putStable } from '../shared/records';
import { Colors, readPairForwards, resolveColors } from '../shared/traffic';
import { describeTargets, isHealthy, summarizeStates, targetGroupName, targetLabel } from './target-health';

/** Statuses of a deployment that still holds the group (CodeDeploy runs one at a time per group). */
/** Statuses of a deployment that still holds its group. */
export const ACTIVE_DEPLOYMENT_STATUSES: DeploymentStatus[] = IN_FLIGHT_STATUSES;

/** DescribeAlarms accepts at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;

export interface BeforeInstallOptions {
  /** The decisions table (default: CANARY_DECISIONS_TABLE) where blue is recorded for the guard. */
  readonly table?: string;
  readonly now?: () => Date;
}

/** Runs every preflight check (in parallel) and fails naming each problem found. */
export async function beforeInstall(ctx: DeploymentContext, clients: Clients, options: BeforeInstallOptions = {}): Promise<HookOutcome> {
  // Blue is looked up once: the health check and the guard's record must name the same group.
  const colors = resolveColors(clients, ctx.config);
  colors.catch(() => undefined); // each check that awaits it reports the failure itself
  const checks: [string, () => Promise<string[]>][] = [
    ['alarms', () => alarmProblems(clients, ctx.config.alarmNames ?? [])],
    ['the stable target group', () => stableTargetProblems(clients, ctx, colors)],
    ['the production listener', () => productionListenerProblems(clients, ctx, colors, options)],
    ['other deployments', () => concurrentDeploymentProblems(clients, ctx)],
    ['the task definition', () => taskDefinitionProblems(clients, ctx)],
  ];
  // A check that cannot run is a problem of its own: preflight never passes on what it could not see.
  const results = await Promise.all(checks.map(([what, run]) =>
    run().catch((err: unknown) => [`could not check ${what}: ${errorMessage(err)}`])));
  const problems = results.flat();
  if (problems.length > 0) return { status: 'Failed', reason: `preflight failed: ${problems.join('; ')}` };
  return { status: 'Succeeded', reason: 'preflight passed: no alarm firing, stable targets healthy, production listener forwards to the pair, no other deployment, task definition usable' };
}

/** Alarms in ALARM, and alarms that do not exist (a release without its rollback alarm is unguarded). */
export async function alarmProblems(clients: Clients, alarmNames: readonly string[]): Promise<string[]> {
  const names = [...new Set(alarmNames)];
  if (names.length === 0) return [];
  const states = new Map<string, string | undefined>();
  for (let i = 0; i < names.length; i += ALARM_NAMES_PER_CALL) {
    const chunk = names.slice(i, i + ALARM_NAMES_PER_CALL);
    let NextToken: string | undefined;
    do {
      const page = await clients.cloudwatch.send(new DescribeAlarmsCommand({
        AlarmNames: chunk,
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
        NextToken,
      }));
      for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (a.AlarmName) states.set(a.AlarmName, a.StateValue);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  const problems: string[] = [];
  const firing = names.filter((n) => states.get(n) === 'ALARM');
  if (firing.length > 0) problems.push(`alarm in ALARM: ${firing.join(', ')}`);
  const missing = names.filter((n) => !states.has(n));
  if (missing.length > 0) problems.push(`alarm not found: ${missing.join(', ')}`);
  return problems;
}

/** The stable (blue) target group must have healthy targets and no unhealthy one. */
export async function stableTargetProblems(
  clients: Clients,
  ctx: DeploymentContext,
  colors: Promise<Colors> = resolveColors(clients, ctx.config),
): Promise<string[]> {
  const { blueTargetGroupArn } = await colors;
  const targets = await describeTargets(clients, blueTargetGroupArn);
  const name = targetGroupName(blueTargetGroupArn);
  // Other states (initial, draining) are a scaling or replacement in flight, not a sick version.
  const unhealthy = targets.filter((t) => t.state === 'unhealthy');
  if (unhealthy.length > 0) {
    const list = unhealthy.map((t) => `${targetLabel(t)}${t.reason ? ` (${t.reason})` : ''}`).join(', ');
    return [`stable target group ${name} has unhealthy targets: ${list}`];
  }
  if (!targets.some(isHealthy)) {
    return [`stable target group ${name} has no healthy target (${targets.length === 0 ? 'no registered targets' : summarizeStates(targets)})`];
  }
  return [];
}

/**
 * The production listener must forward to the pair (its default action or a rule): otherwise
 * neither CodeDeploy nor the stepper would move any traffic. Then blue is recorded for the
 * guard, for every schedule, before anything of the release exists.
 */
export async function productionListenerProblems(
  clients: Clients,
  ctx: DeploymentContext,
  colors: Promise<Colors>,
  options: BeforeInstallOptions = {},
): Promise<string[]> {
  const { productionListenerArn: listener, targetGroupArns } = ctx.config;
  const forwards = await readPairForwards(clients, listener, targetGroupArns);
  if (forwards.length === 0) {
    return [`no action of the production listener ${listener} forwards to the service's target groups ${targetGroupArns.map(targetGroupName).join(' and ')} `
      + '(neither its default actions nor any listener rule): the release would shift no traffic. Forward to them from the listener\'s default action or from a listener rule'];
  }
  const table = options.table ?? process.env[ENV.DECISIONS_TABLE];
  if (!table) return [`cannot record the stable target group for the guard: ${ENV.DECISIONS_TABLE} is not set`];
  const { blueTargetGroupArn, greenTargetGroupArn } = await colors;
  const now = (options.now ?? (() => new Date()))();
  const doc: StableRecordDoc = { blueTargetGroupArn, greenTargetGroupArn, productionListenerArn: listener, at: now.toISOString() };
  await putStable(clients, table, ctx.deploymentId, doc, now);
  logger.info('stable target group recorded for the guard', { ...doc, forwards: forwards.map((f) => f.ruleArn ?? 'default') });
  return [];
}

/** CodeDeploy runs one deployment per group; one still open means this one would fight it. */
export async function concurrentDeploymentProblems(clients: Clients, ctx: DeploymentContext): Promise<string[]> {
  const others = (await listDeploymentIds(clients, ctx.applicationName, ctx.deploymentGroupName, { statuses: ACTIVE_DEPLOYMENT_STATUSES }))
    .filter((id) => id !== ctx.deploymentId);
  if (others.length === 0) return [];
  return [`another deployment of ${ctx.applicationName}/${ctx.deploymentGroupName} is in progress: ${others.join(', ')}`];
}

/** What the AppSpec says the new version is. */
export interface AppSpecTarget {
  readonly taskDefinition?: string;
  readonly containerName?: string;
  readonly containerPort?: number;
}

/**
 * Reads the ECS service resource of a JSON AppSpec. Returns undefined when the content is not
 * JSON (YAML is legal AppSpec, but this library always renders JSON).
 */
export function parseAppSpec(content: string): AppSpecTarget | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    return undefined;
  }
  const resources = (doc as { Resources?: unknown })?.Resources;
  const entries = Array.isArray(resources) ? resources.flatMap((r) => (r && typeof r === 'object' ? Object.values(r) : [])) : [];
  const service = entries.find((e) => (e as { Type?: unknown })?.Type === 'AWS::ECS::Service') as
    | { Properties?: { TaskDefinition?: unknown; LoadBalancerInfo?: { ContainerName?: unknown; ContainerPort?: unknown } } }
    | undefined;
  const props = service?.Properties;
  const lb = props?.LoadBalancerInfo;
  const port = Number(lb?.ContainerPort);
  return {
    taskDefinition: typeof props?.TaskDefinition === 'string' ? props.TaskDefinition : undefined,
    containerName: typeof lb?.ContainerName === 'string' ? lb.ContainerName : undefined,
    containerPort: lb?.ContainerPort !== undefined && Number.isInteger(port) ? port : undefined,
  };
}

/** The AppSpec's task definition must be ACTIVE and run ContainerName exposing ContainerPort. */
export async function taskDefinitionProblems(clients: Clients, ctx: DeploymentContext): Promise<string[]> {
  const revision = ctx.deployment.revision;
  const content = revision?.revisionType === 'AppSpecContent' ? revision.appSpecContent?.content : undefined;
  if (!content) {
    logger.info('task definition check skipped: the revision is not inline AppSpec content', { revisionType: revision?.revisionType });
    return [];
  }
  const spec = parseAppSpec(content);
  if (!spec) {
    logger.info('task definition check skipped: the AppSpec is not JSON');
    return [];
  }
  if (!spec.taskDefinition) return ['the AppSpec names no TaskDefinition for an AWS::ECS::Service resource'];
  const { taskDefinition: td } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: spec.taskDefinition }));
  const name = td?.taskDefinitionArn ? taskDefinitionName(td.taskDefinitionArn) : taskDefinitionName(spec.taskDefinition);
  if (!td) return [`task definition ${name} not found`];
  if (td.status !== 'ACTIVE') return [`task definition ${name} is ${td.status ?? 'of unknown status'}, not ACTIVE`];
  if (!spec.containerName || spec.containerPort === undefined) {
    return ['the AppSpec has no LoadBalancerInfo with ContainerName and ContainerPort'];
  }
  const containers = td.containerDefinitions ?? [];
  const container = containers.find((c) => c.name === spec.containerName);
  if (!container) {
    return [`task definition ${name} has no container named ${spec.containerName} (has ${containers.map((c) => c.name).join(', ') || 'none'})`];
  }
  const ports = (container.portMappings ?? []).map((p) => p.containerPort);
  if (!ports.includes(spec.containerPort)) {
    return [`container ${spec.containerName} of task definition ${name} does not expose port ${spec.containerPort} (exposes ${ports.join(', ') || 'none'})`];
  }
  return [];
}

/** `arn:...:task-definition/api:42` -> `api:42`. */
function taskDefinitionName(arn: string): string {
  return /task-definition\/(.+)$/.exec(arn)?.[1] ?? arn;
}

const clients = createClients();

export const handler = (event: unknown, context: InvocationContext): Promise<HookOutcome> =>
  runHook('BeforeInstall', event, context, clients, (ctx, c) => beforeInstall(ctx, c));
