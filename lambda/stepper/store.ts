/** The stepper's records in the decisions table (records.ts holds the table layout). */
import type { Clients } from '../shared/clients';
import { decisionKey, getRecord, getRecords, putRecord, putRecords, StoredRecord } from '../shared/records';
import { CONTROL_SK, ControlDoc, OUTCOME_SK, STATE_SK, StepperDecisionDoc, StepperOutcomeDoc, StepperState } from './types';

export class StepperStore {
  constructor(
    private readonly clients: Clients,
    private readonly table: string,
    private readonly deploymentId: string,
  ) {}

  /** The state and the CLI's promote/abort request in one read. */
  async readStateAndControl(): Promise<{ state?: StepperState; control?: ControlDoc }> {
    const found = await getRecords(this.clients, this.table, this.deploymentId, [STATE_SK, CONTROL_SK]);
    return { state: (found.get(STATE_SK)?.doc ?? undefined) as StepperState | undefined, control: validControl(found.get(CONTROL_SK)?.doc) };
  }

  /** A decision record and the state it leads to, in one write. */
  async writeDecisionAndState(seq: number, doc: StepperDecisionDoc, outcome: string, state: StepperState, now: Date): Promise<void> {
    await putRecords(this.clients, this.table, [this.decisionRecord(seq, doc, outcome, now), this.stateRecord(state)], now);
  }

  async readState(): Promise<StepperState | undefined> {
    return (await getRecord<StepperState>(this.clients, this.table, this.deploymentId, STATE_SK))?.doc ?? undefined;
  }

  async writeState(state: StepperState, now: Date): Promise<void> {
    await putRecord(this.clients, this.table, this.stateRecord(state), now);
  }

  private stateRecord(state: StepperState): StoredRecord<StepperState> {
    return { deploymentId: this.deploymentId, sk: STATE_SK, kind: 'state', outcome: state.finished, doc: state };
  }

  private decisionRecord(seq: number, doc: StepperDecisionDoc, outcome: string, now: Date): StoredRecord<StepperDecisionDoc> {
    return { deploymentId: this.deploymentId, sk: decisionKey(now, seq), kind: 'decision', outcome, doc };
  }

  /** The CLI's promote/abort request, if any; anything malformed is ignored. */
  async readControl(): Promise<ControlDoc | undefined> {
    return validControl((await getRecord<ControlDoc>(this.clients, this.table, this.deploymentId, CONTROL_SK))?.doc);
  }

  async writeDecision(seq: number, doc: StepperDecisionDoc, outcome: string, now: Date): Promise<void> {
    await putRecord(this.clients, this.table, this.decisionRecord(seq, doc, outcome, now), now);
  }

  async writeOutcome(doc: StepperOutcomeDoc, now: Date): Promise<void> {
    await putRecord(this.clients, this.table, {
      deploymentId: this.deploymentId,
      sk: OUTCOME_SK,
      kind: 'outcome',
      outcome: 'Failed',
      doc,
    }, now);
  }
}

function validControl(raw: unknown): ControlDoc | undefined {
  const doc = raw as ControlDoc | undefined;
  if (!doc || (doc.action !== 'promote' && doc.action !== 'abort')) return undefined;
  return doc;
}
