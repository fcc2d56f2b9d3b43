/**
 * AfterAllowTraffic: production is 100 % on green. Starts the final verdict on the stepper state
 * machine, which waits for the minutes at 100 % (they do not exist yet when this hook fires),
 * judges exactly those minutes and reports this hook's status itself (the hook returns `deferred`).
 * Failed makes CodeDeploy's auto-rollback reroute production to blue (still there during the
 * termination wait). lambda/stepper/final-verdict.ts does the waiting and the judging.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ENV } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { ConfigurationError } from '../shared/errors';
import { HookOutcome, InvocationContext, runHook } from '../shared/hook-handler';
import { logger } from '../shared/logger';
import type { FinalVerdictExecutionInput } from '../stepper/final-verdict';
import { stepperExecutionName } from './before-allow-traffic';

export async function afterAllowTraffic(
  ctx: DeploymentContext,
  clients: Clients,
  lifecycleEventHookExecutionId: string,
  stateMachineArn: string | undefined = process.env[ENV.STEPPER_STATE_MACHINE_ARN],
): Promise<HookOutcome> {
  if (!stateMachineArn) throw new ConfigurationError(`environment variable ${ENV.STEPPER_STATE_MACHINE_ARN} is not set`);
  const input: FinalVerdictExecutionInput = { deploymentId: ctx.deploymentId, lifecycleEventHookExecutionId, phase: 'final' };
  // One name per hook execution: a duplicate invocation cannot start a second final verdict.
  const name = stepperExecutionName(ctx.deploymentId, lifecycleEventHookExecutionId);
  try {
    const { executionArn } = await clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    logger.info('final verdict started', { executionArn, windowSeconds: ctx.config.finalVerdictWindowSeconds });
    return { status: 'deferred', reason: `final verdict ${name} started; it reports this hook` };
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') {
      logger.warn('final verdict already started (duplicate hook invocation)', { name });
      return { status: 'deferred', reason: `final verdict ${name} already started; it reports this hook` };
    }
    throw err;
  }
}

const clients = createClients();

export const handler = (event: unknown, context: InvocationContext): Promise<HookOutcome> =>
  runHook('AfterAllowTraffic', event, context, clients, (ctx, c, reporter) =>
    afterAllowTraffic(ctx, c, reporter.lifecycleEventHookExecutionId));
