import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for every function; `deploymentId` is appended once known. */
export const logger = new Logger({ serviceName: 'cdk-ecs-canary' });

/**
 * Call first in every invocation: a warm Lambda reuses the module, so keys appended by the
 * previous invocation (its deployment id, hook, action) would otherwise label this one's lines.
 * Powertools' `resetKeys()` clears temporary keys (appendKeys) and keeps persistent ones.
 */
export function startInvocation(keys: Record<string, string | undefined> = {}): void {
  logger.resetKeys();
  if (Object.keys(keys).length > 0) logger.appendKeys(keys);
}

export function setDeploymentId(deploymentId: string): void {
  logger.appendKeys({ deploymentId });
}
