import { IConstruct } from 'constructs';
import { invalid } from '../private/validation';
import { RELEASE_WAIT_BUDGET, RELEASE_WAIT_MARGIN, CUSTOM_RESOURCE_LIMIT, ReleaseEstimate } from './release-estimate';

/** How a release runs, resolved from a ReleaseMode. */
export enum ReleaseRunKind {
  /** The stack update waits for the deployment's result (a failed canary fails the update). */
  WAIT = 'wait',
  /** The stack update ends once the deployment started. */
  ASYNC = 'async',
  /** No deployment from `cdk deploy`; a pipeline or a person starts it with the published AppSpec. */
  EXTERNAL = 'external',
}

/** A synth warning a release mode asks for. */
export interface ReleaseModeWarning {
  /** Warning id (for `Annotations.acknowledgeWarning`). */
  readonly id: string;
  /** The warning text. */
  readonly message: string;
}

/** How a release runs, once bound to a deployment's estimate. */
export interface ReleaseModeConfig {
  /** Whether the stack update waits, returns once the deployment started, or starts nothing. */
  readonly kind: ReleaseRunKind;
  /**
   * A synth warning to show on the release (the construct adds where to find the deployment id).
   * @default no warning
   */
  readonly warning?: ReleaseModeWarning;
}

const LIMITS = `a CloudFormation custom resource waits at most ${CUSTOM_RESOURCE_LIMIT.toMinutes()} min `
  + `and ${RELEASE_WAIT_MARGIN.toMinutes()} min are kept as margin (${RELEASE_WAIT_BUDGET.toMinutes()} min budget)`;
const SHORTEN = 'shorten the schedule, analysis.maxExtensions, installTimeout or terminationWaitTime';

/**
 * Whether `cdk deploy` waits for the canary deployment it starts.
 *
 * Chosen at synth time from the worst-case release time (see ReleaseEstimate): a stack update can
 * wait at most 55 minutes for it.
 */
export abstract class ReleaseMode {
  /**
   * The stack update waits for the deployment and fails when the canary fails (CloudFormation then
   * rolls the stack back). Synth fails when the worst-case release does not fit 55 minutes.
   */
  public static wait(): ReleaseMode {
    return new WaitMode();
  }

  /**
   * The stack update starts the deployment and ends; follow it with `npx canary watch`. The
   * deployment id is a stack output.
   */
  public static async(): ReleaseMode {
    return new AsyncMode();
  }

  /** `wait` when the worst-case release fits 55 minutes, else `async` with a synth warning. */
  public static auto(): ReleaseMode {
    return new AutoMode();
  }

  /**
   * `cdk deploy` starts no deployment: the AppSpec and task definition ARN are only published
   * (stack outputs and an SSM parameter) for CodePipeline's ECS blue/green action or
   * `aws deploy create-deployment`.
   */
  public static external(): ReleaseMode {
    return new ExternalMode();
  }

  /** Resolves the mode for a deployment whose worst-case release time is `estimate` (undefined: unknown). */
  public abstract bind(scope: IConstruct, estimate?: ReleaseEstimate): ReleaseModeConfig;
}

class WaitMode extends ReleaseMode {
  public bind(scope: IConstruct, estimate?: ReleaseEstimate): ReleaseModeConfig {
    if (!estimate) {
      return {
        kind: ReleaseRunKind.WAIT,
        warning: {
          id: 'cdk-ecs-canary:release-estimate',
          message: 'release: the release time cannot be estimated (a duration is a token); ReleaseMode.wait() fails the stack update '
            + `if the release takes longer than ${RELEASE_WAIT_BUDGET.toMinutes()} min.`,
        },
      };
    }
    if (!estimate.fitsWait()) {
      invalid(scope, 'release.mode',
        `ReleaseMode.wait() cannot wait for this release: it can take ${estimate.describe()}, but ${LIMITS}. `
        + `Use ReleaseMode.async() (cdk deploy starts the deployment; follow it with npx canary watch), or ${SHORTEN}.`);
    }
    return { kind: ReleaseRunKind.WAIT };
  }
}

class AsyncMode extends ReleaseMode {
  public bind(): ReleaseModeConfig {
    return { kind: ReleaseRunKind.ASYNC };
  }
}

class AutoMode extends ReleaseMode {
  public bind(_scope: IConstruct, estimate?: ReleaseEstimate): ReleaseModeConfig {
    if (estimate?.fitsWait()) return { kind: ReleaseRunKind.WAIT };
    const why = estimate
      ? `the release can take ${estimate.describe()}, more than a stack update can wait: ${LIMITS}`
      : 'the release time cannot be estimated (a duration is a token)';
    const message = `release: ${why}. So cdk deploy starts the canary deployment and does not wait for its result (ReleaseMode.async()): `
      + 'follow it with npx canary watch. '
      + `To wait instead, ${SHORTEN}; to silence this warning, set release.mode to ReleaseMode.async().`;
    return { kind: ReleaseRunKind.ASYNC, warning: { id: 'cdk-ecs-canary:release-async', message } };
  }
}

class ExternalMode extends ReleaseMode {
  public bind(): ReleaseModeConfig {
    return { kind: ReleaseRunKind.EXTERNAL };
  }
}
