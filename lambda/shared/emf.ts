/**
 * Outcome metrics in CloudWatch's embedded metric format (EMF), written with Powertools Metrics:
 * one JSON line on stdout, which Lambda sends to CloudWatch Logs and CloudWatch Logs turns into the
 * metric. No PutMetricData call, so no cloudwatch:PutMetricData permission and no API latency
 * (docs/notes/lambda-runtime.md cites the EMF specification and "Using EMF with Lambda").
 */
import type { Metrics as MetricsType } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, ENV } from '../../lib/runtime-config';

export interface OutcomeMetric {
  readonly name: string;
  /** Every dimension of the metric: CloudWatch identifies a metric by its whole dimension set. */
  readonly dimensions: Record<string, string>;
  readonly value: number;
  /** When it happened (EMF `_aws.Timestamp`); CloudWatch skips one older than 14 days. */
  readonly at: Date;
  /** @default process.env[ENV.METRICS_NAMESPACE] ?? DEFAULT_METRICS_NAMESPACE */
  readonly namespace?: string;
}

/**
 * Writes one metric as an EMF line. Powertools Metrics is required on first use: only a release's
 * end emits, so the functions do not load it at start (bench/cold-init.ts measures with and without).
 */
export function emitMetric(m: OutcomeMetric): void {
  const { Metrics, MetricUnit } = require('@aws-lambda-powertools/metrics') as typeof import('@aws-lambda-powertools/metrics');
  const metrics: MetricsType = new Metrics({ namespace: m.namespace || process.env[ENV.METRICS_NAMESPACE] || DEFAULT_METRICS_NAMESPACE });
  // Powertools adds a `service` dimension by default; the dashboard and alarms read the metric by
  // exactly these dimensions, so it is left out.
  metrics.clearDefaultDimensions();
  metrics.addDimensions(m.dimensions);
  metrics.addMetric(m.name, MetricUnit.NoUnit, m.value);
  metrics.setTimestamp(m.at);
  metrics.publishStoredMetrics();
}
