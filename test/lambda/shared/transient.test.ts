/**
 * One classification of transient errors for every function that retries: the stepper (state
 * machine Retry), AfterInstall (polling) and the release provider (polls) use the same function,
 * so an error cannot be retried by one and be final for another.
 */
import { isTransient as afterInstallIsTransient } from '../../../lambda/hooks/after-install';
import { isTransient as releaseIsTransient } from '../../../lambda/release/errors';
import { CheckFailedError, ConfigurationError, TransientError } from '../../../lambda/shared/errors';
import { isTransient } from '../../../lambda/shared/transient';
import { isTransient as stepperIsTransient } from '../../../lambda/stepper/transient';

const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} (simulated)`), { name, ...extra });

test('the stepper, AfterInstall and the release provider share the one classification', () => {
  expect(stepperIsTransient).toBe(isTransient);
  expect(afterInstallIsTransient).toBe(isTransient);
  expect(releaseIsTransient).toBe(isTransient);
});

test.each([
  ['throttling by name', sdkError('ThrottlingException', { $metadata: { httpStatusCode: 400 } })],
  // Once only in the stepper's list, not the release provider's.
  ['DynamoDB request limit', sdkError('RequestLimitExceededException', { $metadata: { httpStatusCode: 400 } })],
  ['a transaction conflict', sdkError('TransactionConflictException', { $metadata: { httpStatusCode: 400 } })],
  // Once only AfterInstall's: a server fault without a status code.
  ['a server fault', sdkError('SomethingBroke', { $fault: 'server' })],
  ['the SDK marking it retryable', sdkError('Whatever', { $retryable: { throttling: true } })],
  ['HTTP 503 without a known name', sdkError('Weird', { $metadata: { httpStatusCode: 503 } })],
  ['HTTP 429', sdkError('Weird', { $metadata: { httpStatusCode: 429 } })],
  ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ['a time-out', sdkError('TimeoutError')],
  ['our TransientError', new TransientError('later')],
  ['a TransientError carried by name', sdkError('TransientError')],
])('%s is transient', (_name, err) => {
  expect(isTransient(err)).toBe(true);
});

test.each([
  ['access denied', sdkError('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 403 } })],
  ['a missing resource', sdkError('ListenerNotFoundException', { $metadata: { httpStatusCode: 400 } })],
  ['a configuration error', new ConfigurationError('bad')],
  ['a failed check', new CheckFailedError('bad')],
  ['a bug', new TypeError('x is undefined')],
  ['a string', 'oops'],
  ['nothing', undefined],
])('%s is not transient', (_name, err) => {
  expect(isTransient(err)).toBe(false);
});
