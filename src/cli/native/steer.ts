/**
 * `canary abort|promote|watch --engine ecs`.
 * abort: StopServiceDeployment with ROLLBACK (ECS puts production back on the stable revision) and
 *   an `abort` control record, so a hook holding a step answers FAILED too.
 * promote: a `promote` control record (the hook passes the remaining holds at once) and
 *   ContinueServiceDeployment(CONTINUE) for every pause hook awaiting action.
 */
import { ContinueServiceDeploymentCommand, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import { putControl } from '../../../lambda/shared/records';
import type { ControlAction, ControlDoc } from '../../../lambda/stepper/types';
import type { CommandContext, TargetOptions } from '../context';
import { CliError } from '../errors';
import { nativeDeployment } from './deployments';
import { nativeReport, printNativeReport } from './status';
import { findNativeTarget } from './target';

async function writeControl(ctx: CommandContext, tableName: string | undefined, arn: string, action: ControlAction): Promise<void> {
  if (!tableName) throw new CliError('the configuration does not name its decisions table: pass --table <name>');
  const doc: ControlDoc = { action, at: ctx.now().toISOString(), by: ctx.by };
  await putControl(ctx.clients, tableName, arn, doc, ctx.now());
}

export async function nativeAbort(ctx: CommandContext, options: TargetOptions): Promise<number> {
  const target = await findNativeTarget(ctx.clients, options);
  const d = await nativeDeployment(ctx.clients, target, options.deployment, true);
  const arn = d.serviceDeploymentArn!;
  await writeControl(ctx, options.table ?? target.config.decisionsTableName, arn, 'abort');
  await ctx.clients.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
  ctx.out.line(`${arn}: rollback requested by ${ctx.by}; ECS moves production back to the stable revision`);
  return 0;
}

export async function nativePromote(ctx: CommandContext, options: TargetOptions): Promise<number> {
  const target = await findNativeTarget(ctx.clients, options);
  const d = await nativeDeployment(ctx.clients, target, options.deployment, true);
  const arn = d.serviceDeploymentArn!;
  await writeControl(ctx, options.table ?? target.config.decisionsTableName, arn, 'promote');
  const paused = (d.lifecycleHookDetails ?? []).filter((h) => h.status === 'AWAITING_ACTION' && h.hookId);
  for (const h of paused) {
    await ctx.clients.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: h.hookId!, action: 'CONTINUE' }));
  }
  ctx.out.line(`${arn}: promoted by ${ctx.by}; the remaining holds pass at their next check${paused.length ? `, ${paused.length} paused hook(s) continued` : ''}`);
  return 0;
}

/** Polls until the deployment is in a terminal state: exit 0 when it succeeded, 1 otherwise. */
export async function nativeWatch(ctx: CommandContext, options: TargetOptions & { interval?: number }): Promise<number> {
  const target = await findNativeTarget(ctx.clients, options);
  const first = await nativeDeployment(ctx.clients, target, options.deployment);
  const arn = first.serviceDeploymentArn!;
  let lastLine = '';
  for (let d = first; ; d = await nativeDeployment(ctx.clients, target, arn)) {
    const r = await nativeReport(ctx, target, { ...options, deployment: arn }, d);
    const line = `${r.status} ${r.lifecycleStage ?? ''}${r.hold ? ` hold ${r.hold.percent} %` : ''}${r.lastVerdict ? ` verdict ${r.lastVerdict.outcome}` : ''}`;
    if (line !== lastLine) ctx.out.line(`${ctx.now().toISOString()} ${line}`);
    lastLine = line;
    if (r.terminal) {
      printNativeReport(ctx, r);
      return r.status === 'SUCCESSFUL' ? 0 : 1;
    }
    await ctx.sleep((options.interval ?? 15) * 1000);
  }
}
