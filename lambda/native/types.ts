/**
 * The ECS lifecycle hook contract (ECS developer guide, "Lambda hooks for Amazon ECS service
 * deployments" and "Lifecycle hooks ... Lifecycle payloads") and the native hook's records.
 * Free of aws-cdk-lib and AWS SDK imports so the CLI can import it.
 */
import type { MinuteSample, Verdict } from '../judge/types';

/** The deployment fields of the payload. */
export interface NativeExecutionDetails {
  readonly serviceArn?: string;
  readonly targetServiceRevisionArn?: string;
  /** Service revision ARN -> percent of test traffic. */
  readonly testTrafficWeights?: Record<string, number>;
  /** Service revision ARN -> percent of production traffic. */
  readonly productionTrafficWeights?: Record<string, number>;
  /** [inference] not documented as part of the payload; DescribeServiceDeployments is asked instead. */
  readonly lifecycleStage?: string;
}

/**
 * The payload ECS sends; every field is optional here because it arrives as untyped JSON. AWS's
 * own sample hooks (aws-samples/sample-amazon-ecs-blue-green-deployment-patterns) read the
 * deployment fields under `executionDetails`; the developer guide lists them as "common fields":
 * both shapes are accepted.
 */
export interface NativeHookEvent extends NativeExecutionDetails {
  readonly executionDetails?: NativeExecutionDetails;
  readonly hookDetails?: Record<string, unknown>;
}

export type HookStatus = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** What the hook returns: ECS calls again after `callBackDelay` seconds on IN_PROGRESS (default 30). */
export interface NativeHookResponse {
  readonly hookStatus: HookStatus;
  readonly callBackDelay?: number;
}

/** Blue serves production when the deployment starts; green is the other target group. */
export interface NativeColors {
  readonly blueTargetGroupArn: string;
  readonly greenTargetGroupArn: string;
}

/** The `state` record of a native deployment (pk = service deployment ARN): what status and watch show. */
export interface NativeState {
  readonly engine: 'ecs';
  readonly serviceDeploymentArn: string;
  readonly colors?: NativeColors;
  /** Index into the configuration's steps of the hold running now (or last run). */
  readonly stepIndex?: number;
  readonly percent?: number;
  /** When the running hold started; the judged window starts here. */
  readonly stepStartedAt?: string;
  readonly extensions: number;
  /** Indexes of the holds that passed (a duplicate call for one of them answers SUCCEEDED again). */
  readonly passed: number[];
  readonly decisions: number;
  readonly lastVerdict?: { readonly outcome: Verdict['outcome']; readonly reason: string; readonly at: string; readonly stepIndex: number; readonly percent: number };
  /** The stable version's minutes before production moved (POST_SCALE_UP): the final verdict's comparison. */
  readonly baseline?: { readonly blue: MinuteSample[]; readonly from: string; readonly to: string };
  /** The final verdict at POST_PRODUCTION_TRAFFIC_SHIFT: the judged minutes [windowStart, windowEnd) at 100 %, judged at judgeAt. */
  readonly final?: { readonly startedAt: string; readonly windowStart: string; readonly windowEnd: string; readonly judgeAt: string };
  readonly finished?: 'succeeded' | 'failed';
  readonly reason?: string;
  readonly updatedAt: string;
}

/** The `outcome` record the native hook writes (record-types.ts holds every record's document). */
export type { NativeOutcomeDoc } from '../shared/record-types';
