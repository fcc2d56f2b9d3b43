import { DescribeRulesCommand, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Clients } from '../shared/clients';
import { ConfigurationError } from '../shared/errors';
import { heaviestTargetGroup, percentOn } from '../shared/traffic';
import type { NativeColors } from './types';

/** The weighted target groups of the production listener rule's forward action (ECS shifts this rule). */
export async function readRuleWeights(clients: Clients, ruleArn: string): Promise<TargetGroupTuple[]> {
  const { Rules } = await clients.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
  const action = Rules?.[0]?.Actions?.find((a) => a.Type === 'forward');
  if (!action) throw new ConfigurationError(`listener rule ${ruleArn} has no forward action`);
  const groups = action.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) return groups;
  return action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : [];
}

/**
 * Blue and green from the rule's weights. Before the first production shift (POST_SCALE_UP: blue
 * serves 100 %, ECS developer guide) blue is the heaviest group. During a shift with green at
 * `greenPercent`, green is the group of the pair carrying that share; 50/50 cannot tell them apart.
 */
export function colorsFromWeights(pair: readonly string[], weights: TargetGroupTuple[], greenPercent?: number): NativeColors {
  if (greenPercent === undefined) {
    const blue = heaviestTargetGroup(weights);
    const green = pair.find((arn) => arn !== blue);
    if (!blue || !green || !pair.includes(blue)) throw new ConfigurationError(`the production rule forwards to none of ${pair.join(', ')}`);
    return { blueTargetGroupArn: blue, greenTargetGroupArn: green };
  }
  const [a, b] = pair;
  const onA = percentOn(weights, a);
  const onB = percentOn(weights, b);
  if (onA === onB) throw new ConfigurationError(`cannot tell green from blue at ${onA} % / ${onB} %: the colors were not recorded at POST_SCALE_UP`);
  const green = Math.abs(onA - greenPercent) <= Math.abs(onB - greenPercent) ? a : b;
  return { greenTargetGroupArn: green, blueTargetGroupArn: green === a ? b : a };
}
