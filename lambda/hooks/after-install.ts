/**
 * AfterInstall: waits until the replacement (green) task set runs its full count in steady
 * state and every target it registered in the green target group is healthy. Production is
 * still all on blue, so a Failed here only ends the deployment.
 */
import { DescribeServicesCommand, TaskSet } from '@aws-sdk/client-ecs';
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { HookOutcome, InvocationContext, runHook } from '../shared/hook-handler';
import { logger } from '../shared/logger';
import { isTransient } from '../shared/transient';
import { DEFAULT_INSTALL_TIMEOUT_SECONDS } from '../../lib/policy/release-policy';
import { describeTargets, isHealthy, summarizeStates, targetGroupName } from './target-health';

export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/** Used only when the configuration document lacks installTimeoutSeconds: the constructs' own default. */
export { DEFAULT_INSTALL_TIMEOUT_SECONDS };

export interface AfterInstallOptions {
  /** Time between two looks. @default 10 s */
  readonly pollIntervalMs?: number;
  /** @default real setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Aborted once the hook's deadline passed and Failed was reported: stop polling. */
  readonly signal?: AbortSignal;
}

/** One look at the replacement task set and its targets. */
export interface InstallObservation {
  readonly ready: boolean;
  /** "2/3 tasks running (STABILIZING), 2/3 targets healthy, 1 target unhealthy (Target.FailedHealthChecks)" */
  readonly summary: string;
}

export async function afterInstall(ctx: DeploymentContext, clients: Clients, options: AfterInstallOptions = {}): Promise<HookOutcome> {
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const timeoutSeconds = ctx.config.installTimeoutSeconds ?? DEFAULT_INSTALL_TIMEOUT_SECONDS;
  const limit = now() + timeoutSeconds * 1000;

  let last = 'nothing observed yet';
  for (;;) {
    if (options.signal?.aborted) return { status: 'Failed', reason: `stopped at the hook deadline: ${last}` };
    try {
      const seen = await observeInstall(clients, ctx.config);
      if (seen.ready) return { status: 'Succeeded', reason: `replacement task set ready: ${seen.summary}` };
      last = seen.summary;
      logger.info('replacement task set not ready yet', { seen: seen.summary });
    } catch (err) {
      // A look that failed for a passing reason (throttling, 5xx, network) is retried at the next
      // poll; the install timeout still bounds the wait. Anything else will not get better.
      if (!isTransient(err)) throw err;
      last = `last look failed: ${errorMessage(err)}`;
      logger.warn('could not observe the replacement task set; will look again', { error: errorMessage(err) });
    }
    const left = limit - now();
    if (left <= 0) return { status: 'Failed', reason: `replacement task set not ready after ${timeoutSeconds} s: ${last}` };
    await sleep(Math.min(interval, left));
  }
}

/** DescribeServices for the task sets, then DescribeTargetHealth on the replacement's target group. */
export async function observeInstall(clients: Clients, config: CanaryRuntimeConfig): Promise<InstallObservation> {
  const { services } = await clients.ecs.send(new DescribeServicesCommand({ cluster: config.clusterName, services: [config.serviceName] }));
  const service = services?.[0];
  if (!service) throw new ConfigurationError(`ECS service ${config.serviceName} not found in cluster ${config.clusterName}`);
  const taskSets = service.taskSets ?? [];
  const replacement = replacementTaskSet(taskSets);
  if (!replacement) return { ready: false, summary: 'no replacement task set yet' };

  const desired = replacement.computedDesiredCount ?? 0;
  const running = replacement.runningCount ?? 0;
  const stability = replacement.stabilityStatus ?? 'unknown stability';
  const greenTg = greenTargetGroup(config, replacement, taskSets);
  const targets = await describeTargets(clients, greenTg);
  // Targets of tasks being replaced are on their way out and do not speak for the new version.
  const counted = targets.filter((t) => t.state !== 'draining');
  const healthy = counted.filter(isHealthy).length;
  const notHealthy = counted.filter((t) => !isHealthy(t));

  const ready = running > 0 && running >= desired && stability === 'STEADY_STATE'
    && notHealthy.length === 0 && healthy >= desired;
  const parts = [
    `${running}/${desired} tasks running (${stability})`,
    `${healthy}/${desired} targets healthy in ${targetGroupName(greenTg)}`,
  ];
  if (notHealthy.length > 0) parts.push(summarizeStates(notHealthy));
  return { ready, summary: parts.join(', ') };
}

/** The ACTIVE task set (the one that is not PRIMARY); the newest if a leftover is still there. */
function replacementTaskSet(taskSets: readonly TaskSet[]): TaskSet | undefined {
  return taskSets
    .filter((ts) => ts.status === 'ACTIVE')
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
}

/** The replacement's own target group of the pair; else the one the PRIMARY task set does not use. */
function greenTargetGroup(config: CanaryRuntimeConfig, replacement: TaskSet, taskSets: readonly TaskSet[]): string {
  const inPair = (ts: TaskSet | undefined) => ts?.loadBalancers?.map((lb) => lb.targetGroupArn)
    .find((arn): arn is string => !!arn && config.targetGroupArns.includes(arn));
  const own = inPair(replacement);
  if (own) return own;
  const blue = inPair(taskSets.find((ts) => ts.status === 'PRIMARY'));
  const green = blue ? config.targetGroupArns.find((arn) => arn !== blue) : undefined;
  if (!green) throw new ConfigurationError(`replacement task set ${replacement.id ?? ''} is attached to neither ${config.targetGroupArns.join(' nor ')}`);
  return green;
}

/** An AWS SDK error that a later try may not see again (the shared classification). */
export { isTransient };

const clients = createClients();

export const handler = (event: unknown, context: InvocationContext): Promise<HookOutcome> =>
  runHook('AfterInstall', event, context, clients, (ctx, c, _reporter, signal) => afterInstall(ctx, c, { signal }));
