/**
 * `canary promote`: skip the remaining in-hook bakes. The stepper reads the `control` record on
 * every tick; a `promote` there makes it report BeforeAllowTraffic Succeeded at once, leaving the
 * traffic where it is until CodeDeploy's own last step moves it.
 *
 * CodeDeploy's last step (the custom TimeBasedCanary interval) cannot be shortened: the only
 * API that ends a wait, ContinueDeployment, knows two wait types, READY_WAIT (before any traffic
 * moves) and TERMINATION_WAIT (after 100 %, while the old tasks are kept). `--full` uses the latter.
 */
import { ContinueDeploymentCommand, DeploymentInfo, DeploymentWaitType } from '@aws-sdk/client-codedeploy';
import { putControl } from '../../lambda/shared/records';
import type { ControlDoc } from '../../lambda/stepper/types';
import { CommandContext, readState, requireTable, TargetOptions } from './context';
import { getDeployment, inFlightDeployment, LifecycleEventView, lifecycleEvents, TERMINAL } from './deployments';
import { CliError } from './errors';
import { duration, isoTime } from './output';
import { inTerminationWait, Stage, stageOf } from './status';
import { CanaryTarget, describeTarget, findTarget } from './target';

export interface PromoteOptions extends TargetOptions {
  /** Also end CodeDeploy's termination wait (removes the old tasks: no quick rollback after that). */
  readonly full?: boolean;
  /** With --full: wait for the termination wait to start, then end it. */
  readonly wait?: boolean;
  /** Seconds between polls with --wait. */
  readonly interval?: number;
}

/** Stages in which the stepper has not decided yet, so a promote record still has an effect. */
const STEPPER_PENDING: readonly Stage[] = ['queued', 'ready-wait', 'installing', 'smoke-tests', 'stepper', 'in-progress'];

export async function promote(ctx: CommandContext, options: PromoteOptions): Promise<number> {
  const { out } = ctx;
  const target = await findTarget(ctx.clients, options);
  const table = requireTable(target, options);
  const d = await inFlightDeployment(ctx.clients, target, ctx.now(), options.deployment);
  const id = d.deploymentId!;
  const events = await lifecycleEvents(ctx.clients, id);
  const stage = stageOf(d, events);
  const state = await readState(ctx, table, id);
  const { steps, finalStep } = target.config;
  out.line(`promote ${describeTarget(target)}, deployment ${id} (${stage})`);

  if (steps.length === 0) {
    out.line('  the schedule has no in-hook steps: nothing for the stepper to skip');
  } else if (state?.finished) {
    out.line(`  in-hook steps already ${state.finished}: nothing to skip (${state.reason ?? ''})`);
  } else if (STEPPER_PENDING.includes(stage)) {
    const now = ctx.now();
    const control: ControlDoc = { action: 'promote', at: now.toISOString(), by: ctx.by };
    await putControl(ctx.clients, table, id, control, now);
    out.line(`  wrote control record: promote by ${ctx.by} at ${isoTime(now)}`);
    const every = duration(target.config.analysis.intervalSeconds);
    out.line(state
      ? `  the stepper skips the remaining in-hook bake at its next tick (within ${every}); traffic stays at ${state.percent} % green until CodeDeploy's step`
      : `  the stepper has not started: it will set step 1 (${steps[0].percent} %) and report Succeeded at its first tick (${every} later), skipping the other in-hook steps`);
  } else {
    out.line('  the in-hook steps are over: nothing for the stepper to skip');
  }

  if (finalStep) {
    let line = `  CodeDeploy's own last step (${finalStep.percent} % for ${duration(finalStep.bakeSeconds)}, the TimeBasedCanary interval) cannot be shortened through the API: `
      + 'ContinueDeployment only ends the READY_WAIT (before traffic moves) or the TERMINATION_WAIT (after 100 %)';
    const allow = events.find((e) => e.name === 'AllowTraffic');
    if (stage === 'codedeploy-step' && allow?.startTime) {
      const end = Date.parse(allow.startTime) + finalStep.bakeSeconds * 1000;
      line += `; it shifts to 100 % at ${isoTime(new Date(end))} (in ${duration((end - ctx.now().getTime()) / 1000)})`;
    }
    out.line(line);
  }

  if (!options.full) return 0;
  return endTerminationWait(ctx, target, d, events, options);
}

async function endTerminationWait(ctx: CommandContext, target: CanaryTarget, first: DeploymentInfo, firstEvents: LifecycleEventView[], options: PromoteOptions): Promise<number> {
  const { out } = ctx;
  const id = first.deploymentId!;
  let d = first;
  let events = firstEvents;
  const intervalMs = Math.max(1, options.interval ?? 15) * 1000;
  while (!inTerminationWait(d, events)) {
    if (d.status && TERMINAL.includes(d.status)) {
      throw new CliError(`deployment ${id} ended as ${d.status} before its termination wait: nothing to continue`);
    }
    if (!options.wait) {
      out.line(`  --full: the termination wait has not started (stage ${stageOf(d, events)}); ContinueDeployment(TERMINATION_WAIT) is accepted only then. `
        + 'Run `canary promote --full` again once `canary status` shows it, or add --wait to wait here.');
      return 0;
    }
    await ctx.sleep(intervalMs);
    d = await getDeployment(ctx.clients, id);
    events = await lifecycleEvents(ctx.clients, id);
  }
  const wait = target.config.terminationWaitSeconds;
  out.line(`  ending the termination wait${wait !== undefined ? ` (${duration(wait)})` : ''}: the old tasks are removed now, so a later rollback redeploys instead of rerouting`);
  await ctx.clients.codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: DeploymentWaitType.TERMINATION_WAIT }));
  out.line(`  ContinueDeployment(${DeploymentWaitType.TERMINATION_WAIT}) sent for ${id}`);
  return 0;
}
