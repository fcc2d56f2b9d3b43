/**
 * Lambda entry of the traffic stepper, invoked by the stepper state machine (Start, Tick, Abort).
 * Thin: check the payload, run the stepper, and name thrown errors so the state machine retries
 * transient ones (TransientError) and sends everything else to Abort.
 */
import { ENV } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import { ConfigurationError } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { parseFinalVerdictInput, runFinalVerdict } from './final-verdict';
import { runStepper, StepperDeps } from './stepper';
import { toStepperError } from './transient';
import type { StepperCarry, StepperErrorInfo, StepperInput, StepperOutput, StepperState } from './types';
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';
import { isDeploymentId } from '../shared/deployments';

const ACTIONS = new Set(['start', 'tick', 'abort']);

/** The payload as the state machine sends it; anything else is a ConfigurationError. */
export function parseStepperInput(event: unknown): StepperInput {
  const e = event as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object') throw new ConfigurationError('stepper: the payload is not an object');
  const { action, deploymentId, lifecycleEventHookExecutionId } = e;
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    throw new ConfigurationError(`stepper: unknown action ${JSON.stringify(action)} (start, tick or abort)`);
  }
  if (!isDeploymentId(deploymentId)) {
    throw new ConfigurationError(`stepper: deploymentId ${JSON.stringify(deploymentId)} is not a CodeDeploy deployment id`);
  }
  if (typeof lifecycleEventHookExecutionId !== 'string' || lifecycleEventHookExecutionId.length === 0) {
    throw new ConfigurationError('stepper: lifecycleEventHookExecutionId is missing');
  }
  const ids = { deploymentId, lifecycleEventHookExecutionId };
  if (action === 'abort') {
    const err = e.error as StepperErrorInfo | undefined;
    const error = err && typeof err === 'object'
      ? { Error: typeof err.Error === 'string' ? err.Error : undefined, Cause: typeof err.Cause === 'string' ? err.Cause : undefined }
      : undefined;
    return { action, ...ids, error };
  }
  if (action === 'tick') {
    const carry = parseCarry((e.previous as Record<string, unknown> | undefined)?.carry);
    return carry ? { action, ...ids, carry } : { action, ...ids };
  }
  return { action: action as 'start', ...ids };
}

/**
 * The previous output's carry, when it has the shape the stepper wrote; anything else is ignored
 * and the tick reads the table instead (never trust a half-formed state to move traffic).
 */
function parseCarry(raw: unknown): StepperCarry | undefined {
  const c = raw as Partial<StepperCarry> | undefined;
  if (!c || typeof c !== 'object' || typeof c.checkedAt !== 'string') return undefined;
  const s = c.state as Partial<StepperState> | undefined;
  const colors = s?.colors;
  if (!s || typeof s !== 'object' || typeof s.stepIndex !== 'number' || typeof s.stepStartedAt !== 'string'
    || typeof s.hookStartedAt !== 'string' || typeof s.productionListenerArn !== 'string'
    || typeof colors?.blueTargetGroupArn !== 'string' || typeof colors?.greenTargetGroupArn !== 'string') return undefined;
  const config = c.config as Partial<CanaryRuntimeConfig> | undefined;
  if (!config || typeof config !== 'object' || !Array.isArray(config.steps) || typeof config.analysis !== 'object'
    || typeof config.productionListenerArn !== 'string') return undefined;
  return c as StepperCarry;
}

/** Builds the handler; tests hand in mocked clients and a fake clock. */
export function makeHandler(deps: () => StepperDeps): (event: unknown) => Promise<StepperOutput> {
  return async (event: unknown) => {
    startInvocation();
    try {
      // AfterAllowTraffic's final verdict at 100 % runs on the same state machine (final-verdict.ts).
      const final = parseFinalVerdictInput(event);
      if (final) return await runFinalVerdict(final, deps());
      return await runStepper(parseStepperInput(event), deps());
    } catch (err) {
      const out = toStepperError(err);
      // The Error itself: Powertools logs its name, stack and `cause` (the original error).
      logger.error('stepper invocation failed', out);
      throw out;
    }
  };
}

let clients: Clients | undefined;

export const handler = makeHandler(() => {
  const table = process.env[ENV.DECISIONS_TABLE];
  if (!table) throw new ConfigurationError(`stepper: environment variable ${ENV.DECISIONS_TABLE} is not set`);
  clients ??= createClients();
  return { clients, table, now: () => new Date() };
});
