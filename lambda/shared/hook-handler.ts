import type { Clients } from './clients';
import { DeploymentContext, loadDeploymentContext } from './deployment-context';
import { DeadlineError, errorMessage } from './errors';
import { logger, setDeploymentId, startInvocation } from './logger';
import { HookReporter, HookStatus } from './reporter';
import { isDeploymentId } from './deployments';

/** The event CodeDeploy sends to an ECS lifecycle hook. */
export interface HookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

/** The part of the Lambda context we use; tests pass a plain object. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * What a hook's work decided. `deferred` means someone else (the traffic stepper) reports the
 * status later; the hook must not report it.
 */
export type HookOutcome = { status: HookStatus; reason: string } | { status: 'deferred'; reason: string };

/**
 * The work of one hook. `signal` is aborted when the deadline has passed and Failed was reported:
 * long-running work (polling) should stop then instead of calling AWS for nothing.
 */
export type HookWork = (ctx: DeploymentContext, clients: Clients, reporter: HookReporter, signal: AbortSignal) => Promise<HookOutcome>;

/** Report Failed this long before Lambda would kill the invocation. */
export const DEADLINE_MARGIN_MS = 15_000;

export function parseHookEvent(event: unknown): HookEvent | undefined {
  const e = event as Partial<HookEvent> | undefined;
  if (!e || typeof e.DeploymentId !== 'string' || typeof e.LifecycleEventHookExecutionId !== 'string') return undefined;
  if (!isDeploymentId(e.DeploymentId) || e.LifecycleEventHookExecutionId.length === 0) return undefined;
  return { DeploymentId: e.DeploymentId, LifecycleEventHookExecutionId: e.LifecycleEventHookExecutionId };
}

/**
 * Runs one hook invocation: parse the event, load the deployment's configuration, do the work,
 * and report Succeeded or Failed exactly once, whatever throws and however long the work takes.
 *
 * A malformed event cannot be reported (there is nothing to report against); it is logged and
 * thrown. CodeDeploy then fails the lifecycle event at its own timeout, before any production
 * traffic moves, since every hook that can receive such an event runs before or at the shift.
 */
export async function runHook(
  hookName: string,
  event: unknown,
  invocation: InvocationContext,
  clients: Clients,
  work: HookWork,
): Promise<HookOutcome> {
  startInvocation({ hook: hookName });
  const parsed = parseHookEvent(event);
  if (!parsed) {
    logger.error('malformed lifecycle hook event', { hook: hookName, event: event as object });
    throw new Error(`${hookName}: malformed lifecycle hook event (needs DeploymentId "d-..." and LifecycleEventHookExecutionId)`);
  }
  setDeploymentId(parsed.DeploymentId);
  const reporter = new HookReporter(clients, parsed.DeploymentId, parsed.LifecycleEventHookExecutionId);

  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  const deadline = new Promise<HookOutcome>((_, reject) => {
    const ms = Math.max(0, invocation.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS);
    timer = setTimeout(() => {
      abort.abort();
      reject(new DeadlineError(`${hookName} did not finish ${DEADLINE_MARGIN_MS / 1000}s before the Lambda timeout`));
    }, ms);
  });

  let outcome: HookOutcome;
  try {
    outcome = await Promise.race([
      (async () => work(await loadDeploymentContext(clients, parsed.DeploymentId), clients, reporter, abort.signal))(),
      deadline,
    ]);
  } catch (err) {
    outcome = { status: 'Failed', reason: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }

  logger.info('hook finished', { outcome });
  if (outcome.status !== 'deferred' && !reporter.status) {
    await reporter.report(outcome.status, outcome.reason);
  }
  return outcome;
}
