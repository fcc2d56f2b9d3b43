/**
 * The release policy's numbers (shared/design/release-policy.md and the AWS limits it lives in),
 * defined once. Constructs (lib/), Lambda code (lambda/) and the CLI (src/cli/) import them from
 * here, so changing a default changes it everywhere.
 *
 * Plain numbers only: this file must stay free of aws-cdk-lib imports (it is bundled into the
 * Lambda code and loaded by the CLI). Durations are in seconds unless the name says otherwise.
 */

/** One step of the default schedule: percent of production traffic on the new version, held bakeSeconds. */
export interface PolicyStep {
  readonly percent: number;
  readonly bakeSeconds: number;
}

/**
 * The default schedule (release-policy.md "Traffic schedule"): 5 % for 5 min, 25 % for 10 min,
 * 50 % for 15 min, then 100 %. The last entry is CodeDeploy's own TimeBasedCanary step.
 */
export const DEFAULT_SCHEDULE_STEPS: readonly PolicyStep[] = [
  { percent: 5, bakeSeconds: 300 },
  { percent: 25, bakeSeconds: 600 },
  { percent: 50, bakeSeconds: 900 },
];

/** The judge's default thresholds (release-policy.md "Rollback triggers"). */
export const DEFAULT_THRESHOLDS = {
  /** Seconds between two verdicts while a step bakes (ALB metrics are per minute). */
  intervalSeconds: 60,
  /** Fewer requests than this in the judged window: inconclusive, never a silent pass. */
  minRequests: 100,
  /** 5xx rate on the new version, percent. */
  maxErrorRatePercent: 1,
  /** p95 / p99 TargetResponseTime on the new version, milliseconds. */
  maxP95Ms: 1000,
  maxP99Ms: 2000,
  /** Unhealthy hosts tolerated; more for unhealthyMinutes consecutive minutes fails. */
  maxUnhealthyHosts: 0,
  unhealthyMinutes: 2,
  /** green error rate <= errorRateRatio x max(blue error rate, errorRateFloorPercent). */
  errorRateRatio: 2,
  errorRateFloorPercent: 0.1,
  /** green p95 <= latencyRatio x blue p95. */
  latencyRatio: 1.5,
  /** Extensions of an inconclusive step by one bake (and its settle minute). */
  maxExtensions: 1,
} as const;

/** Confidence (percent) a check needs before it fails: p < 0.01 (release-policy.md "judged with evidence"). */
export const DEFAULT_CONFIDENCE_PERCENT = 99;

/**
 * z of a one-sided 99 % normal bound (the error-rate alarm's lower bound, and the CLI's model of
 * it). Tied to DEFAULT_CONFIDENCE_PERCENT: Φ⁻¹(0.99) = 2.326.
 */
export const ERROR_RATE_CONFIDENCE_Z = 2.326;

/** The rollback alarms' timing: a rate or latency alarm fires on breachMinutes out of evaluationMinutes. */
export const DEFAULT_ALARM_TIMING = {
  breachMinutes: 2,
  evaluationMinutes: 3,
} as const;

/** The alarm timing a deployment gives, each part optional (RollbackAlarmOptions). */
export interface AlarmTimingOptions {
  readonly breachMinutes?: number;
  readonly evaluationMinutes?: number;
}

/** The alarm timing with the policy's defaults filled in. */
export function alarmTimingOf(options: AlarmTimingOptions = {}): { breachMinutes: number; evaluationMinutes: number } {
  return {
    breachMinutes: options.breachMinutes ?? DEFAULT_ALARM_TIMING.breachMinutes,
    evaluationMinutes: options.evaluationMinutes ?? DEFAULT_ALARM_TIMING.evaluationMinutes,
  };
}

/**
 * ALB metrics are per minute and reach CloudWatch about a minute after the minute ends: every
 * verdict on a window is taken this long after the window's end (aws-facts.md).
 */
export const METRICS_SETTLE_SECONDS = 60;

/** Seconds AfterInstall waits for the new tasks to be steady and healthy. */
export const DEFAULT_INSTALL_TIMEOUT_SECONDS = 600;
/** Seconds CodeDeploy keeps the old tasks after 100 % (blue/green termination wait). */
export const DEFAULT_TERMINATION_WAIT_SECONDS = 300;
/** The final verdict's window at 100 % when none is given. */
export const DEFAULT_FINAL_VERDICT_WINDOW_SECONDS = 300;

/**
 * Longest time (seconds) the final verdict holds AfterAllowTraffic: up to a minute to the first
 * whole minute at 100 %, the window, then the settle minute for the window's last metrics.
 */
export function finalVerdictWorstCaseSeconds(windowSeconds: number): number {
  return 60 + windowSeconds + METRICS_SETTLE_SECONDS;
}

/** Whole minutes of at least one, in seconds: the unit of bakes and the final verdict window (ALB metrics are per minute). */
export function isWholeMinutes(seconds: unknown): seconds is number {
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 60 && seconds % 60 === 0;
}

/** The final verdict window's range, both engines: whole minutes from 1 to 60. */
export const MAX_FINAL_VERDICT_WINDOW_SECONDS = 3600;
export function isFinalVerdictWindowInRange(seconds: number): boolean {
  return isWholeMinutes(seconds) && seconds <= MAX_FINAL_VERDICT_WINDOW_SECONDS;
}

/** Release-policy promise: a bad version is detected and production is back on stable within 5 minutes. */
export const RECOVERY_PROMISE_SECONDS = 300;

/** Decision records are kept this long (release-policy.md: 90 days). */
export const DECISION_RETENTION_DAYS = 90;

/** What a rehearsal series is held to (release-policy.md, issue 9): false rollbacks at most 1 %, bad versions caught in 95 %. */
export const SERIES_TARGETS = {
  /** A good version is rolled back in at most this share of runs. */
  maxFalseRollbacks: 0.01,
  /** A bad version is caught in at least this share of runs. */
  minDetection: 0.95,
} as const;

/**
 * CodeDeploy fails a lifecycle hook that has not reported within an hour (aws-facts.md). Every
 * time budget of the in-hook work is this limit minus one of the margins below.
 */
export const CODEDEPLOY_HOOK_LIMIT_SECONDS = 3600;
export const HOOK_MARGIN_SECONDS = {
  /** Synth-time budget of a schedule's in-hook steps: room for task start, ticks and the report. */
  schedule: 600,
  /** The stepper fails the hook itself this long before the limit: room to restore and report. */
  stepper: 300,
  /** The state machine's own timeout: CodeDeploy's rollback and the guard take over after it. */
  stateMachine: 60,
} as const;

/** Timeouts (seconds) of the shared functions; release estimates count the hooks' ones as allowances. */
export const LAMBDA_TIMEOUT_SECONDS = {
  beforeInstall: 120,
  afterInstall: 900,
  /** The smoke tests (AfterAllowTestTraffic) run at most this long. */
  afterAllowTestTraffic: 300,
  beforeAllowTraffic: 60,
  /** AfterAllowTraffic only starts the final verdict; the state machine then waits. */
  afterAllowTraffic: 120,
  stepper: 60,
  guard: 60,
  /** The ECS engine's lifecycle hook and its smoke tests. */
  nativeHook: 60,
  nativeSmoke: 300,
} as const;

/**
 * Longest time (seconds) one in-hook step can take: its bake and the settle minute, once per
 * pass, and each extension adds one more pass. The stepper schedules by it, the constructs and the
 * CLI budget by it.
 */
export function worstCaseStepSeconds(bakeSeconds: number, maxExtensions: number): number {
  return (bakeSeconds + METRICS_SETTLE_SECONDS) * (1 + maxExtensions);
}
