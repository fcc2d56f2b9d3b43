/**
 * Errors of the release custom resource. Names are set from string literals: the bundle is
 * minified, so class names would not survive into the CloudFormation event's reason.
 */
import { CanaryError } from '../shared/errors';

/** Another deployment of the group is in progress and the release was told not to wait. */
export class ReleaseConflictError extends CanaryError {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseConflictError';
  }
}

/** The deployment this release started (or joined) failed or was stopped. */
export class ReleaseFailedError extends CanaryError {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseFailedError';
  }
}

/** The custom resource's properties are not what the construct renders. */
export class ReleasePropertiesError extends CanaryError {
  constructor(message: string) {
    super(message);
    this.name = 'ReleasePropertiesError';
  }
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestThrottled', 'RequestThrottledException', 'ProvisionedThroughputExceededException', 'SlowDown',
  'InternalServerError', 'InternalServerException', 'InternalFailure', 'InternalError', 'ServiceUnavailable',
  'ServiceUnavailableException', 'ServerException',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError', 'ECONNRESET', 'ECONNREFUSED',
  'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN',
]);

/**
 * Throttling, 5xx and network errors that are still there after the SDK's own retries. A later
 * poll can succeed; access denied, validation errors and bugs would fail the same way again.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof CanaryError) return err.retryable;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$retryable) return true;
  if ((e.name && TRANSIENT_NAMES.has(e.name)) || (e.code && TRANSIENT_NAMES.has(e.code))) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}
