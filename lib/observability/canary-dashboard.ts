import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { errorRateExpression } from '../policy/error-rate';
import { DEFAULT_METRICS_NAMESPACE } from '../runtime-config';
import type { ICanaryDeployment } from '../deployment/canary-deployment-base';

/** Options of a dashboard made from a deployment (CanaryDashboard.forDeployment). */
export interface CanaryDashboardOptions {
  /**
   * Dashboard name.
   * @default generated
   */
  readonly dashboardName?: string;
}

export interface CanaryDashboardProps extends CanaryDashboardOptions {
  /** The target group serving production when the service was created; shown beside `greenTargetGroup`, as either one may be the new version. */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The other target group of the service. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /** The composite rollback alarm. */
  readonly rollbackAlarm: cloudwatch.IAlarm;
  /** `<application>/<deployment group>`, the dimension of the outcome metrics. */
  readonly deploymentGroup: string;
}

/**
 * Blue and green side by side: what the judge and the rollback alarms look at (requests, 5xx rate,
 * p95/p99, host health) for both target groups, the rollback alarm, and the release outcomes.
 */
export class CanaryDashboard extends Construct {
  /** The dashboard of a canary deployment: its two target groups, rollback alarm and outcomes. */
  public static forDeployment(scope: Construct, id: string, deployment: ICanaryDeployment, options: CanaryDashboardOptions = {}): CanaryDashboard {
    return new CanaryDashboard(scope, id, {
      ...options,
      blueTargetGroup: deployment.blueTargetGroup,
      greenTargetGroup: deployment.greenTargetGroup,
      rollbackAlarm: deployment.rollbackAlarm,
      deploymentGroup: `${deployment.application.applicationName}/${deployment.deploymentGroup.deploymentGroupName}`,
    });
  }

  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CanaryDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const [a, b] = [props.blueTargetGroup, props.greenTargetGroup];
    const label = (i: number) => `target group ${i + 1}`;
    const both = (metric: (tg: elbv2.IApplicationTargetGroup, i: number) => cloudwatch.IMetric) => [metric(a, 0), metric(b, 1)];
    const graph = (title: string, left: cloudwatch.IMetric[], unit?: string) => new cloudwatch.GraphWidget({
      title, left, width: 8, height: 6, leftYAxis: unit ? { label: unit, showUnits: false } : undefined,
    });

    const requests = (tg: elbv2.IApplicationTargetGroup, i: number) => tg.metrics.requestCount({ period, label: label(i) });
    const errorRate = (tg: elbv2.IApplicationTargetGroup, i: number) => new cloudwatch.MathExpression({
      // Ids must be unique within one graph. Connection and TLS errors to the targets count as errors
      // and as attempts, as in the judge and the rollback alarm (lambda/shared/metrics.ts).
      expression: errorRateExpression(String(i + 1)),
      usingMetrics: {
        [`errors${i + 1}`]: tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' }),
        [`requests${i + 1}`]: tg.metrics.requestCount({ period, statistic: 'Sum' }),
        [`connerrors${i + 1}`]: tg.metrics.targetConnectionErrorCount({ period, statistic: 'Sum' }),
        [`tlserrors${i + 1}`]: tg.metrics.targetTLSNegotiationErrorCount({ period, statistic: 'Sum' }),
      },
      period,
      label: label(i),
    });
    const outcome = (name: string) => new cloudwatch.Metric({
      namespace: DEFAULT_METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { DeploymentGroup: props.deploymentGroup },
      statistic: 'SampleCount',
      period: Duration.days(1),
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({ title: 'Rollback alarm', alarms: [props.rollbackAlarm], width: 8, height: 6 }),
          graph('Requests per minute', both(requests)),
          graph('5xx rate (%)', both(errorRate), '%'),
        ],
        [
          graph('p95 response time', both((tg, i) => tg.metrics.targetResponseTime({ period, statistic: 'p95', label: label(i) })), 's'),
          graph('p99 response time', both((tg, i) => tg.metrics.targetResponseTime({ period, statistic: 'p99', label: label(i) })), 's'),
          graph('Unhealthy hosts', both((tg, i) => tg.metrics.unhealthyHostCount({ period, statistic: 'Maximum', label: label(i) }))),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Final verdicts (1 = pass)',
            left: [outcome('FinalVerdict').with({ statistic: 'Average', label: 'final verdict' })],
            width: 12,
            height: 6,
          }),
          new cloudwatch.TextWidget({
            markdown: 'Either target group can be the new version: they swap every release. '
              + '`npx canary status` says which one is green now and shows the last verdict.',
            width: 12,
            height: 6,
          }),
        ],
      ],
    });
  }
}
