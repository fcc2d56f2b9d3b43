/**
 * One shape of decision record for every reader, whichever version wrote the row: 0.1.0's stepper
 * wrote `window: { from, to }` next to `at`, AfterAllowTraffic `window: { start, end }`.
 */
import { AttributeValue, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { decisionTime, decodeDecisionDoc, fromItem } from '../../../lambda/shared/records';
import { latestDecision } from '../../../src/cli/context';

const OLD_STEP_ROW: Record<string, AttributeValue> = {
  deploymentId: { S: 'd-OLD000001' },
  sk: { S: 'decision#2025-06-02T10:06:00.000Z#0006' },
  kind: { S: 'decision' },
  outcome: { S: 'pass' },
  doc: { S: JSON.stringify({ phase: 'step', step: 0, percent: 5, action: 'advance', at: '2025-06-02T10:06:00.000Z', window: { from: '2025-06-02T10:00:00.000Z', to: '2025-06-02T10:06:00.000Z' } }) },
  expiresAt: { N: '1756800000' },
};
const FINAL_ROW: Record<string, AttributeValue> = {
  ...OLD_STEP_ROW,
  sk: { S: 'decision#2025-06-02T10:40:00.000Z#0000' },
  doc: { S: JSON.stringify({ phase: 'AfterAllowTraffic', status: 'Succeeded', window: { start: '2025-06-02T10:33:00.000Z', end: '2025-06-02T10:38:00.000Z' } }) },
};

test('a 0.1.0 stepper row decodes to the one window shape, its other members untouched', () => {
  const rec = fromItem(OLD_STEP_ROW);
  expect(rec).toMatchObject({ deploymentId: 'd-OLD000001', kind: 'decision', outcome: 'pass' });
  if (rec.kind !== 'decision' || rec.doc.phase !== 'step') throw new Error('expected a step decision');
  expect(rec.doc.window).toEqual({ start: '2025-06-02T10:00:00.000Z', end: '2025-06-02T10:06:00.000Z' });
  expect(rec.doc).toMatchObject({ phase: 'step', action: 'advance', at: '2025-06-02T10:06:00.000Z' });
});

test('rows already in the shape, and non-decision records, are returned as written', () => {
  expect((fromItem(FINAL_ROW).doc as { window?: unknown }).window).toEqual({ start: '2025-06-02T10:33:00.000Z', end: '2025-06-02T10:38:00.000Z' });
  const state = fromItem({ ...OLD_STEP_ROW, sk: { S: 'state' }, kind: { S: 'state' }, doc: { S: JSON.stringify({ window: { from: 'a', to: 'b' } }) } });
  expect((state.doc as { window?: unknown }).window).toEqual({ from: 'a', to: 'b' });
  expect(decodeDecisionDoc(null)).toBeNull();
});

test('a decision\'s time: its `at`, else the end of its window (final verdicts)', () => {
  expect(decisionTime(fromItem(OLD_STEP_ROW).doc)).toBe('2025-06-02T10:06:00.000Z');
  expect(decisionTime(fromItem(FINAL_ROW).doc)).toBe('2025-06-02T10:38:00.000Z');
  expect(decisionTime({ window: { from: 'x', to: '2025-01-01T00:00:00.000Z' } })).toBe('2025-01-01T00:00:00.000Z');
  expect(decisionTime({})).toBeUndefined();
});

test('the CLI reads the newest decision through the same decoding', async () => {
  const dynamodb = mockClient(DynamoDBClient);
  dynamodb.on(QueryCommand).resolves({ Items: [OLD_STEP_ROW] });
  const ctx = { clients: { dynamodb: new DynamoDBClient({}) } } as unknown as Parameters<typeof latestDecision>[0];
  const rec = await latestDecision(ctx, 'table', 'd-OLD000001');
  expect(rec?.doc.phase === 'step' && rec.doc.window).toEqual({ start: '2025-06-02T10:00:00.000Z', end: '2025-06-02T10:06:00.000Z' });
  dynamodb.restore();
});
