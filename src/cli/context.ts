/** What every AWS command gets injected, and the options they share. */
import * as records from '../../lambda/shared/records';
import type { ControlDoc, OutcomeDoc, RecordOf } from '../../lambda/shared/records';
import type { StepperState } from '../../lambda/stepper/types';
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

// The CLI's views of the records, through the typed readers every Lambda reader uses (records.ts).

export async function readState(ctx: CommandContext, table: string, deploymentId: string): Promise<StepperState | undefined> {
  return records.readState<StepperState>(ctx.clients, table, deploymentId);
}

export async function readControl(ctx: CommandContext, table: string, deploymentId: string): Promise<ControlDoc | undefined> {
  return records.readControl(ctx.clients, table, deploymentId);
}

export async function readOutcome(ctx: CommandContext, table: string, deploymentId: string): Promise<OutcomeDoc | undefined> {
  return records.readOutcome(ctx.clients, table, deploymentId);
}

/** The newest `decision#...` record, decoded to today's shape whichever version wrote it. */
export async function latestDecision(ctx: CommandContext, table: string, deploymentId: string): Promise<RecordOf<'decision'> | undefined> {
  return records.latestDecision(ctx.clients, table, deploymentId);
}
