/**
 * The error shape the state machine's Retry matches: a transient error (lambda/shared/transient.ts)
 * becomes TRANSIENT_ERROR_NAME, which Step Functions retries with a backoff before giving up into
 * Abort; anything else becomes STEPPER_ERROR_NAME and goes to Abort at once.
 */
import { errorMessage } from '../shared/errors';
import { isTransient } from '../shared/transient';
import { STEPPER_ERROR_NAME, TRANSIENT_ERROR_NAME } from './types';

export { isTransient };

/**
 * The error the Lambda throws to Step Functions. Whatever the class, the name is one of the two
 * the state machine's Retry and Catch match on (the bundles keep class names, keepNames in
 * scripts/bundle-lambdas.mjs, but the SDK's and our classes have many).
 */
export function toStepperError(err: unknown): Error {
  const out = new Error(errorMessage(err), { cause: err });
  out.name = isTransient(err) ? TRANSIENT_ERROR_NAME : STEPPER_ERROR_NAME;
  if (err instanceof Error && err.stack) out.stack = `${out.name}: ${out.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
  return out;
}
