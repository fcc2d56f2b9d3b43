/**
 * The engine-neutral part of the final verdict at 100 %: which minutes are judged, how the
 * verdict becomes a hook status, and the outcome metric. Shared by the CodeDeploy engine
 * (final-verdict.ts / final-judge.ts, AfterAllowTraffic) and the ECS engine (lambda/native,
 * POST_PRODUCTION_TRAFFIC_SHIFT). No CodeDeploy or ECS import: both bundles load only what they call.
 */
import { AnalysisConfig } from '../../lib/runtime-config';
import { emitMetric, OutcomeMetric } from '../shared/emf';
import { judge } from '../judge';
import type { MinuteSample, Verdict } from '../judge';
import type { WindowSamples } from '../shared/metrics';
import { isWholeMinutes } from '../../lib/policy/release-policy';
import { ConfigurationError } from '../shared/errors';
import type { HookStatus } from '../shared/reporter';
import { METRICS_SETTLE_SECONDS } from './schedule';

export const FINAL_VERDICT_METRIC = 'FinalVerdict';

/**
 * The judged window for a final verdict started at `startedAtMs`: from the first whole minute
 * strictly after it (the shift to 100 % happened before the hook started), `windowSeconds` long
 * (whole minutes, at least one), judged a settle minute after its end. Pure. Any other window is a
 * configuration error: a silent default would judge minutes nobody chose.
 */
export function finalVerdictWindow(startedAtMs: number, windowSeconds: number): { start: number; end: number; judgeAt: number } {
  if (!isWholeMinutes(windowSeconds)) {
    throw new ConfigurationError(`finalVerdictWindowSeconds must be whole minutes of at least 60 s (got ${JSON.stringify(windowSeconds)})`);
  }
  const seconds = windowSeconds;
  const start = (Math.floor(startedAtMs / 60_000) + 1) * 60_000;
  const end = start + seconds * 1000;
  return { start, end, judgeAt: end + METRICS_SETTLE_SECONDS * 1000 };
}

/** Inconclusive at the end is settled by the configured policy; no policy means fail (never a silent pass). */
export function decide(verdict: Verdict, onInconclusive: 'fail' | 'pass' | undefined): { status: HookStatus; reason: string } {
  switch (verdict.outcome) {
    case 'pass':
      return { status: 'Succeeded', reason: `final verdict pass: ${verdict.reason}` };
    case 'fail':
      return { status: 'Failed', reason: `final verdict fail: ${verdict.reason}` };
    case 'inconclusive': {
      const policy = onInconclusive ?? 'fail';
      return {
        status: policy === 'pass' ? 'Succeeded' : 'Failed',
        reason: `final verdict inconclusive (${verdict.reason}); onInconclusive is ${policy}`,
      };
    }
    default: {
      const unknown: never = verdict.outcome;
      return { status: 'Failed', reason: `final verdict has unknown outcome ${String(unknown)}` };
    }
  }
}

export interface FinalSamplesJudgement {
  readonly status: HookStatus;
  readonly reason: string;
  readonly verdict: Verdict;
  /** Green from the window; blue from the baseline when there is one. */
  readonly samples: WindowSamples;
  readonly blueSource: 'baseline' | 'window';
}

/**
 * Green's minutes at 100 % against the stable baseline recorded before production moved (at 100 %
 * blue has (almost) no traffic; its window is used only when no baseline was recorded).
 */
export function judgeFinalSamples(window: WindowSamples, baseline: MinuteSample[] | undefined, analysis: AnalysisConfig): FinalSamplesJudgement {
  const usable = Array.isArray(baseline) ? baseline : undefined;
  const samples: WindowSamples = { green: window.green, blue: usable ?? window.blue };
  const verdict = judge({ green: samples.green, blue: samples.blue, thresholds: analysis });
  return { ...decide(verdict, analysis.onInconclusive), verdict, samples, blueSource: usable ? 'baseline' : 'window' };
}

/**
 * The `FinalVerdict` outcome metric (1 = pass, 0 = fail) the dashboard reads, dimension
 * DeploymentGroup = `dimension` (`<application>/<deployment group>`, or `<cluster>/<service>` on ECS).
 */
export function finalVerdictMetric(dimension: string, status: HookStatus, now: Date, namespace?: string): OutcomeMetric {
  return { name: FINAL_VERDICT_METRIC, dimensions: { DeploymentGroup: dimension }, value: status === 'Succeeded' ? 1 : 0, at: now, namespace };
}

/** Writes the FinalVerdict metric (EMF, no API call); a promise so callers settle it with their writes. */
export async function publishFinalVerdict(dimension: string, status: HookStatus, now: Date, namespace?: string): Promise<void> {
  emitMetric(finalVerdictMetric(dimension, status, now, namespace));
}
