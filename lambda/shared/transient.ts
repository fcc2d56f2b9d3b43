/**
 * Which errors a later try can help with: the one classification used by every function that
 * retries (the stepper's state machine Retry, AfterInstall's polling, the release provider's polls).
 * The SDK clients already retry throttling and 5xx a few times; what still arrives here is a longer
 * outage. Access denied, validation errors, a missing resource or a bug would fail the same way again.
 */
import { CanaryError } from './errors';

const TRANSIENT_NAMES = new Set([
  // our own TransientError, also once Step Functions has carried it as an error name
  'TransientError',
  // throttling
  'ThrottlingException', 'Throttling', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestThrottled', 'RequestThrottledException', 'ProvisionedThroughputExceededException', 'RequestLimitExceededException',
  'TransactionConflictException', 'SlowDown', 'PriorRequestNotComplete',
  // service side
  'InternalServerError', 'InternalServerException', 'InternalFailure', 'InternalError', 'InternalServiceError',
  'ServiceUnavailable', 'ServiceUnavailableException', 'ServerException', 'ServiceException',
  // network and time-outs
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError', 'ECONNRESET', 'ECONNREFUSED',
  'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** True for throttling, server faults (5xx, 429), time-outs, network errors and our own retryable errors. */
export function isTransient(err: unknown): boolean {
  if (err instanceof CanaryError) return err.retryable;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkLikeError;
  if (e.$retryable || e.$fault === 'server') return true;
  if ((e.name && TRANSIENT_NAMES.has(e.name)) || (e.code && TRANSIENT_NAMES.has(e.code))) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}
