import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalid } from '../private/validation';
import { finalVerdictWorstCaseSeconds } from '../policy/release-policy';
import { HOOK_LIMIT, HOOK_MARGIN, METRICS_SETTLE } from './traffic-schedule';

/**
 * The AfterAllowTraffic hook waits, after the shift to 100 %, for up to one minute (to the first
 * whole minute at 100 %), then the window, then the settle minute for the window's last metrics
 * (lambda/stepper/final-verdict.ts). That must fit the hook's hour with the usual margin.
 */
export function finalVerdictHookDuration(window: Duration): Duration {
  return Duration.seconds(finalVerdictWorstCaseSeconds(window.toSeconds()));
}

/** The longest final verdict window that fits: 60 - 10 (margin) - 1 (first whole minute) - 1 (settle) = 48 min. */
export const MAX_FINAL_VERDICT_WINDOW = Duration.seconds(HOOK_LIMIT.toSeconds() - HOOK_MARGIN.toSeconds() - finalVerdictWorstCaseSeconds(0));

export function validateFinalVerdictWindow(scope: IConstruct, window: Duration | undefined): void {
  const seconds = window?.toSeconds();
  if (window === undefined || seconds === undefined || Token.isUnresolved(seconds)) return;
  if (seconds > MAX_FINAL_VERDICT_WINDOW.toSeconds()) {
    invalid(scope, 'finalVerdictWindow',
      `the final verdict waits for the first whole minute at 100 %, then ${window.toHumanString()} of metrics, then `
      + `${METRICS_SETTLE.toHumanString()} for the last minute to be published: ${finalVerdictHookDuration(window).toHumanString()} `
      + `in the AfterAllowTraffic hook, which CodeDeploy fails after ${HOOK_LIMIT.toHumanString()} `
      + `(${HOOK_MARGIN.toHumanString()} kept as margin). Use at most ${MAX_FINAL_VERDICT_WINDOW.toHumanString()}.`);
  }
}
