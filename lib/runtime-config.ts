/**
 * The contract between the constructs (synth time) and the Lambda code (run time).
 *
 * One JSON document per deployment group, stored in an SSM parameter named
 * `${CONFIG_PARAMETER_PREFIX}/<application>/<deployment group>`. The hook functions are
 * shared by every canary service of a stack; CodeDeploy only gives them a deployment id, so
 * they look the deployment up (GetDeployment -> application + group) and read this document.
 *
 * This file must stay free of aws-cdk-lib imports: it is bundled into the Lambda code.
 */

import { DEFAULT_THRESHOLDS } from './policy/release-policy';

/** SSM parameter name prefix for per-deployment-group configuration. */
export const CONFIG_PARAMETER_PREFIX = '/cdk-ecs-canary';

/** Metadata key on the configuration parameter's resource: the CanaryDeployment's construct path. */
export const CONSTRUCT_PATH_METADATA = 'cdk-ecs-canary:path';

// The release policy's numbers live in one module; re-exported here for the runtime contract's readers.
export {
  CODEDEPLOY_HOOK_LIMIT_SECONDS, DEFAULT_CONFIDENCE_PERCENT, DEFAULT_FINAL_VERDICT_WINDOW_SECONDS, HOOK_MARGIN_SECONDS,
} from './policy/release-policy';

/** Bumped when the document changes shape; the runtime refuses versions it does not know. */
export const CONFIG_VERSION = 1;

export function configParameterName(applicationName: string, deploymentGroupName: string): string {
  return `${CONFIG_PARAMETER_PREFIX}/${applicationName}/${deploymentGroupName}`;
}

/** One step run by our traffic stepper inside the BeforeAllowTraffic hook. */
export interface StepConfig {
  /** Percent of production traffic on the new (green) version, 1..99. */
  readonly percent: number;
  /** How long to hold (and judge) this step before the next one, in seconds. */
  readonly bakeSeconds: number;
}

/** Thresholds handed to the judge. Every number is a limit that fails the check when exceeded. */
export interface AnalysisConfig {
  /** Seconds between two verdicts while a step bakes. */
  readonly intervalSeconds: number;
  /** Fewer requests than this on green over the judged window: inconclusive, never pass. */
  readonly minRequests: number;
  /** 5xx responses / requests on green, in percent. */
  readonly maxErrorRatePercent: number;
  /** p95 TargetResponseTime on green, in milliseconds. */
  readonly maxP95Ms: number;
  /** p99 TargetResponseTime on green, in milliseconds. */
  readonly maxP99Ms: number;
  /** Unhealthy hosts on green tolerated; more than this for `unhealthyMinutes` minutes fails. */
  readonly maxUnhealthyHosts: number;
  /** Consecutive minutes with unhealthy hosts above the limit that fail the check. */
  readonly unhealthyMinutes: number;
  /** green error rate <= ratio x max(blue error rate, floor). Omitted: no relative error check. */
  readonly errorRateRatio?: number;
  /** Floor for the stable error rate in the relative check, in percent (0 vs 0.01 % is not "infinite"). */
  readonly errorRateFloorPercent: number;
  /** green p95 <= ratio x blue p95. Omitted: no relative latency check. */
  readonly latencyRatio?: number;
  /** What to do when a step stays inconclusive after every extension. */
  readonly onInconclusive: 'fail' | 'pass';
  /** How many times a step may be extended by one bake interval while inconclusive. */
  readonly maxExtensions: number;
  /**
   * Shadow mode: every verdict is computed and recorded, but a failing verdict never stops the
   * release (the CodeDeploy rollback alarms still act). Omitted or false: verdicts act.
   */
  readonly shadow?: boolean;
  /**
   * Confidence (percent) a rate or latency check needs before it fails: a verdict fails a check
   * when the data show the limit is crossed at this confidence (one-sided test, p < 1 - c/100).
   * The stepper, which takes many verdicts per release, spends 1 - c/100 over all of them, so it
   * bounds the chance that a version exactly at a limit is rolled back in the whole release.
   * Omitted: DEFAULT_CONFIDENCE_PERCENT.
   */
  readonly confidencePercent?: number;
}

/** The release policy's judge thresholds (release-policy.md): what CanaryDeployment renders by default. */
export const RELEASE_POLICY_ANALYSIS: AnalysisConfig = { ...DEFAULT_THRESHOLDS, onInconclusive: 'fail' };

/** An HTTP smoke test run by the AfterAllowTestTraffic hook against the test path. */
export interface HttpCheckConfig {
  readonly kind: 'http';
  readonly method: 'GET' | 'HEAD' | 'POST';
  /** Path on the test listener, starting with '/'. */
  readonly path: string;
  readonly expectStatus: number[];
  /** Regular expression the body must match. */
  readonly bodyMatches?: string;
  /** Each response must arrive within this many milliseconds. */
  readonly latencyBudgetMs: number;
  /** How many times the check is repeated; every attempt must pass. */
  readonly repeat: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A user's own check: a Lambda function invoked with the deployment context; it throws to fail. */
export interface LambdaCheckConfig {
  readonly kind: 'lambda';
  readonly functionArn: string;
}

export type SmokeCheckConfig = HttpCheckConfig | LambdaCheckConfig;

export interface CanaryRuntimeConfig {
  readonly version: typeof CONFIG_VERSION;
  /** ECS cluster name and service name of the canary service. */
  readonly clusterName: string;
  readonly serviceName: string;
  /** Production listener ARN (its default action is what CodeDeploy and the stepper weight). */
  readonly productionListenerArn: string;
  /** Test listener ARN, if any. */
  readonly testListenerArn?: string;
  /** The two target group ARNs. Either one may be blue: they swap every deployment. */
  readonly targetGroupArns: [string, string];
  /**
   * Base URL the smoke tests reach the green version through (e.g. `http://internal-alb:9000`).
   * Omitted: smoke tests call the green targets directly on their private IPs.
   */
  readonly testBaseUrl?: string;
  /** Container port, for smoke tests that call green targets directly. */
  readonly containerPort: number;
  /** Steps run by the stepper inside BeforeAllowTraffic (may be empty). */
  readonly steps: StepConfig[];
  /** The last step, done by CodeDeploy's own deployment config (for the records and the CLI). */
  readonly finalStep?: StepConfig;
  readonly analysis: AnalysisConfig;
  readonly smokeTests: SmokeCheckConfig[];
  /** Names of the alarms that roll the deployment back; preflight refuses while one is in ALARM. */
  readonly alarmNames: string[];
  /** Seconds AfterInstall waits for the replacement task set to be steady and healthy. */
  readonly installTimeoutSeconds: number;
  /** Window (seconds) of stable metrics recorded as the baseline and judged after the shift. */
  readonly finalVerdictWindowSeconds: number;
  /** DynamoDB table of decision records and stepper state (for the CLI; functions get it by env). */
  readonly decisionsTableName?: string;
  /** Seconds CodeDeploy keeps the old tasks after 100 % (for the CLI's plan and status). */
  readonly terminationWaitSeconds?: number;
  /**
   * The rollback alarms' timing (their thresholds are the analysis'), for the CLI's rehearsal.
   * Omitted in documents written before it existed: the policy's default timing.
   */
  readonly alarmTiming?: { readonly breachMinutes: number; readonly evaluationMinutes: number };
}

/** Names of the environment variables the constructs give the shared functions. */
export const ENV = {
  /** DynamoDB table with decision records and stepper state. */
  DECISIONS_TABLE: 'CANARY_DECISIONS_TABLE',
  /** State machine the BeforeAllowTraffic hook starts. */
  STEPPER_STATE_MACHINE_ARN: 'CANARY_STEPPER_STATE_MACHINE_ARN',
  /** CloudWatch namespace for outcome metrics. */
  METRICS_NAMESPACE: 'CANARY_METRICS_NAMESPACE',
  /** SNS topic the guard notifies of a failed or stopped deployment, with the reason. */
  NOTIFICATION_TOPIC_ARN: 'CANARY_NOTIFICATION_TOPIC_ARN',
} as const;

/** Days decision records are kept (release-policy.md: 90 days). */
export { DECISION_RETENTION_DAYS } from './policy/release-policy';

/** Default CloudWatch namespace of the outcome metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'CdkEcsCanary';
