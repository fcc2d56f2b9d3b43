/**
 * `canary rehearse`: a release played offline against a simulated AWS and clock. The traffic
 * stepper (lambda/stepper, with the judge inside it) is the real code, driven the way its state
 * machine drives it: Start, then Tick after each `waitSeconds`, until done. CodeDeploy's part
 * (its last step and 100 %, watched by the rollback alarms) is modelled around it.
 */
import * as path from 'path';
import type { Verdict } from '../../../lambda/judge/types';
import { logger } from '../../../lambda/shared/logger';
import { readState } from '../../../lambda/shared/records';
import { METRICS_SETTLE_SECONDS } from '../../../lambda/stepper/schedule';
import { runStepper } from '../../../lambda/stepper/stepper';
import { StepperInput, StepperOutput, StepperState } from '../../../lambda/stepper/types';
import { isWholeMinutes, RECOVERY_PROMISE_SECONDS } from '../../../lib/policy/release-policy';
import type { CanaryRuntimeConfig } from '../../../lib/runtime-config';
import type { CliClients } from '../aws';
import { CliError } from '../errors';
import { clock, duration, Output, table } from '../output';
import { deployTimeNumbers, readAssembly, selectServices } from '../plan/assembly';
import { findTarget, targetName, TargetSelector } from '../target';
import { alarmInAlarm, DEFAULT_ALARM_TIMING, describeAlarms } from './alarms';
import {
  DEFAULT_ANALYSIS,
  DEFAULT_FINAL_STEP,
  DEFAULT_FINAL_VERDICT_WINDOW_SECONDS,
  DEFAULT_STEPS,
  DEFAULT_TERMINATION_WAIT_SECONDS,
} from './defaults';
import { mulberry32, Rng, runSeed } from './random';
import { NOISY_MEDIAN_MS, NOISY_SIGMA, Scenario } from './scenario';
// series.ts calls runRehearsal at run time only: the import cycle is harmless.
import { runSeries } from './series';
import { SIM, SimEvent, SimulatedAws } from './simulated-aws';

/** Release-policy promise: a bad version is off production within 5 minutes. */
export { RECOVERY_PROMISE_SECONDS };
const MAX_INVOCATIONS = 1000;

/** The schedule and thresholds a rehearsal uses, and where they came from. */
export interface RehearsalSource {
  readonly label: string;
  readonly config: Pick<CanaryRuntimeConfig, 'steps' | 'finalStep' | 'analysis' | 'terminationWaitSeconds' | 'finalVerdictWindowSeconds' | 'serviceName' | 'alarmTiming'>;
}

export const DEFAULT_SOURCE: RehearsalSource = {
  label: 'release-policy defaults',
  config: {
    serviceName: 'rehearsal-service',
    steps: DEFAULT_STEPS,
    finalStep: DEFAULT_FINAL_STEP,
    analysis: DEFAULT_ANALYSIS,
    terminationWaitSeconds: DEFAULT_TERMINATION_WAIT_SECONDS,
    finalVerdictWindowSeconds: DEFAULT_FINAL_VERDICT_WINDOW_SECONDS,
  },
};

export interface RehearsalResult {
  readonly outcome: 'released' | 'rolled-back';
  /** Who rolled it back. */
  readonly by?: 'stepper' | 'alarm';
  readonly reason: string;
  readonly decisions: number;
  readonly inconclusiveDecisions: number;
  readonly faultOnsetSeconds?: number;
  /** When production was back on the stable version (seconds since the first shift). */
  readonly stableAtSeconds?: number;
  readonly recoverySeconds?: number;
  readonly fullAtSeconds?: number;
  readonly greenRequests: number;
  readonly greenErrors: number;
  /** Percent of production on the new version when the rollback started (the step it was caught at). */
  readonly rolledBackAtPercent?: number;
  /** The checks of the verdict that rolled it back (failing, or inconclusive when it stayed so). */
  readonly checks?: string[];
  /** AWS calls the stepper made, by command name, and when it reported (seconds since the first shift). */
  readonly apiCalls: Record<string, number>;
  readonly stepperReportedAtSeconds?: number;
  /** The rehearsal ended the way the release policy promises for this scenario. */
  readonly asExpected: boolean;
  readonly expectation: string;
}

function simConfig(source: RehearsalSource): CanaryRuntimeConfig {
  const c = source.config;
  return {
    version: 1,
    clusterName: 'rehearsal-cluster',
    serviceName: c.serviceName,
    productionListenerArn: SIM.listener,
    targetGroupArns: [SIM.green, SIM.blue],
    containerPort: 8080,
    steps: c.steps,
    finalStep: c.finalStep,
    analysis: c.analysis,
    smokeTests: [],
    alarmNames: [],
    installTimeoutSeconds: 600,
    finalVerdictWindowSeconds: c.finalVerdictWindowSeconds,
    decisionsTableName: SIM.table,
    terminationWaitSeconds: c.terminationWaitSeconds,
  };
}

/**
 * e.g. "5 % 5 min + 1 min -> 25 % 10 min + 1 min (stepper: ...) -> 50 % 15 min (CodeDeploy) -> 100 %":
 * a stepper step lasts its bake plus the settle minute before its final verdict.
 */
export function describeSchedule(c: RehearsalSource['config']): string {
  const settle = duration(METRICS_SETTLE_SECONDS);
  const inHook = c.steps.map((s) => `${s.percent} % ${duration(s.bakeSeconds)} + ${settle}`).join(' -> ');
  const stepper = `(stepper: bake + ${settle} settle, the final verdict waits for the bake's last minute of metrics)`;
  const parts = [inHook ? `${inHook} ${stepper}` : undefined, c.finalStep ? `${c.finalStep.percent} % ${duration(c.finalStep.bakeSeconds)} (CodeDeploy)` : undefined, '100 %']
    .filter(Boolean);
  const wait = c.terminationWaitSeconds !== undefined ? `, termination wait ${duration(c.terminationWaitSeconds)}` : '';
  return `${parts.join(' -> ')}${wait}`;
}

export function describeThresholds(a: CanaryRuntimeConfig['analysis']): string {
  const rel = [
    a.errorRateRatio != null ? `5xx <= ${a.errorRateRatio}x (floor ${a.errorRateFloorPercent} %)` : undefined,
    a.latencyRatio != null ? `p95 <= ${a.latencyRatio}x` : undefined,
  ].filter(Boolean);
  return `5xx <= ${a.maxErrorRatePercent} %, p95 <= ${a.maxP95Ms} ms, p99 <= ${a.maxP99Ms} ms, >= ${a.minRequests} requests per step`
    + `${rel.length ? `; vs stable: ${rel.join(', ')}` : ''}; inconclusive: extend ${a.maxExtensions}x, then ${a.onInconclusive}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One rehearsal, printed as it goes; returns what happened. */
export interface RehearsalOptions {
  /** One line per verdict, without the per-check lines. */
  readonly brief?: boolean;
  /** The random traffic's generator (random scenarios; seeded mulberry32(1) when omitted). */
  readonly rng?: Rng;
  /** false: no rollback alarms, to measure the stepper and the judge alone (bench/judge-oc.ts). */
  readonly alarms?: boolean;
}

export async function runRehearsal(source: RehearsalSource, scenario: Scenario, out: Output, options: RehearsalOptions = {}): Promise<RehearsalResult> {
  const config = simConfig(source);
  // The app's own alarm timing (documents written before it was recorded: the policy's).
  const alarmTiming = source.config.alarmTiming ?? DEFAULT_ALARM_TIMING;
  const sim = new SimulatedAws(config, scenario, undefined, undefined, options.rng);
  const t0 = sim.t0;
  const at = (ms: number) => clock((ms - t0) / 1000);
  const ids = { deploymentId: SIM.deploymentId, lifecycleEventHookExecutionId: SIM.hookExecutionId };

  out.line(`rehearsal  ${scenario.name}: ${scenario.description}`);
  out.line(`schedule   ${describeSchedule(source.config)} [${source.label}]`);
  out.line(`judge      ${describeThresholds(config.analysis)}`);
  const stable = scenario.stable;
  out.line(scenario.random
    ? `traffic    ${scenario.requestsPerMinute} req/min split by the listener weights; random 5xx (stable ${Number((stable.errorRate * 100).toFixed(3))} %) and log-normal latencies (median ${NOISY_MEDIAN_MS} ms, sigma ${NOISY_SIGMA}); ALB metrics visible ${sim.metricLagSeconds} s after their minute`
    : `traffic    ${scenario.requestsPerMinute} req/min split by the listener weights; stable: ${stable.errorRate * 100} % 5xx, p95 ${stable.p95Ms} ms; ALB metrics visible ${sim.metricLagSeconds} s after their minute`);
  out.line(options.alarms === false
    ? 'alarms     none: the stepper and the judge alone (--no-alarms)'
    : `alarms     ${describeAlarms(config.analysis, alarmTiming)}`);
  out.line('           simulated AWS and clock; the stepper and the judge are the real code; times count from the first shift');
  out.line();

  let printed = 0;
  let decisions = 0;
  let inconclusive = 0;
  let lastVerdict: Verdict | undefined;
  const print = (e: SimEvent) => {
    switch (e.kind) {
      case 'weights':
        out.line(`${at(e.atMs)}  production  green ${e.greenPercent} % / blue ${100 - e.greenPercent} %  (${e.by === 'stepper' ? 'stepper' : e.note ?? 'CodeDeploy'})`);
        return;
      case 'report':
        out.line(`${at(e.atMs)}  BeforeAllowTraffic reported ${e.status} to CodeDeploy`);
        return;
      case 'decision': {
        const { doc } = e;
        if (doc.phase !== 'step' || !doc.verdict) return;
        decisions++;
        lastVerdict = doc.verdict;
        if (doc.verdict.outcome === 'inconclusive') inconclusive++;
        out.line(`${at(e.atMs)}  step ${doc.step + 1} ${String(doc.percent).padStart(2)} %  ${doc.verdict.outcome} -> ${doc.action}`);
        if (!options.brief) for (const c of doc.verdict.checks) out.line(`                ${c.detail}`);
        return;
      }
      default: {
        const unknown: never = e;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  };
  const flush = () => {
    while (printed < sim.events.length) print(sim.events[printed++]);
  };

  // CodeDeploy watches the rollback alarms for the whole deployment, once a minute here.
  let alarm: string | undefined;
  let alarmAtPercent: number | undefined;
  let nextAlarmCheck = t0 + 60_000;
  const watchAlarms = (untilMs: number): void => {
    while (options.alarms !== false && !alarm && nextAlarmCheck < untilMs) {
      sim.nowMs = nextAlarmCheck;
      nextAlarmCheck += 60_000;
      alarm = alarmInAlarm(sim, config.analysis, alarmTiming);
      if (alarm) {
        alarmAtPercent = sim.greenPercent;
        sim.deploymentStatus = 'Stopped';
        sim.shift(0, `CodeDeploy rollback: ${alarm}`);
        flush();
      }
    }
  };

  const previousLevel = logger.getLevelName();
  logger.setLogLevel('SILENT');
  let out1: StepperOutput;
  try {
    const invoke = async (input: StepperInput): Promise<StepperOutput> => {
      try {
        return await runStepper(input, { clients: sim.clients, table: SIM.table, now: sim.now });
      } catch (err) {
        // The state machine's Catch: anything the retries do not absorb goes to Abort.
        const e = err as Error;
        out.line(`${at(sim.nowMs)}  stepper error ${e.name}: ${e.message} -> Abort`);
        return runStepper({ action: 'abort', ...ids, error: { Error: e.name, Cause: JSON.stringify({ errorMessage: e.message }) } }, { clients: sim.clients, table: SIM.table, now: sim.now });
      }
    };
    out1 = await invoke({ action: 'start', ...ids });
    flush();
    for (let n = 0; !out1.done; n++) {
      if (n > MAX_INVOCATIONS) throw new CliError('the stepper never finished (more than 1000 ticks)');
      const tickAt = sim.nowMs + out1.waitSeconds * 1000;
      watchAlarms(tickAt);
      sim.nowMs = tickAt;
      // As the state machine does: the previous output travels into the next Tick.
      out1 = await invoke({ action: 'tick', ...ids, ...(out1.carry ? { carry: out1.carry } : {}) });
      flush();
    }
  } finally {
    logger.setLogLevel(previousLevel as Parameters<typeof logger.setLogLevel>[0]);
  }

  const state = await readState<StepperState>(sim.clients, SIM.table, SIM.deploymentId);

  let outcome: RehearsalResult['outcome'];
  let by: RehearsalResult['by'];
  let reason: string;
  let fullAtMs: number | undefined;
  if (alarm) {
    outcome = 'rolled-back';
    by = 'alarm';
    reason = alarm;
    out.line(`${at(sim.nowMs)}  stepper saw the deployment Stopped: nothing left to report`);
  } else if (out1.finished === 'failed') {
    outcome = 'rolled-back';
    by = 'stepper';
    reason = state?.reason ?? 'the stepper failed the hook';
    sim.deploymentStatus = 'Failed';
    out.line(`${at(sim.nowMs)}  CodeDeploy: deployment Failed, rolls back to the original task set`);
  } else {
    // CodeDeploy's part: its own last step, then 100 %, then the termination wait.
    if (config.finalStep) {
      const allowAt = sim.nowMs;
      sim.shift(config.finalStep.percent, `CodeDeploy AllowTraffic: TimeBasedCanary ${config.finalStep.percent} % for ${duration(config.finalStep.bakeSeconds)}, watched by the rollback alarms`);
      flush();
      watchAlarms(allowAt + config.finalStep.bakeSeconds * 1000);
      if (!alarm) sim.nowMs = allowAt + config.finalStep.bakeSeconds * 1000;
    }
    if (!alarm) {
      sim.shift(100, 'CodeDeploy: 100 %; AfterAllowTraffic\'s final verdict is not rehearsed');
      fullAtMs = sim.nowMs;
      flush();
      const wait = config.terminationWaitSeconds ?? DEFAULT_TERMINATION_WAIT_SECONDS;
      watchAlarms(fullAtMs + wait * 1000);
      if (!alarm) {
        sim.nowMs = fullAtMs + wait * 1000;
        sim.deploymentStatus = 'Succeeded';
        out.line(`${at(sim.nowMs)}  termination wait over: the old tasks are removed, deployment Succeeded`);
      }
    }
    if (alarm) {
      outcome = 'rolled-back';
      by = 'alarm';
      reason = alarm;
      fullAtMs = undefined;
    } else {
      outcome = 'released';
      reason = state?.reason ?? 'all steps passed';
    }
  }

  const onsetMs = scenario.faultOnsetMinute !== undefined ? t0 + scenario.faultOnsetMinute * 60_000 : undefined;
  const stableMs = outcome === 'rolled-back'
    ? sim.events.find((e) => e.kind === 'weights' && e.greenPercent === 0 && e.atMs > t0)?.atMs
    : undefined;
  const endMs = stableMs ?? sim.nowMs;
  const greenRequests = sim.served('green', t0, endMs);
  const greenErrors = sim.errors('green', t0, endMs);
  const recoverySeconds = onsetMs !== undefined && stableMs !== undefined ? Math.max(0, (stableMs - onsetMs) / 1000) : undefined;

  let asExpected: boolean;
  let expectation: string;
  if (scenario.isFault) {
    expectation = `a bad version is rolled back and production is on stable within ${duration(RECOVERY_PROMISE_SECONDS)} of the fault`;
    asExpected = outcome === 'rolled-back' && recoverySeconds !== undefined && recoverySeconds <= RECOVERY_PROMISE_SECONDS;
  } else if (scenario.faultIsTraffic) {
    const policy = config.analysis.onInconclusive;
    expectation = `a step without enough traffic is never passed silently: inconclusive, extended, then ${policy === 'fail' ? 'rolled back' : 'passed by policy'} (onInconclusive=${policy})`;
    asExpected = inconclusive > 0 && outcome === (policy === 'fail' ? 'rolled-back' : 'released');
  } else {
    expectation = 'a good version is released';
    asExpected = outcome === 'released';
  }

  out.line();
  const rows: string[][] = [];
  if (outcome === 'released') {
    rows.push(['result', `released: 100 % at ${at(fullAtMs!)}, deployment done at ${at(sim.nowMs)} (${decisions} decisions recorded by the stepper)`]);
  } else {
    rows.push(['result', `rolled back by the ${by === 'alarm' ? 'rollback alarms (CodeDeploy)' : 'stepper'} at ${stableMs !== undefined ? at(stableMs) : at(sim.nowMs)}: ${reason}`]);
  }
  if (onsetMs !== undefined) {
    rows.push(['recovery', stableMs !== undefined
      ? `fault onset ${at(onsetMs)} -> production on stable ${at(stableMs)}: ${duration(recoverySeconds!)} after the fault (policy: within 5 min, goal 2 min)`
      : `fault onset ${at(onsetMs)}: production never went back to stable`]);
    rows.push(['exposure', `the bad version served ${plural(greenRequests, 'request')}, ${greenErrors} of them 5xx`]);
  } else if (scenario.faultIsTraffic) {
    rows.push(['recovery', `no fault injected: the new version was fine; ${inconclusive} of ${decisions} recorded verdicts were inconclusive for lack of traffic`]);
    rows.push(['exposure', `the new version served ${plural(greenRequests, 'request')}`]);
  } else {
    rows.push(['exposure', `the new version served ${plural(greenRequests, 'request')} (no fault injected), ${greenErrors} of them 5xx`]);
  }
  rows.push(['expected', `${expectation}: ${asExpected ? 'yes' : 'NO'}`]);
  for (const line of table(rows)) out.line(line);

  const stepperFailed = outcome === 'rolled-back' && by === 'stepper';
  const rolledBackAtPercent = outcome !== 'rolled-back' ? undefined : by === 'alarm' ? alarmAtPercent : state?.percent;
  const checks = stepperFailed && lastVerdict
    ? lastVerdict.checks.filter((c) => c.outcome === lastVerdict!.outcome).map((c) => c.check)
    : undefined;
  return {
    outcome,
    by,
    reason,
    rolledBackAtPercent,
    checks,
    decisions,
    inconclusiveDecisions: inconclusive,
    faultOnsetSeconds: onsetMs !== undefined ? (onsetMs - t0) / 1000 : undefined,
    stableAtSeconds: stableMs !== undefined ? (stableMs - t0) / 1000 : undefined,
    recoverySeconds,
    fullAtSeconds: fullAtMs !== undefined ? (fullAtMs - t0) / 1000 : undefined,
    greenRequests,
    greenErrors,
    apiCalls: { ...sim.calls },
    stepperReportedAtSeconds: sim.events.filter((e) => e.kind === 'report').map((e) => (e.atMs - t0) / 1000)[0],
    asExpected,
    expectation,
  };
}

export interface RehearseOptions extends TargetSelector {
  readonly scenario: string;
  /** A cloud assembly to take the schedule and thresholds from. */
  readonly app?: string;
  /** Production requests per minute (the scenario's own rate otherwise). */
  readonly rate?: number;
  /** One line per verdict, without the per-check lines. */
  readonly brief?: boolean;
  /** Replay the scenario this many times on random traffic and print the shares (--runs). */
  readonly runs?: number;
  /** Seed of the random traffic (--seed); implies random traffic. */
  readonly seed?: number;
  /** The noisy scenarios' stable 5xx rate, in percent (--error-rate). */
  readonly errorRate?: number;
  /** false (--no-alarms): no rollback alarms, the stepper and the judge alone. */
  readonly alarms?: boolean;
}

export interface RehearseDeps {
  readonly out: Output;
  readonly cwd?: string;
  /** AWS clients, only for --service/--stack without --app. */
  readonly clients?: () => CliClients;
}

/** Where the schedule and thresholds come from: a synthesized app, a deployed service, or the defaults. */
export async function rehearsalSource(options: RehearseOptions, deps: RehearseDeps): Promise<RehearsalSource> {
  const source = await findSource(options, deps);
  // Required in every configuration: the stepper refuses one without it, so say so before playing.
  if (!isWholeMinutes(source.config.finalVerdictWindowSeconds)) {
    throw new CliError(`${source.label}: the configuration has no finalVerdictWindowSeconds in whole minutes (got ${JSON.stringify(source.config.finalVerdictWindowSeconds)}); synthesize or deploy it with this version of cdk-ecs-canary`);
  }
  return source;
}

async function findSource(options: RehearseOptions, deps: RehearseDeps): Promise<RehearsalSource> {
  if (options.app) {
    const dir = path.resolve(deps.cwd ?? process.cwd(), options.app);
    const services = selectServices(readAssembly(dir), options.service);
    if (services.length !== 1) {
      throw new CliError(services.length === 0
        ? `no canary service${options.service ? ` matching ${options.service}` : ''} in the cloud assembly at ${dir}`
        : `${services.length} canary services in ${dir}: pass --service with one of ${services.map((s) => s.path).join(', ')}`);
    }
    const s = services[0];
    const unknown = deployTimeNumbers(s.config);
    if (unknown.length > 0) {
      throw new CliError(`${s.path}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} set at deploy time, so an offline rehearsal has no number to play; rehearse the deployed service (--stack/--service) or synthesize with literal values`);
    }
    const wait = s.config.terminationWaitSeconds ?? (s.terminationWaitMinutes !== undefined ? s.terminationWaitMinutes * 60 : undefined);
    return { label: `${s.path} from ${options.app}`, config: { ...s.config, terminationWaitSeconds: wait } };
  }
  if (options.service || options.stack) {
    if (!deps.clients) throw new CliError('AWS clients are needed for --service/--stack');
    const target = await findTarget(deps.clients(), options);
    return { label: `${targetName(target)} as deployed`, config: target.config };
  }
  return DEFAULT_SOURCE;
}

export async function rehearse(deps: RehearseDeps, options: RehearseOptions): Promise<number> {
  if (options.errorRate !== undefined && !(Number.isFinite(options.errorRate) && options.errorRate >= 0 && options.errorRate <= 100)) {
    throw new CliError(`--error-rate must be a percentage 0..100, got ${options.errorRate}`);
  }
  let scenario = Scenario.named(options.scenario, { stableErrorRate: options.errorRate !== undefined ? options.errorRate / 100 : undefined });
  if (options.errorRate !== undefined && !scenario.random) throw new CliError('--error-rate sets the stable 5xx rate of the noisy-* scenarios only');
  if (options.rate !== undefined) {
    if (!Number.isFinite(options.rate) || options.rate <= 0) throw new CliError(`--rate must be a positive number of requests per minute, got ${options.rate}`);
    scenario = scenario.withRate(options.rate);
  }
  if (options.runs !== undefined && !(Number.isInteger(options.runs) && options.runs >= 1 && options.runs <= 100_000)) {
    throw new CliError(`--runs must be a whole number 1..100000, got ${options.runs}`);
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 0xffffffff)) {
    throw new CliError(`--seed must be a whole number 0..4294967295, got ${options.seed}`);
  }
  const seed = options.seed ?? 1;
  if (options.runs !== undefined || options.seed !== undefined) scenario = scenario.withRandomTraffic();
  const source = await rehearsalSource(options, deps);
  if (options.runs !== undefined && options.runs > 1) {
    const series = await runSeries(source, scenario, { runs: options.runs, seed, alarms: options.alarms }, deps.out);
    return series.targetMet ? 0 : 1;
  }
  // The same traffic as the first run of `--runs N --seed S`.
  const rng = scenario.random ? mulberry32(runSeed(seed, 0)) : undefined;
  const result = await runRehearsal(source, scenario, deps.out, { brief: options.brief, rng, alarms: options.alarms });
  return result.asExpected ? 0 : 1;
}
