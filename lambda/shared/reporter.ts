import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { Clients } from './clients';
import { errorMessage } from './errors';
import { logger } from './logger';

export type HookStatus = 'Succeeded' | 'Failed';

/**
 * Reports a lifecycle hook's status exactly once per invocation. CodeDeploy may invoke a hook
 * twice; the second report of an already-finished hook is refused by CodeDeploy with
 * LifecycleEventAlreadyCompletedException [inference, aws-facts.md], which we treat as
 * "already reported", not an error.
 */
export class HookReporter {
  private reported?: HookStatus;

  constructor(
    private readonly clients: Clients,
    public readonly deploymentId: string,
    public readonly lifecycleEventHookExecutionId: string,
  ) {}

  get status(): HookStatus | undefined {
    return this.reported;
  }

  async report(status: HookStatus, reason?: string): Promise<void> {
    if (this.reported) {
      logger.warn('hook status already reported in this invocation', { reported: this.reported, ignored: status });
      return;
    }
    this.reported = status;
    try {
      await this.clients.codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: this.deploymentId,
        lifecycleEventHookExecutionId: this.lifecycleEventHookExecutionId,
        status,
      }));
      logger.info('hook status reported', { status, reason });
    } catch (err) {
      if ((err as Error).name === 'LifecycleEventAlreadyCompletedException') {
        logger.warn('hook was already completed (duplicate invocation)', { status });
        return;
      }
      logger.error('could not report hook status', { status, error: errorMessage(err) });
      throw err;
    }
  }
}
