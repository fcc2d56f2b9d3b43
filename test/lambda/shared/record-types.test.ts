/**
 * One typed record module (lambda/shared/record-types.ts + records.ts): what each writer stores is
 * the JSON of its document, unchanged, and comes back through the readers as its kind's type.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Verdict } from '../../../lambda/judge/types';
import type { NativeState } from '../../../lambda/native/types';
import {
  AnyRecord, ControlDoc, DecisionDoc, decisionOutcome, FinalDecisionDoc, fromItem, getRecords, OutcomeDoc, putControl, putDecision,
  putOutcome, putRecord, putStable, putState, readControl, readOutcome, readStable, readState, StableDoc, StepDecisionDoc,
} from '../../../lambda/shared/records';
import type { StepperState } from '../../../lambda/stepper/types';
import { DEPLOYMENT_ID, FakeAws, T0, TABLE } from '../stepper/fake-aws';
import { runStateMachine } from '../stepper/state-machine';

const AT = new Date(T0);
const ISO = AT.toISOString();
const PASS: Verdict = { outcome: 'pass', reason: 'all checks passed', checks: [] };
const WINDOW = { start: '2025-06-02T09:55:00.000Z', end: ISO };
const ANALYSIS = { intervalSeconds: 60 } as unknown as StepDecisionDoc['thresholds'];
const STEP: StepDecisionDoc = {
  phase: 'step', step: 1, percent: 25, verdict: PASS, samples: { green: [], blue: [] }, window: WINDOW,
  thresholds: ANALYSIS, action: 'advance', extensions: 0, at: ISO,
};
const CONTROL_DECISION: DecisionDoc = { phase: 'control', step: 0, percent: 5, control: { action: 'abort', at: ISO, by: 'bob' }, at: ISO };
const FINAL: FinalDecisionDoc = {
  phase: 'POST_PRODUCTION_TRAFFIC_SHIFT', status: 'Failed', verdict: { ...PASS, outcome: 'fail', reason: 'p95' },
  samples: { green: [], blue: [] }, thresholds: ANALYSIS, colors: { blueTargetGroupArn: 'tg-b', greenTargetGroupArn: 'tg-a' },
  blueSource: 'baseline', window: WINDOW,
};

let fake: FakeAws;
beforeEach(() => {
  fake = new FakeAws().install();
});

function stored(pk: string, sk: string): Record<string, AttributeValue> {
  const item = fake.items.get(`${pk}|${sk}`);
  if (!item) throw new Error(`nothing stored under ${pk}|${sk}`);
  return item;
}

function onlyDecision(pk: string): Record<string, AttributeValue> {
  const items = [...fake.items.values()].filter((i) => i.deploymentId.S === pk && i.sk.S?.startsWith('decision#'));
  expect(items).toHaveLength(1);
  return items[0];
}

describe('every decision document round-trips with its type', () => {
  test.each([
    ['a stepper step / native hold', STEP, 'pass'],
    ['a manual control', CONTROL_DECISION, 'abort'],
    ['a final verdict', FINAL, 'fail'],
  ] as [string, DecisionDoc, string][])('%s: stored as its JSON with its outcome on top, read back as the same DecisionDoc', async (_name, doc, outcome) => {
    await putDecision(fake.clients, TABLE, 'd-RT', AT, 7, doc);
    const item = onlyDecision('d-RT');
    expect(item).toMatchObject({ sk: { S: `decision#${ISO}#0007` }, kind: { S: 'decision' }, outcome: { S: outcome }, doc: { S: JSON.stringify(doc) } });
    const rec: AnyRecord = fromItem(item);
    if (rec.kind !== 'decision') throw new Error(`read as ${rec.kind}`);
    expect(rec.doc).toEqual(doc);
    expect(decisionOutcome(rec.doc)).toBe(outcome);
  });
});

test('state documents of each engine, control, outcome and stable records round-trip through the typed readers', async () => {
  const stepper = { lifecycleEventHookExecutionId: 'h', stepIndex: 0, percent: 5, finished: 'failed', updatedAt: ISO } as unknown as StepperState;
  const native: NativeState = { engine: 'ecs', serviceDeploymentArn: 'arn:svc-dep', extensions: 0, passed: [0], decisions: 2, updatedAt: ISO };
  const control: ControlDoc = { action: 'promote', at: ISO, by: 'alice' };
  const outcome: OutcomeDoc = { source: 'stepper', result: 'failed', reason: 'step 1 failed', restored: true, at: ISO };
  const stable: StableDoc = { blueTargetGroupArn: 'tg-b', greenTargetGroupArn: 'tg-a', productionListenerArn: 'listener', at: ISO };

  await putState(fake.clients, TABLE, 'd-RT', stepper, AT);
  await putState(fake.clients, TABLE, 'arn:svc-dep', native, AT);
  await putControl(fake.clients, TABLE, 'd-RT', control, AT);
  await putOutcome(fake.clients, TABLE, 'd-RT', 'Failed', outcome, AT);
  await putStable(fake.clients, TABLE, 'd-RT', stable, AT);

  // The stored items are what the writers stored before the typed module (same kinds, keys, outcomes, JSON).
  expect(stored('d-RT', 'state')).toMatchObject({ kind: { S: 'state' }, outcome: { S: 'failed' }, doc: { S: JSON.stringify(stepper) } });
  expect(stored('arn:svc-dep', 'state')).toMatchObject({ kind: { S: 'state' }, doc: { S: JSON.stringify(native) } });
  expect(stored('arn:svc-dep', 'state').outcome).toBeUndefined();
  expect(stored('d-RT', 'control')).toMatchObject({ kind: { S: 'control' }, doc: { S: JSON.stringify(control) } });
  expect(stored('d-RT', 'outcome')).toMatchObject({ kind: { S: 'outcome' }, outcome: { S: 'Failed' }, doc: { S: JSON.stringify(outcome) } });
  expect(stored('d-RT', 'stable')).toMatchObject({ kind: { S: 'stable' }, doc: { S: JSON.stringify(stable) } });

  expect(await readState<StepperState>(fake.clients, TABLE, 'd-RT')).toEqual(stepper);
  expect(await readState<NativeState>(fake.clients, TABLE, 'arn:svc-dep')).toEqual(native);
  expect(await readControl(fake.clients, TABLE, 'd-RT')).toEqual(control);
  expect((await readOutcome(fake.clients, TABLE, 'd-RT'))?.reason).toBe('step 1 failed');
  expect(await readStable(fake.clients, TABLE, 'd-RT')).toEqual(stable);
  const both = await getRecords(fake.clients, TABLE, 'd-RT', ['state', 'control']);
  expect([...both.values()].map((r) => r.kind).sort()).toEqual(['control', 'state']);
});

test('malformed control and outcome documents read as none', async () => {
  await fake.clients.dynamodb.send(new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({ TableName: TABLE, Item: {
    deploymentId: { S: 'd-BAD' }, sk: { S: 'control' }, kind: { S: 'control' }, doc: { S: JSON.stringify({ action: 'rollback' }) },
  } }));
  await fake.clients.dynamodb.send(new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({ TableName: TABLE, Item: {
    deploymentId: { S: 'd-BAD' }, sk: { S: 'outcome' }, kind: { S: 'outcome' }, doc: { S: JSON.stringify(['not', 'an', 'object']) },
  } }));
  expect(await readControl(fake.clients, TABLE, 'd-BAD')).toBeUndefined();
  expect(await readOutcome(fake.clients, TABLE, 'd-BAD')).toBeUndefined();
});

test('every record the stepper writes in a whole release reads back as its kind, decisions as step verdicts', async () => {
  const run = await runStateMachine(fake);
  expect(run.status).toBe('SUCCEEDED');
  const recs = [...fake.items.values()].filter((i) => i.deploymentId.S === DEPLOYMENT_ID).map(fromItem);
  const decisions = recs.filter((r) => r.kind === 'decision');
  expect(decisions.length).toBeGreaterThan(0);
  for (const r of recs) {
    if (r.kind === 'decision') {
      if (r.doc.phase !== 'step') throw new Error(`unexpected phase ${r.doc.phase}`);
      // The top-level outcome is the verdict's, as the stepper always wrote it.
      expect(r.outcome).toBe(r.doc.verdict.outcome);
      expect(Object.keys(r.doc.window).sort()).toEqual(['end', 'start']);
    } else if (r.kind === 'state') {
      expect(r.outcome).toBe('succeeded');
    }
  }
});

describe('rows without a phase (never written by any version, read defensively)', () => {
  const row = (doc: object): Record<string, AttributeValue> => ({
    deploymentId: { S: 'd-OLD' }, sk: { S: `decision#${ISO}#0001` }, kind: { S: 'decision' }, doc: { S: JSON.stringify(doc) },
  });

  test('a verdict without a hook status decodes as a step verdict', () => {
    const rec = fromItem(row({ step: 0, percent: 5, verdict: PASS, window: { from: WINDOW.start, to: WINDOW.end }, at: ISO }));
    expect(rec.kind === 'decision' && rec.doc.phase).toBe('step');
    expect(rec.kind === 'decision' && rec.doc.phase === 'step' && rec.doc.window).toEqual(WINDOW);
  });

  test('a verdict with a hook status decodes as a CodeDeploy final verdict', () => {
    const rec = fromItem(row({ status: 'Succeeded', verdict: PASS, window: WINDOW }));
    expect(rec.kind === 'decision' && rec.doc.phase).toBe('AfterAllowTraffic');
  });
});

test('the writers take only their kind\'s document (checked by `npm run typecheck`)', () => {
  // Never called: the @ts-expect-error lines fail the type check if a writer accepted a wrong document.
  const typeChecks = async (): Promise<void> => {
    // @ts-expect-error a control document holds promote or abort only
    await putRecord(fake.clients, TABLE, { deploymentId: 'x', sk: 'control', kind: 'control', doc: { action: 'rollback', at: ISO, by: 'bob' } });
    // @ts-expect-error a decision record holds a DecisionDoc
    await putDecision(fake.clients, TABLE, 'x', AT, 1, { phase: 'step', verdict: PASS });
  };
  expect(typeof typeChecks).toBe('function');
});
