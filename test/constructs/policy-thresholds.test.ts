/**
 * The rollback alarms take the judge's thresholds: one change to the release policy's defaults
 * (lib/policy/release-policy.ts) or to a deployment's analysis moves the runtime configuration the
 * judge reads and the alarms CodeDeploy watches together (the ECS engine's: test/native).
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CanaryDeployment } from '../../lib';
import { buildExistingService, buildNetwork, deploymentPropsFor, newStack } from '../helpers/fixtures';
import { parseJoinedJson, resourcesOfType } from '../helpers/template';

// A policy whose defaults differ from the shipped ones in every threshold the alarms share with the judge.
jest.mock('../../lib/policy/release-policy', () => {
  const actual = jest.requireActual('../../lib/policy/release-policy');
  return {
    ...actual,
    DEFAULT_THRESHOLDS: { ...actual.DEFAULT_THRESHOLDS, maxErrorRatePercent: 3, maxP95Ms: 800, maxP99Ms: 1700, minRequests: 40, unhealthyMinutes: 3 },
  };
});

/** Threshold, periods and gate of the alarm whose logical id contains `kind` (one over both target groups: its expressions joined). */
function alarmsOf(template: Template, kind: string): Array<{ threshold: number; periods: number; toAlarm: number; expression: string }> {
  return Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
    .filter(([id]) => id.includes(kind))
    .map(([, r]) => {
      const p = r.Properties!;
      const expr = (p.Metrics as any[]).filter((q) => q.Expression).map((q) => q.Expression as string).join('\n');
      return { threshold: p.Threshold, periods: p.EvaluationPeriods, toAlarm: p.DatapointsToAlarm, expression: expr };
    });
}

function analysisOf(template: Template): Record<string, unknown> {
  const params = Object.values(resourcesOfType(template, 'AWS::SSM::Parameter'));
  expect(params).toHaveLength(1);
  return parseJoinedJson(params[0].Properties!.Value).analysis;
}

describe('CanaryDeployment: the alarms use the judge thresholds', () => {
  function synth(extra: Parameters<typeof deploymentPropsFor>[1] = {}): Template {
    const stack = newStack();
    const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
    new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, extra));
    return Template.fromStack(stack);
  }

  test('a changed policy default moves the judge and the alarms together', () => {
    const template = synth();
    expect(analysisOf(template)).toMatchObject({ maxErrorRatePercent: 3, maxP95Ms: 800, maxP99Ms: 1700, minRequests: 40, unhealthyMinutes: 3 });
    for (const a of alarmsOf(template, 'ErrorRate')) {
      expect(a.threshold).toBe(3);
      expect(a.expression.match(/>= 40,/g)).toHaveLength(2);
    }
    // One latency alarm: value latency / limit, threshold 1, the limits in its expression.
    expect(alarmsOf(template, 'Latency').map((a) => [a.threshold, a.expression.match(/p95_1 \/ ([\d.]+) > p99_1 \/ ([\d.]+)/)?.slice(1)])).toEqual([[1, ['0.8', '1.7']]]);
    expect(alarmsOf(template, 'UnhealthyHosts').map((a) => a.periods)).toEqual([3]);
  });

  test("a deployment's own analysis moves both, and alarm timing stays its own option", () => {
    const template = synth({
      analysis: { maxP95: Duration.millis(600), maxP99: Duration.millis(900), maxErrorRatePercent: 0.5, minRequests: 250 },
      alarms: { breachMinutes: 3, evaluationMinutes: 4 },
    });
    expect(analysisOf(template)).toMatchObject({ maxErrorRatePercent: 0.5, maxP95Ms: 600, maxP99Ms: 900, minRequests: 250 });
    expect(alarmsOf(template, 'ErrorRate').map((a) => [a.threshold, a.periods, a.toAlarm])).toEqual([[0.5, 4, 3]]);
    const latency = alarmsOf(template, 'Latency');
    expect(latency.map((a) => [a.threshold, a.periods, a.toAlarm])).toEqual([[1, 4, 3]]);
    expect(latency[0].expression).toContain('IF(FILL(requests1, 0) >= 250, IF(p95_1 / 0.6 > p99_1 / 0.9, p95_1 / 0.6, p99_1 / 0.9), 0)');
    expect(latency[0].expression.match(/>= 250,/g)).toHaveLength(2);
  });
});
