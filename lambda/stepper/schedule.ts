/**
 * The stepper's decisions, pure: given where the release stands, the time and the judge's
 * verdict, what happens next. No I/O and no clock, so every branch is a table-driven test.
 */
import type { Verdict } from '../judge/types';
import { AnalysisConfig, DEFAULT_CONFIDENCE_PERCENT, StepConfig } from '../../lib/runtime-config';
import { DEFAULT_THRESHOLDS, METRICS_SETTLE_SECONDS, worstCaseStepSeconds } from '../../lib/policy/release-policy';
import { HOOK_BUDGET_SECONDS, TickDecision } from './types';

/** Used when the configuration's interval is not a positive number. */
const DEFAULT_INTERVAL_SECONDS = DEFAULT_THRESHOLDS.intervalSeconds;

export function intervalSeconds(analysis: Pick<AnalysisConfig, 'intervalSeconds'>): number {
  const s = analysis.intervalSeconds;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? s : DEFAULT_INTERVAL_SECONDS;
}

/** The hook has used its budget: the next report must be Failed, with time left to restore first. */
export function budgetExceeded(hookStartedAtMs: number, nowMs: number, budgetSeconds = HOOK_BUDGET_SECONDS): boolean {
  return nowMs - hookStartedAtMs >= budgetSeconds * 1000;
}

/**
 * ALB metrics are per minute and reach CloudWatch about a minute after the minute ends: a verdict
 * taken right at the end of a bake would never see the bake's last minute. The step's final
 * verdict is therefore taken this long after the bake (traffic stays at the step's percent).
 */
export { METRICS_SETTLE_SECONDS };

/** When a step's final verdict is due: end of its bake, counting extensions (each adds one bake), plus the settle time. */
export function stepEndsAt(stepStartedAtMs: number, bakeSeconds: number, extensions: number): number {
  return stepStartedAtMs + worstCaseStepSeconds(bakeSeconds, extensions) * 1000;
}

/**
 * Whole seconds until the next tick: one analysis interval, or less when the bake or the hook
 * budget ends sooner (so the step advances, or the budget fails it, on time). At least 1 s:
 * Step Functions' Wait needs a positive integer.
 */
export function waitSeconds(nowMs: number, untilMs: number, analysis: Pick<AnalysisConfig, 'intervalSeconds'>, hookStartedAtMs: number, budgetSeconds = HOOK_BUDGET_SECONDS): number {
  const budgetEnd = hookStartedAtMs + budgetSeconds * 1000;
  const seconds = Math.min(intervalSeconds(analysis), (untilMs - nowMs) / 1000, (budgetEnd - nowMs) / 1000);
  return Math.max(1, Math.ceil(seconds));
}

/** How many verdicts a step can take: one per interval over its bake and settle minute, per extension. */
export function verdictsInStep(step: StepConfig, analysis: Pick<AnalysisConfig, 'intervalSeconds' | 'maxExtensions'>): number {
  const perPass = Math.max(1, Math.ceil((Math.max(0, step.bakeSeconds) + METRICS_SETTLE_SECONDS) / intervalSeconds(analysis)));
  return perPass * (1 + Math.max(0, Math.floor(analysis.maxExtensions ?? 0)));
}

/**
 * Share of a step's alpha spent on the verdicts taken while it bakes; the rest goes to its final
 * verdicts. Mid-bake verdicts are there to stop a release early on a failure so large it is
 * certain (a crash fails on its first minute at any of these levels); the step's final verdict,
 * over its whole window, is the planned test and gets most of the error budget.
 */
export const EARLY_ALPHA_SHARE = 0.2;

/**
 * The thresholds one verdict of step `stepIndex` is judged with. The judge tests each verdict at
 * `confidencePercent`; the stepper takes a verdict every minute on a growing window, and each
 * look is another chance for noise to cross a line. So the stepper spends the release's alpha
 * (1 - confidence) over every verdict it can take (alpha spending, Bonferroni within each part):
 * alpha / steps per step; of that, EARLY_ALPHA_SHARE over the mid-bake verdicts and the rest over
 * the step's final verdicts (1 + maxExtensions). Whatever the correlation of the looks, a version
 * exactly at a limit is then rolled back with probability <= alpha in the whole release.
 * docs/notes/judge.md.
 */
export function verdictThresholds(analysis: AnalysisConfig, steps: readonly StepConfig[], stepIndex: number, final: boolean): AnalysisConfig {
  const step = steps[stepIndex];
  const confidence = analysis.confidencePercent ?? DEFAULT_CONFIDENCE_PERCENT;
  // A broken confidence or schedule is the judge's to report: pass it through unchanged.
  if (!step || !(typeof confidence === 'number' && confidence > 0 && confidence < 100)) return analysis;
  const stepAlpha = (1 - confidence / 100) / steps.length;
  const finals = 1 + Math.max(0, Math.floor(analysis.maxExtensions ?? 0));
  const early = Math.max(1, verdictsInStep(step, analysis) - finals);
  const alpha = final ? (stepAlpha * (1 - EARLY_ALPHA_SHARE)) / finals : (stepAlpha * EARLY_ALPHA_SHARE) / early;
  return { ...analysis, confidencePercent: 100 * (1 - alpha) };
}

export interface TickFacts {
  readonly steps: readonly StepConfig[];
  readonly analysis: AnalysisConfig;
  readonly stepIndex: number;
  readonly stepStartedAtMs: number;
  readonly extensions: number;
  readonly hookStartedAtMs: number;
  readonly nowMs: number;
  readonly verdict: Pick<Verdict, 'outcome' | 'reason'>;
}

function label(steps: readonly StepConfig[], index: number): string {
  return `step ${index + 1}/${steps.length} (${steps[index]?.percent} % green)`;
}

/**
 * fail -> fail now, whatever the bake. Bake not over -> wait. Bake over: pass -> next step (or
 * complete after the last in-hook step); inconclusive -> extend by one bake up to maxExtensions,
 * then follow onInconclusive ('fail' unless it says 'pass').
 */
export function decideTick(f: TickFacts): TickDecision {
  const step = f.steps[f.stepIndex];
  if (!step) return { kind: 'fail', reason: `step index ${f.stepIndex} is not in the configured schedule of ${f.steps.length} steps` };
  if (f.verdict.outcome === 'fail') {
    return { kind: 'fail', reason: `${label(f.steps, f.stepIndex)} failed: ${f.verdict.reason}` };
  }

  const end = stepEndsAt(f.stepStartedAtMs, step.bakeSeconds, f.extensions);
  if (f.nowMs < end) {
    return { kind: 'wait', waitSeconds: waitSeconds(f.nowMs, end, f.analysis, f.hookStartedAtMs) };
  }

  if (f.verdict.outcome === 'pass') return advanceOrComplete(f, 'passed');

  const maxExtensions = Math.max(0, Math.floor(f.analysis.maxExtensions ?? 0));
  if (f.extensions < maxExtensions) {
    const extensions = f.extensions + 1;
    const newEnd = stepEndsAt(f.stepStartedAtMs, step.bakeSeconds, extensions);
    return { kind: 'extend', extensions, waitSeconds: waitSeconds(f.nowMs, newEnd, f.analysis, f.hookStartedAtMs) };
  }
  const tried = `after ${f.extensions} extension${f.extensions === 1 ? '' : 's'}`;
  if (f.analysis.onInconclusive === 'pass') return advanceOrComplete(f, `inconclusive ${tried}, passed by policy onInconclusive=pass`);
  return { kind: 'fail', reason: `${label(f.steps, f.stepIndex)} stayed inconclusive ${tried}: ${f.verdict.reason}` };
}

/** A tick's decision in shadow mode: what the stepper does, and the fail it would have acted on. */
export interface ShadowedDecision {
  readonly decision: TickDecision;
  /** Shadow mode turned this fail into `decision`: the verdict is recorded, the release goes on. */
  readonly wouldHave?: Extract<TickDecision, { kind: 'fail' }>;
}

/**
 * decideTick, with shadow mode (analysis.shadow) applied: a fail that comes from the verdict (a
 * failing verdict, or inconclusive after every extension) becomes what a passing verdict would
 * have done (wait out the bake, then advance or complete). A schedule that does not hold the step
 * still fails: that is a broken configuration, not a verdict.
 */
export function decideTickWithShadow(f: TickFacts): ShadowedDecision {
  const decision = decideTick(f);
  if (f.analysis.shadow !== true || decision.kind !== 'fail' || !f.steps[f.stepIndex]) return { decision };
  return { decision: decideTick({ ...f, verdict: { ...f.verdict, outcome: 'pass' } }), wouldHave: decision };
}

function advanceOrComplete(f: TickFacts, how: string): TickDecision {
  const next = f.stepIndex + 1;
  const nextStep = f.steps[next];
  if (!nextStep) {
    return { kind: 'complete', reason: `${label(f.steps, f.stepIndex)} ${how}; all ${f.steps.length} in-hook steps done` };
  }
  return {
    kind: 'advance',
    stepIndex: next,
    percent: nextStep.percent,
    waitSeconds: waitSeconds(f.nowMs, f.nowMs + nextStep.bakeSeconds * 1000, f.analysis, f.hookStartedAtMs),
  };
}
