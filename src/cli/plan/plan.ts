/**
 * `canary plan`: offline, from the synthesized app. Per canary service, the timeline of a
 * release: each step's traffic, start and end (minutes from the moment production traffic starts
 * to move), who runs it, how much of the 60-minute hook limit the in-hook steps may use, then
 * 100 % and the termination wait. An in-hook step lasts its bake plus the stepper's settle minute
 * (its final verdict waits for the bake's last minute of ALB metrics).
 */
import * as path from 'path';
import { finalVerdictWindow } from '../../../lambda/stepper/final-verdict';
import { METRICS_SETTLE_SECONDS, stepEndsAt } from '../../../lambda/stepper/schedule';
import { HOOK_BUDGET_SECONDS } from '../../../lambda/stepper/types';
import { CODEDEPLOY_HOOK_LIMIT_SECONDS, isWholeMinutes } from '../../../lib/policy/release-policy';
import { CliError } from '../errors';
import type { Output } from '../output';
import { table } from '../output';
import { readAssembly, selectServices, SynthesizedService } from './assembly';
import { readNativeAssembly, renderNativeTimeline } from '../native/plan';

/** CodeDeploy fails a lifecycle hook that has not reported after an hour. */
export const HOOK_LIMIT_MINUTES = CODEDEPLOY_HOOK_LIMIT_SECONDS / 60;

export interface TimelineRow {
  /** 1-based; undefined for the 100 % row. */
  readonly step?: number;
  readonly percent: number;
  readonly startMinutes: number;
  readonly endMinutes?: number;
  readonly runBy: string;
}

export interface Timeline {
  readonly service: SynthesizedService;
  readonly rows: TimelineRow[];
  /** Minutes each in-hook step waits after its bake for the final verdict (0 without in-hook steps). */
  readonly settleMinutes: number;
  /** The in-hook steps when each passes at its first final verdict: Σ (bake + settle). */
  readonly nominalHookMinutes: number;
  /** With every extension: Σ (bake + settle) × (1 + maxExtensions). */
  readonly worstHookMinutes: number;
  readonly maxExtensions: number;
  readonly fullAtMinutes: number;
  readonly worstFullAtMinutes: number;
  readonly terminationWaitMinutes?: number;
  /** The final verdict's wait at 100 % before the termination wait (window + settle, from the next whole minute). */
  readonly finalVerdictMinutes: number;
  readonly warnings: string[];
}

/**
 * A number from the synthesized configuration. A value CloudFormation sets at deploy time (a
 * CfnParameter, an attribute) is read as a placeholder text: it becomes NaN here, so every sum
 * that depends on it is NaN too, and `shown` prints it as "set at deploy time".
 */
function num(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

/** `shown(5, ' min')` -> "5 min"; anything not a finite number -> "set at deploy time". */
export function shown(value: number | undefined, suffix = ''): string {
  return value !== undefined && Number.isFinite(value) ? `${value}${suffix}` : DEPLOY_TIME;
}

export const DEPLOY_TIME = 'set at deploy time';

function minutes(seconds: unknown): number {
  return Math.round((num(seconds) / 60) * 10) / 10;
}

/** Sums of minutes to one decimal, without floating-point noise (0.1 + 0.2). */
function round(m: number): number {
  return Math.round(m * 10) / 10;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function timeline(service: SynthesizedService): Timeline {
  const { steps, finalStep, analysis } = service.config;
  const warnings: string[] = [];
  const rows: TimelineRow[] = [];
  const every = minutes(analysis.intervalSeconds);
  const settle = minutes(METRICS_SETTLE_SECONDS);
  // The stepper's own arithmetic: a step's final verdict is due at stepEndsAt.
  const stepMinutes = (bakeSeconds: number, extensions: number) => minutes(stepEndsAt(0, bakeSeconds, extensions) / 1000);
  let t = 0;
  steps.forEach((s, i) => {
    const bake = minutes(s.bakeSeconds);
    const length = stepMinutes(s.bakeSeconds, 0);
    rows.push({
      step: i + 1,
      percent: num(s.percent),
      startMinutes: t,
      endMinutes: round(t + length),
      runBy: `stepper in BeforeAllowTraffic (${shown(bake, ' min')} bake + ${settle} min settle, verdict every ${shown(every, ' min')})`,
    });
    t = round(t + length);
  });
  const nominalHookMinutes = t;
  const maxExtensions = Math.max(0, Math.floor(analysis.maxExtensions ?? 0));
  const worstHookMinutes = round(steps.reduce((sum, s) => sum + stepMinutes(s.bakeSeconds, maxExtensions), 0));

  const routing = service.routing;
  let codeDeployMinutes = 0;
  const linearPercent = num(routing?.percent);
  if (routing?.type === 'TimeBasedLinear' && !Number.isFinite(linearPercent)) {
    rows.push({ step: rows.length + 1, percent: NaN, startMinutes: t, endMinutes: NaN, runBy: `CodeDeploy TimeBasedLinear +${DEPLOY_TIME} % every ${shown(num(routing.minutes), ' min')}, under the rollback alarms` });
    t = NaN;
    codeDeployMinutes = NaN;
  } else if (routing?.type === 'TimeBasedLinear' && linearPercent > 0 && routing.minutes) {
    const every = num(routing.minutes);
    for (let p = linearPercent; p < 100; p += linearPercent) {
      rows.push({ step: rows.length + 1, percent: p, startMinutes: t, endMinutes: t + every, runBy: `CodeDeploy TimeBasedLinear +${linearPercent} % every ${shown(every, ' min')}, under the rollback alarms` });
      t += every;
      codeDeployMinutes += every;
    }
  } else if (finalStep) {
    const bake = minutes(finalStep.bakeSeconds);
    const how = routing?.type === 'TimeBasedCanary'
      ? `CodeDeploy TimeBasedCanary ${shown(num(routing.percent), ' %')} / ${shown(num(routing.minutes), ' min')}`
      : 'CodeDeploy deployment config';
    rows.push({ step: rows.length + 1, percent: num(finalStep.percent), startMinutes: t, endMinutes: round(t + bake), runBy: `${how}, under the rollback alarms` });
    const known = [routing?.percent, routing?.minutes, finalStep.percent, bake].every((v) => Number.isFinite(num(v)));
    if (routing?.type === 'TimeBasedCanary' && known && (routing.percent !== finalStep.percent || routing.minutes !== bake)) {
      warnings.push(`the deployment group's config (${routing.percent} % / ${routing.minutes} min) differs from the configuration's last step (${finalStep.percent} % / ${bake} min)`);
    }
    t = round(t + bake);
    codeDeployMinutes = bake;
  }
  const fullAtMinutes = t;
  const terminationWaitMinutes = service.config.terminationWaitSeconds !== undefined
    ? minutes(service.config.terminationWaitSeconds)
    : service.terminationWaitMinutes;
  const wait = terminationWaitMinutes !== undefined ? `old tasks kept ${shown(terminationWaitMinutes, ' min')} (termination wait)` : 'old tasks kept for the termination wait';
  // AfterAllowTraffic waits at 100 % for its window (from the next whole minute) and the settle
  // minute before the termination wait starts: at most this long (the stepper's own arithmetic).
  const window = service.config.finalVerdictWindowSeconds;
  // A window set at deploy time (or missing) has no length to show: NaN prints "set at deploy time".
  const finalVerdictMinutes = isWholeMinutes(window) ? minutes(finalVerdictWindow(0, window).judgeAt / 1000) : NaN;
  rows.push({
    percent: 100,
    startMinutes: t,
    endMinutes: terminationWaitMinutes !== undefined ? round(t + finalVerdictMinutes + terminationWaitMinutes) : undefined,
    runBy: `CodeDeploy; AfterAllowTraffic final verdict (up to ${finalVerdictMinutes} min at 100 %), then ${wait}`,
  });

  const budget = HOOK_BUDGET_SECONDS / 60;
  if (worstHookMinutes > budget) {
    warnings.push(`the in-hook steps may take ${worstHookMinutes} min: the stepper fails the hook at ${budget} min (CodeDeploy's limit is ${HOOK_LIMIT_MINUTES})`);
  }
  return {
    service,
    rows,
    settleMinutes: steps.length > 0 ? settle : 0,
    nominalHookMinutes,
    worstHookMinutes,
    maxExtensions,
    fullAtMinutes,
    worstFullAtMinutes: round(worstHookMinutes + codeDeployMinutes),
    terminationWaitMinutes,
    finalVerdictMinutes,
    warnings,
  };
}

function pct(p: number): string {
  return Number.isFinite(p) ? `${String(p).padStart(3)} %` : DEPLOY_TIME;
}

export function renderTimeline(tl: Timeline, out: Output): void {
  const s = tl.service;
  const c = s.config;
  out.line(`${s.path} (stack ${s.stackName})`);
  out.line(`  service ${c.serviceName} on cluster ${c.clusterName}`);
  const smoke = c.smokeTests.length;
  out.line(`  before traffic moves: BeforeInstall preflight, AfterInstall (new tasks healthy, up to ${shown(minutes(c.installTimeoutSeconds), ' min')}), AfterAllowTestTraffic (${plural(smoke, 'smoke test')})`);
  const rows = [['step', 'traffic', 'start', 'end', 'run by']];
  for (const r of tl.rows) {
    rows.push([
      r.step !== undefined ? String(r.step) : '-',
      pct(r.percent),
      shown(r.startMinutes, ' min'),
      r.endMinutes !== undefined ? shown(r.endMinutes, ' min') : '-',
      r.runBy,
    ]);
  }
  for (const line of table(rows)) out.line(`  ${line}`);
  if (tl.settleMinutes > 0) {
    out.line(`  settle: each stepper step's final verdict waits ${tl.settleMinutes} min after its bake, for the bake's last minute of ALB metrics (traffic stays at the step's percent)`);
  }
  const ext = `${tl.maxExtensions} extension${tl.maxExtensions === 1 ? '' : 's'}`;
  out.line(`  hook budget: ${Number.isFinite(tl.worstHookMinutes) ? `${tl.worstHookMinutes}/${HOOK_LIMIT_MINUTES} min` : `${DEPLOY_TIME} (limit ${HOOK_LIMIT_MINUTES} min)`} worst case with ${ext} per inconclusive step (${shown(tl.nominalHookMinutes, ' min')} when every step passes on time)`);
  const done = tl.terminationWaitMinutes !== undefined ? `, done at ${shown(round(tl.fullAtMinutes + tl.finalVerdictMinutes + tl.terminationWaitMinutes), ' min')}` : '';
  const bothKnown = Number.isFinite(tl.worstFullAtMinutes) && Number.isFinite(tl.fullAtMinutes);
  const worst = bothKnown && tl.worstFullAtMinutes !== tl.fullAtMinutes ? ` (worst case 100 % at ${tl.worstFullAtMinutes} min)` : '';
  out.line(`  100 % at ${shown(tl.fullAtMinutes, ' min')}${done}${worst}; minutes count from the first shift of production traffic`);
  for (const w of tl.warnings) out.line(`  warning: ${w}`);
}

export interface PlanOptions {
  /** The cloud assembly directory. */
  readonly app?: string;
  /** Only services whose construct path or service name contains this. */
  readonly service?: string;
}

export function plan(out: Output, options: PlanOptions, cwd = process.cwd()): number {
  const dir = path.resolve(cwd, options.app ?? 'cdk.out');
  const all = readAssembly(dir);
  const native = readNativeAssembly(dir).filter((s) => !options.service || s.path.includes(options.service) || s.config.serviceName.includes(options.service));
  if (all.length === 0 && native.length === 0) throw new CliError(`no canary service in the cloud assembly at ${dir}`);
  const services = selectServices(all, options.service);
  if (services.length === 0 && native.length === 0) {
    throw new CliError(`no canary service matches ${options.service}; known: ${all.map((s) => s.path).join(', ')}`);
  }
  services.forEach((s, i) => {
    if (i > 0) out.line();
    renderTimeline(timeline(s), out);
  });
  native.forEach((s, i) => {
    if (i > 0 || services.length > 0) out.line();
    renderNativeTimeline(s, out);
  });
  return 0;
}
