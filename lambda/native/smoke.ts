/**
 * The ECS engine's smoke tests, at POST_TEST_TRAFFIC_SHIFT: the test listener rule serves the new
 * revision (100 % of test traffic, ECS API DeploymentLifecycleHook stages), production is still all
 * on the stable one, so FAILED here only ends the deployment. The same HTTP and Lambda checks as
 * the CodeDeploy engine's AfterAllowTestTraffic, against the healthy targets of the green group.
 */
import type { NativeRuntimeConfig } from '../../lib/native/native-config';
import { describeHttpCheck, directTarget, baseUrlTarget, HttpCheckOptions, runHttpCheck, SmokeTarget } from '../hooks/smoke/http-check';
import { runLambdaCheck } from '../hooks/smoke/lambda-check';
import { describeTargets, isHealthy, targetGroupName } from '../hooks/target-health';
import type { Clients } from '../shared/clients';
import { errorMessage } from '../shared/errors';
import { logger, setDeploymentId, startInvocation } from '../shared/logger';
import { putOutcome } from '../shared/records';
import { heaviestTargetGroup } from '../shared/traffic';
import { findDeployment, readConfig } from './deployment';
import { readRuleWeights } from './rule-weights';
import type { NativeExecutionDetails, NativeHookEvent, NativeHookResponse, NativeOutcomeDoc } from './types';
import { parseServiceArn } from '../../lib/native/native-config';

export interface NativeSmokeDeps {
  readonly clients: Clients;
  readonly table?: string;
  readonly now: () => Date;
  readonly http?: HttpCheckOptions;
}

export async function runNativeSmoke(payload: NativeHookEvent, deps: NativeSmokeDeps): Promise<NativeHookResponse> {
  startInvocation();
  const event: NativeExecutionDetails = payload?.executionDetails ?? payload ?? {};
  const names = parseServiceArn(String(event.serviceArn ?? ''));
  if (!names) return { hookStatus: 'FAILED' };
  let deploymentArn: string | undefined;
  try {
    deploymentArn = (await findDeployment(deps.clients, names.clusterName, names.serviceName, event.targetServiceRevisionArn)).serviceDeploymentArn;
    if (deploymentArn) setDeploymentId(deploymentArn);
    const config = await readConfig(deps.clients, names.clusterName, names.serviceName);
    const problem = await smokeProblem(deps, config, deploymentArn ?? '');
    if (!problem) return { hookStatus: 'SUCCEEDED' };
    await recordFailure(deps, deploymentArn, `smoke test failed: ${problem}`);
    return { hookStatus: 'FAILED' };
  } catch (err) {
    await recordFailure(deps, deploymentArn, `smoke tests could not run: ${errorMessage(err)}`);
    return { hookStatus: 'FAILED' };
  }
}

/** The first failing check, or undefined when every check passed (or there are none). */
async function smokeProblem(deps: NativeSmokeDeps, config: NativeRuntimeConfig, deploymentArn: string): Promise<string | undefined> {
  const checks = config.smokeTests ?? [];
  if (checks.length === 0) return undefined;
  const needGreen = checks.some((c) => c.kind === 'lambda' || !config.testBaseUrl);
  let green: { arn: string; targets: { ip: string; port: number }[] } | undefined;
  if (needGreen) {
    if (!config.testRuleArn) return 'no test listener rule configured: the green target group is unknown';
    const arn = heaviestTargetGroup(await readRuleWeights(deps.clients, config.testRuleArn));
    if (!arn) return 'the test listener rule forwards to no target group';
    const targets = (await describeTargets(deps.clients, arn)).filter(isHealthy).map((t) => ({ ip: t.id, port: t.port ?? config.containerPort ?? 80 }));
    green = { arn, targets };
  }
  const http: SmokeTarget[] = config.testBaseUrl ? [baseUrlTarget(config.testBaseUrl)] : (green?.targets ?? []).map(directTarget);
  for (const check of checks) {
    const problem = check.kind === 'http'
      ? (http.length === 0 ? `${describeHttpCheck(check)}: no healthy green target in ${targetGroupName(green?.arn ?? 'the green target group')}` : await runHttpCheck(check, http, deps.http))
      : await runLambdaCheck(deps.clients, check, {
        deploymentId: deploymentArn, applicationName: config.clusterName, deploymentGroupName: config.serviceName,
        testBaseUrl: config.testBaseUrl, greenTargets: green?.targets ?? [],
      });
    if (problem) return problem;
  }
  logger.info('smoke tests passed', { checks: checks.length });
  return undefined;
}

async function recordFailure(deps: NativeSmokeDeps, deploymentArn: string | undefined, reason: string): Promise<void> {
  logger.warn('failing the deployment before production sees it', { reason });
  if (!deploymentArn || !deps.table) return;
  const now = deps.now();
  const doc: NativeOutcomeDoc = { source: 'native-hook', result: 'failed', reason, at: now.toISOString() };
  try {
    await putOutcome(deps.clients, deps.table, deploymentArn, 'Failed', doc, now);
  } catch (err) {
    logger.error('could not record the smoke test failure', { error: errorMessage(err) });
  }
}
