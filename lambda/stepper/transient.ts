/**
 * Which errors a retry can help with, and the error shape the state machine's Retry matches.
 * The SDK clients already retry throttling and 5xx (3 attempts); what still arrives here is a
 * longer outage, which Step Functions retries with a backoff before giving up into Abort.
 */
import { CanaryError, errorMessage } from '../shared/errors';
import { STEPPER_ERROR_NAME, TRANSIENT_ERROR_NAME } from './types';

const TRANSIENT_NAMES = new Set([
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
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * True for throttling, 5xx, time-outs and our own retryable errors. Everything else (access
 * denied, validation, a missing resource, a bug) would fail the same way again: the state
 * machine should go to Abort at once rather than spend the bake on retries.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof CanaryError) return err.retryable;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkLikeError;
  if (e.name === TRANSIENT_ERROR_NAME) return true;
  if (e.$retryable) return true;
  if ((e.name && TRANSIENT_NAMES.has(e.name)) || (e.code && TRANSIENT_NAMES.has(e.code))) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * The error the Lambda throws to Step Functions. The name is set from a string literal: the
 * bundle is minified, so a class name (and errors.ts' `new.target.name`) would not survive,
 * and the Retry matches on the name.
 */
export function toStepperError(err: unknown): Error {
  const out = new Error(errorMessage(err), { cause: err });
  out.name = isTransient(err) ? TRANSIENT_ERROR_NAME : STEPPER_ERROR_NAME;
  if (err instanceof Error && err.stack) out.stack = `${out.name}: ${out.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
  return out;
}
