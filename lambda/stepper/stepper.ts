/**
 * The traffic stepper: every decision of the in-hook steps (5 -> 25 -> 50 % by default). Step
 * Functions is only the timer. The state is written to the `state` record whenever it changes (a
 * step, an extension, a new verdict outcome, the end), so the CLI can read progress and a
 * duplicated Start continues from it; between ticks it also travels in the execution's state
 * (`carry`), so an ordinary tick makes one AWS call (GetMetricData) and the deployment's status
 * and the control record are read every CHECK_SECONDS and before anything that moves traffic or
 * reports (see docs/notes/lambda-runtime.md for the call budget).
 *
 * Rules that hold on every path:
 * - Failing puts production back on blue 100 % FIRST, then reports Failed. A restore that throws
 *   does not stop the report: CodeDeploy's rollback and the guard reroute after it.
 * - The hook is reported once. The decision is written (finished, reported=false) before the
 *   report, so a retry after a lost report re-reports the same decision instead of judging again;
 *   CodeDeploy refuses a second report (LifecycleEventAlreadyCompletedException), which is fine.
 * - Once `reported` is set, start/tick/abort do nothing but return done.
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';
import { judge } from '../judge';
import type { Clients } from '../shared/clients';
import { DeploymentContext, loadDeploymentContext } from '../shared/deployment-context';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { TERMINAL_STATUSES } from '../shared/deployments';
import { logger } from '../shared/logger';
import { bestEffort, dispatchAction } from './dispatch';
import { fetchWindow } from '../shared/metrics';
import { HookReporter } from '../shared/reporter';
import { resolveColors, restoreStable, setWeights } from '../shared/traffic';
import { budgetExceeded, decideTickWithShadow, stepEndsAt, verdictThresholds, waitSeconds } from './schedule';
import { StepperStore } from './store';
import {
  ControlDoc,
  HOOK_BUDGET_SECONDS,
  StepperCarry,
  StepperDecisionDoc,
  StepperErrorInfo,
  StepperFinish,
  StepperInput,
  StepperOutput,
  StepperState,
} from './types';

export interface StepperDeps {
  readonly clients: Clients;
  /** The decisions table (CANARY_DECISIONS_TABLE). */
  readonly table: string;
  /** The clock; tests pass a fake one. */
  readonly now: () => Date;
}

/**
 * How often a carried tick reads the deployment's status (GetDeployment) and the control record
 * (promote/abort): a deployment stopped by CodeDeploy or an alarm, or an abort, stops the stepper
 * within this plus one interval. Traffic is safe meanwhile: CodeDeploy's rollback, `canary abort`
 * and the guard put production back on blue themselves, and the stepper checks again before it
 * moves traffic (advance) or reports.
 */
export const CHECK_SECONDS = 150;

export async function runStepper(input: StepperInput, deps: StepperDeps): Promise<StepperOutput> {
  const run = new StepperRun(input, deps);
  return dispatchAction('stepper', input, {
    start: () => run.start(),
    tick: () => run.tick(),
    abort: () => run.abort((input as Extract<StepperInput, { action: 'abort' }>).error),
  });
}

/** One invocation: the reporter guarantees at most one report per invocation. */
class StepperRun {
  private readonly store: StepperStore;
  private readonly reporter: HookReporter;
  private readonly clients: Clients;

  constructor(private readonly input: StepperInput, private readonly deps: StepperDeps) {
    this.clients = deps.clients;
    this.store = new StepperStore(deps.clients, deps.table, input.deploymentId);
    this.reporter = new HookReporter(deps.clients, input.deploymentId, input.lifecycleEventHookExecutionId);
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  async start(): Promise<StepperOutput> {
    const { state: existing, control } = await this.store.readStateAndControl();
    if (existing) {
      // A retried or duplicated Start: the state is written after the first weights were set.
      if (existing.finished) return this.settle(existing);
      logger.info('stepper already started: continuing from the recorded state', { stepIndex: existing.stepIndex });
      const ctx = await this.context();
      return this.waiting(existing, this.untilNextTick(existing, ctx.config, this.deps.now()), ctx.config, this.deps.now());
    }

    const ctx = await this.context();
    if (TERMINAL_STATUSES.includes(ctx.status)) return this.closeTerminal(ctx.status, ctx.config, undefined);
    const { steps, analysis } = ctx.config;
    if (steps.length === 0) {
      // The hook does not start the stepper for an empty schedule; answer anyway if it ever does.
      await this.reporter.report('Succeeded', 'no in-hook steps: CodeDeploy\'s deployment configuration shifts all traffic');
      return this.finishedOutput('succeeded');
    }
    if (control?.action === 'abort') return this.fail(ctx.config, undefined, `aborted by ${control.by} at ${control.at}, before the first step`);

    // Green is whichever group the PRIMARY (stable) task set does not use: they swap every deployment.
    const colors = await resolveColors(this.clients, ctx.config);
    const baseline = await this.fetchBaseline(ctx, colors);
    await setWeights(this.clients, ctx.config.productionListenerArn, colors, steps[0].percent);

    const now = this.deps.now();
    const state: StepperState = {
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      hookStartedAt: now.toISOString(),
      productionListenerArn: ctx.config.productionListenerArn,
      colors,
      stepIndex: 0,
      percent: steps[0].percent,
      stepStartedAt: now.toISOString(),
      extensions: 0,
      decisions: 0,
      baseline,
      updatedAt: now.toISOString(),
    };
    await this.store.writeState(state, now);
    logger.info('stepper started', { percent: steps[0].percent, ...colors, intervalSeconds: analysis.intervalSeconds });
    return this.waiting(state, this.untilNextTick(state, ctx.config, now), ctx.config, now);
  }

  async tick(): Promise<StepperOutput> {
    const carry = this.input.action === 'tick' ? this.input.carry : undefined;
    if (carry) return this.tickWith(carry.state, carry.config, Date.parse(carry.checkedAt));

    // No carry (an older execution, a direct call): everything from the table and CodeDeploy.
    const { state, control } = await this.store.readStateAndControl();
    if (!state) throw new ConfigurationError(`no stepper state for ${this.input.deploymentId}: Start did not record one`);
    if (state.finished) return this.settle(state);
    const ctx = await this.context();
    const ended = await this.checkpoint(ctx.status, ctx.config, state, control);
    if (ended) return ended;
    const now = this.deps.now();
    return this.tickWith(state, ctx.config, now.getTime(), now);
  }

  /**
   * One verdict. `checkedAtMs`: when the status and the control record were last read; they are
   * read again when CHECK_SECONDS have passed and before any traffic move or report.
   */
  private async tickWith(state: StepperState, config: CanaryRuntimeConfig, checkedAtMs: number, now = this.deps.now()): Promise<StepperOutput> {
    let checkedAt = Number.isFinite(checkedAtMs) ? checkedAtMs : -Infinity;
    // One read of the table (state and control) and one GetDeployment, at most once per tick.
    // A tick already decided (a retry after a lost report) re-reports it, never judges again.
    const check = async (): Promise<StepperOutput | undefined> => {
      if (checkedAt === now.getTime()) return undefined;
      const { state: stored, control } = await this.store.readStateAndControl();
      if (stored?.finished) return this.settle(stored);
      const ended = await this.checkpoint(await this.deploymentStatus(), config, state, control);
      checkedAt = now.getTime();
      return ended;
    };
    if (now.getTime() - checkedAt >= CHECK_SECONDS * 1000) {
      const ended = await check();
      if (ended) return ended;
    }

    const hookStartedAtMs = Date.parse(state.hookStartedAt);
    if (budgetExceeded(hookStartedAtMs, now.getTime())) {
      const ended = await check();
      if (ended) return ended;
      const minutes = Math.round((now.getTime() - hookStartedAtMs) / 60_000);
      return this.fail(config, state, `hook budget exceeded: the stepper has run ${minutes} min, the limit is ${HOOK_BUDGET_SECONDS / 60} min (CodeDeploy fails a hook after 60)`);
    }

    const { steps, analysis, productionListenerArn } = config;
    const from = new Date(state.stepStartedAt);
    const to = now.getTime() > from.getTime() ? now : new Date(from.getTime() + 1000);
    const samples = await fetchWindow(this.clients, productionListenerArn, state.colors, from, to);
    // The release's confidence spent over the verdicts it can take; recorded, so a verdict replays.
    const step = steps[state.stepIndex];
    const final = step !== undefined && now.getTime() >= stepEndsAt(from.getTime(), step.bakeSeconds, state.extensions);
    const thresholds = verdictThresholds(analysis, steps, state.stepIndex, final);
    const verdict = judge({ green: samples.green, blue: samples.blue, thresholds });
    const { decision, wouldHave } = decideTickWithShadow({
      steps,
      analysis,
      stepIndex: state.stepIndex,
      stepStartedAtMs: from.getTime(),
      extensions: state.extensions,
      hookStartedAtMs,
      nowMs: now.getTime(),
      verdict,
    });
    logger.info('verdict', { stepIndex: state.stepIndex, percent: state.percent, outcome: verdict.outcome, reason: verdict.reason, decision: decision.kind, shadowWouldHave: wouldHave?.reason });
    const shadow = analysis.shadow === true;

    // Before anything that moves traffic or reports: is the deployment still ours to step?
    if (decision.kind !== 'wait' && decision.kind !== 'extend') {
      const ended = await check();
      if (ended) return ended;
    }

    // A verdict is recorded when it changes something: an action other than wait, another outcome
    // than the last recorded one, or a shadow failure. A run of equal waits is one record.
    const recorded = decision.kind !== 'wait' || verdict.outcome !== state.lastVerdict?.outcome || wouldHave !== undefined;
    const seq = recorded ? state.decisions + 1 : state.decisions;
    const record: StepperDecisionDoc = {
      phase: 'step',
      step: state.stepIndex,
      percent: state.percent,
      verdict,
      samples,
      window: { start: from.toISOString(), end: to.toISOString() },
      thresholds,
      action: decision.kind,
      extensions: decision.kind === 'extend' ? decision.extensions : state.extensions,
      at: now.toISOString(),
      ...(shadow ? { shadow: true as const } : {}),
      ...(wouldHave ? { wouldHave: { action: 'fail' as const, reason: wouldHave.reason } } : {}),
    };

    const summary = {
      outcome: verdict.outcome,
      reason: verdict.reason,
      at: now.toISOString(),
      stepIndex: state.stepIndex,
      percent: state.percent,
      ...(wouldHave ? { shadowWouldHave: wouldHave.reason } : {}),
    };
    const judged: StepperState = {
      ...state,
      decisions: seq,
      lastVerdict: summary,
      // Shadow mode makes false rollbacks countable: how many verdicts would have acted, and the first.
      ...(wouldHave ? { shadowFailures: (state.shadowFailures ?? 0) + 1, firstShadowFailure: state.firstShadowFailure ?? summary } : {}),
      updatedAt: now.toISOString(),
    };
    const checked = new Date(checkedAt);
    // The decision record goes with the state it leads to, in one write.
    const save = (next: StepperState) => this.store.writeDecisionAndState(seq, record, next, now);
    switch (decision.kind) {
      case 'fail':
        try {
          await this.store.writeDecision(seq, record, now);
        } catch (err) {
          // A lost record must not hold back a rollback.
          logger.error('could not record the failing verdict; failing anyway', { error: errorMessage(err) });
        }
        return this.fail(config, judged, decision.reason);
      case 'complete':
        return this.succeed(judged, decision.reason, (finished) => save(finished));
      case 'wait':
        if (recorded) await save(judged);
        return this.waiting(judged, decision.waitSeconds, config, checked);
      case 'extend': {
        const extended = { ...judged, extensions: decision.extensions };
        await save(extended);
        logger.info('step extended while inconclusive', { stepIndex: state.stepIndex, extensions: decision.extensions });
        return this.waiting(extended, decision.waitSeconds, config, checked);
      }
      case 'advance': {
        await setWeights(this.clients, productionListenerArn, state.colors, decision.percent);
        const advanced: StepperState = {
          ...judged,
          stepIndex: decision.stepIndex,
          percent: decision.percent,
          stepStartedAt: now.toISOString(),
          extensions: 0,
        };
        await save(advanced);
        logger.info('advanced to the next step', { stepIndex: decision.stepIndex, percent: decision.percent });
        return this.waiting(advanced, decision.waitSeconds, config, checked);
      }
      default: {
        const unknown: never = decision;
        throw new ConfigurationError(`unknown decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * The deployment ended without us (closed quietly), or a person asked to promote or abort
   * (obeyed): the output that ends the tick. Undefined: carry on.
   */
  private async checkpoint(status: string, config: CanaryRuntimeConfig, state: StepperState, control: ControlDoc | undefined): Promise<StepperOutput | undefined> {
    if (TERMINAL_STATUSES.includes(status)) return this.closeTerminal(status, config, state);
    if (control) return this.obey(config, state, control, this.deps.now());
    return undefined;
  }

  /** CodeDeploy's status of the deployment alone (the configuration is carried). */
  private async deploymentStatus(): Promise<string> {
    const { deploymentInfo } = await this.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: this.input.deploymentId }));
    return deploymentInfo?.status ?? 'Unknown';
  }

  /** The state machine caught an error it could not retry away: roll back and report Failed. */
  async abort(error: StepperErrorInfo | undefined): Promise<StepperOutput> {
    const reason = `stepper error: ${describeError(error)}`;
    logger.error('stepper aborting', { reason });
    // Every read here is best effort: the thing that broke may be one of them.
    const state = await bestEffort('read the stepper state', () => this.store.readState());
    if (state?.finished) return this.settle(state);
    const ctx = await bestEffort('load the deployment', () => this.context());
    if (ctx && TERMINAL_STATUSES.includes(ctx.status)) return this.closeTerminal(ctx.status, ctx.config, state);
    return this.fail(ctx?.config, state, reason);
  }

  // -------------------------------------------------------------------------------------------
  // Endings

  /** promote: report Succeeded now, weights stay. abort: fail path. Both are recorded. */
  private async obey(config: CanaryRuntimeConfig, state: StepperState, control: ControlDoc, now: Date): Promise<StepperOutput> {
    const seq = state.decisions + 1;
    try {
      await this.store.writeDecision(seq, { phase: 'control', step: state.stepIndex, percent: state.percent, control, at: now.toISOString() }, now);
    } catch (err) {
      if (control.action !== 'abort') throw err;
      logger.error('could not record the abort; aborting anyway', { error: errorMessage(err) });
    }
    const recorded = { ...state, decisions: seq };
    if (control.action === 'abort') return this.fail(config, recorded, `aborted by ${control.by} at ${control.at}`);
    // [inference, aws-facts.md] CodeDeploy sets absolute weights at its own shift, so the weights
    // stay where they are until AllowTraffic moves them.
    return this.succeed(recorded, `promoted by ${control.by} at ${control.at}: remaining in-hook bake skipped at ${state.percent} % green`);
  }

  /** `write`: how the finished state is written (with the deciding verdict's record, from a tick). */
  private async succeed(state: StepperState, reason: string, write?: (finished: StepperState) => Promise<void>): Promise<StepperOutput> {
    const now = this.deps.now();
    const finished: StepperState = { ...state, finished: 'succeeded', reason, finishedAt: now.toISOString(), reported: false, updatedAt: now.toISOString() };
    // Must be written before the report: nothing is lost if it fails (the tick is retried).
    await (write ? write(finished) : this.store.writeState(finished, now));
    await this.reporter.report('Succeeded', reason);
    await this.tryWriteState({ ...finished, reported: true });
    return this.finishedOutput('succeeded', finished);
  }

  /**
   * The fail path: production to blue 100 %, then Failed reported. Nothing but the report may
   * stop it; records are best effort. `report: false` when CodeDeploy no longer waits for the hook.
   */
  private async fail(config: CanaryRuntimeConfig | undefined, state: StepperState | undefined, reason: string, report = true): Promise<StepperOutput> {
    const now = this.deps.now();
    let colors = state?.colors;
    let listenerArn = state?.productionListenerArn ?? config?.productionListenerArn;
    let restored = state?.restored ?? false;
    let restoreError: string | undefined;
    if (!restored) {
      try {
        // The recorded state is enough to restore: the configuration may be what cannot be read.
        if (!colors || !listenerArn) {
          const c = config ?? (await this.context()).config;
          listenerArn ??= c.productionListenerArn;
          colors ??= await resolveColors(this.clients, c);
        }
        await restoreStable(this.clients, listenerArn, colors);
        restored = true;
      } catch (err) {
        restoreError = errorMessage(err);
        logger.error('COULD NOT PUT PRODUCTION BACK ON THE STABLE VERSION: reporting Failed anyway, CodeDeploy rollback and the guard must reroute', {
          error: restoreError,
          colors,
        });
      }
    }

    const failed: StepperState | undefined = colors && listenerArn
      ? {
        ...(state ?? this.emptyState(listenerArn, colors, now)),
        finished: 'failed',
        reason,
        finishedAt: state?.finishedAt ?? now.toISOString(),
        restored,
        reported: !report,
        updatedAt: now.toISOString(),
      }
      : undefined;
    if (failed) await this.tryWriteState(failed);

    if (!report) {
      // The deployment has ended: the guard writes its outcome record; do not overwrite it.
      return this.finishedOutput('failed', failed);
    }
    await this.reporter.report('Failed', reason);
    if (failed) await this.tryWriteState({ ...failed, reported: true });
    try {
      await this.store.writeOutcome({
        source: 'stepper',
        result: 'failed',
        reason,
        stepIndex: state?.stepIndex,
        percent: state?.percent,
        restored,
        restoreError,
        at: now.toISOString(),
      }, now);
    } catch (err) {
      logger.error('could not write the outcome record', { error: errorMessage(err) });
    }
    return this.finishedOutput('failed', failed);
  }

  /** The deployment ended without us (stopped, failed elsewhere): restore, nothing to report. */
  private closeTerminal(status: string, config: CanaryRuntimeConfig | undefined, state: StepperState | undefined): Promise<StepperOutput> {
    logger.warn('deployment already ended: CodeDeploy no longer waits for this hook', { status });
    return this.fail(config, state, `deployment is ${status}: CodeDeploy no longer waits for this hook`, false);
  }

  /** A decided hook: finish reporting it if that was cut short, else nothing at all. */
  private async settle(state: StepperState): Promise<StepperOutput> {
    const finished = state.finished ?? 'failed';
    if (state.reported) {
      logger.info('hook already decided and reported: nothing to do', { finished });
      return this.finishedOutput(finished, state);
    }
    logger.warn('hook decided but its report did not complete: reporting again', { finished });
    if (finished === 'succeeded') {
      await this.reporter.report('Succeeded', state.reason);
      await this.tryWriteState({ ...state, reported: true });
      return this.finishedOutput('succeeded', state);
    }
    return this.fail(undefined, state, state.reason ?? 'failed');
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private context(): Promise<DeploymentContext> {
    return loadDeploymentContext(this.clients, this.input.deploymentId);
  }

  /** The stable version's recent metrics, for AfterAllowTraffic's comparison after the shift. */
  private async fetchBaseline(ctx: DeploymentContext, colors: StepperState['colors']): Promise<StepperState['baseline']> {
    // Required by parseConfig: the baseline spans the window the final verdict will judge.
    const seconds = ctx.config.finalVerdictWindowSeconds;
    const to = this.deps.now();
    const from = new Date(to.getTime() - seconds * 1000);
    const { blue } = await fetchWindow(this.clients, ctx.config.productionListenerArn, colors, from, to);
    return { blue, from: from.toISOString(), to: to.toISOString() };
  }

  private untilNextTick(state: StepperState, config: CanaryRuntimeConfig, now: Date): number {
    const step = config.steps[state.stepIndex];
    const end = step ? stepEndsAt(Date.parse(state.stepStartedAt), step.bakeSeconds, state.extensions) : now.getTime();
    return waitSeconds(now.getTime(), end, config.analysis, Date.parse(state.hookStartedAt));
  }

  private emptyState(productionListenerArn: string, colors: StepperState['colors'], now: Date): StepperState {
    return {
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      hookStartedAt: now.toISOString(),
      productionListenerArn,
      colors,
      stepIndex: 0,
      percent: 0,
      stepStartedAt: now.toISOString(),
      extensions: 0,
      decisions: 0,
      updatedAt: now.toISOString(),
    };
  }

  private async tryWriteState(state: StepperState): Promise<void> {
    const now = this.deps.now();
    try {
      await this.store.writeState({ ...state, updatedAt: now.toISOString() }, now);
    } catch (err) {
      logger.error('could not write the stepper state', { error: errorMessage(err), finished: state.finished, reported: state.reported });
    }
  }

  private waiting(state: StepperState, seconds: number, config: CanaryRuntimeConfig, checkedAt: Date): StepperOutput {
    const carry: StepperCarry = { state, config, checkedAt: checkedAt.toISOString() };
    return {
      deploymentId: this.input.deploymentId,
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      waitSeconds: seconds,
      done: false,
      stepIndex: state.stepIndex,
      percent: state.percent,
      carry,
    };
  }

  private finishedOutput(finished: StepperFinish, state?: StepperState): StepperOutput {
    return {
      deploymentId: this.input.deploymentId,
      lifecycleEventHookExecutionId: this.input.lifecycleEventHookExecutionId,
      waitSeconds: 0,
      done: true,
      finished,
      ...(state ? { stepIndex: state.stepIndex, percent: state.percent } : {}),
    };
  }
}

/** `{ Error, Cause }` from Step Functions -> one line; a Lambda Cause is JSON with errorMessage. */
export function describeError(error: StepperErrorInfo | undefined): string {
  if (!error || (!error.Error && !error.Cause)) return 'unknown error';
  let cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // not JSON: keep as is
  }
  const text = [error.Error, cause].filter((s) => s).join(': ');
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
