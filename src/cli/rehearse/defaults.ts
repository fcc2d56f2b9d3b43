/**
 * The release-policy defaults (../shared/design/release-policy.md), as the constructs render them
 * into the runtime configuration: what `canary rehearse` uses without --app/--service/--stack.
 * Kept equal to CanaryDeployment's defaults by test/cli/plan.test.ts, which synthesizes the
 * example app (default schedule and analysis) and compares.
 */
import { AnalysisConfig, RELEASE_POLICY_ANALYSIS, StepConfig } from '../../../lib/runtime-config';

export const DEFAULT_STEPS: StepConfig[] = [
  { percent: 5, bakeSeconds: 300 },
  { percent: 25, bakeSeconds: 600 },
];

export const DEFAULT_FINAL_STEP: StepConfig = { percent: 50, bakeSeconds: 900 };

export const DEFAULT_ANALYSIS: AnalysisConfig = RELEASE_POLICY_ANALYSIS;

export const DEFAULT_TERMINATION_WAIT_SECONDS = 300;
export { DEFAULT_FINAL_VERDICT_WINDOW_SECONDS } from '../../../lib/runtime-config';

/** The rollback alarms' timing (RollbackAlarmOptions defaults; not in the runtime configuration). */
export const DEFAULT_ALARM_BREACH_MINUTES = 2;
export const DEFAULT_ALARM_EVALUATION_MINUTES = 3;
