import {
  Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  Rule,
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
  // Imported on first use: the stepper needs it at Start only, the guard only without a stable
  // record, and loading an SDK package is most of a function's cold init (bench/cold-init.ts).
  const ecs = await import('@aws-sdk/client-ecs');
  const { services } = await clients.ecs.send(new ecs.DescribeServicesCommand({
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
  const weights = await readWeights(clients, config.productionListenerArn, config.targetGroupArns);
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

/**
 * Where one forward action to the pair lives: the listener's default actions (no `ruleArn`) or
 * one listener rule. `actions` is that place's whole action list as AWS returned it.
 */
export interface PairForward {
  readonly ruleArn?: string;
  /** The rule's priority ('default' for the listener's default actions). */
  readonly priority: string;
  readonly actions: Action[];
  /** Index in `actions` of the forward action to the pair. */
  readonly index: number;
  /** Its weighted target groups. */
  readonly targets: TargetGroupTuple[];
}

/**
 * Every forward action of the listener whose target groups are all of `pair` (the default
 * actions and each rule), rules in priority order, the default last (the order the ALB
 * evaluates them). A forward that mixes one of the pair with another group is not ours.
 * [inference, docs/notes/traffic.md] CodeDeploy shifts the default action and the rules that
 * forward to the pair; we touch the same.
 */
export async function readPairForwards(clients: Clients, listenerArn: string, pair: readonly string[]): Promise<PairForward[]> {
  const [defaults, rules] = await Promise.all([readDefaultActions(clients, listenerArn), readRules(clients, listenerArn)]);
  const sites: { ruleArn?: string; priority: string; actions: Action[] }[] = [
    ...rules
      .filter((r) => !r.IsDefault)
      .sort((a, b) => Number(a.Priority) - Number(b.Priority))
      .map((r) => ({ ruleArn: r.RuleArn, priority: r.Priority ?? '?', actions: r.Actions ?? [] })),
    { priority: 'default', actions: defaults },
  ];
  const found: PairForward[] = [];
  for (const site of sites) {
    const index = site.actions.findIndex((a) => forwardsToPair(a, pair));
    if (index >= 0) found.push({ ...site, index, targets: forwardTargets(site.actions[index]) });
  }
  return found;
}

/** The same as readPairForwards, but a listener that forwards to none of the pair is a ConfigurationError. */
async function requirePairForwards(clients: Clients, listenerArn: string, pair: readonly string[]): Promise<PairForward[]> {
  const found = await readPairForwards(clients, listenerArn, pair);
  if (found.length === 0) {
    throw new ConfigurationError(`listener ${listenerArn} forwards to none of ${pair.join(', ')} (neither its default actions nor any listener rule forward to exactly these target groups)`);
  }
  return found;
}

function forwardsToPair(action: Action, pair: readonly string[]): boolean {
  if (action.Type !== 'forward') return false;
  const targets = forwardTargets(action);
  return targets.length > 0 && targets.every((t) => t.TargetGroupArn !== undefined && pair.includes(t.TargetGroupArn));
}

async function readDefaultActions(clients: Clients, listenerArn: string): Promise<Action[]> {
  const { Listeners } = await clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  const listener = Listeners?.[0];
  if (!listener) throw new ConfigurationError(`listener ${listenerArn} not found`);
  return listener.DefaultActions ?? [];
}

/** Every rule of the listener, all pages. */
async function readRules(clients: Clients, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let Marker: string | undefined;
  do {
    const page = await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker }));
    // `?.`: a test double that knows only DescribeListeners answers undefined (no rules).
    rules.push(...(page?.Rules ?? []));
    Marker = page?.NextMarker;
  } while (Marker);
  return rules;
}

/**
 * The weighted target groups of the listener's forward to this service's pair (the first by
 * evaluation order when rules and the default both forward to it; our shifts keep them equal).
 */
export async function readWeights(clients: Clients, listenerArn: string, pair: readonly string[]): Promise<TargetGroupTuple[]> {
  const found = await requirePairForwards(clients, listenerArn, pair);
  const distinct = new Set(found.map((f) => weightKey(f.targets)));
  if (distinct.size > 1) logger.warn('the forwards to the pair carry different weights; reporting the first', { forwards: found.map(describeForward) });
  return found[0].targets;
}

function weightKey(targets: TargetGroupTuple[]): string {
  return targets.map((t) => `${t.TargetGroupArn}=${t.Weight ?? 1}`).sort().join(',');
}

function describeForward(f: PairForward): { rule: string; weights: string } {
  return { rule: f.ruleArn ?? 'default', weights: weightKey(f.targets) };
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
 * Sets every forward of the production listener to this service's pair (the default action
 * and each rule) to green `greenPercent` %, blue the rest. Only that forward action changes:
 * the other actions of the list (authenticate-oidc/cognito, and their `Order`), the forward's
 * stickiness, rule conditions and other services' rules are sent back as they were or not sent
 * at all. Idempotent: the same call twice leaves the same state.
 * [inference, aws-facts.md] CodeDeploy sets absolute weights at each of its own shifts and on
 * rollback, so weights we leave at the end of BeforeAllowTraffic are overwritten by its next shift.
 */
export async function setWeights(clients: Clients, listenerArn: string, colors: Colors, greenPercent: number): Promise<void> {
  if (!Number.isInteger(greenPercent) || greenPercent < 0 || greenPercent > 100) {
    throw new ConfigurationError(`green weight must be an integer 0..100, got ${greenPercent}`);
  }
  const pair = [colors.blueTargetGroupArn, colors.greenTargetGroupArn];
  const found = await requirePairForwards(clients, listenerArn, pair);
  // One place after the other: each call replaces one action list, so a failure leaves the
  // others as they were and the caller's retry (or restore) finishes the job.
  for (const site of found) {
    const actions = site.actions.map((a, i) => (i === site.index ? weightedForward(a, colors, greenPercent) : resendable(a)));
    if (site.ruleArn) {
      await clients.elbv2.send(new ModifyRuleCommand({ RuleArn: site.ruleArn, Actions: actions }));
    } else {
      await clients.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: actions }));
    }
  }
  logger.info('production weights set', { greenPercent, ...colors, forwards: found.map((f) => f.ruleArn ?? 'default') });
}

/** The forward action with new weights; its Order and stickiness kept, TargetGroupArn dropped (two groups need ForwardConfig). */
function weightedForward(current: Action, colors: Colors, greenPercent: number): Action {
  const stickiness = current.ForwardConfig?.TargetGroupStickinessConfig;
  return {
    Type: 'forward',
    ...(current.Order !== undefined ? { Order: current.Order } : {}),
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: colors.blueTargetGroupArn, Weight: 100 - greenPercent },
        { TargetGroupArn: colors.greenTargetGroupArn, Weight: greenPercent },
      ],
      ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
    },
  };
}

/**
 * Another action of the list, sent back unchanged. [inference] Describe* does not return an
 * OIDC client secret; without one, a modify needs UseExistingClientSecret (ELB API reference,
 * AuthenticateOidcActionConfig).
 */
function resendable(action: Action): Action {
  const oidc = action.AuthenticateOidcConfig;
  if (action.Type !== 'authenticate-oidc' || !oidc || oidc.ClientSecret) return action;
  return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
}

/** Production back to the stable version: blue 100 %, green 0 %. The first move on every failure. */
export async function restoreStable(clients: Clients, listenerArn: string, colors: Colors): Promise<void> {
  await setWeights(clients, listenerArn, colors, 0);
}
