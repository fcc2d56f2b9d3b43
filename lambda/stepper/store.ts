/** The stepper's records in the decisions table (records.ts holds the table layout). */
import type { Clients } from '../shared/clients';
import { decisionKey, getRecord, putRecord } from '../shared/records';
import { CONTROL_SK, ControlDoc, OUTCOME_SK, STATE_SK, StepperDecisionDoc, StepperOutcomeDoc, StepperState } from './types';

export class StepperStore {
  constructor(
    private readonly clients: Clients,
    private readonly table: string,
    private readonly deploymentId: string,
  ) {}

  async readState(): Promise<StepperState | undefined> {
    return (await getRecord<StepperState>(this.clients, this.table, this.deploymentId, STATE_SK))?.doc ?? undefined;
  }

  async writeState(state: StepperState, now: Date): Promise<void> {
    await putRecord(this.clients, this.table, {
      deploymentId: this.deploymentId,
      sk: STATE_SK,
      kind: 'state',
      outcome: state.finished,
      doc: state,
    }, now);
  }

  /** The CLI's promote/abort request, if any; anything malformed is ignored. */
  async readControl(): Promise<ControlDoc | undefined> {
    const doc = (await getRecord<ControlDoc>(this.clients, this.table, this.deploymentId, CONTROL_SK))?.doc;
    if (!doc || (doc.action !== 'promote' && doc.action !== 'abort')) return undefined;
    return doc;
  }

  async writeDecision(seq: number, doc: StepperDecisionDoc, outcome: string, now: Date): Promise<void> {
    await putRecord(this.clients, this.table, {
      deploymentId: this.deploymentId,
      sk: decisionKey(now, seq),
      kind: 'decision',
      outcome,
      doc,
    }, now);
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
