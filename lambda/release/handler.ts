/**
 * Lambda entries of the release custom resource, behind aws-cdk-lib's provider framework:
 * `index.onEvent` (Create/Update/Delete) and `index.isComplete` (polled until done).
 * A thrown error fails the CloudFormation operation with its message as the reason.
 */
import { ENV } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import { errorMessage } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { isComplete as isCompleteWork, onEvent as onEventWork } from './release';
import type { IsCompleteRequest, IsCompleteResponse, OnEventResponse, ReleaseDeps, ReleaseRequest } from './types';

let clients: Clients | undefined;

function deps(): ReleaseDeps {
  clients ??= createClients();
  return { clients, table: process.env[ENV.DECISIONS_TABLE], now: () => new Date() };
}

async function run<T>(name: string, event: ReleaseRequest, work: () => Promise<T>): Promise<T> {
  // Keys appended by an earlier invocation of a warm function must not leak into this one.
  startInvocation({ handler: name, requestId: event?.RequestId, requestType: event?.RequestType });
  try {
    return await work();
  } catch (err) {
    logger.error(`release ${name} failed`, { error: errorMessage(err) });
    throw err;
  }
}

export async function onEvent(event: ReleaseRequest): Promise<OnEventResponse> {
  return run('onEvent', event, () => onEventWork(event, deps()));
}

export async function isComplete(event: IsCompleteRequest): Promise<IsCompleteResponse> {
  return run('isComplete', event, () => isCompleteWork(event, deps()));
}
