import type { AnalysisConfig } from '../../lib/runtime-config';

/**
 * One minute of load balancer metrics for one target group. `undefined` means CloudWatch
 * had no datapoint for that minute (ALB publishes nothing for a target group without traffic).
 */
export interface MinuteSample {
  /** Start of the minute, epoch milliseconds. */
  readonly timestamp: number;
  readonly requests?: number;
  readonly errors5xx?: number;
  /** TargetResponseTime p95 / p99, in milliseconds. */
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  readonly healthyHosts?: number;
  readonly unhealthyHosts?: number;
}

export interface JudgeInput {
  /** Samples of the new version's target group, oldest first. */
  readonly green: readonly MinuteSample[];
  /** Samples of the stable version's target group over the same window, oldest first. */
  readonly blue: readonly MinuteSample[];
  readonly thresholds: AnalysisConfig;
}

export type Outcome = 'pass' | 'fail' | 'inconclusive';

export type CheckName =
  | 'min-requests'
  | 'error-rate'
  | 'p95-latency'
  | 'p99-latency'
  | 'unhealthy-hosts'
  | 'error-rate-vs-stable'
  | 'latency-vs-stable';

export interface CheckResult {
  readonly check: CheckName;
  readonly outcome: Outcome;
  /** Observed value (undefined when there was no data). */
  readonly observed?: number;
  /** The limit the value was compared with. */
  readonly limit?: number;
  /**
   * One human line with the evidence: "error-rate 14 errors in 2750 requests (0.51 %) > 1 %:
   * p = 0.0004 < 0.01 (fail)".
   */
  readonly detail: string;
  /** The one-sided p-value of "the limit is crossed", when the check ran a test. */
  readonly pValue?: number;
}

export interface Verdict {
  readonly outcome: Outcome;
  readonly checks: readonly CheckResult[];
  /** One-line summary naming the failing/inconclusive checks. */
  readonly reason: string;
}
