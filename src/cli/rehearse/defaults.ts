/**
 * The release-policy defaults as the constructs render them into the runtime configuration: what
 * `canary rehearse` uses without --app/--service/--stack. Derived from lib/policy/release-policy.ts,
 * the one home of those numbers (test/cli/plan.test.ts also compares them with a synthesized app).
 */
import { DEFAULT_SCHEDULE_STEPS } from '../../../lib/policy/release-policy';
import { AnalysisConfig, RELEASE_POLICY_ANALYSIS, StepConfig } from '../../../lib/runtime-config';

/** The in-hook steps: every step of the default schedule but the last. */
export const DEFAULT_STEPS: StepConfig[] = DEFAULT_SCHEDULE_STEPS.slice(0, -1).map((s) => ({ ...s }));

/** The last step, CodeDeploy's own TimeBasedCanary. */
export const DEFAULT_FINAL_STEP: StepConfig = { ...DEFAULT_SCHEDULE_STEPS[DEFAULT_SCHEDULE_STEPS.length - 1] };

export const DEFAULT_ANALYSIS: AnalysisConfig = RELEASE_POLICY_ANALYSIS;

export { DEFAULT_FINAL_VERDICT_WINDOW_SECONDS, DEFAULT_TERMINATION_WAIT_SECONDS } from '../../../lib/policy/release-policy';
