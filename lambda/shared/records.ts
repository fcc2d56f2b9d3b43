import { AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DECISION_RETENTION_DAYS } from '../../lib/runtime-config';
import type { Clients } from './clients';
import { TransientError } from './errors';
import { CONTROL_SK, OUTCOME_SK, STABLE_SK, STATE_SK } from './record-types';
import type { ControlDoc, DecisionDoc, DecisionWindow, OutcomeDoc, RecordDocs, RecordKind, StableDoc, StateDoc } from './record-types';

export type {
  ControlAction, ControlDecisionDoc, ControlDoc, DecisionDoc, DecisionWindow, FinalDecisionDoc, NativeOutcomeDoc, OutcomeDoc,
  RecordDocs, RecordKind, StableDoc, StateDoc, StepDecisionDoc, StepperOutcomeDoc,
} from './record-types';

/**
 * Decision records and stepper state, one DynamoDB partition per deployment:
 *   pk `deploymentId`, sk `state` | `control` | `decision#<iso time>#<seq>` | `outcome` | `stable`.
 * Every item carries `expiresAt` (epoch seconds) for DynamoDB TTL: kept 90 days.
 * The JSON body sits in one string attribute `doc`; `kind` and `outcome` are top-level so
 * records can be counted (false-positive rollbacks) without parsing every body.
 * record-types.ts holds the document of each kind.
 */
export { CONTROL_SK, OUTCOME_SK, STABLE_SK, STATE_SK } from './record-types';

export interface StoredRecord<T = unknown> {
  readonly deploymentId: string;
  readonly sk: string;
  readonly kind: RecordKind;
  readonly outcome?: string;
  readonly doc: T;
}

/** A record of one kind with that kind's document. */
export type RecordOf<K extends RecordKind> = StoredRecord<RecordDocs[K]> & { readonly kind: K };

/** Any record of the table, discriminated on `kind`. */
export type AnyRecord = { [K in RecordKind]: RecordOf<K> }[RecordKind];

/**
 * A decision document as written by any version. Version 0.1.0's stepper wrote
 * `window: { from, to }` (and `at`), AfterAllowTraffic `window: { start, end }`: reading turns
 * the first into the second, so readers meet one shape. Every writer has written `phase`; a row
 * without one is read as a final verdict when it has a hook `status`, else as a step verdict
 * (what `canary status` assumed before). Other members are left as they are.
 */
export function decodeDecisionDoc<T>(doc: T): T {
  if (!doc || typeof doc !== 'object') return doc;
  const d = doc as { phase?: unknown; status?: unknown; window?: unknown };
  const phased = d.phase !== undefined ? doc : { ...doc, phase: typeof d.status === 'string' ? 'AfterAllowTraffic' : 'step' };
  const w = d.window as { from?: unknown; to?: unknown; start?: unknown; end?: unknown } | undefined;
  if (!w || typeof w !== 'object' || w.start !== undefined || typeof w.from !== 'string' || typeof w.to !== 'string') return phased;
  return { ...phased, window: { start: w.from, end: w.to } };
}

/** When a decision was taken: its `at`, else (final verdicts) the end of its window. */
export function decisionTime(doc: unknown): string | undefined {
  const d = decodeDecisionDoc(doc as { at?: unknown; window?: Partial<DecisionWindow> } | undefined);
  if (typeof d?.at === 'string') return d.at;
  return typeof d?.window?.end === 'string' ? d.window.end : undefined;
}

export function expiresAt(now: Date): number {
  return Math.floor(now.getTime() / 1000) + DECISION_RETENTION_DAYS * 24 * 3600;
}

export function decisionKey(at: Date, seq: number): string {
  return `decision#${at.toISOString()}#${String(seq).padStart(4, '0')}`;
}

/** One record, of its kind's document (record-types.ts); the typed writers below build it. */
export async function putRecord(
  clients: Clients,
  table: string,
  rec: AnyRecord,
  now: Date = new Date(),
): Promise<void> {
  await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: toItem(rec, now) }));
}

/** The top-level `outcome` of a decision row: the verdict's outcome, or the manual action. */
export function decisionOutcome(doc: DecisionDoc): string {
  return doc.phase === 'control' ? doc.control.action : doc.verdict.outcome;
}

/** The decision record `seq` taken at `at` (its sort key orders decisions in time). */
export function decisionRecord(deploymentId: string, at: Date, seq: number, doc: DecisionDoc): RecordOf<'decision'> {
  return { deploymentId, sk: decisionKey(at, seq), kind: 'decision', outcome: decisionOutcome(doc), doc };
}

/** A state-kind record (`state` or `final-verdict`); its `outcome` is how the engine finished, once it has. */
export function stateRecord(deploymentId: string, doc: StateDoc, sk: string = STATE_SK): RecordOf<'state'> {
  return { deploymentId, sk, kind: 'state', outcome: doc.finished, doc };
}

/** Writes the decision record of every writer: stepper steps and controls, native holds, final verdicts. */
export async function putDecision(clients: Clients, table: string, deploymentId: string, at: Date, seq: number, doc: DecisionDoc): Promise<void> {
  await putRecord(clients, table, decisionRecord(deploymentId, at, seq, doc), at);
}

export async function putState(clients: Clients, table: string, deploymentId: string, doc: StateDoc, now: Date, sk: string = STATE_SK): Promise<void> {
  await putRecord(clients, table, stateRecord(deploymentId, doc, sk), now);
}

export async function putControl(clients: Clients, table: string, deploymentId: string, doc: ControlDoc, now: Date): Promise<void> {
  await putRecord(clients, table, { deploymentId, sk: CONTROL_SK, kind: 'control', doc }, now);
}

/** `outcome` is the top-level attribute counted without parsing: 'Failed' | 'Succeeded' (or the guard's state outcome). */
export async function putOutcome(clients: Clients, table: string, deploymentId: string, outcome: string, doc: OutcomeDoc, now: Date): Promise<void> {
  await putRecord(clients, table, { deploymentId, sk: OUTCOME_SK, kind: 'outcome', outcome, doc }, now);
}

export async function putStable(clients: Clients, table: string, deploymentId: string, doc: StableDoc, now: Date): Promise<void> {
  await putRecord(clients, table, { deploymentId, sk: STABLE_SK, kind: 'stable', doc }, now);
}

/** The promote/abort request of a control document; anything malformed is no request. */
export function validControl(raw: unknown): ControlDoc | undefined {
  const doc = raw as ControlDoc | undefined;
  return doc && typeof doc === 'object' && (doc.action === 'promote' || doc.action === 'abort') ? doc : undefined;
}

/** The outcome document when it is one (an object), else undefined. */
export function validOutcome(raw: unknown): OutcomeDoc | undefined {
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? raw as OutcomeDoc : undefined;
}

/**
 * The state-kind document under `sk`. Which one it is follows from the partition and the key
 * (a CodeDeploy deployment's `state` is the stepper's, a service deployment ARN's the native hook's,
 * `final-verdict` AfterAllowTraffic's): the caller names it.
 */
export async function readState<S extends StateDoc>(clients: Clients, table: string, deploymentId: string, sk: string = STATE_SK): Promise<S | undefined> {
  return ((await getRecord<S>(clients, table, deploymentId, sk))?.doc ?? undefined);
}

export async function readControl(clients: Clients, table: string, deploymentId: string): Promise<ControlDoc | undefined> {
  return validControl((await getRecord(clients, table, deploymentId, CONTROL_SK))?.doc);
}

export async function readOutcome(clients: Clients, table: string, deploymentId: string): Promise<OutcomeDoc | undefined> {
  return validOutcome((await getRecord(clients, table, deploymentId, OUTCOME_SK))?.doc);
}

export async function readStable(clients: Clients, table: string, deploymentId: string): Promise<StableDoc | undefined> {
  return (await getRecord<StableDoc>(clients, table, deploymentId, STABLE_SK))?.doc ?? undefined;
}

/** The newest `decision#...` record (sort keys are ISO times, so the last in key order). */
export async function latestDecision(clients: Clients, table: string, deploymentId: string): Promise<RecordOf<'decision'> | undefined> {
  const { Items } = await clients.dynamodb.send(new QueryCommand({
    TableName: table,
    KeyConditionExpression: 'deploymentId = :d AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':d': { S: deploymentId }, ':p': { S: 'decision#' } },
    ScanIndexForward: false,
    Limit: 1,
  }));
  const item = Items?.[0];
  return item ? { ...fromItem(item), deploymentId, kind: 'decision' } as RecordOf<'decision'> : undefined;
}

/**
 * Several records of one deployment in one BatchWriteItem call (at most 25). Each put is atomic,
 * the batch is not: DynamoDB returns what it could not write in UnprocessedItems (API reference,
 * BatchWriteItem), which is thrown as a TransientError so the caller's retry writes them all again.
 */
export async function putRecords(clients: Clients, table: string, recs: readonly AnyRecord[], now: Date = new Date()): Promise<void> {
  const out = await clients.dynamodb.send(new BatchWriteItemCommand({
    RequestItems: { [table]: recs.map((r) => ({ PutRequest: { Item: toItem(r, now) } })) },
  }));
  const left = out.UnprocessedItems?.[table]?.length ?? 0;
  if (left > 0) throw new TransientError(`${left} of ${recs.length} records were not written (BatchWriteItem UnprocessedItems)`);
}

/**
 * Several records of one deployment by sort key, in one strongly consistent BatchGetItem call.
 * Keys DynamoDB did not process (UnprocessedKeys) are a TransientError, never read as missing.
 */
export async function getRecords(clients: Clients, table: string, deploymentId: string, sks: readonly string[]): Promise<Map<string, AnyRecord>> {
  const out = await clients.dynamodb.send(new BatchGetItemCommand({
    RequestItems: { [table]: { Keys: sks.map((sk) => ({ deploymentId: { S: deploymentId }, sk: { S: sk } })), ConsistentRead: true } },
  }));
  if ((out.UnprocessedKeys?.[table]?.Keys?.length ?? 0) > 0) throw new TransientError('BatchGetItem left keys unprocessed');
  const found = new Map<string, AnyRecord>();
  for (const item of out.Responses?.[table] ?? []) {
    const rec = fromItem(item);
    found.set(rec.sk, rec);
  }
  return found;
}

function toItem(rec: StoredRecord, now: Date): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    deploymentId: { S: rec.deploymentId },
    sk: { S: rec.sk },
    kind: { S: rec.kind },
    doc: { S: JSON.stringify(rec.doc) },
    expiresAt: { N: String(expiresAt(now)) },
  };
  if (rec.outcome) item.outcome = { S: rec.outcome };
  return item;
}

/** Internal: the typed readers above name the document each key holds. */
async function getRecord<T>(clients: Clients, table: string, deploymentId: string, sk: string): Promise<StoredRecord<T> | undefined> {
  const { Item } = await clients.dynamodb.send(new GetItemCommand({
    TableName: table,
    Key: { deploymentId: { S: deploymentId }, sk: { S: sk } },
    ConsistentRead: true,
  }));
  // The caller names the document its key holds (the typed readers above).
  return Item ? fromItem(Item) as StoredRecord<T> : undefined;
}

/** Every record of a deployment, in key order (decisions chronological). */
export async function listRecords(clients: Clients, table: string, deploymentId: string): Promise<AnyRecord[]> {
  const out: AnyRecord[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamodb.send(new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'deploymentId = :d',
      ExpressionAttributeValues: { ':d': { S: deploymentId } },
      ExclusiveStartKey,
    }));
    for (const item of page.Items ?? []) out.push(fromItem(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** A table item as a record of its kind; decision documents of every version are decoded to one shape. */
export function fromItem(item: Record<string, AttributeValue>): AnyRecord {
  const kind = (item.kind?.S ?? 'decision') as RecordKind;
  const doc: unknown = JSON.parse(item.doc?.S ?? 'null');
  return {
    deploymentId: item.deploymentId?.S ?? '',
    sk: item.sk?.S ?? '',
    kind,
    outcome: item.outcome?.S,
    doc: kind === 'decision' ? decodeDecisionDoc(doc) : doc,
  } as AnyRecord;
}
