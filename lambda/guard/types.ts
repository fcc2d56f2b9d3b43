/** The guard's event and the records it writes. */
import type { TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';

/** CodeDeploy's deployment states the guard rule sends. */
export type DeploymentEventState = 'SUCCESS' | 'FAILURE' | 'STOP';

/** `detail` of a "CodeDeploy Deployment State-change Notification" EventBridge event. */
export interface DeploymentStateChangeDetail {
  readonly deploymentId: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly state: string;
  readonly region?: string;
  readonly instanceGroupId?: string;
}

export interface DeploymentStateChangeEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  /** ISO time of the event. */
  readonly time?: string;
  readonly detail: DeploymentStateChangeDetail;
}

/** Value of the `Outcome` dimension of the DeploymentOutcome metric. */
export type DeploymentOutcome = 'Succeeded' | 'Failed' | 'Stopped';

export const OUTCOME_BY_STATE: Record<DeploymentEventState, DeploymentOutcome> = {
  SUCCESS: 'Succeeded',
  FAILURE: 'Failed',
  STOP: 'Stopped',
};

/** Name of the metric: 1 for a succeeded deployment, 0 for a failed or stopped one. */
export const DEPLOYMENT_OUTCOME_METRIC = 'DeploymentOutcome';

/** What the guard saw on the production listener and what it did about it. */
export interface TrafficCheck {
  readonly stableTargetGroupArn: string;
  /**
   * Where the stable group came from: BeforeInstall's record (taken before anything was created),
   * the stepper's record (taken before any shift), or the PRIMARY task set (neither record found).
   */
  readonly stableFrom: 'before-install' | 'stepper-state' | 'primary-task-set';
  /** The listener's weights as found (its first forward to the pair). */
  readonly found: TargetGroupTuple[];
  /** Percent of production on the stable group as found. */
  readonly stablePercent: number;
  /** The guard set stable 100 %. */
  readonly restored: boolean;
}

/** The guard's part of the `outcome` record (`doc.guard`); other writers' fields are kept. */
export interface GuardOutcomeDoc {
  readonly state: DeploymentEventState;
  readonly outcome: DeploymentOutcome;
  /** CodeDeploy's creator of the deployment ('codeDeployRollback' for an automatic rollback). */
  readonly creator?: string;
  readonly traffic?: TrafficCheck;
  /** Why the guard left the listener alone (a newer deployment of the group is in flight). */
  readonly trafficSkipped?: string;
  /** The DeploymentOutcome metric was published for this state (so a retry does not count twice). */
  readonly metricPublished: boolean;
  /** The rollback notification was sent for this state (so a retry does not send it twice). */
  readonly notified?: boolean;
  /** Why the deployment failed, as told in the notification. */
  readonly reason?: string;
  readonly at: string;
}

/** What the handler returns (for the logs and the tests). */
export interface GuardResult {
  readonly deploymentId?: string;
  /** Set when the event was not for the guard (not ours, not a state it handles, malformed). */
  readonly ignored?: string;
  readonly outcome?: DeploymentOutcome;
  readonly traffic?: TrafficCheck;
  readonly trafficSkipped?: string;
  readonly metricPublished?: boolean;
  readonly notified?: boolean;
}

/** The `stable` record (record-types.ts holds every record's document and key). */
export { STABLE_SK } from '../shared/record-types';
export type { StableDoc as StableRecordDoc } from '../shared/record-types';
