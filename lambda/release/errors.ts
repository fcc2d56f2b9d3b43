/**
 * Errors of the release custom resource. Their names reach the CloudFormation event's reason:
 * CanaryError takes the class name, which the bundle keeps (keepNames in scripts/bundle-lambdas.mjs).
 */
import { CanaryError } from '../shared/errors';

/** Another deployment of the group is in progress and the release was told not to wait. */
export class ReleaseConflictError extends CanaryError {}

/** The deployment this release started (or joined) failed or was stopped. */
export class ReleaseFailedError extends CanaryError {}

/** The custom resource's properties are not what the construct renders. */
export class ReleasePropertiesError extends CanaryError {}

/** Throttling, 5xx and network errors still there after the SDK's own retries: a later poll can succeed. */
export { isTransient } from '../shared/transient';
