/** The stepper's records in the decisions table (records.ts holds the table layout and the typed writers). */
import type { Clients } from '../shared/clients';
import { decisionRecord, getRecords, putDecision, putOutcome, putRecords, putState, readState, stateRecord, STATE_SK, CONTROL_SK, validControl } from '../shared/records';
import type { StepperDecisionDoc, StepperOutcomeDoc, StepperState, ControlDoc } from './types';

export class StepperStore {
  constructor(
    private readonly clients: Clients,
    private readonly table: string,
    private readonly deploymentId: string,
  ) {}

  /** The state and the CLI's promote/abort request in one read. */
  async readStateAndControl(): Promise<{ state?: StepperState; control?: ControlDoc }> {
    const found = await getRecords(this.clients, this.table, this.deploymentId, [STATE_SK, CONTROL_SK]);
    // A CodeDeploy deployment's `state` is the stepper's (the native hook keys its state by service deployment ARN).
    return { state: (found.get(STATE_SK)?.doc ?? undefined) as StepperState | undefined, control: validControl(found.get(CONTROL_SK)?.doc) };
  }

  /** A decision record and the state it leads to, in one write. */
  async writeDecisionAndState(seq: number, doc: StepperDecisionDoc, state: StepperState, now: Date): Promise<void> {
    await putRecords(this.clients, this.table, [decisionRecord(this.deploymentId, now, seq, doc), stateRecord(this.deploymentId, state)], now);
  }

  async readState(): Promise<StepperState | undefined> {
    return readState<StepperState>(this.clients, this.table, this.deploymentId);
  }

  async writeState(state: StepperState, now: Date): Promise<void> {
    await putState(this.clients, this.table, this.deploymentId, state, now);
  }

  async writeDecision(seq: number, doc: StepperDecisionDoc, now: Date): Promise<void> {
    await putDecision(this.clients, this.table, this.deploymentId, now, seq, doc);
  }

  async writeOutcome(doc: StepperOutcomeDoc, now: Date): Promise<void> {
    await putOutcome(this.clients, this.table, this.deploymentId, 'Failed', doc, now);
  }
}
