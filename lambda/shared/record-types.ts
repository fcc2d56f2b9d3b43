/**
 * The typed documents of every record of the decisions table and their sort keys (records.ts holds
 * the writers and the readers). Free of AWS SDK imports: Lambda code, the CLI and the constructs
 * can all import it.
 *
 *   sk `decision#<iso>#<seq>`  DecisionDoc, discriminated on `phase` (a member of every row since 0.1.0)
 *   sk `state`                 StepperState (CodeDeploy) | NativeState (ECS engine, `engine: 'ecs'`)
 *   sk `final-verdict`         FinalVerdictState (AfterAllowTraffic's timer)
 *   sk `control`               ControlDoc (`canary promote|abort|steer`)
 *   sk `outcome`               OutcomeDoc (stepper or native hook, then the guard's `guard` member)
 *   sk `stable`                StableDoc (BeforeInstall)
 */
import type { AnalysisConfig } from '../../lib/runtime-config';
import type { GuardOutcomeDoc } from '../guard/types';
import type { MinuteSample, Verdict } from '../judge/types';
import type { NativeState } from '../native/types';
import type { FinalVerdictState } from '../stepper/final-verdict';
import type { StepperState, TickDecision } from '../stepper/types';
import type { WindowSamples } from './metrics';
import type { HookStatus } from './reporter';
import type { Colors } from './traffic';

/** Sort keys of the single-item records. */
export const STATE_SK = 'state';
export const CONTROL_SK = 'control';
export const OUTCOME_SK = 'outcome';
/**
 * Sort key of the record BeforeInstall writes for every deployment, whatever its schedule: the
 * stable (blue) target group as it was before anything of the release existed. The guard
 * restores this one (after a full shift the replacement may already be PRIMARY).
 */
export const STABLE_SK = 'stable';

export type RecordKind = 'state' | 'control' | 'decision' | 'outcome' | 'stable';

/**
 * The judged minutes of a decision record, [start, end), ISO times: one shape for every writer
 * (the stepper's steps, the final verdicts of both engines, the native hook's holds).
 */
export interface DecisionWindow {
  readonly start: string;
  readonly end: string;
}

export type ControlAction = 'promote' | 'abort';

/** The `control` record, written by `canary promote|abort`: read by the stepper on every tick. */
export interface ControlDoc {
  readonly action: ControlAction;
  /** ISO time the person asked. */
  readonly at: string;
  /** Who asked (IAM identity or a name given on the command line). */
  readonly by: string;
}

/** A verdict on one step of the schedule: the stepper's steps and the native hook's holds. */
export interface StepDecisionDoc {
  readonly phase: 'step';
  readonly step: number;
  readonly percent: number;
  readonly verdict: Verdict;
  readonly samples: { readonly green: readonly MinuteSample[]; readonly blue: readonly MinuteSample[] };
  /** ISO start and end of the judged window (records of 0.1.0 said from/to: records.ts decodes them). */
  readonly window: DecisionWindow;
  readonly thresholds: AnalysisConfig;
  /** What the stepper did with the verdict: wait, extend, advance, complete or fail. */
  readonly action: TickDecision['kind'];
  readonly extensions: number;
  readonly at: string;
  /** Taken in shadow mode (analysis.shadow): verdicts are recorded but do not stop the release. */
  readonly shadow?: true;
  /** Shadow mode: what the verdict would have done had it acted (always a fail), and why. */
  readonly wouldHave?: { readonly action: 'fail'; readonly reason: string };
}

/** A manual promote or abort, as the stepper acted on it. */
export interface ControlDecisionDoc {
  readonly phase: 'control';
  readonly step: number;
  readonly percent: number;
  readonly control: ControlDoc;
  readonly at: string;
}

/** The final verdict at 100 %, of either engine. */
export interface FinalDecisionDoc {
  /** AfterAllowTraffic on CodeDeploy, POST_PRODUCTION_TRAFFIC_SHIFT on the ECS engine. */
  readonly phase: 'AfterAllowTraffic' | 'POST_PRODUCTION_TRAFFIC_SHIFT';
  /** What the verdict asks for; with shadow mode the hook is still reported Succeeded. */
  readonly status: HookStatus;
  readonly verdict: Verdict;
  readonly samples: WindowSamples;
  readonly thresholds: AnalysisConfig;
  readonly colors: Colors;
  /** Where blue's samples came from: the stepper's pre-shift baseline or the judged window. */
  readonly blueSource: 'baseline' | 'window';
  /** The judged minutes, [start, end): whole minutes at 100 % only. */
  readonly window: DecisionWindow;
  /** Shadow mode: the verdict is recorded, the release is not stopped by it. */
  readonly shadow?: boolean;
}

/** Every `decision#...` document, discriminated on `phase`. */
export type DecisionDoc = StepDecisionDoc | ControlDecisionDoc | FinalDecisionDoc;

/** The documents of the `state`-kind records: each engine's memory and AfterAllowTraffic's timer. */
export type StateDoc = StepperState | NativeState | FinalVerdictState;

/** The `outcome` record the stepper writes when it fails the hook (the guard adds to it later). */
export interface StepperOutcomeDoc {
  readonly source: 'stepper';
  readonly result: 'failed';
  readonly reason: string;
  readonly stepIndex?: number;
  readonly percent?: number;
  /** Production was put back on blue 100 % by the stepper. */
  readonly restored: boolean;
  readonly restoreError?: string;
  readonly at: string;
}

/** The `outcome` record the native hook writes when it fails or completes a deployment. */
export interface NativeOutcomeDoc {
  readonly source: 'native-hook';
  readonly result: 'failed' | 'succeeded';
  readonly reason: string;
  /** Shadow mode: the final verdict would have rolled back; recorded, not acted on. */
  readonly shadowWouldHave?: string;
  readonly stepIndex?: number;
  readonly percent?: number;
  readonly at: string;
}

/**
 * The `outcome` record: what the stepper or the native hook wrote (nothing when the release
 * failed otherwise), plus the guard's part, which the guard merges in without dropping the rest.
 */
export type OutcomeDoc = (StepperOutcomeDoc | NativeOutcomeDoc | { readonly source?: undefined; readonly reason?: undefined })
  & { readonly guard?: GuardOutcomeDoc };

/** The `stable` record: the stable (blue) target group before anything of the release existed. */
export interface StableDoc {
  readonly blueTargetGroupArn: string;
  readonly greenTargetGroupArn: string;
  readonly productionListenerArn: string;
  readonly at: string;
}

/** The document each kind of record holds. */
export interface RecordDocs {
  readonly decision: DecisionDoc;
  readonly state: StateDoc;
  readonly control: ControlDoc;
  readonly outcome: OutcomeDoc;
  readonly stable: StableDoc;
}
