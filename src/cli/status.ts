/**
 * `canary status`: where the current (or last) deployment of a canary service stands: CodeDeploy's
 * status and lifecycle events, the step running now and the time left in its bake, the production
 * listener's weights, and the last verdict with its per-check lines.
 */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import type { TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CheckResult, Verdict } from '../../lambda/judge/types';
import { errorMessage } from '../../lambda/shared/errors';
import { DecisionDoc, decisionTime, OutcomeDoc } from '../../lambda/shared/records';
import { percentOn, readWeights, resolveColors } from '../../lambda/shared/traffic';
import { recordedReason } from '../../lambda/shared/rollback-reason';
import { METRICS_SETTLE_SECONDS, stepEndsAt } from '../../lambda/stepper/schedule';
import type { ControlDoc, StepperState } from '../../lambda/stepper/types';
import { taskDefinitionOf } from './appspec';
import type { CliClients } from './aws';
import { CommandContext, decisionsTable, latestDecision, readControl, readOutcome, readState, TargetOptions } from './context';
import { currentOrLastDeployment, LifecycleEventView, lifecycleEvents } from './deployments';
import { bar, duration, isoTime, Output, shortArn, table } from './output';
import { CanaryTarget, findTarget } from './target';

/** Where the deployment stands, from CodeDeploy's status and lifecycle events. */
export type Stage =
  | 'queued'
  | 'installing'
  | 'smoke-tests'
  | 'stepper'
  | 'codedeploy-step'
  | 'final-verdict'
  | 'termination-wait'
  | 'ready-wait'
  | 'in-progress'
  | 'succeeded'
  | 'failed'
  | 'stopped';

export interface StepView {
  readonly phase: 'in-hook step' | 'final step' | 'termination wait';
  /** Who moves the traffic: our stepper (BeforeAllowTraffic) or CodeDeploy's deployment config. */
  readonly runner: 'stepper' | 'codedeploy';
  /** 1-based step number and the number of steps before 100 %. */
  readonly index?: number;
  readonly of?: number;
  readonly percent: number;
  readonly startedAt?: string;
  readonly endsAt?: string;
  readonly secondsLeft?: number;
  readonly bakeSeconds?: number;
  /** In-hook steps: how long after the bake the stepper takes the step's final verdict (endsAt counts it). */
  readonly settleSeconds?: number;
  readonly extensions?: number;
}

export interface TrafficView {
  readonly listenerArn: string;
  readonly weights: { targetGroupArn: string; weight: number; percent: number }[];
  readonly greenTargetGroupArn?: string;
  readonly blueTargetGroupArn?: string;
  readonly greenPercent?: number;
  readonly bluePercent?: number;
  readonly colorsFrom: 'stepper-state' | 'primary-task-set' | 'unknown';
}

export interface VerdictView {
  readonly at?: string;
  readonly phase: string;
  /** 1-based step number. */
  readonly step?: number;
  readonly percent?: number;
  readonly outcome: string;
  readonly reason: string;
  /** What the stepper did with it (wait, extend, advance, complete, fail), or the hook status. */
  readonly action?: string;
  readonly checks: { check: string; outcome: string; detail: string }[];
  /** Taken in shadow mode (analysis.shadow): recorded, never acted on. */
  readonly shadow?: boolean;
  /** Shadow mode: the rollback this verdict would have caused, and why. */
  readonly shadowWouldHave?: string;
}

export interface StatusReport {
  /** When the report was taken. */
  readonly at: string;
  readonly service: {
    readonly name: string;
    readonly cluster: string;
    readonly application: string;
    readonly deploymentGroup: string;
    readonly parameter: string;
  };
  readonly deployment: {
    readonly id: string;
    readonly status: string;
    readonly stage: Stage;
    readonly createTime?: string;
    readonly completeTime?: string;
    readonly creator?: string;
    readonly deploymentConfigName?: string;
    readonly description?: string;
    readonly taskDefinition?: string;
    readonly error?: { readonly code?: string; readonly message?: string };
    readonly rollback?: { readonly deploymentId?: string; readonly triggeredBy?: string; readonly message?: string };
    readonly terminationWaitStarted: boolean;
    readonly lifecycleEvents: LifecycleEventView[];
  };
  readonly step?: StepView;
  readonly traffic?: TrafficView;
  readonly lastVerdict?: VerdictView;
  readonly control?: ControlDoc;
  readonly stepper?: { readonly finished?: string; readonly reason?: string; readonly restored?: boolean };
  /** Shadow mode: how many verdicts of this release would have rolled it back, and the first. */
  readonly shadow?: { readonly failures: number; readonly first?: { readonly at: string; readonly step: number; readonly percent: number; readonly reason: string } };
  /** Why it rolled back, when it did: the stepper's or the guard's outcome record, else CodeDeploy's error. */
  readonly rollbackReason?: string;
  /** Things the report could not read, each one line. */
  readonly notes: string[];
}

const STAGE_OF_EVENT: Record<string, Stage> = {
  BeforeInstall: 'installing',
  Install: 'installing',
  AfterInstall: 'installing',
  AllowTestTraffic: 'smoke-tests',
  AfterAllowTestTraffic: 'smoke-tests',
  BeforeAllowTraffic: 'stepper',
  AllowTraffic: 'codedeploy-step',
  AfterAllowTraffic: 'final-verdict',
};

export function stageOf(d: Pick<DeploymentInfo, 'status' | 'instanceTerminationWaitTimeStarted'>, events: readonly LifecycleEventView[]): Stage {
  switch (d.status) {
    case 'Succeeded': return 'succeeded';
    case 'Failed': return 'failed';
    case 'Stopped': return 'stopped';
    case 'Created':
    case 'Queued': return 'queued';
    case 'Ready': return 'ready-wait';
    default: break;
  }
  if (d.instanceTerminationWaitTimeStarted) return 'termination-wait';
  const running = events.find((e) => e.status === 'InProgress');
  if (running) return STAGE_OF_EVENT[running.name] ?? 'in-progress';
  if (events.length > 0 && events.every((e) => e.status === 'Succeeded' || e.status === 'Skipped')) return 'termination-wait';
  const pending = events.find((e) => e.status === 'Pending');
  return pending ? STAGE_OF_EVENT[pending.name] ?? 'in-progress' : 'in-progress';
}

/** True once CodeDeploy has shifted all traffic and only waits to remove the old tasks. */
export function inTerminationWait(d: DeploymentInfo, events: readonly LifecycleEventView[]): boolean {
  return stageOf(d, events) === 'termination-wait';
}

function left(now: Date, endsAtMs: number): number {
  return Math.max(0, Math.round((endsAtMs - now.getTime()) / 1000));
}

function stepView(target: CanaryTarget, stage: Stage, state: StepperState | undefined, events: readonly LifecycleEventView[], now: Date): StepView | undefined {
  const { steps, finalStep, terminationWaitSeconds } = target.config;
  const of = steps.length + (finalStep ? 1 : 0);
  if (stage === 'stepper' && state && !state.finished) {
    const bakeSeconds = steps[state.stepIndex]?.bakeSeconds;
    const startedAtMs = Date.parse(state.stepStartedAt);
    // When the stepper takes the step's final verdict: bake and settle minute, per extension.
    const endsAtMs = bakeSeconds !== undefined ? stepEndsAt(startedAtMs, bakeSeconds, state.extensions) : undefined;
    return {
      phase: 'in-hook step',
      runner: 'stepper',
      index: state.stepIndex + 1,
      of,
      percent: state.percent,
      startedAt: state.stepStartedAt,
      endsAt: endsAtMs !== undefined ? new Date(endsAtMs).toISOString() : undefined,
      secondsLeft: endsAtMs !== undefined ? left(now, endsAtMs) : undefined,
      bakeSeconds,
      settleSeconds: METRICS_SETTLE_SECONDS,
      extensions: state.extensions,
    };
  }
  if (stage === 'codedeploy-step' && finalStep) {
    const started = events.find((e) => e.name === 'AllowTraffic')?.startTime;
    const endsAtMs = started ? Date.parse(started) + finalStep.bakeSeconds * 1000 : undefined;
    return {
      phase: 'final step',
      runner: 'codedeploy',
      index: of,
      of,
      percent: finalStep.percent,
      startedAt: started,
      endsAt: endsAtMs !== undefined ? new Date(endsAtMs).toISOString() : undefined,
      secondsLeft: endsAtMs !== undefined ? left(now, endsAtMs) : undefined,
      bakeSeconds: finalStep.bakeSeconds,
    };
  }
  if (stage === 'termination-wait') {
    const started = events.find((e) => e.name === 'AfterAllowTraffic')?.endTime;
    const endsAtMs = started && terminationWaitSeconds !== undefined ? Date.parse(started) + terminationWaitSeconds * 1000 : undefined;
    return {
      phase: 'termination wait',
      runner: 'codedeploy',
      percent: 100,
      startedAt: started,
      endsAt: endsAtMs !== undefined ? new Date(endsAtMs).toISOString() : undefined,
      secondsLeft: endsAtMs !== undefined ? left(now, endsAtMs) : undefined,
      bakeSeconds: terminationWaitSeconds,
    };
  }
  return undefined;
}

async function trafficView(clients: CliClients, target: CanaryTarget, state: StepperState | undefined, notes: string[]): Promise<TrafficView> {
  const listenerArn = target.config.productionListenerArn;
  const tuples: TargetGroupTuple[] = await readWeights(clients, listenerArn, target.config.targetGroupArns);
  const weights = tuples.map((t) => ({
    targetGroupArn: t.TargetGroupArn ?? '?',
    weight: t.Weight ?? 1,
    percent: percentOn(tuples, t.TargetGroupArn ?? '?'),
  }));
  let colors: { blueTargetGroupArn: string; greenTargetGroupArn: string } | undefined = state?.colors;
  let colorsFrom: TrafficView['colorsFrom'] = colors ? 'stepper-state' : 'unknown';
  if (!colors) {
    try {
      colors = await resolveColors(clients, target.config);
      colorsFrom = 'primary-task-set';
    } catch (err) {
      notes.push(`cannot tell blue from green: ${errorMessage(err)}`);
    }
  }
  return {
    listenerArn,
    weights,
    greenTargetGroupArn: colors?.greenTargetGroupArn,
    blueTargetGroupArn: colors?.blueTargetGroupArn,
    greenPercent: colors ? percentOn(tuples, colors.greenTargetGroupArn) : undefined,
    bluePercent: colors ? percentOn(tuples, colors.blueTargetGroupArn) : undefined,
    colorsFrom,
  };
}

function checksOf(verdict: Verdict | undefined): VerdictView['checks'] {
  return (verdict?.checks ?? []).map((c: CheckResult) => ({ check: c.check, outcome: c.outcome, detail: c.detail }));
}

/** A decision record (stepper step, manual control, or a final verdict) as one view. */
export function verdictView(doc: DecisionDoc): VerdictView | undefined {
  const at = decisionTime(doc);
  const { phase } = doc;
  if (phase === 'control') {
    const { control } = doc;
    return {
      at, phase, step: doc.step + 1, percent: doc.percent,
      outcome: control?.action ?? 'control',
      reason: control ? `${control.action} by ${control.by} at ${control.at}` : 'manual control',
      checks: [],
    };
  }
  // A row is JSON from the table: one without a verdict shows nothing rather than throwing.
  if (!doc.verdict) return undefined;
  const common = { at, phase, outcome: doc.verdict.outcome, reason: doc.verdict.reason, checks: checksOf(doc.verdict) };
  if (phase === 'step') {
    return {
      ...common, step: doc.step + 1, percent: doc.percent, action: doc.action,
      ...(doc.shadow === true ? { shadow: true } : {}),
      ...(doc.wouldHave ? { shadowWouldHave: doc.wouldHave.reason } : {}),
    };
  }
  return { ...common, action: doc.status, ...(doc.shadow === true ? { shadow: true } : {}) };
}

/** The rollback reason of a finished deployment: our records first, CodeDeploy's words otherwise. */
function rollbackReason(d: DeploymentInfo, outcome: OutcomeDoc | undefined, state: StepperState | undefined): string | undefined {
  if (d.status !== 'Failed' && d.status !== 'Stopped') return undefined;
  const reasons: string[] = [];
  const ours = recordedReason(outcome, state);
  if (ours) reasons.push(ours);
  const cd = [d.errorInformation?.code, d.errorInformation?.message].filter(Boolean).join(': ');
  if (cd) reasons.push(`CodeDeploy: ${cd}`);
  return reasons.length > 0 ? reasons.join(' | ') : undefined;
}

/** Reads everything `status` shows. Missing records are notes, not errors: CodeDeploy's view still helps. */
export async function collectStatus(ctx: CommandContext, target: CanaryTarget, options: TargetOptions, deployment?: DeploymentInfo): Promise<StatusReport> {
  const now = ctx.now();
  const d = deployment ?? await currentOrLastDeployment(ctx.clients, target, now, options.deployment);
  const id = d.deploymentId!;
  const events = await lifecycleEvents(ctx.clients, id);
  const stage = stageOf(d, events);
  const notes: string[] = [];

  const table = decisionsTable(target, options);
  let state: StepperState | undefined;
  let control: ControlDoc | undefined;
  let outcome: OutcomeDoc | undefined;
  let lastVerdict: VerdictView | undefined;
  if (table) {
    try {
      [state, control, outcome] = await Promise.all([readState(ctx, table, id), readControl(ctx, table, id), readOutcome(ctx, table, id)]);
      const decision = await latestDecision(ctx, table, id);
      lastVerdict = decision ? verdictView(decision.doc) : undefined;
    } catch (err) {
      notes.push(`cannot read the decision records in ${table}: ${errorMessage(err)}`);
    }
  } else {
    notes.push('the configuration names no decisions table (older stack): pass --table to see steps and verdicts');
  }

  let traffic: TrafficView | undefined;
  try {
    traffic = await trafficView(ctx.clients, target, state, notes);
  } catch (err) {
    notes.push(`cannot read the production listener: ${errorMessage(err)}`);
  }

  return {
    at: now.toISOString(),
    service: {
      name: target.config.serviceName,
      cluster: target.config.clusterName,
      application: target.applicationName,
      deploymentGroup: target.deploymentGroupName,
      parameter: target.parameterName,
    },
    deployment: {
      id,
      status: d.status ?? 'Unknown',
      stage,
      createTime: d.createTime ? new Date(d.createTime).toISOString() : undefined,
      completeTime: d.completeTime ? new Date(d.completeTime).toISOString() : undefined,
      creator: d.creator,
      deploymentConfigName: d.deploymentConfigName,
      description: d.description,
      taskDefinition: taskDefinitionOf(d),
      error: d.errorInformation ? { code: d.errorInformation.code, message: d.errorInformation.message } : undefined,
      rollback: d.rollbackInfo
        ? { deploymentId: d.rollbackInfo.rollbackDeploymentId, triggeredBy: d.rollbackInfo.rollbackTriggeringDeploymentId, message: d.rollbackInfo.rollbackMessage }
        : undefined,
      terminationWaitStarted: stage === 'termination-wait',
      lifecycleEvents: events,
    },
    step: stepView(target, stage, state, events, now),
    traffic,
    lastVerdict,
    control,
    stepper: state ? { finished: state.finished, reason: state.reason, restored: state.restored } : undefined,
    shadow: state?.shadowFailures
      ? {
        failures: state.shadowFailures,
        first: state.firstShadowFailure
          ? { at: state.firstShadowFailure.at, step: state.firstShadowFailure.stepIndex + 1, percent: state.firstShadowFailure.percent, reason: state.firstShadowFailure.shadowWouldHave ?? state.firstShadowFailure.reason }
          : undefined,
      }
      : undefined,
    rollbackReason: rollbackReason(d, outcome, state),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** " of 10 min", or for a stepper step " of 11 min (10 min bake + 1 min settle)" (times 1 + extensions). */
function stepLength(step: StepView): string {
  if (step.bakeSeconds === undefined) return '';
  const times = 1 + (step.extensions ?? 0);
  if (!step.settleSeconds) return ` of ${duration(step.bakeSeconds * times)}`;
  const each = `${duration(step.bakeSeconds)} bake + ${duration(step.settleSeconds)} settle`;
  return ` of ${duration((step.bakeSeconds + step.settleSeconds) * times)} (${times > 1 ? `${times} x (${each})` : each})`;
}

export function describeStep(step: StepView | undefined, stage: Stage): string {
  if (!step) {
    const words: Record<Stage, string> = {
      'queued': 'queued',
      'installing': 'installing the new tasks (BeforeInstall, Install, AfterInstall)',
      'smoke-tests': 'smoke tests on the test listener (AfterAllowTestTraffic)',
      'stepper': 'BeforeAllowTraffic: the stepper is starting',
      'codedeploy-step': 'CodeDeploy is shifting traffic (AllowTraffic)',
      'final-verdict': 'final verdict at 100 % (AfterAllowTraffic)',
      'termination-wait': 'all traffic on the new version; the old tasks are kept for the termination wait',
      'ready-wait': 'waiting for ContinueDeployment (READY_WAIT)',
      'in-progress': 'in progress',
      'succeeded': 'succeeded',
      'failed': 'failed',
      'stopped': 'stopped',
    };
    return words[stage];
  }
  const time = step.secondsLeft !== undefined ? `, ${duration(step.secondsLeft)} left${stepLength(step)}` : '';
  if (step.phase === 'termination wait') return `100 % on the new version: termination wait${time} (CodeDeploy keeps the old tasks until then)`;
  const ext = step.extensions ? `, extended ${step.extensions}x while inconclusive` : '';
  const who = step.runner === 'stepper' ? 'stepper in BeforeAllowTraffic' : 'CodeDeploy deployment config';
  return `step ${step.index}/${step.of} at ${step.percent} % (${who})${time}${ext}`;
}

export function describeTraffic(t: TrafficView | undefined): string {
  if (!t) return 'unknown';
  if (t.greenTargetGroupArn && t.greenPercent !== undefined && t.bluePercent !== undefined) {
    return `green ${shortArn(t.greenTargetGroupArn)} ${t.greenPercent} % ${bar(t.greenPercent)} blue ${shortArn(t.blueTargetGroupArn)} ${t.bluePercent} %`;
  }
  return t.weights.map((w) => `${shortArn(w.targetGroupArn)} ${w.percent} %`).join(', ');
}

export function renderStatus(r: StatusReport, out: Output): void {
  const d = r.deployment;
  const rows: string[][] = [
    ['service', `${r.service.name} (${r.service.application}/${r.service.deploymentGroup}) on cluster ${r.service.cluster}`],
    ['deployment', `${d.id} ${d.status}, created ${isoTime(d.createTime)}${d.creator ? ` by ${d.creator}` : ''}${d.completeTime ? `, ended ${isoTime(d.completeTime)}` : ''}`],
  ];
  if (d.deploymentConfigName) rows.push(['config', d.deploymentConfigName]);
  if (d.taskDefinition) rows.push(['task def', d.taskDefinition]);
  rows.push(['stage', describeStep(r.step, d.stage)]);
  rows.push(['traffic', `${describeTraffic(r.traffic)}${r.traffic?.colorsFrom === 'primary-task-set' ? ' (colors from the PRIMARY task set)' : ''}`]);
  for (const line of table(rows)) out.line(line);

  out.line('lifecycle');
  const eventRows = d.lifecycleEvents.map((e) => [
    `  ${e.name}`,
    e.status,
    e.startTime ? `${isoTime(e.startTime)}${e.endTime ? ` -> ${isoTime(e.endTime)}` : ''}` : '',
  ]);
  for (const line of table(eventRows.length > 0 ? eventRows : [['  (no lifecycle events yet)']])) out.line(line);

  if (r.lastVerdict) {
    const v = r.lastVerdict;
    const where = [v.step !== undefined ? `step ${v.step}` : undefined, v.percent !== undefined ? `${v.percent} %` : undefined, v.phase !== 'step' ? v.phase : undefined]
      .filter(Boolean).join(', ');
    out.line(`verdict     ${v.outcome}${v.action ? ` -> ${v.action}` : ''} at ${isoTime(v.at)}${where ? ` (${where})` : ''}: ${v.reason}`);
    for (const c of v.checks) out.line(`              ${c.detail}`);
    if (v.shadowWouldHave) out.line(`shadow      would have rolled back: ${v.shadowWouldHave}`);
    else if (v.shadow) out.line('shadow      verdicts are recorded, not acted on (analysis.shadow)');
  } else {
    out.line('verdict     none yet');
  }
  if (r.shadow) {
    const first = r.shadow.first;
    out.line(`shadow      ${r.shadow.failures} verdict${r.shadow.failures === 1 ? '' : 's'} of this release would have rolled it back`
      + `${first ? `; the first at ${isoTime(first.at)} (step ${first.step}, ${first.percent} %): ${first.reason}` : ''}`);
  }
  if (r.control) out.line(`control     ${r.control.action} by ${r.control.by} at ${isoTime(r.control.at)}`);
  if (r.stepper?.finished) out.line(`stepper     ${r.stepper.finished}: ${r.stepper.reason ?? ''}`);
  if (r.rollbackReason) out.line(`rollback    ${r.rollbackReason}`);
  if (d.rollback?.deploymentId) out.line(`            rollback deployment ${d.rollback.deploymentId}${d.rollback.message ? `: ${d.rollback.message}` : ''}`);
  for (const n of r.notes) out.line(`note        ${n}`);
}

export interface StatusOptions extends TargetOptions {
  readonly json?: boolean;
}

export async function status(ctx: CommandContext, options: StatusOptions): Promise<number> {
  const target = await findTarget(ctx.clients, options);
  const report = await collectStatus(ctx, target, options);
  if (options.json) ctx.out.line(JSON.stringify(report, null, 2));
  else renderStatus(report, ctx.out);
  return 0;
}

