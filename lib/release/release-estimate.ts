import { Duration, Token } from 'aws-cdk-lib';
import type { ICanaryDeployment } from '../deployment/canary-deployment-base';
import { finalVerdictHookDuration } from '../deployment/final-verdict-window';
import { LAMBDA_TIMEOUT_SECONDS } from '../policy/release-policy';

/** CloudFormation waits at most this long for a custom resource (ServiceTimeout maximum). */
export const CUSTOM_RESOURCE_LIMIT = Duration.hours(1);
/** Head room kept under that limit for the provider framework and CloudFormation's own steps. */
export const RELEASE_WAIT_MARGIN = Duration.minutes(5);
/** The longest release a stack update waits for (ReleaseMode.wait()). */
export const RELEASE_WAIT_BUDGET = Duration.minutes(CUSTOM_RESOURCE_LIMIT.toMinutes() - RELEASE_WAIT_MARGIN.toMinutes());
/** The smoke-test hook (AfterAllowTestTraffic) runs at most this long (its Lambda timeout). */
export const SMOKE_TEST_ALLOWANCE = Duration.seconds(LAMBDA_TIMEOUT_SECONDS.afterAllowTestTraffic);

/** The AfterAllowTraffic hook itself (it starts the final verdict) runs at most this long (its Lambda timeout). */
export const FINAL_VERDICT_ALLOWANCE = Duration.seconds(LAMBDA_TIMEOUT_SECONDS.afterAllowTraffic);

/** One term of the estimate. */
export interface ReleaseEstimatePart {
  readonly label: string;
  readonly duration: Duration;
}

/**
 * The worst-case time from CreateDeployment to the deployment's end: install, smoke tests, the
 * in-hook steps with every extension (bakes and settle minutes), CodeDeploy's own last shift, the
 * final verdict and the termination wait (the deployment only ends once the old tasks are gone).
 */
export class ReleaseEstimate {
  /** The longest release a stack update waits for (ReleaseMode.wait()): CloudFormation's hour for a custom resource, less a margin. */
  public static readonly WAIT_BUDGET: Duration = RELEASE_WAIT_BUDGET;

  /** The estimate for a deployment, or undefined when one of its durations is an unresolved token. */
  public static of(deployment: ICanaryDeployment): ReleaseEstimate | undefined {
    try {
      const schedule = deployment.schedule;
      // nominalDuration covers every shift; what is left after the in-hook steps (bakes and settle
      // minutes, no extension) is CodeDeploy's part (a canary config's last step, or the whole of
      // a linear config).
      const codeDeployPart = minutes(schedule.nominalDuration()) - minutes(schedule.worstCaseInHookDuration(0));
      const parts: ReleaseEstimatePart[] = [
        { label: 'install', duration: deployment.installTimeout },
        { label: 'smoke tests', duration: SMOKE_TEST_ALLOWANCE },
        { label: 'in-hook steps with extensions', duration: schedule.worstCaseInHookDuration(deployment.maxExtensions) },
        { label: 'last shift (CodeDeploy)', duration: Duration.minutes(codeDeployPart) },
        // The final verdict waits for its window at 100 % (and the minutes around it) inside the hook.
        { label: 'final verdict', duration: finalVerdictHookDuration(deployment.finalVerdictWindow) },
        { label: 'termination wait', duration: deployment.terminationWaitTime },
      ];
      if (parts.some((p) => Token.isUnresolved(p.duration.toSeconds()))) return undefined;
      return new ReleaseEstimate(parts);
    } catch {
      // Duration arithmetic on a token throws: no estimate.
      return undefined;
    }
  }

  private constructor(public readonly parts: ReleaseEstimatePart[]) {}

  public get total(): Duration {
    return Duration.seconds(this.parts.reduce((sum, p) => sum + p.duration.toSeconds(), 0));
  }

  /** Whether a stack update can wait for the whole release. */
  public fitsWait(): boolean {
    return this.total.toSeconds() <= RELEASE_WAIT_BUDGET.toSeconds();
  }

  /** e.g. "67 min (install 10 min + smoke tests 5 min + ...)". */
  public describe(): string {
    return `${fmt(this.total)} (${this.parts.map((p) => `${p.label} ${fmt(p.duration)}`).join(' + ')})`;
  }
}

function minutes(d: Duration): number {
  return d.toSeconds() / 60;
}

function fmt(d: Duration): string {
  const m = d.toSeconds() / 60;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
}
