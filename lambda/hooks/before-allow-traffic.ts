/**
 * BeforeAllowTraffic: starts the traffic stepper, which walks production through the in-hook
 * steps and reports this hook's status itself (the hook returns `deferred`). With no in-hook
 * steps, CodeDeploy's own deployment configuration does all the shifting: Succeeded at once.
 */
import { createHash } from 'crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ENV } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { ConfigurationError } from '../shared/errors';
import { HookOutcome, InvocationContext, runHook } from '../shared/hook-handler';
import { logger } from '../shared/logger';
import type { StepperExecutionInput } from '../stepper/types';

/** Step Functions execution names: at most 80 characters of [A-Za-z0-9-_]. */
const MAX_NAME = 80;

/**
 * One name per (deployment, hook execution): a duplicate invocation of the hook cannot start a
 * second stepper, since names are unique per state machine (for 90 days after the execution).
 * The hook execution id is long and free-form, so it enters as a hash.
 */
export function stepperExecutionName(deploymentId: string, lifecycleEventHookExecutionId: string): string {
  const hash = createHash('sha256').update(`${deploymentId}\n${lifecycleEventHookExecutionId}`).digest('hex').slice(0, 32);
  const prefix = deploymentId.replace(/[^A-Za-z0-9-_]/g, '_').slice(0, MAX_NAME - hash.length - 1);
  return `${prefix}-${hash}`;
}

export async function beforeAllowTraffic(
  ctx: DeploymentContext,
  clients: Clients,
  lifecycleEventHookExecutionId: string,
  stateMachineArn: string | undefined = process.env[ENV.STEPPER_STATE_MACHINE_ARN],
): Promise<HookOutcome> {
  if (ctx.config.steps.length === 0) {
    return { status: 'Succeeded', reason: 'no in-hook steps: CodeDeploy\'s deployment configuration shifts all production traffic' };
  }
  if (!stateMachineArn) throw new ConfigurationError(`environment variable ${ENV.STEPPER_STATE_MACHINE_ARN} is not set`);

  const input: StepperExecutionInput = { deploymentId: ctx.deploymentId, lifecycleEventHookExecutionId };
  const name = stepperExecutionName(ctx.deploymentId, lifecycleEventHookExecutionId);
  try {
    const { executionArn } = await clients.sfn.send(new StartExecutionCommand({
      stateMachineArn,
      name,
      input: JSON.stringify(input),
    }));
    logger.info('traffic stepper started', { executionArn, steps: ctx.config.steps });
    return { status: 'deferred', reason: `traffic stepper ${name} started; it reports this hook` };
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') {
      logger.warn('traffic stepper already started (duplicate hook invocation)', { name });
      return { status: 'deferred', reason: `traffic stepper ${name} already started; it reports this hook` };
    }
    throw err;
  }
}

const clients = createClients();

export const handler = (event: unknown, context: InvocationContext): Promise<HookOutcome> =>
  runHook('BeforeAllowTraffic', event, context, clients, (ctx, c, reporter) =>
    beforeAllowTraffic(ctx, c, reporter.lifecycleEventHookExecutionId));
