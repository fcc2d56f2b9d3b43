import type { ReleaseAttributes, ReleaseResourceProperties } from '../../lib/release/release-contract';
import type { Clients } from '../shared/clients';

/** The CloudFormation request, as aws-cdk-lib's provider framework hands it to onEvent. */
export interface ReleaseRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType?: string;
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  /** Update only: the properties before this update. */
  readonly OldResourceProperties?: Record<string, unknown>;
}

/**
 * Where a request stands. onEvent returns it next to the CloudFormation fields; the provider
 * framework hands it unchanged to every isComplete poll, so polls are stateless and repeatable.
 */
export type ReleaseState =
  /** Nothing (more) to wait for. */
  | { readonly phase: 'done'; readonly summary: string }
  /** A deployment of ours is running for this request: watch it (mode wait). */
  | { readonly phase: 'started'; readonly deploymentId: string; readonly summary: string }
  /** Not started yet (queued behind another deployment, or a transient error): try again next poll. */
  | { readonly phase: 'pending'; readonly since: string; readonly reason: string };

/** What onEvent returns to the provider framework. */
export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: ReleaseAttributes;
  /** Our own key; the framework passes it on to isComplete. */
  readonly CanaryRelease: ReleaseState;
}

/** The isComplete input: the request plus what onEvent returned. */
export interface IsCompleteRequest extends ReleaseRequest {
  readonly CanaryRelease?: ReleaseState;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  /** Only when complete (the framework refuses Data otherwise). */
  readonly Data?: ReleaseAttributes;
}

export interface ReleaseDeps {
  readonly clients: Clients;
  /** The decisions table (CANARY_DECISIONS_TABLE), for the rollback reason of a failed release. */
  readonly table?: string;
  readonly now: () => Date;
}

export type ReleaseProperties = ReleaseResourceProperties;
