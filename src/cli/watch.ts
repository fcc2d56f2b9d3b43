/**
 * `canary watch`: re-renders the status until the deployment ends. On a terminal it redraws a
 * compact block in place; otherwise (CI logs, pipes) it prints one line per change. Exit 0 when
 * the deployment succeeded, 1 when it failed or was stopped, with the rollback reason.
 */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { errorMessage } from '../../lambda/shared/errors';
import { CommandContext, TargetOptions } from './context';
import { currentOrLastDeployment, getDeployment, TERMINAL } from './deployments';
import { isoTime, Output, table } from './output';
import { collectStatus, describeStep, describeTraffic, StatusReport } from './status';
import { findTarget } from './target';

export interface WatchOptions extends TargetOptions {
  /** Seconds between two polls. */
  readonly interval?: number;
}

export const DEFAULT_WATCH_INTERVAL_SECONDS = 10;
/** Polls in a row that may fail (throttling, a network blip) before watch gives up. */
const MAX_FAILED_POLLS = 5;

const EVENT_MARK: Record<string, string> = { Succeeded: 'ok', Failed: 'FAILED', InProgress: '..', Pending: '--', Skipped: 'skip' };

/** The block a terminal shows, redrawn every poll. */
export function compactLines(r: StatusReport): string[] {
  const d = r.deployment;
  const events = d.lifecycleEvents.map((e) => `${e.name} ${EVENT_MARK[e.status] ?? e.status}`).join(' | ');
  const rows = [
    ['deployment', `${d.id} ${d.status} (${r.service.name}, ${r.service.application}/${r.service.deploymentGroup}) at ${isoTime(r.at)}`],
    ['lifecycle', events || '(no lifecycle events yet)'],
    ['stage', describeStep(r.step, d.stage)],
    ['traffic', describeTraffic(r.traffic)],
  ];
  const v = r.lastVerdict;
  if (v) rows.push(['verdict', `${v.outcome}${v.action ? ` -> ${v.action}` : ''} at ${isoTime(v.at)}: ${v.reason}`]);
  return table(rows);
}

/** One line without the countdown: printed (non-TTY) only when it changes. */
export function summaryLine(r: StatusReport): string {
  const d = r.deployment;
  const parts = [`${d.id} ${d.status}`, d.stage];
  const s = r.step;
  if (s) parts.push(s.phase === 'termination wait' ? 'termination wait' : `step ${s.index}/${s.of} ${s.percent} % (${s.runner})${s.extensions ? ` extended ${s.extensions}x` : ''}`);
  if (r.traffic?.greenPercent !== undefined) parts.push(`green ${r.traffic.greenPercent} %`);
  if (r.lastVerdict) parts.push(`verdict ${r.lastVerdict.outcome}${r.lastVerdict.action ? ` -> ${r.lastVerdict.action}` : ''}`);
  return parts.join(' | ');
}

class Screen {
  private drawn = 0;
  private last?: string;
  constructor(private readonly out: Output) {}

  show(r: StatusReport, now: Date): void {
    if (this.out.isTTY) {
      const lines = compactLines(r);
      // Cursor up over the previous frame, clear to the end of the screen, draw again.
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
      for (const l of lines) this.out.line(l);
      this.drawn = lines.length;
      return;
    }
    const line = summaryLine(r);
    if (line !== this.last) this.out.line(`${isoTime(now)} ${line}`);
    this.last = line;
  }

  /** A line under the frame (a poll error); the next frame starts below it. */
  note(text: string): void {
    this.out.error(text);
    this.drawn = 0;
  }
}

export async function watch(ctx: CommandContext, options: WatchOptions): Promise<number> {
  const target = await findTarget(ctx.clients, options);
  const intervalMs = Math.max(1, options.interval ?? DEFAULT_WATCH_INTERVAL_SECONDS) * 1000;
  let deployment: DeploymentInfo = await currentOrLastDeployment(ctx.clients, target, ctx.now(), options.deployment);
  const id = deployment.deploymentId!;
  const screen = new Screen(ctx.out);
  let failures = 0;
  let first = true;
  for (;;) {
    let report: StatusReport | undefined;
    try {
      if (!first) deployment = await getDeployment(ctx.clients, id);
      report = await collectStatus(ctx, target, options, deployment);
      failures = 0;
    } catch (err) {
      if (++failures >= MAX_FAILED_POLLS) throw err;
      screen.note(`poll failed (${failures}/${MAX_FAILED_POLLS}): ${errorMessage(err)}`);
    }
    first = false;
    if (report) {
      screen.show(report, ctx.now());
      const status = report.deployment.status;
      if (TERMINAL.includes(status)) return finish(ctx.out, report);
    }
    await ctx.sleep(intervalMs);
  }
}

function finish(out: Output, r: StatusReport): number {
  const d = r.deployment;
  if (d.status === 'Succeeded') {
    out.line(`${d.id} succeeded${d.completeTime ? ` at ${isoTime(d.completeTime)}` : ''}`);
    return 0;
  }
  out.line(`${d.id} ${d.status.toLowerCase()}: ${r.rollbackReason ?? 'no reason recorded'}`);
  if (d.rollback?.deploymentId) out.line(`rollback deployment ${d.rollback.deploymentId}${d.rollback.message ? `: ${d.rollback.message}` : ''}`);
  return 1;
}
