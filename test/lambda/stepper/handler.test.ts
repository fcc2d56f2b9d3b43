import { ConfigurationError, TransientError } from '../../../lambda/shared/errors';
import { handler, parseStepperInput } from '../../../lambda/stepper/handler';
import { describeError } from '../../../lambda/stepper/stepper';
import { isTransient, toStepperError } from '../../../lambda/stepper/transient';
import { STEPPER_ERROR_NAME, TRANSIENT_ERROR_NAME } from '../../../lambda/stepper/types';
import { awsError, DEPLOYMENT_ID, FakeAws, HOOK_ID, serverError, TABLE, throttled, timeout } from './fake-aws';

const ids = { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID };

describe('parseStepperInput', () => {
  test('accepts the three payloads of the state machine', () => {
    expect(parseStepperInput({ action: 'start', ...ids })).toEqual({ action: 'start', ...ids });
    expect(parseStepperInput({ action: 'tick', ...ids, waitSeconds: 60, done: false })).toEqual({ action: 'tick', ...ids });
    expect(parseStepperInput({ action: 'abort', ...ids, error: { Error: 'X', Cause: 'y', extra: 1 } }))
      .toEqual({ action: 'abort', ...ids, error: { Error: 'X', Cause: 'y' } });
  });

  test.each([
    [undefined, /not an object/],
    [{ action: 'jump', ...ids }, /unknown action "jump"/],
    [{ action: 'tick', deploymentId: 'x', lifecycleEventHookExecutionId: HOOK_ID }, /not a CodeDeploy deployment id/],
    [{ action: 'tick', deploymentId: DEPLOYMENT_ID }, /lifecycleEventHookExecutionId is missing/],
  ])('refuses %j', (event, message) => {
    expect(() => parseStepperInput(event)).toThrow(message);
  });
});

describe('error names for the state machine', () => {
  test.each<[string, unknown, string]>([
    ['throttling', throttled(), TRANSIENT_ERROR_NAME],
    ['HTTP 500', serverError(), TRANSIENT_ERROR_NAME],
    ['HTTP 503 without a known name', awsError('Weird', 503), TRANSIENT_ERROR_NAME],
    ['a time-out', timeout(), TRANSIENT_ERROR_NAME],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), TRANSIENT_ERROR_NAME],
    ['our TransientError', new TransientError('later'), TRANSIENT_ERROR_NAME],
    ['access denied', awsError('AccessDeniedException', 403), STEPPER_ERROR_NAME],
    ['a missing listener', awsError('ListenerNotFoundException', 400), STEPPER_ERROR_NAME],
    ['a configuration error', new ConfigurationError('bad'), STEPPER_ERROR_NAME],
    ['a bug', new TypeError('x is undefined'), STEPPER_ERROR_NAME],
    ['a string', 'oops', STEPPER_ERROR_NAME],
  ])('%s -> %s', (_, err, name) => {
    expect(toStepperError(err).name).toBe(name);
    expect(isTransient(err)).toBe(name === TRANSIENT_ERROR_NAME);
  });

  test('the message keeps the original error', () => {
    expect(toStepperError(throttled()).message).toBe('ThrottlingException: ThrottlingException (simulated)');
  });
});

describe('describeError', () => {
  test('reads the Lambda error message out of the Cause', () => {
    expect(describeError({ Error: 'TransientError', Cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'GetMetricData throttled' }) }))
      .toBe('TransientError: GetMetricData throttled');
    expect(describeError({ Error: 'States.Timeout', Cause: 'task timed out' })).toBe('States.Timeout: task timed out');
    expect(describeError(undefined)).toBe('unknown error');
    expect(describeError({ Error: 'X', Cause: 'y'.repeat(1000) })).toHaveLength(500);
  });
});

describe('handler (the Lambda entry)', () => {
  const saved = process.env.CANARY_DECISIONS_TABLE;
  afterEach(() => {
    process.env.CANARY_DECISIONS_TABLE = saved;
  });

  test('runs the stepper with the table from the environment', async () => {
    const fake = new FakeAws().install();
    fake.nowMs = Date.now();
    process.env.CANARY_DECISIONS_TABLE = TABLE;

    const out = await handler({ action: 'start', ...ids });

    expect(out).toMatchObject({ ...ids, done: false, stepIndex: 0, percent: 5 });
    expect(fake.weightChanges()).toEqual(['ModifyListener A=5 B=95']);
  });

  test('a malformed payload is a StepperError (not retried)', async () => {
    process.env.CANARY_DECISIONS_TABLE = TABLE;
    await expect(handler({ action: 'tick' })).rejects.toMatchObject({ name: STEPPER_ERROR_NAME });
  });

  test('a missing table variable is a StepperError', async () => {
    delete process.env.CANARY_DECISIONS_TABLE;
    await expect(handler({ action: 'tick', ...ids })).rejects.toMatchObject({ name: STEPPER_ERROR_NAME, message: expect.stringContaining('CANARY_DECISIONS_TABLE') });
  });
});
