/**
 * `canary abort`: roll back now. Production goes back to the stable version FIRST (the one move
 * that protects users within seconds), then the stepper is told (control record), then CodeDeploy
 * stops the deployment and rolls it back. Every step is printed; a step that fails does not stop
 * the next one, since each of them on its own gets production back to stable.
 */
import { StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { errorMessage } from '../../lambda/shared/errors';
import { putControl, readStable } from '../../lambda/shared/records';
import { Colors, colorsFromBlue, percentOn, readWeights, resolveColors, restoreStable } from '../../lambda/shared/traffic';
import type { ControlDoc } from '../../lambda/stepper/types';
import { CommandContext, decisionsTable, readState, TargetOptions } from './context';
import { inFlightDeployment } from './deployments';
import { CliError } from './errors';
import { isoTime, shortArn } from './output';
import { describeTarget, findTarget } from './target';

export async function abort(ctx: CommandContext, options: TargetOptions): Promise<number> {
  const { out } = ctx;
  const target = await findTarget(ctx.clients, options);
  const d = await inFlightDeployment(ctx.clients, target, ctx.now(), options.deployment);
  const id = d.deploymentId!;
  const table = decisionsTable(target, options);
  const listener = target.config.productionListenerArn;
  out.line(`abort ${describeTarget(target)}, deployment ${id} (${d.status})`);
  const problems: string[] = [];

  // 1. Production to stable. BeforeInstall's record names blue before anything of the release
  // existed (every schedule); the stepper's before its first shift; without either, the PRIMARY
  // task set (the stable version during a deployment, until CodeDeploy swaps it) does.
  let colors: Colors | undefined;
  let from = 'the BeforeInstall record';
  try {
    const installed = table ? await readStable(ctx.clients, table, id) : undefined;
    if (installed && target.config.targetGroupArns.includes(installed.blueTargetGroupArn)) {
      colors = colorsFromBlue(target.config, installed.blueTargetGroupArn);
    } else {
      from = 'the stepper state';
      colors = table ? (await readState(ctx, table, id))?.colors : undefined;
    }
  } catch (err) {
    problems.push(`could not read the stepper state: ${errorMessage(err)}`);
  }
  try {
    if (!colors) {
      from = 'the PRIMARY task set';
      colors = await resolveColors(ctx.clients, target.config);
    }
    const before = percentOn(await readWeights(ctx.clients, listener, target.config.targetGroupArns), colors.greenTargetGroupArn);
    await restoreStable(ctx.clients, listener, colors);
    out.line(`1. production listener: blue ${shortArn(colors.blueTargetGroupArn)} 100 %, green ${shortArn(colors.greenTargetGroupArn)} 0 % (was green ${before} %; colors from ${from})`);
  } catch (err) {
    problems.push(`could not put production on the stable version: ${errorMessage(err)}`);
    out.line(`1. FAILED to put production on the stable version: ${errorMessage(err)} (CodeDeploy's rollback below reroutes it)`);
  }

  // 2. The stepper fails its hook at its next tick instead of moving on.
  if (table) {
    const now = ctx.now();
    const control: ControlDoc = { action: 'abort', at: now.toISOString(), by: ctx.by };
    try {
      await putControl(ctx.clients, table, id, control, now);
      out.line(`2. control record: abort by ${ctx.by} at ${isoTime(now)} (the stepper fails its hook at its next tick)`);
    } catch (err) {
      problems.push(`could not write the control record: ${errorMessage(err)}`);
      out.line(`2. FAILED to write the control record: ${errorMessage(err)}`);
    }
  } else {
    out.line('2. no decisions table known (pass --table): control record skipped');
  }

  // 3. CodeDeploy stops and rolls back (reroutes to the original task set, removes the new one).
  try {
    const res = await ctx.clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    out.line(`3. StopDeployment(autoRollbackEnabled) for ${id}: ${res.status ?? 'sent'}${res.statusMessage ? ` (${res.statusMessage})` : ''}`);
  } catch (err) {
    problems.push(`could not stop the deployment: ${errorMessage(err)}`);
    out.line(`3. FAILED to stop the deployment: ${errorMessage(err)}`);
  }

  if (problems.length > 0) throw new CliError(`abort incomplete: ${problems.join('; ')}`);
  out.line(`follow the rollback with: canary watch --service ${target.applicationName}/${target.deploymentGroupName}`);
  return 0;
}
