import { GetItemCommand, PutItemCommand, QueryCommand, AttributeValue } from '@aws-sdk/client-dynamodb';
import { DECISION_RETENTION_DAYS } from '../../lib/runtime-config';
import type { Clients } from './clients';

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
  const item: Record<string, AttributeValue> = {
    deploymentId: { S: rec.deploymentId },
    sk: { S: rec.sk },
    kind: { S: rec.kind },
    doc: { S: JSON.stringify(rec.doc) },
    expiresAt: { N: String(expiresAt(now)) },
  };
  if (rec.outcome) item.outcome = { S: rec.outcome };
  await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
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

export function fromItem<T>(item: Record<string, AttributeValue>): StoredRecord<T> {
  return {
    deploymentId: item.deploymentId?.S ?? '',
    sk: item.sk?.S ?? '',
    kind: (item.kind?.S ?? 'decision') as RecordKind,
    outcome: item.outcome?.S,
    doc: JSON.parse(item.doc?.S ?? 'null') as T,
  };
}
