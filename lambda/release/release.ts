/**
 * The release custom resource: `cdk deploy` with a new task definition starts the canary
 * deployment of it through CodeDeploy, and (mode `wait`) the stack update ends with its result.
 *
 * onEvent decides and starts; isComplete (polled by aws-cdk-lib's provider framework with the
 * same input every time) watches, or retries the start while it is queued behind another
 * deployment or hit a transient error. Both run `advance`, which is idempotent: a deployment
 * this request already started is found by the marker in its description, never started twice.
 */
import { ReleaseAttributes, ReleaseResourceProperties, NO_DEPLOYMENT } from '../../lib/release/release-contract';
import { errorMessage } from '../shared/errors';
import { logger, setDeploymentId } from '../shared/logger';
import { readOutcome } from '../shared/records';
import { recordedReason } from '../shared/rollback-reason';
import {
  DeploymentSummary,
  createDeployment,
  deploymentOfRequest,
  getDeployment,
  inFlightDeployments,
  OwnRollback,
  resourceKey,
  rollbackOfOurRelease,
  runningTaskDefinitions,
  stopWithRollback,
} from './deployments';
import { ReleaseConflictError, ReleaseFailedError, ReleasePropertiesError, isTransient } from './errors';
import type {
  IsCompleteRequest,
  IsCompleteResponse,
  OnEventResponse,
  ReleaseDeps,
  ReleaseRequest,
  ReleaseState,
} from './types';

/** How far back a request looks for a deployment it may already have started (retries, clock skew). */
export const REQUEST_LOOKBACK_MS = 15 * 60 * 1000;

/**
 * How long after the request started a release waits for CodeDeploy's rollback of our own
 * earlier release to end before it fails. [inference] An ECS rollback reroutes traffic to the
 * original task set and removes the replacement: minutes, not the hour of a release; well
 * inside the provider's total timeout, so the clear error below wins over the framework's.
 */
export const ROLLBACK_WAIT_MS = 30 * 60 * 1000;

export function parseProperties(raw: Record<string, unknown> | undefined): ReleaseResourceProperties {
  const p = raw ?? {};
  const str = (key: keyof ReleaseResourceProperties): string => {
    const v = p[key];
    if (typeof v !== 'string' || v.length === 0) throw new ReleasePropertiesError(`release property ${key} is missing or empty`);
    return v;
  };
  const mode = str('Mode');
  if (mode !== 'wait' && mode !== 'async') throw new ReleasePropertiesError(`release property Mode must be wait or async, got ${mode}`);
  const onConflict = str('OnConflict');
  if (onConflict !== 'fail' && onConflict !== 'wait') {
    throw new ReleasePropertiesError(`release property OnConflict must be fail or wait, got ${onConflict}`);
  }
  return {
    TaskDefinitionArn: str('TaskDefinitionArn'),
    AppSpec: str('AppSpec'),
    ApplicationName: str('ApplicationName'),
    DeploymentGroupName: str('DeploymentGroupName'),
    DeploymentConfigName: str('DeploymentConfigName'),
    ClusterName: str('ClusterName'),
    ServiceName: str('ServiceName'),
    Mode: mode,
    OnConflict: onConflict,
  };
}

export function physicalResourceId(req: ReleaseRequest): string {
  return req.PhysicalResourceId ?? `cdk-ecs-canary-release-${resourceKey(req.StackId, req.LogicalResourceId)}`;
}

export async function onEvent(req: ReleaseRequest, deps: ReleaseDeps): Promise<OnEventResponse> {
  const PhysicalResourceId = physicalResourceId(req);
  logger.appendKeys({ logicalResourceId: req.LogicalResourceId });
  let state: ReleaseState;
  switch (req.RequestType) {
    case 'Create': {
      const props = parseProperties(req.ResourceProperties);
      // The new service starts with its task definition: there is nothing to release yet.
      state = done(`created with ${props.TaskDefinitionArn}; the service starts on it, no deployment needed`);
      break;
    }
    case 'Update': {
      const props = parseProperties(req.ResourceProperties);
      const old = stringProp(req.OldResourceProperties, 'TaskDefinitionArn');
      if (old === props.TaskDefinitionArn) {
        state = done(`task definition unchanged (${props.TaskDefinitionArn}); no deployment needed`);
        break;
      }
      const since = new Date(deps.now().getTime() - REQUEST_LOOKBACK_MS);
      try {
        state = await advance(req, props, since, deps);
      } catch (err) {
        if (!isTransient(err)) throw err;
        // Throttling or an outage outlived the SDK's retries: isComplete tries again every poll.
        logger.warn('release: transient error, retrying from isComplete', { error: errorMessage(err) });
        state = { phase: 'pending', since: since.toISOString(), reason: errorMessage(err) };
      }
      break;
    }
    case 'Delete':
      state = await onDelete(req, deps);
      break;
    default:
      return assertNever(req.RequestType);
  }
  logger.info('release: onEvent', { state });
  return { PhysicalResourceId, Data: state.phase === 'pending' ? undefined : attributes(state), CanaryRelease: state };
}

export async function isComplete(req: IsCompleteRequest, deps: ReleaseDeps): Promise<IsCompleteResponse> {
  const state = req.CanaryRelease;
  if (!state) throw new ReleasePropertiesError('isComplete was called without the state onEvent returns (CanaryRelease)');
  if (state.phase === 'done') return complete(state);
  const props = parseProperties(req.ResourceProperties);

  let current: ReleaseState = state;
  try {
    if (current.phase === 'pending') current = await advance(req, props, new Date(current.since), deps);
    if (current.phase === 'done') return complete(current);
    if (current.phase === 'pending') return { IsComplete: false };
    if (props.Mode === 'async') return complete(current);
    return await watch(current.deploymentId, props, deps);
  } catch (err) {
    if (!isTransient(err)) throw err;
    // A poll that cannot read the deployment is not the deployment failing: poll again.
    logger.warn('release: transient error while polling, trying again', { error: errorMessage(err) });
    return { IsComplete: false };
  }
}

/**
 * Decides what an Update needs and starts it. In order:
 * 1. a deployment this request already started (a retry): that one;
 * 2. one of ours for this very task definition still in flight: join it;
 * 3. going back to a task definition the service still runs while our deployment that replaces
 *    it is in flight (a CloudFormation rollback during an async release): stop that deployment
 *    with rollback; nothing to start;
 * 4. the service already runs the task definition (a CloudFormation rollback after the
 *    deployment ended): nothing to start;
 * 5. CodeDeploy's rollback of a release of this resource in flight (a CloudFormation rollback
 *    after a failed release in wait mode, or a new release right after one): wait for it,
 *    bounded by ROLLBACK_WAIT_MS, whatever onConflict says;
 * 6. another deployment in flight: fail or queue behind it (onConflict);
 * 7. otherwise: CreateDeployment.
 */
export async function advance(req: ReleaseRequest, props: ReleaseResourceProperties, since: Date, deps: ReleaseDeps): Promise<ReleaseState> {
  const { clients } = deps;
  const resource = resourceKey(req.StackId, req.LogicalResourceId);
  const requested = props.TaskDefinitionArn;

  const mine = await deploymentOfRequest(clients, props, { resource, requestId: req.RequestId }, since);
  if (mine) return started(mine.deploymentId, `deployment ${mine.deploymentId} releases ${requested}`);

  const running = await runningTaskDefinitions(clients, props);
  const inFlight = await inFlightDeployments(clients, props);
  const ours = (d: DeploymentSummary, td: string | undefined) =>
    td !== undefined && d.marker?.resource === resource && d.marker.taskDefinitionArn === td;

  const same = inFlight.find((d) => ours(d, requested));
  if (same) return started(same.deploymentId, `joined deployment ${same.deploymentId}, already releasing ${requested}`);

  const old = stringProp(req.OldResourceProperties, 'TaskDefinitionArn');
  const superseded = inFlight.filter((d) => ours(d, old));
  if (superseded.length > 0 && running.all.includes(requested)) {
    const stopped: string[] = [];
    for (const d of superseded) {
      if (await stopWithRollback(clients, d.deploymentId, `the stack went back to ${requested}, which the service still runs`)) {
        stopped.push(d.deploymentId);
      }
    }
    return done(`the service still runs ${requested}; stopped deployment ${superseded.map((d) => d.deploymentId).join(', ')} `
      + `of ${old} with rollback${stopped.length < superseded.length ? ' (see the function log: a stop failed)' : ''}`);
  }

  if (running.primary === requested) {
    if (inFlight.length > 0) {
      logger.warn('release: the service already runs the task definition; leaving the deployment in flight alone', {
        inFlight: inFlight.map((d) => d.deploymentId),
      });
    }
    return done(`the service already runs ${requested}; no deployment needed`);
  }

  const blocking = inFlight[0];
  if (blocking) {
    const rollback = await rollbackOfOurRelease(clients, inFlight, resource);
    if (rollback) return awaitRollback(rollback, props, since, deps);
    return blocked(blocking, props, since);
  }

  try {
    const deploymentId = await createDeployment(clients, props, { taskDefinitionArn: requested, resource, requestId: req.RequestId });
    setDeploymentId(deploymentId);
    logger.info('release: deployment created', { taskDefinitionArn: requested });
    return started(deploymentId, `deployment ${deploymentId} releases ${requested}`);
  } catch (err) {
    // Someone started a deployment between our ListDeployments and CreateDeployment.
    if ((err as Error).name !== 'DeploymentLimitExceededException') throw err;
    const now = await inFlightDeployments(clients, props);
    if (now[0]) return blocked(now[0], props, since);
    throw err;
  }
}

/** Pending while our own release's rollback runs; a clear error once it outlasted ROLLBACK_WAIT_MS. */
function awaitRollback({ rollback, of }: OwnRollback, props: ReleaseResourceProperties, since: Date, deps: ReleaseDeps): ReleaseState {
  const requestStart = since.getTime() + REQUEST_LOOKBACK_MS;
  const waitedMs = deps.now().getTime() - requestStart;
  const what = `CodeDeploy's rollback ${rollback.deploymentId} of release deployment ${of.deploymentId}`
    + `${of.marker ? ` (${of.marker.taskDefinitionArn})` : ''} is ${rollback.status}`;
  if (waitedMs > ROLLBACK_WAIT_MS) {
    throw new ReleaseConflictError(
      `cannot release ${props.TaskDefinitionArn}: ${what} after ${Math.round(waitedMs / 60_000)} min `
      + `(the release waits at most ${ROLLBACK_WAIT_MS / 60_000} min for it). Follow it with npx canary watch; `
      + 'once it has ended, run cdk deploy again (or continue-update-rollback for a stack in UPDATE_ROLLBACK_FAILED).',
    );
  }
  logger.info('release: waiting for the rollback of our own release', { rollbackDeploymentId: rollback.deploymentId, of: of.deploymentId });
  return { phase: 'pending', since: since.toISOString(), reason: `waiting for ${what}` };
}

function blocked(other: DeploymentSummary, props: ReleaseResourceProperties, since: Date): ReleaseState {
  const who = other.marker
    ? `started by a cdk-ecs-canary release of ${other.marker.taskDefinitionArn}`
    : (other.description ? `"${other.description}"` : 'not started by this stack');
  const what = `deployment ${other.deploymentId} of ${props.ApplicationName}/${props.DeploymentGroupName} is ${other.status} (${who})`;
  if (props.OnConflict === 'wait') {
    logger.info('release: queued behind another deployment', { blockingDeploymentId: other.deploymentId });
    return { phase: 'pending', since: since.toISOString(), reason: `waiting for ${what}` };
  }
  throw new ReleaseConflictError(
    `cannot release ${props.TaskDefinitionArn}: ${what}, and a deployment group runs one deployment at a time. `
    + `Wait for it to finish (npx canary watch) or stop it (npx canary abort), then run cdk deploy again; `
    + 'or set release.onConflict to ReleaseConflictPolicy.WAIT to queue behind it.',
  );
}

async function watch(deploymentId: string, props: ReleaseResourceProperties, deps: ReleaseDeps): Promise<IsCompleteResponse> {
  setDeploymentId(deploymentId);
  const d = await getDeployment(deps.clients, deploymentId);
  switch (d.status) {
    case 'Succeeded':
      return complete(started(deploymentId, `deployment ${deploymentId} released ${props.TaskDefinitionArn}`));
    case 'Failed':
    case 'Stopped':
      throw new ReleaseFailedError(await failureMessage(d, props, deps));
    default:
      return { IsComplete: false };
  }
}

/** CodeDeploy's error, plus the canary's own verdict from the decision records when there is one. */
export async function failureMessage(d: DeploymentSummary, props: ReleaseResourceProperties, deps: ReleaseDeps): Promise<string> {
  const parts = [`canary release of ${props.TaskDefinitionArn} ${d.status.toLowerCase()} (deployment ${d.deploymentId})`];
  if (d.error?.message || d.error?.code) parts.push(`CodeDeploy: ${[d.error.code, d.error.message].filter(Boolean).join(': ')}`);
  const reason = await rollbackReason(d.deploymentId, deps);
  if (reason) parts.push(`rollback reason: ${reason}`);
  if (d.rollback?.message) parts.push(`rollback: ${d.rollback.message}`);
  parts.push(`details: npx canary status (deployment ${d.deploymentId})`);
  return parts.join('. ');
}

async function rollbackReason(deploymentId: string, deps: ReleaseDeps): Promise<string | undefined> {
  if (!deps.table) return undefined;
  try {
    return recordedReason(await readOutcome(deps.clients, deps.table, deploymentId));
  } catch (err) {
    // The failure itself is the news; a missing reason must not hide it.
    logger.warn('release: could not read the outcome record', { error: errorMessage(err) });
    return undefined;
  }
}

/** Delete: stop what this resource started, with rollback. A delete never fails because of it. */
async function onDelete(req: ReleaseRequest, deps: ReleaseDeps): Promise<ReleaseState> {
  try {
    const props = parseProperties(req.ResourceProperties);
    const resource = resourceKey(req.StackId, req.LogicalResourceId);
    const inFlight = await inFlightDeployments(deps.clients, props);
    const ours = inFlight.filter((d) => d.marker?.resource === resource);
    const others = inFlight.filter((d) => d.marker?.resource !== resource);
    if (others.length > 0) {
      logger.warn('release: deleted while deployments not started by it are in flight; left alone', {
        inFlight: others.map((d) => d.deploymentId),
      });
    }
    for (const d of ours) await stopWithRollback(deps.clients, d.deploymentId, 'the release resource is being deleted');
    return done(ours.length > 0 ? `deleted; stopped deployment ${ours.map((d) => d.deploymentId).join(', ')} with rollback` : 'deleted');
  } catch (err) {
    logger.error('release: delete could not check for deployments in flight; deleting anyway', { error: errorMessage(err) });
    return done('deleted');
  }
}

function done(summary: string): ReleaseState {
  return { phase: 'done', summary };
}

function started(deploymentId: string, summary: string): ReleaseState {
  setDeploymentId(deploymentId);
  return { phase: 'started', deploymentId, summary };
}

export function attributes(state: ReleaseState): ReleaseAttributes {
  const id = state.phase === 'started' ? state.deploymentId : '';
  const summary = state.phase === 'pending' ? state.reason : state.summary;
  return { DeploymentId: id, Deployment: id || NO_DEPLOYMENT, Summary: summary };
}

function complete(state: ReleaseState): IsCompleteResponse {
  return { IsComplete: true, Data: attributes(state) };
}

function stringProp(props: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = props?.[key];
  return typeof v === 'string' ? v : undefined;
}

function assertNever(x: never): never {
  throw new ReleasePropertiesError(`unknown RequestType ${String(x)}`);
}
