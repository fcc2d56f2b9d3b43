import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger, setDeploymentId } from '../shared/logger';

/**
 * Runs the handler of an invocation's action, with the deployment and the action in every log
 * line: the one dispatch of both state machines (the stepper's and the final verdict's). An
 * action without a handler (a state machine newer or older than the code) is a configuration error.
 */
export function dispatchAction<A extends string, R>(
  what: string,
  input: { deploymentId: string; action: A },
  handlers: Record<A, () => Promise<R>>,
): Promise<R> {
  setDeploymentId(input.deploymentId);
  logger.appendKeys({ stepperAction: input.action });
  const handler = Object.prototype.hasOwnProperty.call(handlers, input.action) ? handlers[input.action] : undefined;
  if (!handler) throw new ConfigurationError(`unknown ${what} action ${JSON.stringify(input.action)}`);
  return handler();
}

/**
 * A read on an abort path: the thing that broke may be this very read, so its failure is logged and
 * read as "unknown" (undefined), and the abort goes on to leave production on stable.
 */
export async function bestEffort<T>(what: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    logger.error(`abort: could not ${what}`, { error: errorMessage(err) });
    return undefined;
  }
}
