/**
 * `canary status --engine ecs` without a state record shows the newest decision record's verdict:
 * read as a typed DecisionDoc (records.ts), it has its time and percent (a bare cast of `doc.verdict`
 * printed "undefined at undefined (undefined %)").
 */
import type { Verdict } from '../../lambda/judge/types';
import type { FinalDecisionDoc, StepDecisionDoc } from '../../lambda/shared/records';
import { holdVerdict } from '../../src/cli/native/status';

const VERDICT: Verdict = { outcome: 'fail', reason: 'p95 600 ms > 500 ms', checks: [] };
const WINDOW = { start: '2025-06-02T10:00:00.000Z', end: '2025-06-02T10:06:00.000Z' };

test('a hold\'s decision shows its step, percent and time', () => {
  const doc = { phase: 'step', step: 2, percent: 50, verdict: VERDICT, window: WINDOW, at: '2025-06-02T10:06:30.000Z' } as unknown as StepDecisionDoc;
  expect(holdVerdict(doc)).toEqual({ outcome: 'fail', reason: VERDICT.reason, at: '2025-06-02T10:06:30.000Z', stepIndex: 2, percent: 50 });
});

test('a final verdict shows 100 % at the end of its window; a manual control is no verdict', () => {
  const doc = { phase: 'POST_PRODUCTION_TRAFFIC_SHIFT', status: 'Failed', verdict: VERDICT, window: WINDOW } as unknown as FinalDecisionDoc;
  expect(holdVerdict(doc)).toEqual({ outcome: 'fail', reason: VERDICT.reason, at: WINDOW.end, percent: 100 });
  expect(holdVerdict({ phase: 'control', step: 0, percent: 5, control: { action: 'abort', at: WINDOW.end, by: 'bob' }, at: WINDOW.end })).toBeUndefined();
  expect(holdVerdict(undefined)).toBeUndefined();
});
