import { AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DECISION_RETENTION_DAYS } from '../../lib/runtime-config';
import type { Clients } from './clients';
import { TransientError } from './errors';

/**
 * Decision records and stepper state, one DynamoDB partition per deployment:
 *   pk `deploymentId`, sk `state` | `control` | `decision#<iso time>#<seq>` | `outcome`.
 * Every item carries `expiresAt` (epoch seconds) for DynamoDB TTL: kept 90 days.
 * The JSON body sits in one string attribute `doc`; `kind` and `outcome` are top-level so
 * records can be counted (false-positive rollbacks) without parsing every body.
 */
export type RecordKind = 'state' | 'control' | 'decision' | 'outcome' | 'stable';

export interface StoredRecord<T = unknown> {
  readonly deploymentId: string;
  readonly sk: string;
  readonly kind: RecordKind;
  readonly outcome?: string;
  readonly doc: T;
}

/**
 * The judged minutes of a decision record, [start, end), ISO times: one shape for every writer
 * (the stepper's steps, the final verdicts of both engines, the native hook's holds).
 */
export interface DecisionWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * A decision document as written by any version. Version 0.1.0's stepper wrote
 * `window: { from, to }` (and `at`), AfterAllowTraffic `window: { start, end }`: reading turns
 * the first into the second, so readers meet one shape. Other members are left as they are.
 */
export function decodeDecisionDoc<T>(doc: T): T {
  if (!doc || typeof doc !== 'object') return doc;
  const w = (doc as { window?: unknown }).window as { from?: unknown; to?: unknown; start?: unknown; end?: unknown } | undefined;
  if (!w || typeof w !== 'object' || w.start !== undefined || typeof w.from !== 'string' || typeof w.to !== 'string') return doc;
  return { ...doc, window: { start: w.from, end: w.to } };
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

export async function putRecord<T>(
  clients: Clients,
  table: string,
  rec: StoredRecord<T>,
  now: Date = new Date(),
): Promise<void> {
  await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: toItem(rec, now) }));
}

/**
 * Several records of one deployment in one BatchWriteItem call (at most 25). Each put is atomic,
 * the batch is not: DynamoDB returns what it could not write in UnprocessedItems (API reference,
 * BatchWriteItem), which is thrown as a TransientError so the caller's retry writes them all again.
 */
export async function putRecords(clients: Clients, table: string, recs: StoredRecord[], now: Date = new Date()): Promise<void> {
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
export async function getRecords(clients: Clients, table: string, deploymentId: string, sks: readonly string[]): Promise<Map<string, StoredRecord>> {
  const out = await clients.dynamodb.send(new BatchGetItemCommand({
    RequestItems: { [table]: { Keys: sks.map((sk) => ({ deploymentId: { S: deploymentId }, sk: { S: sk } })), ConsistentRead: true } },
  }));
  if ((out.UnprocessedKeys?.[table]?.Keys?.length ?? 0) > 0) throw new TransientError('BatchGetItem left keys unprocessed');
  const found = new Map<string, StoredRecord>();
  for (const item of out.Responses?.[table] ?? []) {
    const rec = fromItem(item);
    found.set(rec.sk, rec);
  }
  return found;
}

function toItem<T>(rec: StoredRecord<T>, now: Date): Record<string, AttributeValue> {
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

export async function getRecord<T>(clients: Clients, table: string, deploymentId: string, sk: string): Promise<StoredRecord<T> | undefined> {
  const { Item } = await clients.dynamodb.send(new GetItemCommand({
    TableName: table,
    Key: { deploymentId: { S: deploymentId }, sk: { S: sk } },
    ConsistentRead: true,
  }));
  return Item ? fromItem<T>(Item) : undefined;
}

/** Every record of a deployment, in key order (decisions chronological). */
export async function listRecords(clients: Clients, table: string, deploymentId: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
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

/** A table item as a record; decision documents of every version are decoded to one shape. */
export function fromItem<T>(item: Record<string, AttributeValue>): StoredRecord<T> {
  const kind = (item.kind?.S ?? 'decision') as RecordKind;
  const doc = JSON.parse(item.doc?.S ?? 'null') as T;
  return {
    deploymentId: item.deploymentId?.S ?? '',
    sk: item.sk?.S ?? '',
    kind,
    outcome: item.outcome?.S,
    doc: kind === 'decision' ? decodeDecisionDoc(doc) : doc,
  };
}
