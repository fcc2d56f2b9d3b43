/**
 * The final verdict at 100 %, run by the stepper state machine for the AfterAllowTraffic hook.
 *
 * AfterAllowTraffic fires right after CodeDeploy's shift to 100 %: the minutes before it are the
 * last step's (50 % by default), and the newest minute is not published yet. So the verdict waits
 * (Step Functions is the timer, inside the hook's hour) for `finalVerdictWindowSeconds` of whole
 * minutes at 100 % plus the settle minute, then judges exactly those minutes:
 *
 *   started (hook, after the shift) -> window start = first whole minute after it
 *   -> window end = start + finalVerdictWindowSeconds -> judged at end + METRICS_SETTLE_SECONDS.
 *
 * The first whole minute: GetMetricData rounds StartTime down to the period, so a window starting
 * mid-minute would include the minute of the shift, which mixes both weights.
 *
 * The hook is reported exactly once: the decision is written (finished, reported=false) before the
 * report, so a retried tick re-reports the same decision instead of judging again. With
 * `analysis.shadow === true` a failing verdict is recorded but the hook reports Succeeded.
 */
import { DeploymentContext, loadDeploymentContext } from '../shared/deployment-context';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { isDeploymentId, TERMINAL_STATUSES } from '../shared/deployments';
import { logger } from '../shared/logger';
import { bestEffort, dispatchAction } from './dispatch';
import { putState, readState } from '../shared/records';
import { HookReporter, HookStatus } from '../shared/reporter';
import { finalVerdictWindow } from './final-decision';
import { alignProductionOnGreen, judgeFinal } from './final-judge';
import { budgetExceeded } from './schedule';
import type { StepperDeps } from './stepper';
import { describeError } from './stepper';
import { HOOK_BUDGET_SECONDS, StepperErrorInfo, StepperFinish, StepperIds, StepperOutput } from './types';

/** Sort key of the final verdict's state record (one per deployment, like the stepper's `state`). */
export const FINAL_VERDICT_SK = 'final-verdict';

export type FinalVerdictAction = 'final-start' | 'final-tick' | 'final-abort';

export interface FinalVerdictInput extends StepperIds {
  readonly action: FinalVerdictAction;
  /** final-abort: what the state machine caught. */
  readonly error?: StepperErrorInfo;
}

/** The state machine's execution input when AfterAllowTraffic starts it. */
export interface FinalVerdictExecutionInput extends StepperIds {
  readonly phase: 'final';
}

/** The final verdict's memory between invocations. Times are ISO strings. */
export interface FinalVerdictState {
  readonly lifecycleEventHookExecutionId: string;
  /** When the state machine started the final verdict (after the shift to 100 %); the budget counts from here. */
  readonly startedAt: string;
  /** The judged window [start, end): whole minutes at 100 % only. */
  readonly windowStart: string;
  readonly windowEnd: string;
  /** When the last minute of the window is published: the verdict is taken then. */
  readonly judgeAt: string;
  readonly finished?: StepperFinish;
  /** What was (or is to be) reported. */
  readonly status?: HookStatus;
  readonly reason?: string;
  readonly reported?: boolean;
  readonly updatedAt: string;
}

const ACTIONS: readonly string[] = ['final-start', 'final-tick', 'final-abort'];


/** The payload as a final-verdict action, or undefined when it is another stepper action. */
export function parseFinalVerdictInput(event: unknown): FinalVerdictInput | undefined {
  const e = event as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object' || typeof e.action !== 'string' || !ACTIONS.includes(e.action)) return undefined;
  const { deploymentId, lifecycleEventHookExecutionId } = e;
  if (!isDeploymentId(deploymentId)) {
    throw new ConfigurationError(`final verdict: deploymentId ${JSON.stringify(deploymentId)} is not a CodeDeploy deployment id`);
  }
  if (typeof lifecycleEventHookExecutionId !== 'string' || lifecycleEventHookExecutionId.length === 0) {
    throw new ConfigurationError('final verdict: lifecycleEventHookExecutionId is missing');
  }
  const err = e.error as StepperErrorInfo | undefined;
  const error = e.action === 'final-abort' && err && typeof err === 'object'
    ? { Error: typeof err.Error === 'string' ? err.Error : undefined, Cause: typeof err.Cause === 'string' ? err.Cause : undefined }
    : undefined;
  return { action: e.action as FinalVerdictAction, deploymentId, lifecycleEventHookExecutionId, ...(error ? { error } : {}) };
}

// Shared with the ECS engine's final verdict (lambda/native); re-exported for existing importers.
export { finalVerdictWindow } from './final-decision';

export async function runFinalVerdict(input: FinalVerdictInput, deps: StepperDeps): Promise<StepperOutput> {
  const run = new FinalVerdictRun(input, deps);
  return dispatchAction('final verdict', input, {
    'final-start': () => run.start(),
    'final-tick': () => run.tick(),
    'final-abort': () => run.abort(input.error),
  });
}

class FinalVerdictRun {
  private readonly reporter: HookReporter;

  constructor(private readonly input: FinalVerdictInput, private readonly deps: StepperDeps) {
    this.reporter = new HookReporter(deps.clients, input.deploymentId, input.lifecycleEventHookExecutionId);
  }

  async start(): Promise<StepperOutput> {
    const existing = await this.readState();
    if (existing) {
      // A retried or duplicated start: keep the window chosen the first time.
      if (existing.finished) return this.settle(existing);
      return this.waiting(existing, this.deps.now());
    }
    const ctx = await this.context();
    if (TERMINAL_STATUSES.includes(ctx.status)) return this.closeTerminal(ctx, undefined);

    // Production must be all on green before the judged minutes start (see alignProductionOnGreen).
    await alignProductionOnGreen(ctx, this.deps.clients, this.deps.table);
    const now = this.deps.now();
    const w = finalVerdictWindow(now.getTime(), ctx.config.finalVerdictWindowSeconds);
    const state: FinalVerdictState = {
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      startedAt: now.toISOString(),
      windowStart: new Date(w.start).toISOString(),
      windowEnd: new Date(w.end).toISOString(),
      judgeAt: new Date(w.judgeAt).toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.writeState(state, now);
    logger.info('final verdict waits for the minutes at 100 %', { windowStart: state.windowStart, windowEnd: state.windowEnd, judgeAt: state.judgeAt });
    return this.waiting(state, now);
  }

  async tick(): Promise<StepperOutput> {
    const state = await this.readState();
    if (!state) throw new ConfigurationError(`no final verdict state for ${this.input.deploymentId}: final-start did not record one`);
    if (state.finished) return this.settle(state);

    const ctx = await this.context();
    if (TERMINAL_STATUSES.includes(ctx.status)) return this.closeTerminal(ctx, state);
    const now = this.deps.now();
    if (now.getTime() < Date.parse(state.judgeAt)) {
      if (!budgetExceeded(Date.parse(state.startedAt), now.getTime())) return this.waiting(state, now);
      return this.finish(state, 'Failed', `hook budget exceeded before the final verdict's minutes were published (limit ${HOOK_BUDGET_SECONDS / 60} min)`);
    }

    const judged = await judgeFinal(ctx, this.deps.clients, {
      start: new Date(state.windowStart),
      end: new Date(state.windowEnd),
      now,
      table: this.deps.table,
    });
    logger.info('final verdict', { status: judged.status, reason: judged.reason, shadow: ctx.config.analysis.shadow === true });
    if (judged.status === 'Failed' && ctx.config.analysis.shadow === true) {
      return this.finish(state, 'Succeeded', `shadow mode: recorded, not acted on: ${judged.reason}`);
    }
    return this.finish(state, judged.status, judged.reason);
  }

  /** The state machine caught an error it could not retry away: report Failed (CodeDeploy rolls back). */
  async abort(error: StepperErrorInfo | undefined): Promise<StepperOutput> {
    const reason = `final verdict error: ${describeError(error)}`;
    logger.error('final verdict aborting', { reason });
    const state = await bestEffort('read the final verdict state', () => this.readState());
    if (state?.finished) return this.settle(state);
    const ctx = await bestEffort('load the deployment', () => this.context());
    if (ctx && TERMINAL_STATUSES.includes(ctx.status)) return this.closeTerminal(ctx, state);
    return this.finish(state, 'Failed', reason);
  }

  /** Record the decision, then report it once; a lost report is repeated by the next invocation (settle). */
  private async finish(state: FinalVerdictState | undefined, status: HookStatus, reason: string): Promise<StepperOutput> {
    const now = this.deps.now();
    const decided: FinalVerdictState = {
      ...(state ?? this.emptyState(now)),
      finished: status === 'Succeeded' ? 'succeeded' : 'failed',
      status,
      reason,
      reported: false,
      updatedAt: now.toISOString(),
    };
    await this.tryWriteState(decided);
    await this.reporter.report(status, reason);
    await this.tryWriteState({ ...decided, reported: true });
    return this.finishedOutput(decided.finished!);
  }

  private async settle(state: FinalVerdictState): Promise<StepperOutput> {
    const finished = state.finished ?? 'failed';
    if (state.reported) return this.finishedOutput(finished);
    logger.warn('final verdict decided but its report did not complete: reporting again', { finished });
    await this.reporter.report(state.status ?? (finished === 'succeeded' ? 'Succeeded' : 'Failed'), state.reason);
    await this.tryWriteState({ ...state, reported: true });
    return this.finishedOutput(finished);
  }

  /** The deployment ended without us: CodeDeploy no longer waits for this hook; nothing to report. */
  private async closeTerminal(ctx: DeploymentContext, state: FinalVerdictState | undefined): Promise<StepperOutput> {
    logger.warn('deployment already ended: CodeDeploy no longer waits for this hook', { status: ctx.status });
    const now = this.deps.now();
    await this.tryWriteState({
      ...(state ?? this.emptyState(now)),
      finished: 'failed',
      reason: `deployment is ${ctx.status}: CodeDeploy no longer waits for this hook`,
      reported: true,
      updatedAt: now.toISOString(),
    });
    return this.finishedOutput('failed');
  }

  private waiting(state: FinalVerdictState, now: Date): StepperOutput {
    // Until the window's last minute is published; never past the hook budget.
    const until = Math.min(Date.parse(state.judgeAt), Date.parse(state.startedAt) + HOOK_BUDGET_SECONDS * 1000);
    return {
      deploymentId: this.input.deploymentId,
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      waitSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)),
      done: false,
      percent: 100,
    };
  }

  private finishedOutput(finished: StepperFinish): StepperOutput {
    return {
      deploymentId: this.input.deploymentId,
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      waitSeconds: 0,
      done: true,
      finished,
      percent: 100,
    };
  }

  private emptyState(now: Date): FinalVerdictState {
    return {
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      startedAt: now.toISOString(),
      windowStart: now.toISOString(),
      windowEnd: now.toISOString(),
      judgeAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
  }

  private context(): Promise<DeploymentContext> {
    return loadDeploymentContext(this.deps.clients, this.input.deploymentId);
  }

  private async readState(): Promise<FinalVerdictState | undefined> {
    return readState<FinalVerdictState>(this.deps.clients, this.deps.table, this.input.deploymentId, FINAL_VERDICT_SK);
  }

  private async writeState(state: FinalVerdictState, now: Date): Promise<void> {
    await putState(this.deps.clients, this.deps.table, this.input.deploymentId, state, now, FINAL_VERDICT_SK);
  }

  private async tryWriteState(state: FinalVerdictState): Promise<void> {
    try {
      await this.writeState(state, this.deps.now());
    } catch (err) {
      logger.error('could not write the final verdict state', { error: errorMessage(err), finished: state.finished, reported: state.reported });
    }
  }
}
