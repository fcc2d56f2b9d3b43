/** What every AWS command gets injected, and the options they share. */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { fromItem, getRecord, StoredRecord } from '../../lambda/shared/records';
import { CONTROL_SK, ControlDoc, OUTCOME_SK, STATE_SK, StepperState } from '../../lambda/stepper/types';
import type { CliClients } from './aws';
import { CliError } from './errors';
import type { Output } from './output';
import { CanaryTarget, TargetSelector, targetName } from './target';

export interface CommandContext {
  readonly clients: CliClients;
  readonly out: Output;
  /** The clock; tests pass a fake one. */
  readonly now: () => Date;
  /** Waits between polls (`watch`, `promote --full --wait`); tests pass one that advances the fake clock. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Who is asking, for the control record and deployment descriptions. */
  readonly by: string;
}

export interface TargetOptions extends TargetSelector {
  /** The decisions table, when the configuration document does not name it (older stacks). */
  readonly table?: string;
  /** A specific deployment instead of the current or last one. */
  readonly deployment?: string;
}

/** The decisions table of a target; undefined when neither the document nor --table names it. */
export function decisionsTable(target: CanaryTarget, options: TargetOptions): string | undefined {
  return options.table ?? target.config.decisionsTableName;
}

export function requireTable(target: CanaryTarget, options: TargetOptions): string {
  const table = decisionsTable(target, options);
  if (!table) {
    throw new CliError(`the configuration of ${targetName(target)} does not name its decisions table (deployed with an older version): pass --table <name>`);
  }
  return table;
}

export async function readState(ctx: CommandContext, table: string, deploymentId: string): Promise<StepperState | undefined> {
  return (await getRecord<StepperState>(ctx.clients, table, deploymentId, STATE_SK))?.doc ?? undefined;
}

export async function readControl(ctx: CommandContext, table: string, deploymentId: string): Promise<ControlDoc | undefined> {
  return (await getRecord<ControlDoc>(ctx.clients, table, deploymentId, CONTROL_SK))?.doc ?? undefined;
}

export async function readOutcome(ctx: CommandContext, table: string, deploymentId: string): Promise<Record<string, unknown> | undefined> {
  const doc = (await getRecord<Record<string, unknown>>(ctx.clients, table, deploymentId, OUTCOME_SK))?.doc;
  return doc && typeof doc === 'object' ? doc : undefined;
}

/** The newest `decision#...` record (sort keys are ISO times, so the last in key order). */
export async function latestDecision(ctx: CommandContext, table: string, deploymentId: string): Promise<StoredRecord<Record<string, unknown>> | undefined> {
  const { Items } = await ctx.clients.dynamodb.send(new QueryCommand({
    TableName: table,
    KeyConditionExpression: 'deploymentId = :d AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':d': { S: deploymentId }, ':p': { S: 'decision#' } },
    ScanIndexForward: false,
    Limit: 1,
  }));
  const item = Items?.[0];
  // One decoding for every reader (records.ts): old rows come back in today's shape.
  return item ? { ...fromItem<Record<string, unknown>>(item), deploymentId, kind: 'decision' } : undefined;
}
