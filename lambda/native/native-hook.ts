/**
 * The native engine's lifecycle hook: one function for every stage of an ECS blue/green, linear
 * or canary deployment of a service configured by NativeCanaryDeployment.
 *
 * - POST_SCALE_UP: records which target group is blue (it serves 100 % of production then).
 * - PRODUCTION_TRAFFIC_SHIFT (ECS calls it at every shift step): at a percent of the schedule it
 *   holds the step with IN_PROGRESS and judges it every analysis interval with the same judge and
 *   the same decideTick as the CodeDeploy stepper; at an in-between percent it answers SUCCEEDED.
 *   Any failure answers FAILED: ECS then rolls back to the last successful revision and puts
 *   production back on it (documented); we never write the listener rule ourselves.
 * - A call made while ECS rolls back answers SUCCEEDED at once: a rollback is never held or fought.
 * - POST_PRODUCTION_TRAFFIC_SHIFT (production 100 % on green): the final verdict. With
 *   `finalVerdictWindowSeconds` configured it holds with IN_PROGRESS for that many whole minutes at
 *   100 % plus the settle minute, then judges them against the stable baseline recorded at
 *   POST_SCALE_UP (final-verdict.ts; the window and judgement shared with AfterAllowTraffic's):
 *   FAILED rolls back unless `analysis.shadow`. Then it records the outcome.
 */
import { DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, ServiceDeploymentStatus } from '@aws-sdk/client-ecs';
import { judge } from '../judge';
import { NativeRuntimeConfig, parseServiceArn } from '../../lib/native/native-config';
import type { Clients } from '../shared/clients';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger, setDeploymentId, startInvocation } from '../shared/logger';
import { fetchWindow } from '../shared/metrics';
import { putDecision, putOutcome, putState, readControl, readState, StepDecisionDoc } from '../shared/records';
import { worstCaseStepSeconds } from '../../lib/policy/release-policy';
import { decideTick, intervalSeconds } from '../stepper/schedule';
import type { ControlDoc } from '../stepper/types';
import { colorsFromWeights, readRuleWeights } from './rule-weights';
import { fetchBaseline, judgeNativeFinal, nativeFinalWindow } from './final-verdict';
import { findDeployment, readConfig } from './deployment';

export { findDeployment, readConfig };
import type { NativeExecutionDetails, NativeHookEvent, NativeHookResponse, NativeOutcomeDoc, NativeState } from './types';

export interface NativeHookDeps {
  readonly clients: Clients;
  /** The decisions table (CANARY_DECISIONS_TABLE). */
  readonly table: string;
  /** Notified of a failed deployment, with the reason. */
  readonly topicArn?: string;
  readonly now: () => Date;
}

const SUCCEEDED: NativeHookResponse = { hookStatus: 'SUCCEEDED' };
const ROLLBACK_STATUSES: string[] = [ServiceDeploymentStatus.ROLLBACK_REQUESTED, ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS];

export async function runNativeHook(payload: NativeHookEvent, deps: NativeHookDeps): Promise<NativeHookResponse> {
  startInvocation();
  const event: NativeExecutionDetails = payload?.executionDetails ?? payload ?? {};
  const names = parseServiceArn(String(event.serviceArn ?? ''));
  if (!names) {
    logger.error('payload without a usable serviceArn: failing', { event });
    return { hookStatus: 'FAILED' };
  }
  let rollback = false;
  try {
    const deployment = await findDeployment(deps.clients, names.clusterName, names.serviceName, event.targetServiceRevisionArn);
    const arn = deployment.serviceDeploymentArn!;
    setDeploymentId(arn);
    rollback = ROLLBACK_STATUSES.includes(String(deployment.status));
    const { stage, sources, target } = await describeDeployment(deps.clients, arn, event);
    logger.appendKeys({ lifecycleStage: stage });
    if (sources.length === 0) {
      // Service creation: no stable revision to compare with or to protect (AWS's sample hooks skip it too).
      logger.info('first deployment of the service: nothing to canary');
      return SUCCEEDED;
    }
    if (rollback) {
      // [inference] ECS runs PRODUCTION_TRAFFIC_SHIFT / TEST_TRAFFIC_SHIFT hooks again while it rolls back.
      logger.info('called during a rollback: letting it proceed', { status: deployment.status });
      return SUCCEEDED;
    }
    if (target && await sameTaskDefinition(deps.clients, target, sources)) {
      // E.g. CloudFormation rolling the stack back to the task definition ECS already rolled back to:
      // production runs it already, there is nothing new to judge.
      logger.info('the new revision runs the task definition production runs already: nothing to canary');
      return SUCCEEDED;
    }
    const config = await readConfig(deps.clients, names.clusterName, names.serviceName);
    const run = new NativeRun(deps, config, arn);
    switch (stage) {
      case 'POST_SCALE_UP':
        return await run.recordColors();
      case 'PRODUCTION_TRAFFIC_SHIFT':
        return await run.hold(event);
      case 'POST_PRODUCTION_TRAFFIC_SHIFT':
        return await run.complete();
      default:
        return SUCCEEDED;
    }
  } catch (err) {
    if (rollback) {
      logger.error('error during a rollback call: letting the rollback proceed', { error: errorMessage(err) });
      return SUCCEEDED;
    }
    logger.error('hook failed: ECS rolls back', { error: errorMessage(err) });
    return { hookStatus: 'FAILED' };
  }
}


/** The deployment's current lifecycle stage and its source and target service revisions (no source: service creation). */
async function describeDeployment(clients: Clients, serviceDeploymentArn: string, event: NativeExecutionDetails): Promise<{ stage: string; sources: string[]; target?: string }> {
  const { serviceDeployments } = await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }));
  const d = serviceDeployments?.[0];
  const stage = d?.lifecycleStage ?? event.lifecycleStage;
  if (!stage) throw new ConfigurationError(`cannot tell the lifecycle stage of ${serviceDeploymentArn}`);
  return {
    stage,
    sources: (d?.sourceServiceRevisions ?? []).map((r) => r.arn).filter((a): a is string => !!a),
    target: d?.targetServiceRevision?.arn ?? event.targetServiceRevisionArn,
  };
}

/** Whether every source revision runs the target revision's task definition (DescribeServiceRevisions). */
async function sameTaskDefinition(clients: Clients, target: string, sources: string[]): Promise<boolean> {
  const { serviceRevisions } = await clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [target, ...sources].slice(0, 20) }));
  const taskDefinitionOf = (arn: string) => serviceRevisions?.find((r) => r.serviceRevisionArn === arn)?.taskDefinition;
  const wanted = taskDefinitionOf(target);
  return wanted !== undefined && sources.every((s) => taskDefinitionOf(s) === wanted);
}


/** Green's share of production in the payload: the target revision's weight, 0.1 % precision. */
export function greenPercentOf(event: NativeExecutionDetails): number {
  const w = event.productionTrafficWeights?.[event.targetServiceRevisionArn ?? ''];
  return typeof w === 'number' && Number.isFinite(w) ? Math.round(w * 10) / 10 : 0;
}

class NativeRun {
  constructor(private readonly deps: NativeHookDeps, private readonly config: NativeRuntimeConfig, private readonly arn: string) {}

  async recordColors(): Promise<NativeHookResponse> {
    const weights = await readRuleWeights(this.deps.clients, this.config.productionRuleArn);
    const colors = colorsFromWeights(this.config.targetGroupArns, weights);
    const state = (await this.readState()) ?? this.fresh();
    // Blue serves 100 % of production at POST_SCALE_UP (API DeploymentLifecycleHook): its minutes are the stable baseline.
    const baseline = state.baseline ?? await this.tryBaseline(colors);
    await this.writeState({ ...state, colors, ...(baseline ? { baseline } : {}) });
    logger.info('colors recorded', { ...colors, baseline: baseline !== undefined });
    return SUCCEEDED;
  }

  /** The final verdict's stable baseline (only when a final verdict is configured); a lost baseline must not fail the release. */
  private async tryBaseline(colors: NonNullable<NativeState['colors']>): Promise<NativeState['baseline']> {
    const seconds = this.config.finalVerdictWindowSeconds;
    if (seconds === undefined || seconds <= 0) return undefined;
    try {
      return await fetchBaseline(this.deps.clients, this.config, colors, this.deps.now(), seconds);
    } catch (err) {
      logger.warn('could not record the stable baseline: the final verdict compares with blue\'s window', { error: errorMessage(err) });
      return undefined;
    }
  }

  async hold(event: NativeExecutionDetails): Promise<NativeHookResponse> {
    const { steps, analysis } = this.config;
    const percent = greenPercentOf(event);
    const now = this.deps.now();
    const state = (await this.readState()) ?? this.fresh();
    if (state.finished === 'failed') return { hookStatus: 'FAILED' };

    const control = await this.readControl();
    if (control?.action === 'abort') return this.fail(state, `aborted by ${control.by} at ${control.at}`, state.stepIndex, percent);

    const index = steps.findIndex((s) => s.percent === percent);
    if (index < 0 || state.passed.includes(index)) {
      logger.info('shift step passed through', { percent });
      return SUCCEEDED;
    }
    if (control?.action === 'promote') {
      await this.writeState({ ...state, passed: [...state.passed, index], reason: `promoted by ${control.by}` });
      return SUCCEEDED;
    }

    if (state.stepIndex !== index || !state.stepStartedAt) {
      const colors = state.colors ?? colorsFromWeights(this.config.targetGroupArns, await readRuleWeights(this.deps.clients, this.config.productionRuleArn), percent);
      // No baseline from POST_SCALE_UP: blue's minutes up to the first hold (still the stable revision's).
      const baseline = state.baseline ?? (state.passed.length === 0 ? await this.tryBaseline(colors) : undefined);
      await this.writeState({ ...state, colors, ...(baseline ? { baseline } : {}), stepIndex: index, percent, stepStartedAt: now.toISOString(), extensions: 0 });
      logger.info('holding a schedule step', { stepIndex: index, percent });
      return { hookStatus: 'IN_PROGRESS', callBackDelay: Math.min(intervalSeconds(analysis), worstCaseStepSeconds(steps[index].bakeSeconds, 0)) };
    }

    const colors = state.colors!;
    const from = new Date(state.stepStartedAt);
    const to = now.getTime() > from.getTime() ? now : new Date(from.getTime() + 1000);
    const samples = await fetchWindow(this.deps.clients, this.config.productionListenerArn, colors, from, to);
    const verdict = judge({ green: samples.green, blue: samples.blue, thresholds: analysis });
    // ECS has no one-hour hook limit (its hook timeout defaults to 24 h): the CodeDeploy hook
    // budget of decideTick is neutralised by counting the "hook" as starting now.
    const decision = decideTick({
      steps, analysis, stepIndex: index, stepStartedAtMs: from.getTime(), extensions: state.extensions,
      hookStartedAtMs: now.getTime(), nowMs: now.getTime(), verdict,
    });
    const seq = state.decisions + 1;
    const doc: StepDecisionDoc = {
      phase: 'step', step: index, percent, verdict, samples,
      window: { start: from.toISOString(), end: to.toISOString() }, thresholds: analysis,
      action: decision.kind, extensions: decision.kind === 'extend' ? decision.extensions : state.extensions, at: now.toISOString(),
    };
    try {
      await putDecision(this.deps.clients, this.deps.table, this.arn, now, seq, doc);
    } catch (err) {
      // A lost record must not hold back a rollback; anything else fails the call (and so the deployment).
      if (decision.kind !== 'fail') throw err;
      logger.error('could not record the failing verdict; failing anyway', { error: errorMessage(err) });
    }
    const judged: NativeState = {
      ...state, decisions: seq,
      lastVerdict: { outcome: verdict.outcome, reason: verdict.reason, at: now.toISOString(), stepIndex: index, percent },
    };
    switch (decision.kind) {
      case 'fail':
        return this.fail(judged, decision.reason, index, percent);
      case 'wait':
        await this.writeState(judged);
        return { hookStatus: 'IN_PROGRESS', callBackDelay: decision.waitSeconds };
      case 'extend':
        await this.writeState({ ...judged, extensions: decision.extensions });
        return { hookStatus: 'IN_PROGRESS', callBackDelay: decision.waitSeconds };
      case 'advance':
      case 'complete':
        await this.writeState({ ...judged, passed: [...judged.passed, index] });
        logger.info('schedule step passed', { stepIndex: index, percent });
        return SUCCEEDED;
      default: {
        const unknown: never = decision;
        throw new ConfigurationError(`unknown decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  async complete(): Promise<NativeHookResponse> {
    const state = (await this.readState()) ?? this.fresh();
    if (state.finished === 'failed') return { hookStatus: 'FAILED' };
    // Decided already (a repeated call): answer the same, judge and publish nothing again.
    if (state.finished === 'succeeded') return SUCCEEDED;
    const passed = `all ${this.config.steps.length} schedule steps passed`;
    const seconds = this.config.finalVerdictWindowSeconds;
    if (seconds === undefined) return this.succeed(state, `${passed}; production on the new revision`);

    const control = await this.readControl();
    if (control?.action === 'abort') return this.fail(state, `aborted by ${control.by} at ${control.at}, during the final verdict`, undefined, 100);
    const now = this.deps.now();
    if (!state.final) {
      const final = nativeFinalWindow(now, seconds);
      await this.writeState({ ...state, final });
      logger.info('final verdict waits for the minutes at 100 %', { ...final });
      return { hookStatus: 'IN_PROGRESS', callBackDelay: this.finalDelay(final, now) };
    }
    if (now.getTime() < Date.parse(state.final.judgeAt)) return { hookStatus: 'IN_PROGRESS', callBackDelay: this.finalDelay(state.final, now) };

    const seq = state.decisions + 1;
    const judged = await judgeNativeFinal(this.deps.clients, this.deps.table, this.arn, this.config, state, seq, now);
    const shadow = this.config.analysis.shadow === true;
    logger.info('final verdict', { status: judged.status, reason: judged.reason, shadow });
    const decided: NativeState = { ...state, decisions: seq };
    if (judged.status === 'Failed' && !shadow) return this.fail(decided, judged.reason, undefined, 100);
    if (judged.status === 'Failed') return this.succeed(decided, `${passed}; shadow mode: recorded, not acted on: ${judged.reason}`, judged.reason);
    return this.succeed(decided, `${passed}; ${judged.reason}; production on the new revision`);
  }

  /**
   * Until the window's last minute is published, at most one analysis interval at a time.
   * [inference] The docs give no maximum for callBackDelay; we keep to the delays the holds use.
   */
  private finalDelay(final: NonNullable<NativeState['final']>, now: Date): number {
    const remaining = Math.ceil((Date.parse(final.judgeAt) - now.getTime()) / 1000);
    return Math.max(1, Math.min(remaining, intervalSeconds(this.config.analysis)));
  }

  private async succeed(state: NativeState, reason: string, shadowWouldHave?: string): Promise<NativeHookResponse> {
    await this.writeState({ ...state, finished: 'succeeded', reason });
    await this.writeOutcome({ source: 'native-hook', result: 'succeeded', reason, ...(shadowWouldHave ? { shadowWouldHave } : {}), at: this.deps.now().toISOString() });
    return SUCCEEDED;
  }

  /** Records the reason, notifies, answers FAILED. Recording problems never turn FAILED into anything else. */
  private async fail(state: NativeState, reason: string, stepIndex?: number, percent?: number): Promise<NativeHookResponse> {
    logger.warn('failing the deployment: ECS rolls back', { reason });
    const at = this.deps.now().toISOString();
    try {
      await this.writeState({ ...state, finished: 'failed', reason });
      await this.writeOutcome({ source: 'native-hook', result: 'failed', reason, stepIndex, percent, at });
      if (this.deps.topicArn) {
        // Imported on first use: only a failing release notifies (bench/cold-init.ts).
        const sns = await import('@aws-sdk/client-sns');
        await this.deps.clients.sns.send(new sns.PublishCommand({
          TopicArn: this.deps.topicArn,
          Subject: `Canary rolled back: ${this.config.serviceName}`.slice(0, 100),
          Message: `ECS deployment ${this.arn} of ${this.config.clusterName}/${this.config.serviceName} failed and rolls back.\nReason: ${reason}`,
        }));
      }
    } catch (err) {
      logger.error('could not record or notify the failure', { error: errorMessage(err) });
    }
    return { hookStatus: 'FAILED' };
  }

  private fresh(): NativeState {
    return { engine: 'ecs', serviceDeploymentArn: this.arn, extensions: 0, passed: [], decisions: 0, updatedAt: this.deps.now().toISOString() };
  }

  private async readState(): Promise<NativeState | undefined> {
    return readState<NativeState>(this.deps.clients, this.deps.table, this.arn);
  }

  private async readControl(): Promise<ControlDoc | undefined> {
    return readControl(this.deps.clients, this.deps.table, this.arn);
  }

  private async writeState(state: NativeState): Promise<void> {
    const now = this.deps.now();
    await putState(this.deps.clients, this.deps.table, this.arn, { ...state, updatedAt: now.toISOString() }, now);
  }

  private async writeOutcome(doc: NativeOutcomeDoc): Promise<void> {
    const now = this.deps.now();
    await putOutcome(this.deps.clients, this.deps.table, this.arn, doc.result === 'failed' ? 'Failed' : 'Succeeded', doc, now);
  }
}
