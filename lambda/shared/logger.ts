import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for every function; `deploymentId` is appended once known. */
export const logger = new Logger({ serviceName: 'cdk-ecs-canary' });

export function setDeploymentId(deploymentId: string): void {
  logger.appendKeys({ deploymentId });
}
