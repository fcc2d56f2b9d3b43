/**
 * The guard: when a canary deployment fails or is stopped (console, alarm, hook, anything), make
 * sure the production listener ends on the stable target group, then record the outcome and
 * publish the DeploymentOutcome metric. A succeeded deployment is only recorded and counted.
 *
 * Idempotent: the listener is only modified when it is not already stable 100 %, and the metric
 * is published once per deployment and state (the outcome record remembers it). Errors are thrown
 * so Lambda's asynchronous retries try again (bounded; the last failure lands in the guard's
 * dead-letter queue); events that are not ours are ignored. Stable is the blue BeforeInstall
 * recorded; a newer deployment of the group in flight keeps the listener out of the guard's hands.
 */
import { DeploymentCreator, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { Clients } from '../shared/clients';
import { DeploymentContext, loadDeploymentContext } from '../shared/deployment-context';
import { emitMetric } from '../shared/emf';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger, setDeploymentId } from '../shared/logger';
import { OutcomeDoc, putOutcome, readOutcome, readStable, readState } from '../shared/records';
import { recordedReason } from '../shared/rollback-reason';
import { IN_FLIGHT_STATUSES, isDeploymentId, listDeploymentIds } from '../shared/deployments';
import { Colors, colorsFromBlue, percentOn, readPairForwards, resolveColors, setWeights } from '../shared/traffic';
import type { StepperState } from '../stepper/types';
import {
  DEPLOYMENT_OUTCOME_METRIC,
  DeploymentOutcome,
  DeploymentEventState,
  DeploymentStateChangeDetail,
  GuardOutcomeDoc,
  GuardResult,
  OUTCOME_BY_STATE,
  TrafficCheck,
} from './types';

export interface GuardDeps {
  readonly clients: Clients;
  /** The decisions table (CANARY_DECISIONS_TABLE). */
  readonly table: string;
  /** CloudWatch namespace of the outcome metric (CANARY_METRICS_NAMESPACE). */
  readonly namespace?: string;
  /** SNS topic told of every failed or stopped deployment, with the reason (CANARY_NOTIFICATION_TOPIC_ARN). */
  readonly topicArn?: string;
  readonly now: () => Date;
}

/** Automatic rollbacks are deployments of their own; the deployment they undo was counted already. */
const ROLLBACK_CREATORS: readonly string[] = [DeploymentCreator.CodeDeployRollback, DeploymentCreator.CloudFormationRollback];

export function parseGuardEvent(event: unknown): { detail: DeploymentStateChangeDetail; state: DeploymentEventState; time?: string } | string {
  const e = event as { detail?: Partial<DeploymentStateChangeDetail>; time?: unknown } | undefined;
  const d = e?.detail;
  if (!d || typeof d !== 'object') return 'event has no detail';
  if (!isDeploymentId(d.deploymentId)) return `event detail has no deployment id (${JSON.stringify(d.deploymentId)})`;
  if (typeof d.state !== 'string' || !(d.state in OUTCOME_BY_STATE)) return `deployment state ${JSON.stringify(d.state)} is not one the guard handles`;
  return {
    detail: d as DeploymentStateChangeDetail,
    state: d.state as DeploymentEventState,
    time: typeof e?.time === 'string' ? e.time : undefined,
  };
}

export async function guard(event: unknown, deps: GuardDeps): Promise<GuardResult> {
  const parsed = parseGuardEvent(event);
  if (typeof parsed === 'string') {
    logger.warn('guard: event ignored', { reason: parsed });
    return { ignored: parsed };
  }
  const { detail, state } = parsed;
  const deploymentId = detail.deploymentId;
  setDeploymentId(deploymentId);
  const outcome = OUTCOME_BY_STATE[state];

  let ctx: DeploymentContext;
  try {
    ctx = await loadDeploymentContext(deps.clients, deploymentId);
  } catch (err) {
    // A deployment group of the same application without a canary configuration is not ours.
    if (err instanceof ConfigurationError || (err as Error).name === 'ParameterNotFound') {
      const ignored = `not a canary deployment: ${errorMessage(err)}`;
      logger.warn('guard: event ignored', { reason: ignored });
      return { deploymentId, ignored };
    }
    throw err;
  }

  const previousDoc: OutcomeDoc = await readOutcome(deps.clients, deps.table, deploymentId) ?? {};
  const previousGuard = previousDoc.guard;

  // A late event (retries run for up to the event age) must not undo a newer release's shifts.
  const newer = outcome === 'Succeeded' ? undefined : await newerDeploymentInFlight(ctx, deps);
  const trafficSkipped = newer ? `a newer deployment of the group is in flight: ${newer}` : undefined;
  if (trafficSkipped) logger.warn('guard: listener left alone', { reason: trafficSkipped });
  const traffic = outcome === 'Succeeded' || newer ? undefined : await ensureStable(ctx, deps);

  const deploymentInfo = ctx.deployment;
  const creator = deploymentInfo.creator;
  const isRollback = creator !== undefined && ROLLBACK_CREATORS.includes(creator);
  const alreadyCounted = previousGuard?.state === state && previousGuard.metricPublished;
  let metricPublished = alreadyCounted;
  if (!alreadyCounted && !isRollback) {
    await publishOutcome(ctx, deps, outcome, parsed.time);
    metricPublished = true;
  }

  const reason = outcome === 'Succeeded' ? undefined : failureReason(previousDoc, deploymentInfo.errorInformation?.message, state);
  const alreadyNotified = previousGuard?.state === state && previousGuard.notified === true;
  let notified = alreadyNotified;
  if (reason && deps.topicArn && !alreadyNotified && !isRollback) {
    await notify(ctx, deps, deps.topicArn, outcome, reason, traffic);
    notified = true;
  }

  const now = deps.now();
  const guardDoc: GuardOutcomeDoc = { state, outcome, creator, traffic, trafficSkipped, metricPublished, notified, reason, at: now.toISOString() };
  await putOutcome(deps.clients, deps.table, deploymentId, outcome, { ...previousDoc, guard: guardDoc }, now);
  logger.info('guard done', { state, outcome, creator, traffic, trafficSkipped, metricPublished, notified });
  return { deploymentId, outcome, traffic, trafficSkipped, metricPublished, notified };
}

/** The canary's recorded reason when it failed the release, else CodeDeploy's, else the bare state. */
export function failureReason(outcomeDoc: { readonly reason?: string }, codeDeployMessage: string | undefined, state: string): string {
  const ours = recordedReason(outcomeDoc);
  if (ours) return ours;
  if (codeDeployMessage) return codeDeployMessage;
  return state === 'STOP' ? 'the deployment was stopped' : 'the deployment failed';
}

/** One message per failed or stopped deployment: what happened, why, and where production is now. */
async function notify(ctx: DeploymentContext, deps: GuardDeps, topicArn: string, outcome: DeploymentOutcome, reason: string, traffic: TrafficCheck | undefined): Promise<void> {
  const group = `${ctx.applicationName}/${ctx.deploymentGroupName}`;
  const where = traffic
    ? `Production is on the stable target group ${traffic.stableTargetGroupArn}${traffic.restored ? ' (restored by the guard)' : ''}.`
    : undefined;
  // Imported on first use: only a failed or stopped deployment is notified.
  const sns = await import('@aws-sdk/client-sns');
  await deps.clients.sns.send(new sns.PublishCommand({
    TopicArn: topicArn,
    Subject: `Canary ${outcome.toLowerCase()}: ${ctx.config.serviceName}`.slice(0, 100),
    Message: [
      `Deployment ${ctx.deploymentId} of ${group} (service ${ctx.config.serviceName}) ${outcome.toLowerCase()}.`,
      `Reason: ${reason}`,
      where,
      `Details: npx canary status --service ${group}`,
    ].filter((line): line is string => line !== undefined).join('\n'),
    MessageAttributes: {
      deploymentId: { DataType: 'String', StringValue: ctx.deploymentId },
      deploymentGroup: { DataType: 'String', StringValue: group },
      outcome: { DataType: 'String', StringValue: outcome },
    },
  }));
}

/**
 * The id of an in-flight deployment of the same group created after this one, if any.
 * CodeDeploy's own rollback of this deployment does not count: it restores the same blue.
 * Without a creation time of ours nothing can be newer, and the guard restores.
 */
export async function newerDeploymentInFlight(ctx: DeploymentContext, deps: GuardDeps): Promise<string | undefined> {
  const ours = ctx.deployment.createTime?.getTime();
  if (ours === undefined) return undefined;
  const ids = (await listDeploymentIds(deps.clients, ctx.applicationName, ctx.deploymentGroupName, { statuses: IN_FLIGHT_STATUSES }))
    .filter((id) => id !== ctx.deploymentId);
  for (const id of ids) {
    const { deploymentInfo: d } = await deps.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
    if (d?.rollbackInfo?.rollbackTriggeringDeploymentId === ctx.deploymentId) continue;
    const created = d?.createTime?.getTime();
    if (created !== undefined && created > ours) return id;
  }
  return undefined;
}

/**
 * Stable 100 % on every forward of the production listener to the pair. The stable group is
 * the blue BeforeInstall recorded (every schedule), else the stepper's (before the first
 * shift), else the group of the PRIMARY task set: after a full shift the replacement may
 * already be PRIMARY while CodeDeploy rolls back.
 */
async function ensureStable(ctx: DeploymentContext, deps: GuardDeps): Promise<TrafficCheck> {
  const { config } = ctx;
  const { colors, from } = await stableColors(ctx, deps);
  const stable = colors.blueTargetGroupArn;

  const forwards = await readPairForwards(deps.clients, config.productionListenerArn, config.targetGroupArns);
  if (forwards.length === 0) {
    throw new ConfigurationError(`no action of the production listener ${config.productionListenerArn} forwards to ${config.targetGroupArns.join(', ')}: nothing to restore`);
  }
  const found = forwards[0].targets;
  const stablePercent = percentOn(found, stable);
  const unstable = forwards.filter((f) => percentOn(f.targets, stable) !== 100 || f.targets.some((t) => t.TargetGroupArn !== stable && (t.Weight ?? 1) > 0));
  const restored = unstable.length > 0;
  if (restored) {
    logger.warn('production is not all on the stable version: restoring', { stable, found, stablePercent, unstable: unstable.map((f) => f.ruleArn ?? 'default') });
    await setWeights(deps.clients, config.productionListenerArn, colors, 0);
  } else {
    logger.info('production already all on the stable version', { stable });
  }
  return { stableTargetGroupArn: stable, stableFrom: from, found, stablePercent, restored };
}

async function stableColors(ctx: DeploymentContext, deps: GuardDeps): Promise<{ colors: Colors; from: TrafficCheck['stableFrom'] }> {
  const { config } = ctx;
  const usable = (arn: string | undefined): arn is string => arn !== undefined && config.targetGroupArns.includes(arn);
  const installed = (await readStable(deps.clients, deps.table, ctx.deploymentId))?.blueTargetGroupArn;
  if (usable(installed)) return { colors: colorsFromBlue(config, installed), from: 'before-install' };
  const stepped = (await readState<StepperState>(deps.clients, deps.table, ctx.deploymentId))?.colors?.blueTargetGroupArn;
  if (usable(stepped)) return { colors: colorsFromBlue(config, stepped), from: 'stepper-state' };
  return { colors: await resolveColors(deps.clients, config), from: 'primary-task-set' };
}

async function publishOutcome(ctx: DeploymentContext, deps: GuardDeps, outcome: DeploymentOutcome, time: string | undefined): Promise<void> {
  const at = time && !Number.isNaN(Date.parse(time)) ? new Date(time) : deps.now();
  // EMF on stdout (shared/emf.ts): no API call, so nothing here can fail but the write itself.
  emitMetric({
    name: DEPLOYMENT_OUTCOME_METRIC,
    dimensions: { DeploymentGroup: `${ctx.applicationName}/${ctx.deploymentGroupName}`, Outcome: outcome },
    value: outcome === 'Succeeded' ? 1 : 0,
    at,
    namespace: deps.namespace,
  });
}
