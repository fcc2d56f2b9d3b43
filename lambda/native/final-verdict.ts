/**
 * The ECS engine's final verdict at 100 % (POST_PRODUCTION_TRAFFIC_SHIFT): the same window, judge
 * and outcome metric as AfterAllowTraffic's on CodeDeploy (lambda/stepper/final-decision.ts), with
 * the native records. The timing (hold with IN_PROGRESS until `judgeAt`) is native-hook.ts's.
 */
import type { NativeRuntimeConfig } from '../../lib/native/native-config';
import type { Clients } from '../shared/clients';
import { errorMessage } from '../shared/errors';
import { logger } from '../shared/logger';
import { fetchWindow, WindowSamples } from '../shared/metrics';
import { FinalDecisionDoc, putDecision } from '../shared/records';
import { finalVerdictWindow, judgeFinalSamples, publishFinalVerdict } from '../stepper/final-decision';
import { colorsFromWeights, readRuleWeights } from './rule-weights';
import type { NativeState } from './types';

/** Shown on the dashboard as the DeploymentGroup dimension of the outcome metric (NativeCanaryDeployment's dashboard reads it). */
export function nativeOutcomeDimension(config: Pick<NativeRuntimeConfig, 'clusterName' | 'serviceName'>): string {
  return `${config.clusterName}/${config.serviceName}`;
}

/** The window of a final verdict starting now, as the state records it. */
export function nativeFinalWindow(now: Date, windowSeconds: number): NonNullable<NativeState['final']> {
  const w = finalVerdictWindow(now.getTime(), windowSeconds);
  return {
    startedAt: now.toISOString(),
    windowStart: new Date(w.start).toISOString(),
    windowEnd: new Date(w.end).toISOString(),
    judgeAt: new Date(w.judgeAt).toISOString(),
  };
}

/** The stable version's last `seconds` before production moves: blue's minutes only. */
export async function fetchBaseline(clients: Clients, config: NativeRuntimeConfig, colors: NonNullable<NativeState['colors']>, now: Date, seconds: number): Promise<NonNullable<NativeState['baseline']>> {
  const from = new Date(now.getTime() - seconds * 1000);
  const { blue } = await fetchWindow(clients, config.productionListenerArn, colors, from, now);
  return { blue, from: from.toISOString(), to: now.toISOString() };
}

export interface NativeFinalJudgement {
  readonly status: 'Succeeded' | 'Failed';
  readonly reason: string;
  readonly doc: FinalDecisionDoc;
}

/**
 * Judges green's whole minutes at 100 % against the recorded baseline, writes the decision record
 * (the CodeDeploy final verdict's format) and the outcome metric. Losing the record or the metric
 * never changes the verdict.
 */
export async function judgeNativeFinal(
  clients: Clients, table: string, arn: string, config: NativeRuntimeConfig, state: NativeState, seq: number, now: Date,
): Promise<NativeFinalJudgement> {
  const final = state.final!;
  const colors = state.colors ?? colorsFromWeights(config.targetGroupArns, await readRuleWeights(clients, config.productionRuleArn), 100);
  const window: WindowSamples = await fetchWindow(clients, config.productionListenerArn, colors, new Date(final.windowStart), new Date(final.windowEnd));
  const judged = judgeFinalSamples(window, state.baseline?.blue, config.analysis);
  const doc: FinalDecisionDoc = {
    phase: 'POST_PRODUCTION_TRAFFIC_SHIFT',
    status: judged.status,
    verdict: judged.verdict,
    samples: judged.samples,
    thresholds: config.analysis,
    colors,
    blueSource: judged.blueSource,
    window: { start: final.windowStart, end: final.windowEnd },
    ...(config.analysis.shadow === true ? { shadow: true } : {}),
  };
  const writes: [string, Promise<unknown>][] = [
    ['outcome metric', publishFinalVerdict(nativeOutcomeDimension(config), judged.status, now)],
    ['decision record', putDecision(clients, table, arn, now, seq, doc)],
  ];
  const results = await Promise.allSettled(writes.map(([, p]) => p));
  results.forEach((r, i) => {
    if (r.status === 'rejected') logger.error(`could not write the ${writes[i][0]}`, { error: errorMessage(r.reason) });
  });
  return { status: judged.status === 'Succeeded' ? 'Succeeded' : 'Failed', reason: judged.reason, doc };
}
