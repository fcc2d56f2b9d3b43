/**
 * The guard: when a canary deployment fails or is stopped (console, alarm, hook, anything), make
 * sure the production listener ends on the stable target group, then record the outcome and
 * publish the DeploymentOutcome metric. A succeeded deployment is only recorded and counted.
 *
 * Idempotent: the listener is only modified when it is not already stable 100 %, and the metric
 * is published once per deployment and state (the outcome record remembers it). Errors are thrown
 * so Lambda's asynchronous retries try again; events that are not ours are ignored.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import { DeploymentCreator } from '@aws-sdk/client-codedeploy';
import { DEFAULT_METRICS_NAMESPACE } from '../../lib/runtime-config';
import type { Clients } from '../shared/clients';
import { DeploymentContext, loadDeploymentContext } from '../shared/deployment-context';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger, setDeploymentId } from '../shared/logger';
import { getRecord, putRecord } from '../shared/records';
import { colorsFromBlue, percentOn, readWeights, resolveColors, setWeights } from '../shared/traffic';
import { OUTCOME_SK, STATE_SK, StepperState } from '../stepper/types';
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
  if (typeof d.deploymentId !== 'string' || !/^d-[A-Z0-9]+$/.test(d.deploymentId)) return `event detail has no deployment id (${JSON.stringify(d.deploymentId)})`;
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

  const previous = await getRecord<Record<string, unknown>>(deps.clients, deps.table, deploymentId, OUTCOME_SK);
  const previousDoc = previous?.doc && typeof previous.doc === 'object' && !Array.isArray(previous.doc) ? previous.doc : {};
  const previousGuard = previousDoc.guard as GuardOutcomeDoc | undefined;

  const traffic = outcome === 'Succeeded' ? undefined : await ensureStable(ctx, deps);

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
  const guardDoc: GuardOutcomeDoc = { state, outcome, creator, traffic, metricPublished, notified, reason, at: now.toISOString() };
  await putRecord(deps.clients, deps.table, {
    deploymentId,
    sk: OUTCOME_SK,
    kind: 'outcome',
    outcome,
    doc: { ...previousDoc, guard: guardDoc },
  }, now);
  logger.info('guard done', { state, outcome, creator, traffic, metricPublished, notified });
  return { deploymentId, outcome, traffic, metricPublished, notified };
}

/** The stepper's reason when it failed the release, else CodeDeploy's, else the bare state. */
export function failureReason(outcomeDoc: Record<string, unknown>, codeDeployMessage: string | undefined, state: string): string {
  if (typeof outcomeDoc.reason === 'string' && outcomeDoc.reason) return outcomeDoc.reason;
  if (codeDeployMessage) return codeDeployMessage;
  return state === 'STOP' ? 'the deployment was stopped' : 'the deployment failed';
}

/** One message per failed or stopped deployment: what happened, why, and where production is now. */
async function notify(ctx: DeploymentContext, deps: GuardDeps, topicArn: string, outcome: DeploymentOutcome, reason: string, traffic: TrafficCheck | undefined): Promise<void> {
  const group = `${ctx.applicationName}/${ctx.deploymentGroupName}`;
  const where = traffic
    ? `Production is on the stable target group ${traffic.stableTargetGroupArn}${traffic.restored ? ' (restored by the guard)' : ''}.`
    : undefined;
  await deps.clients.sns.send(new PublishCommand({
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
 * Stable 100 % on the production listener. The stable group is the blue the stepper recorded
 * before the first shift when there is such a record (after a full shift the replacement may
 * already be PRIMARY while CodeDeploy rolls back), else the group of the PRIMARY task set.
 */
async function ensureStable(ctx: DeploymentContext, deps: GuardDeps): Promise<TrafficCheck> {
  const { config } = ctx;
  const recorded = (await getRecord<StepperState>(deps.clients, deps.table, ctx.deploymentId, STATE_SK))?.doc?.colors?.blueTargetGroupArn;
  const fromRecord = recorded !== undefined && config.targetGroupArns.includes(recorded);
  const colors = fromRecord ? colorsFromBlue(config, recorded) : await resolveColors(deps.clients, config);
  const stable = colors.blueTargetGroupArn;

  const found = await readWeights(deps.clients, config.productionListenerArn);
  const stablePercent = percentOn(found, stable);
  const onOther = found.some((t) => t.TargetGroupArn !== stable && (t.Weight ?? 1) > 0);
  const restored = onOther || stablePercent !== 100;
  if (restored) {
    logger.warn('production is not all on the stable version: restoring', { stable, found, stablePercent });
    await setWeights(deps.clients, config.productionListenerArn, colors, 0);
  } else {
    logger.info('production already all on the stable version', { stable });
  }
  return { stableTargetGroupArn: stable, stableFrom: fromRecord ? 'stepper-state' : 'primary-task-set', found, stablePercent, restored };
}

async function publishOutcome(ctx: DeploymentContext, deps: GuardDeps, outcome: GuardResult['outcome'], time: string | undefined): Promise<void> {
  const at = time && !Number.isNaN(Date.parse(time)) ? new Date(time) : deps.now();
  await deps.clients.cloudwatch.send(new PutMetricDataCommand({
    Namespace: deps.namespace || DEFAULT_METRICS_NAMESPACE,
    MetricData: [{
      MetricName: DEPLOYMENT_OUTCOME_METRIC,
      Dimensions: [
        { Name: 'DeploymentGroup', Value: `${ctx.applicationName}/${ctx.deploymentGroupName}` },
        { Name: 'Outcome', Value: outcome },
      ],
      Value: outcome === 'Succeeded' ? 1 : 0,
      Unit: 'None',
      Timestamp: at,
    }],
  }));
}
