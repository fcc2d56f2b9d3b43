import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  Action,
  DescribeListenersCommand,
  ModifyListenerCommand,
  TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';
import type { Clients } from './clients';
import { ConfigurationError } from './errors';
import { logger } from './logger';

/** Which of the two target groups serves the stable (blue) and the new (green) version now. */
export interface Colors {
  readonly blueTargetGroupArn: string;
  readonly greenTargetGroupArn: string;
}

/**
 * Finds blue and green at run time: they swap every deployment, so nothing may assume
 * "TG1 is blue". The PRIMARY task set of the service serves the stable version; the other
 * target group of the pair is green.
 */
export async function resolveColors(clients: Clients, config: CanaryRuntimeConfig): Promise<Colors> {
  const { services } = await clients.ecs.send(new DescribeServicesCommand({
    cluster: config.clusterName,
    services: [config.serviceName],
  }));
  const service = services?.[0];
  if (!service) throw new ConfigurationError(`ECS service ${config.serviceName} not found in cluster ${config.clusterName}`);
  const primary = service.taskSets?.find((ts) => ts.status === 'PRIMARY');
  const primaryTg = primary?.loadBalancers?.map((lb) => lb.targetGroupArn).find((arn) => arn && config.targetGroupArns.includes(arn));
  if (primaryTg) return colorsFromBlue(config, primaryTg);
  // No task set yet (first deployment or a service without task sets): the production listener
  // tells which group takes the traffic.
  const weights = await readWeights(clients, config.productionListenerArn);
  const serving = heaviestTargetGroup(weights);
  if (!serving || !config.targetGroupArns.includes(serving)) {
    throw new ConfigurationError(`cannot tell the stable target group of ${config.serviceName}: no PRIMARY task set and the production listener forwards to none of ${config.targetGroupArns.join(', ')}`);
  }
  return colorsFromBlue(config, serving);
}

export function colorsFromBlue(config: CanaryRuntimeConfig, blue: string): Colors {
  const green = config.targetGroupArns.find((arn) => arn !== blue);
  if (!green) throw new ConfigurationError(`target group pair of ${config.serviceName} does not contain ${blue} and another group`);
  return { blueTargetGroupArn: blue, greenTargetGroupArn: green };
}

/** The weighted target groups of the listener's default forward action. */
export async function readWeights(clients: Clients, listenerArn: string): Promise<TargetGroupTuple[]> {
  const action = await readForwardAction(clients, listenerArn);
  return forwardTargets(action);
}

async function readForwardAction(clients: Clients, listenerArn: string): Promise<Action> {
  const { Listeners } = await clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  const action = Listeners?.[0]?.DefaultActions?.find((a) => a.Type === 'forward');
  if (!action) throw new ConfigurationError(`listener ${listenerArn} has no forward default action`);
  return action;
}

function forwardTargets(action: Action): TargetGroupTuple[] {
  const groups = action.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) return groups;
  return action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : [];
}

/** The target group with the most weight (a forward without weights counts as weight 1). */
export function heaviestTargetGroup(weights: TargetGroupTuple[]): string | undefined {
  return [...weights].sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1))[0]?.TargetGroupArn;
}

/** Percent of production traffic currently on `targetGroupArn` according to the listener. */
export function percentOn(weights: TargetGroupTuple[], targetGroupArn: string): number {
  const total = weights.reduce((sum, t) => sum + (t.Weight ?? 1), 0);
  if (total === 0) return 0;
  const mine = weights.filter((t) => t.TargetGroupArn === targetGroupArn).reduce((s, t) => s + (t.Weight ?? 1), 0);
  return Math.round((100 * mine) / total);
}

/**
 * Sets the production listener's default forward action to green `greenPercent` %, blue the rest.
 * Keeps the action's stickiness settings. Idempotent: the same call twice leaves the same state.
 * [inference, aws-facts.md] CodeDeploy sets absolute weights at each of its own shifts and on
 * rollback, so weights we leave at the end of BeforeAllowTraffic are overwritten by its next shift.
 */
export async function setWeights(clients: Clients, listenerArn: string, colors: Colors, greenPercent: number): Promise<void> {
  if (!Number.isInteger(greenPercent) || greenPercent < 0 || greenPercent > 100) {
    throw new ConfigurationError(`green weight must be an integer 0..100, got ${greenPercent}`);
  }
  const current = await readForwardAction(clients, listenerArn);
  const action: Action = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: colors.blueTargetGroupArn, Weight: 100 - greenPercent },
        { TargetGroupArn: colors.greenTargetGroupArn, Weight: greenPercent },
      ],
      ...(current.ForwardConfig?.TargetGroupStickinessConfig
        ? { TargetGroupStickinessConfig: current.ForwardConfig.TargetGroupStickinessConfig }
        : {}),
    },
  };
  await clients.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [action] }));
  logger.info('production weights set', { greenPercent, ...colors });
}

/** Production back to the stable version: blue 100 %, green 0 %. The first move on every failure. */
export async function restoreStable(clients: Clients, listenerArn: string, colors: Colors): Promise<void> {
  await setWeights(clients, listenerArn, colors, 0);
}
