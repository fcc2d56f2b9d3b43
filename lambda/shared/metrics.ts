import { GetMetricDataCommand, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MinuteSample } from '../judge/types';
import type { Clients } from './clients';
import { ConfigurationError } from './errors';

/** `arn:...:listener/app/name/id/lid` -> `app/name/id` (the LoadBalancer metric dimension). */
export function loadBalancerDimension(listenerArn: string): string {
  const m = /:listener\/(app\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn);
  if (!m) throw new ConfigurationError(`not an application load balancer listener ARN: ${listenerArn}`);
  return m[1];
}

/** `arn:...:targetgroup/name/id` -> `targetgroup/name/id` (the TargetGroup metric dimension). */
export function targetGroupDimension(targetGroupArn: string): string {
  const m = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(targetGroupArn);
  if (!m) throw new ConfigurationError(`not a target group ARN: ${targetGroupArn}`);
  return m[1];
}

const SERIES = [
  { key: 'requests', metric: 'RequestCount', stat: 'Sum', scale: 1 },
  { key: 'errors5xx', metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum', scale: 1 },
  { key: 'p95Ms', metric: 'TargetResponseTime', stat: 'p95', scale: 1000 },
  { key: 'p99Ms', metric: 'TargetResponseTime', stat: 'p99', scale: 1000 },
  { key: 'healthyHosts', metric: 'HealthyHostCount', stat: 'Minimum', scale: 1 },
  { key: 'unhealthyHosts', metric: 'UnHealthyHostCount', stat: 'Maximum', scale: 1 },
  // Errors the load balancer answers itself (502/503/504) when a target refuses, resets or
  // fails TLS: not in HTTPCode_Target_5XX_Count, but published per target group (ALB metrics page).
  { key: 'connErrors', metric: 'TargetConnectionErrorCount', stat: 'Sum', scale: 1 },
  { key: 'tlsErrors', metric: 'TargetTLSNegotiationErrorCount', stat: 'Sum', scale: 1 },
] as const;

type SeriesKey = (typeof SERIES)[number]['key'];

/** The MetricDataQuery Id of one series: `${prefix}_connerrors`, `${prefix}_errors5xx`, ... */
export function queryId(prefix: string, key: SeriesKey): string {
  return `${prefix}_${key.toLowerCase()}`;
}

export function metricQueries(prefix: string, loadBalancer: string, targetGroup: string): MetricDataQuery[] {
  return SERIES.map((s) => ({
    Id: queryId(prefix, s.key),
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: s.metric,
        Dimensions: [
          { Name: 'TargetGroup', Value: targetGroup },
          { Name: 'LoadBalancer', Value: loadBalancer },
        ],
      },
      Period: 60,
      Stat: s.stat,
    },
  }));
}

/**
 * Turns GetMetricData results into per-minute samples, oldest first; a missing datapoint stays
 * undefined. Connection and TLS errors to the targets are errors of the target group (the client
 * got a 5xx from the load balancer), so they are added to `errors5xx`, and to `requests` as well:
 * [inference] RequestCount counts requests that got a response from a target, so a request that
 * never reached one is missing from it; the rate is errors over attempts (docs/notes/alarms.md).
 */
export function toSamples(prefix: string, results: MetricDataResult[]): MinuteSample[] {
  const byMinute = new Map<number, Partial<Record<SeriesKey, number>> & { timestamp: number }>();
  for (const s of SERIES) {
    const r = results.find((x) => x.Id === queryId(prefix, s.key));
    (r?.Timestamps ?? []).forEach((t, i) => {
      const ts = new Date(t).getTime();
      const v = r?.Values?.[i];
      if (v === undefined || !Number.isFinite(v)) return;
      const row = byMinute.get(ts) ?? { timestamp: ts };
      row[s.key] = v * s.scale;
      byMinute.set(ts, row);
    });
  }
  return [...byMinute.values()].sort((a, b) => a.timestamp - b.timestamp).map(toMinuteSample);
}

function toMinuteSample(row: Partial<Record<SeriesKey, number>> & { timestamp: number }): MinuteSample {
  const { connErrors, tlsErrors, ...rest } = row;
  const failed = (connErrors ?? 0) + (tlsErrors ?? 0);
  if (failed === 0) return rest;
  return {
    ...rest,
    requests: (rest.requests ?? 0) + failed,
    errors5xx: (rest.errors5xx ?? 0) + failed,
  };
}

export interface WindowSamples {
  readonly green: MinuteSample[];
  readonly blue: MinuteSample[];
}

/**
 * Per-minute ALB metrics of both target groups over [start, end). One GetMetricData call
 * (16 queries), paginated. cloudwatch:GetMetricData has no resource-level permission.
 */
export async function fetchWindow(
  clients: Clients,
  listenerArn: string,
  colors: { blueTargetGroupArn: string; greenTargetGroupArn: string },
  start: Date,
  end: Date,
): Promise<WindowSamples> {
  const lb = loadBalancerDimension(listenerArn);
  const queries = [
    ...metricQueries('green', lb, targetGroupDimension(colors.greenTargetGroupArn)),
    ...metricQueries('blue', lb, targetGroupDimension(colors.blueTargetGroupArn)),
  ];
  const results: MetricDataResult[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudwatch.send(new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: start,
      EndTime: end,
      ScanBy: 'TimestampAscending',
      NextToken,
    }));
    for (const r of page.MetricDataResults ?? []) {
      const existing = results.find((x) => x.Id === r.Id);
      if (existing) {
        existing.Timestamps = [...(existing.Timestamps ?? []), ...(r.Timestamps ?? [])];
        existing.Values = [...(existing.Values ?? []), ...(r.Values ?? [])];
      } else {
        results.push({ ...r });
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { green: toSamples('green', results), blue: toSamples('blue', results) };
}
