/** `canary status --engine ecs`: the ECS service deployment, the hold the hook is in, the last verdict. */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import type { NativeOutcomeDoc, NativeState } from '../../../lambda/native/types';
import { DecisionDoc, decisionTime, readOutcome, readState } from '../../../lambda/shared/records';
import type { CommandContext, TargetOptions } from '../context';
import { latestDecision } from '../context';
import { isoTime, table } from '../output';
import { nativeDeployment, TERMINAL } from './deployments';
import { findNativeTarget, NativeTarget, nativeTargetName } from './target';

/** The last verdict as shown: a hold's (its step) or the final verdict's (no step, 100 %). */
export type NativeVerdictView = Omit<NonNullable<NativeState['lastVerdict']>, 'stepIndex'> & { readonly stepIndex?: number };

/** The verdict of a decision record; a manual control is no verdict. */
export function holdVerdict(doc: DecisionDoc | undefined): NativeVerdictView | undefined {
  if (!doc || doc.phase === 'control') return undefined;
  const at = decisionTime(doc) ?? '';
  const { outcome, reason } = doc.verdict;
  return doc.phase === 'step' ? { outcome, reason, at, stepIndex: doc.step, percent: doc.percent } : { outcome, reason, at, percent: 100 };
}

async function nativeOutcome(ctx: CommandContext, tableName: string, arn: string): Promise<NativeOutcomeDoc | undefined> {
  const doc = await readOutcome(ctx.clients, tableName, arn);
  return doc?.source === 'native-hook' ? doc : undefined;
}

export interface NativeStatusReport {
  readonly engine: 'ecs';
  readonly service: string;
  readonly deploymentArn?: string;
  readonly status?: string;
  readonly statusReason?: string;
  readonly lifecycleStage?: string;
  readonly terminal: boolean;
  readonly strategy: string;
  readonly schedule: string;
  readonly hold?: { readonly step: number; readonly percent?: number; readonly since?: string; readonly extensions: number };
  readonly pausedHooks: { readonly hookId: string; readonly type?: string; readonly expiresAt?: string }[];
  readonly lastVerdict?: NativeVerdictView;
  readonly outcome?: NativeOutcomeDoc;
}

export async function nativeReport(ctx: CommandContext, target: NativeTarget, options: TargetOptions, deployment?: ServiceDeployment): Promise<NativeStatusReport> {
  const { config } = target;
  const d = deployment ?? await nativeDeployment(ctx.clients, target, options.deployment);
  const arn = d.serviceDeploymentArn!;
  const tableName = options.table ?? config.decisionsTableName;
  const state = tableName ? await readState<NativeState>(ctx.clients, tableName, arn) : undefined;
  const outcome = tableName ? await nativeOutcome(ctx, tableName, arn) : undefined;
  const verdict = state?.lastVerdict ?? (tableName ? holdVerdict((await latestDecision(ctx, tableName, arn))?.doc) : undefined);
  return {
    engine: 'ecs',
    service: nativeTargetName(target),
    deploymentArn: arn,
    status: d.status,
    statusReason: d.statusReason,
    lifecycleStage: d.lifecycleStage,
    terminal: TERMINAL.includes(String(d.status)),
    strategy: `${config.strategy}${config.stepPercent !== undefined ? ` ${config.stepPercent} %` : ''}`,
    schedule: [...config.steps.map((s) => `${s.percent}% ${s.bakeSeconds / 60}m`), '100%'].join(' → '),
    hold: state?.stepIndex !== undefined ? { step: state.stepIndex, percent: state.percent, since: state.stepStartedAt, extensions: state.extensions } : undefined,
    pausedHooks: (d.lifecycleHookDetails ?? [])
      .filter((h) => h.status === 'AWAITING_ACTION' && h.hookId)
      .map((h) => ({ hookId: h.hookId!, type: h.targetType, expiresAt: h.expiresAt?.toISOString() })),
    lastVerdict: verdict,
    outcome,
  };
}

export function printNativeReport(ctx: CommandContext, r: NativeStatusReport): void {
  const rows = [
    ['service', `${r.service} (ECS engine, ${r.strategy})`],
    ['schedule', r.schedule],
    ['deployment', `${r.deploymentArn ?? '-'} ${r.status ?? ''}`],
    ['stage', r.lifecycleStage ?? '-'],
  ];
  if (r.statusReason) rows.push(['reason', r.statusReason]);
  if (r.hold) rows.push(['hold', `step ${r.hold.step + 1} at ${r.hold.percent} % since ${isoTime(r.hold.since)}${r.hold.extensions ? ` (extended ${r.hold.extensions}x)` : ''}`]);
  if (r.lastVerdict) rows.push(['verdict', `${r.lastVerdict.outcome} at ${isoTime(r.lastVerdict.at)} (${r.lastVerdict.percent} %): ${r.lastVerdict.reason}`]);
  for (const h of r.pausedHooks) rows.push(['paused', `${h.type ?? 'hook'} ${h.hookId} at ${r.lifecycleStage ?? '?'} (expires ${isoTime(h.expiresAt)}): canary promote --engine ecs continues it, canary abort --engine ecs rolls back`]);
  if (r.outcome) rows.push(['outcome', `${r.outcome.result}: ${r.outcome.reason}`]);
  for (const line of table(rows)) ctx.out.line(line);
}

export async function nativeStatus(ctx: CommandContext, options: TargetOptions & { json?: boolean }): Promise<number> {
  const target = await findNativeTarget(ctx.clients, options);
  const report = await nativeReport(ctx, target, options);
  if (options.json) ctx.out.line(JSON.stringify(report, null, 2));
  else printNativeReport(ctx, report);
  return 0;
}
