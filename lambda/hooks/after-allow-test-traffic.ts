/**
 * AfterAllowTestTraffic: smoke tests on the new version before any user request reaches it.
 * Production is still all on blue, so a Failed here only ends the deployment.
 */
import type { CanaryRuntimeConfig } from '../../lib/runtime-config';
import { Clients, createClients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { HookOutcome, InvocationContext, runHook } from '../shared/hook-handler';
import { logger } from '../shared/logger';
import { resolveColors } from '../shared/traffic';
import { baseUrlTarget, describeHttpCheck, directTarget, HttpCheckOptions, runHttpCheck, SmokeTarget } from './smoke/http-check';
import { functionLabel, runLambdaCheck } from './smoke/lambda-check';
import { describeTargets, isHealthy, targetGroupName } from './target-health';

export type AfterAllowTestTrafficOptions = HttpCheckOptions;

export interface GreenTargets {
  readonly targetGroupArn: string;
  /** Healthy targets only: an unhealthy one is not in the load balancer's rotation either. */
  readonly targets: { ip: string; port: number }[];
}

/** Runs config.smokeTests in order and fails on the first failing check. */
export async function afterAllowTestTraffic(
  ctx: DeploymentContext,
  clients: Clients,
  options: AfterAllowTestTrafficOptions = {},
): Promise<HookOutcome> {
  const { config } = ctx;
  const checks = config.smokeTests ?? [];
  if (checks.length === 0) return { status: 'Succeeded', reason: 'no smoke tests configured' };

  // Without a test URL the HTTP checks go to the green targets' private IPs: the one path that
  // surely reaches the new version from a Lambda in the VPC (architecture.md, "Things that bite").
  const needGreen = checks.some((c) => c.kind === 'lambda' || !config.testBaseUrl);
  const green = needGreen ? await greenTargets(clients, config) : undefined;
  const httpTargets: SmokeTarget[] = config.testBaseUrl
    ? [baseUrlTarget(config.testBaseUrl)]
    : (green?.targets ?? []).map(directTarget);

  for (const check of checks) {
    let problem: string | undefined;
    switch (check.kind) {
      case 'http':
        if (httpTargets.length === 0) {
          problem = `${describeHttpCheck(check)}: no healthy green target in ${targetGroupName(green?.targetGroupArn ?? 'the green target group')} to send it to`;
        } else {
          problem = await runHttpCheck(check, httpTargets, options);
        }
        break;
      case 'lambda':
        problem = await runLambdaCheck(clients, check, {
          deploymentId: ctx.deploymentId,
          applicationName: ctx.applicationName,
          deploymentGroupName: ctx.deploymentGroupName,
          testBaseUrl: config.testBaseUrl,
          greenTargets: green?.targets ?? [],
        });
        break;
      default: {
        const unknown: never = check;
        problem = `unknown smoke test kind ${JSON.stringify((unknown as { kind?: unknown }).kind)}`;
      }
    }
    if (problem) return { status: 'Failed', reason: `smoke test failed: ${problem}` };
    logger.info('smoke test passed', { check: check.kind === 'http' ? describeHttpCheck(check) : functionLabel(check.functionArn) });
  }
  const where = config.testBaseUrl ? httpTargets[0].label : `${green?.targets.length ?? 0} green targets`;
  return { status: 'Succeeded', reason: `${checks.length} smoke test${checks.length === 1 ? '' : 's'} passed on ${where}` };
}

/** The green target group (the one the PRIMARY task set does not use) and its healthy targets. */
export async function greenTargets(clients: Clients, config: CanaryRuntimeConfig): Promise<GreenTargets> {
  const { greenTargetGroupArn } = await resolveColors(clients, config);
  const targets = await describeTargets(clients, greenTargetGroupArn);
  return {
    targetGroupArn: greenTargetGroupArn,
    targets: targets.filter(isHealthy).map((t) => ({ ip: t.id, port: t.port ?? config.containerPort })),
  };
}

const clients = createClients();

export const handler = (event: unknown, context: InvocationContext): Promise<HookOutcome> =>
  runHook('AfterAllowTestTraffic', event, context, clients, (ctx, c) => afterAllowTestTraffic(ctx, c));
