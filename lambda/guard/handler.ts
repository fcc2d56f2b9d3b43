/**
 * Lambda entry of the guard, the target of the EventBridge rule on CodeDeploy deployment
 * state changes (FAILURE, STOP, SUCCESS). Errors are rethrown: Lambda retries asynchronous
 * invocations, and the rule retries delivery.
 */
import { ENV } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { guard, GuardDeps } from './guard';
import type { GuardResult } from './types';

/** Builds the handler; tests hand in mocked clients and a fake clock. */
export function makeGuardHandler(deps: () => GuardDeps): (event: unknown) => Promise<GuardResult> {
  return async (event: unknown) => {
    startInvocation();
    try {
      return await guard(event, deps());
    } catch (err) {
      if (err instanceof Error) logger.error('guard failed: the invocation will be retried', err);
      else logger.error('guard failed: the invocation will be retried', { error: errorMessage(err) });
      throw err;
    }
  };
}

let clients: Clients | undefined;

export const handler = makeGuardHandler(() => {
  const table = process.env[ENV.DECISIONS_TABLE];
  if (!table) throw new ConfigurationError(`guard: environment variable ${ENV.DECISIONS_TABLE} is not set`);
  clients ??= createClients();
  return {
    clients,
    table,
    namespace: process.env[ENV.METRICS_NAMESPACE],
    topicArn: process.env[ENV.NOTIFICATION_TOPIC_ARN],
    now: () => new Date(),
  };
});
