/**
 * The traffic stepper's contracts: the payloads the Step Functions state machine (the timer)
 * sends and receives, and the DynamoDB documents the stepper, the CLI and AfterAllowTraffic share.
 *
 * State machine (defined in lib/hooks/canary-hooks.ts):
 *   execution input StepperExecutionInput
 *   -> Start (StepperStartInput -> StepperOutput) -> Done? -> Wait $.waitSeconds -> Tick (StepperTickInput -> StepperOutput) -> Done? ...
 *   Start/Tick retry errors named TRANSIENT_ERROR_NAME; anything else is caught into $.error
 *   -> Abort (StepperAbortInput) -> Fail.
 *
 * Free of aws-cdk-lib and AWS SDK imports so the CDK side and the CLI can import it.
 */
import type { MinuteSample, Verdict } from '../judge/types';
import type { ControlDecisionDoc, StepDecisionDoc } from '../shared/record-types';
import { CODEDEPLOY_HOOK_LIMIT_SECONDS, HOOK_MARGIN_SECONDS } from '../../lib/runtime-config';
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';

/** Name of the error the stepper throws when a retry can help; the state machine retries it. */
export const TRANSIENT_ERROR_NAME = 'TransientError';

/** Name of every other error the stepper throws; the state machine catches it into Abort. */
export const STEPPER_ERROR_NAME = 'StepperError';

/**
 * The stepper fails the hook when the hook has been running this long: CodeDeploy fails a hook
 * that has not reported after 1 hour, and the margin leaves room for the restore and the report.
 */
export const HOOK_BUDGET_SECONDS = CODEDEPLOY_HOOK_LIMIT_SECONDS - HOOK_MARGIN_SECONDS.stepper;

/** Sort keys of the stepper's single-item records (records.ts describes the table). */
export { CONTROL_SK, OUTCOME_SK, STATE_SK } from '../shared/record-types';

// ---------------------------------------------------------------------------------------------
// State machine payloads

/** Identifies the deployment and the BeforeAllowTraffic hook execution the stepper reports for. */
export interface StepperIds {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
}

/** The state machine's execution input, as the BeforeAllowTraffic hook starts it. */
export type StepperExecutionInput = StepperIds;

export type StepperAction = 'start' | 'tick' | 'abort';

export interface StepperStartInput extends StepperIds {
  readonly action: 'start';
}

export interface StepperTickInput extends StepperIds {
  readonly action: 'tick';
  /**
   * What the previous Start or Tick returned for this one (the state machine passes its output
   * on through the Wait): the stepper's state and configuration, so a tick need not read them
   * from DynamoDB and SSM. Absent (an older execution, a direct call): read from the table.
   */
  readonly carry?: StepperCarry;
}

/** The stepper's memory carried from one tick to the next in the execution's state. */
export interface StepperCarry {
  /** The state as last written to the table, or newer by an unchanged verdict (not written). */
  readonly state: StepperState;
  /** The configuration read when the stepper started: one release runs on one configuration. */
  readonly config: CanaryRuntimeConfig;
  /** ISO time of the last check of the deployment's status and of the control record. */
  readonly checkedAt: string;
}

/** Step Functions' error object as caught with `resultPath: '$.error'`. */
export interface StepperErrorInfo {
  readonly Error?: string;
  /** For a Lambda error: a JSON string `{ errorType, errorMessage, trace }`. */
  readonly Cause?: string;
}

export interface StepperAbortInput extends StepperIds {
  readonly action: 'abort';
  readonly error?: StepperErrorInfo;
}

export type StepperInput = StepperStartInput | StepperTickInput | StepperAbortInput;

/** What Start, Tick and Abort return; the state machine waits `waitSeconds` unless `done`. */
export interface StepperOutput extends StepperIds {
  /** Whole seconds until the next Tick (>= 1); 0 when done. */
  readonly waitSeconds: number;
  /** The hook is decided (and reported, or nothing is left to report): stop ticking. */
  readonly done: boolean;
  /** How the hook ended, when done. */
  readonly finished?: StepperFinish;
  /** Index of the in-hook step now running, for the execution history. */
  readonly stepIndex?: number;
  /** Percent of production traffic on green now, for the execution history. */
  readonly percent?: number;
  /** While not done: what the next Tick needs (passed back by the state machine). */
  readonly carry?: StepperCarry;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB documents

export type StepperFinish = 'succeeded' | 'failed';

/** Blue = stable (served by the PRIMARY task set when the stepper started), green = new. */
export interface StepperColors {
  readonly blueTargetGroupArn: string;
  readonly greenTargetGroupArn: string;
}

/** The last verdict, summarised for `canary status`. */
export interface VerdictSummary {
  readonly outcome: Verdict['outcome'];
  readonly reason: string;
  /** ISO time of the verdict. */
  readonly at: string;
  readonly stepIndex: number;
  readonly percent: number;
  /** Shadow mode: the verdict would have rolled the release back for this reason; it did not. */
  readonly shadowWouldHave?: string;
}

/**
 * The `state` record: the stepper's whole memory between ticks, and what the CLI shows as
 * progress. Times are ISO strings.
 */
export interface StepperState {
  readonly lifecycleEventHookExecutionId: string;
  /** When the stepper started (a few seconds after the hook did); the hook budget counts from here. */
  readonly hookStartedAt: string;
  /** The listener the stepper weights: kept here so the fail path can restore without the configuration. */
  readonly productionListenerArn: string;
  readonly colors: StepperColors;
  /** Index into the configuration's `steps` of the step running now. */
  readonly stepIndex: number;
  /** Percent of production traffic on green for the running step. */
  readonly percent: number;
  /** When the running step's weights were set; the judged window starts here. */
  readonly stepStartedAt: string;
  /** How many times the running step has been extended by one bake (and its settle minute) while inconclusive. */
  readonly extensions: number;
  /** Decision records written so far (their sequence numbers). */
  readonly decisions: number;
  readonly lastVerdict?: VerdictSummary;
  /** Shadow mode: how many verdicts would have rolled the release back, and the first of them. */
  readonly shadowFailures?: number;
  readonly firstShadowFailure?: VerdictSummary;
  /** The stable version's metrics just before the first shift; AfterAllowTraffic compares against `blue`. */
  readonly baseline?: {
    readonly blue: MinuteSample[];
    /** ISO start and end of the baseline window. */
    readonly from: string;
    readonly to: string;
  };
  readonly finished?: StepperFinish;
  readonly reason?: string;
  readonly finishedAt?: string;
  /** Fail path: production was put back on blue 100 %. */
  readonly restored?: boolean;
  /** CodeDeploy has the hook's status (or there was nothing left to report to). */
  readonly reported?: boolean;
  readonly updatedAt: string;
}

/** The stepper's `control`, `decision#...` and `outcome` documents (record-types.ts holds every record's). */
export type { ControlAction, ControlDoc, StepperOutcomeDoc } from '../shared/record-types';

/** A `decision#...` record of the stepper: one per verdict (phase 'step') and per manual action (phase 'control'). */
export type StepperDecisionDoc = StepDecisionDoc | ControlDecisionDoc;

// ---------------------------------------------------------------------------------------------
// Decisions (schedule.ts)

/** What a tick does with a verdict. */
export type TickDecision =
  | { readonly kind: 'wait'; readonly waitSeconds: number }
  | { readonly kind: 'extend'; readonly waitSeconds: number; readonly extensions: number }
  | { readonly kind: 'advance'; readonly stepIndex: number; readonly percent: number; readonly waitSeconds: number }
  | { readonly kind: 'complete'; readonly reason: string }
  | { readonly kind: 'fail'; readonly reason: string };
