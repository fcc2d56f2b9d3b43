import { Duration } from 'aws-cdk-lib';
import type { RollbackThresholds } from '../alarms/rollback-alarms';
import type { AlarmTimingOptions } from '../policy/release-policy';
import type { AnalysisConfig } from '../runtime-config';

/**
 * The rollback alarms' thresholds of a deployment: the judge's own (its resolved analysis config),
 * so the alarms and the stepper can never disagree on what "too many errors" or "too slow" means.
 */
export function alarmThresholdsOf(analysis: AnalysisConfig, timing: AlarmTimingOptions = {}): RollbackThresholds {
  return {
    maxErrorRatePercent: analysis.maxErrorRatePercent,
    maxP95: Duration.millis(analysis.maxP95Ms),
    maxP99: Duration.millis(analysis.maxP99Ms),
    maxUnhealthyHosts: analysis.maxUnhealthyHosts,
    unhealthyMinutes: analysis.unhealthyMinutes,
    minRequests: analysis.minRequests,
    breachMinutes: timing.breachMinutes,
    evaluationMinutes: timing.evaluationMinutes,
  };
}
