/**
 * `canary rollback`: release the previous task definition again, through the same canary path
 * (same hooks, same stepper and judge). The deployment serving now is the newest Succeeded one;
 * the target is the newest older Succeeded deployment with a different task definition. Its
 * AppSpec is reused with the hooks of the newest deployment, so the group's current hook
 * functions run even if they were renamed since.
 */
import { CreateDeploymentCommand, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { appSpecText, EcsAppSpec, parseAppSpec, taskDefinitionOf } from './appspec';
import { CommandContext, TargetOptions } from './context';
import { deploymentsNewestFirst, isInFlight } from './deployments';
import { CliError } from './errors';
import { isoTime } from './output';
import { describeTarget, findTarget, targetName } from './target';

export interface RollbackOptions extends TargetOptions {
  /** CodeDeployDefault.ECSAllAtOnce for CodeDeploy's part; the hooks (and the in-hook steps) still run. */
  readonly fast?: boolean;
}

export const FAST_DEPLOYMENT_CONFIG = 'CodeDeployDefault.ECSAllAtOnce';

interface Plan {
  readonly serving: DeploymentInfo;
  readonly target: DeploymentInfo;
}

/** The serving deployment and the one to go back to, from a newest-first list; undefined until both are found. */
export function choose(newestFirst: readonly DeploymentInfo[]): Plan | undefined {
  const succeeded = newestFirst.filter((d) => d.status === 'Succeeded' && taskDefinitionOf(d));
  const serving = succeeded[0];
  if (!serving) return undefined;
  const current = taskDefinitionOf(serving);
  const target = succeeded.slice(1).find((d) => taskDefinitionOf(d) !== current);
  return target ? { serving, target } : undefined;
}

export async function rollback(ctx: CommandContext, options: RollbackOptions): Promise<number> {
  const { out } = ctx;
  const target = await findTarget(ctx.clients, options);
  const all = await deploymentsNewestFirst(ctx.clients, target, ctx.now(), (list) => isInFlight(list[0]) || !!choose(list));
  if (all.length === 0) throw new CliError(`no deployment of ${targetName(target)} yet: nothing to roll back to`);
  const newest = all[0];
  if (isInFlight(newest)) {
    throw new CliError(`deployment ${newest.deploymentId} of ${targetName(target)} is ${newest.status}: use \`canary abort\` to roll it back (CodeDeploy returns to the stable version)`);
  }
  const plan = choose(all);
  if (!plan) {
    throw new CliError(`no earlier successful deployment of ${targetName(target)} with a different task definition (read ${all.length} deployment(s)): nothing to roll back to`);
  }

  const spec = parseAppSpec(appSpecText(plan.target));
  const taskDefinition = taskDefinitionOf(plan.target)!;
  if (!spec) throw new CliError(`the AppSpec of ${plan.target.deploymentId} is not JSON: roll back with the CodeDeploy console`);
  const { taskDefinition: td } = await ctx.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
  if (td?.status && td.status !== 'ACTIVE') {
    throw new CliError(`task definition ${taskDefinition} is ${td.status}: ECS cannot start new tasks from it`);
  }

  const latestHooks = parseAppSpec(appSpecText(newest))?.Hooks;
  const content: EcsAppSpec = latestHooks ? { ...spec, Hooks: latestHooks } : spec;
  out.line(`rollback ${describeTarget(target)}`);
  out.line(`  serving:      ${taskDefinitionOf(plan.serving)} (${plan.serving.deploymentId}, succeeded ${isoTime(plan.serving.completeTime ?? plan.serving.createTime)})`);
  out.line(`  rolling back: ${taskDefinition} (AppSpec of ${plan.target.deploymentId}, hooks of ${latestHooks ? newest.deploymentId : plan.target.deploymentId})`);

  const { deploymentId } = await ctx.clients.codedeploy.send(new CreateDeploymentCommand({
    applicationName: target.applicationName,
    deploymentGroupName: target.deploymentGroupName,
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: JSON.stringify(content) } },
    description: `cdk-ecs-canary rollback to ${taskDefinition} (from ${plan.target.deploymentId}) by ${ctx.by}`.slice(0, 512),
    ...(options.fast ? { deploymentConfigName: FAST_DEPLOYMENT_CONFIG } : {}),
  }));
  out.line(`  started ${deploymentId} with ${options.fast ? `${FAST_DEPLOYMENT_CONFIG} (the hooks and in-hook steps still run; \`canary promote\` skips their bakes)` : "the group's deployment config (the full canary schedule)"}`);
  out.line('  note: the stack still declares the newer task definition; change the code before the next `cdk deploy` or it is released again');
  out.line(`  follow it with: canary watch --service ${targetName(target)}`);
  return 0;
}
