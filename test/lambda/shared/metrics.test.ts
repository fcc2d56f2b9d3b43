import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { judge } from '../../../lambda/judge';
import { createClients } from '../../../lambda/shared/clients';
import { fetchWindow, metricQueries, toSamples } from '../../../lambda/shared/metrics';
import { RELEASE_POLICY_ANALYSIS } from '../../../lib/runtime-config';

const cw = mockClient(CloudWatchClient);
const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/api-alb/1234567890abcdef/fedcba0987654321';
const GREEN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-green/aaaaaaaaaaaaaaaa';
const BLUE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-blue/bbbbbbbbbbbbbbbb';
const M0 = new Date(Date.UTC(2025, 5, 2, 10, 0, 0));
const M1 = new Date(Date.UTC(2025, 5, 2, 10, 1, 0));

beforeEach(() => cw.reset());

function result(id: string, values: number[], timestamps = [M0, M1].slice(0, values.length)) {
  return { Id: id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' as const };
}

describe('metricQueries', () => {
  test('asks for the target group\'s connection and TLS errors, Sum per minute, with the TargetGroup dimension', () => {
    const q = metricQueries('green', 'app/api-alb/1234567890abcdef', 'targetgroup/api-green/aaaaaaaaaaaaaaaa');
    const byId = (id: string): MetricDataQuery | undefined => q.find((x) => x.Id === id);
    for (const [id, metric] of [['green_connerrors', 'TargetConnectionErrorCount'], ['green_tlserrors', 'TargetTLSNegotiationErrorCount']]) {
      expect(byId(id)).toEqual({
        Id: id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: metric,
            Dimensions: [
              { Name: 'TargetGroup', Value: 'targetgroup/api-green/aaaaaaaaaaaaaaaa' },
              { Name: 'LoadBalancer', Value: 'app/api-alb/1234567890abcdef' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
      });
    }
    // No load-balancer-wide metric sneaks in: every query is scoped to the target group.
    expect(q.every((x) => x.MetricStat?.Metric?.Dimensions?.some((d) => d.Name === 'TargetGroup'))).toBe(true);
  });
});

describe('toSamples', () => {
  test('connection and TLS errors count as errors and as attempts; the sample keeps its shape', () => {
    const samples = toSamples('green', [
      result('green_requests', [100, 50]),
      result('green_errors5xx', [1]),
      result('green_connerrors', [20, 30]),
      result('green_tlserrors', [0, 5]),
    ]);
    expect(samples).toEqual([
      { timestamp: M0.getTime(), requests: 120, errors5xx: 21 },
      { timestamp: M1.getTime(), requests: 85, errors5xx: 35 },
    ]);
  });

  test('a minute with connection errors only (a crashed version serves nothing) is all errors', () => {
    expect(toSamples('green', [result('green_connerrors', [40], [M0])])).toEqual([{ timestamp: M0.getTime(), requests: 40, errors5xx: 40 }]);
  });

  test('without connection errors the sample is what the load balancer published', () => {
    expect(toSamples('green', [result('green_requests', [100], [M0]), result('green_p95ms', [0.25], [M0])]))
      .toEqual([{ timestamp: M0.getTime(), requests: 100, p95Ms: 250 }]);
  });
});

describe('fetchWindow', () => {
  test('a canary that refuses connections fails the judge (it answered no 5xx itself)', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result('green_requests', [60, 60]),
        result('green_connerrors', [140, 140]),
        result('blue_requests', [2000, 2000]),
      ],
    });
    const w = await fetchWindow(createClients(), LISTENER, { blueTargetGroupArn: BLUE, greenTargetGroupArn: GREEN }, M0, new Date(M1.getTime() + 60_000));
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: expect.arrayContaining([
        expect.objectContaining({ Id: 'green_connerrors' }),
        expect.objectContaining({ Id: 'blue_connerrors' }),
        expect.objectContaining({ Id: 'green_tlserrors' }),
      ]),
    });
    expect(w.green.map((s) => [s.requests, s.errors5xx])).toEqual([[200, 140], [200, 140]]);
    const verdict = judge({ green: w.green, blue: w.blue, thresholds: RELEASE_POLICY_ANALYSIS });
    expect(verdict.outcome).toBe('fail');
    expect(verdict.checks.find((c) => c.check === 'error-rate')?.outcome).toBe('fail');
  });
});
