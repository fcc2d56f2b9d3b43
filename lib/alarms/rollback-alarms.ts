import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { invalid } from '../private/validation';

/** Thresholds of the rollback alarms. Defaults follow release-policy.md. */
export interface RollbackThresholds {
  /**
   * 5xx responses from the targets as a percent of requests, per target group.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;
  /**
   * p95 of TargetResponseTime.
   * @default Duration.seconds(1)
   */
  readonly maxP95?: Duration;
  /**
   * p99 of TargetResponseTime.
   * @default Duration.seconds(2)
   */
  readonly maxP99?: Duration;
  /**
   * Unhealthy hosts tolerated in a target group; more for `unhealthyMinutes` minutes alarms.
   * @default 0 (one unhealthy host is enough)
   */
  readonly maxUnhealthyHosts?: number;
  /**
   * Consecutive minutes with unhealthy hosts above the limit before the alarm fires.
   * @default 2
   */
  readonly unhealthyMinutes?: number;
  /**
   * Minutes a rate or latency threshold must be breached, out of `evaluationMinutes`.
   * @default 2
   */
  readonly breachMinutes?: number;
  /**
   * The window, in one-minute periods, the rate and latency alarms look at.
   * @default 3
   */
  readonly evaluationMinutes?: number;
}

export interface RollbackAlarmsProps extends RollbackThresholds {
  /**
   * The two target groups of the service. Both are watched: blue and green swap roles on
   * every deployment, so the alarm cannot know which one is new. They must be attached to a
   * load balancer (the metrics need its dimension).
   */
  readonly targetGroups: [elbv2.IApplicationTargetGroup, elbv2.IApplicationTargetGroup];
  /**
   * More alarms that roll a deployment back (e.g. your application's own error alarm).
   * They are added to the composite alarm.
   * @default none
   */
  readonly additionalAlarms?: cloudwatch.IAlarm[];
  /**
   * Description prefix of the alarms, e.g. the service name.
   * @default the construct path
   */
  readonly description?: string;
}

/** One target group's alarms. */
export interface TargetGroupAlarms {
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly errorRate: cloudwatch.Alarm;
  readonly p95: cloudwatch.Alarm;
  readonly p99: cloudwatch.Alarm;
  readonly unhealthyHosts: cloudwatch.Alarm;
}

/**
 * CloudWatch alarms that roll a canary deployment back, combined into one composite alarm
 * for the deployment group (CodeDeploy watches at most 10 alarms per group).
 *
 * Missing data: every alarm here treats missing data as NOT breaching. The target group that
 * carries no traffic (blue between deployments, green before the shift) publishes no
 * RequestCount/5xx/latency datapoints, and a target group with no registered targets publishes
 * no host counts: "missing" means "idle", and must not roll back. It does not hide a real failure:
 * a version that receives traffic and fails produces datapoints (5xx, latency), and a version
 * whose tasks fail health checks while registered produces UnHealthyHostCount datapoints.
 * The error rate is computed with FILL(…, 0) on the 5xx count, so a minute with requests and
 * no 5xx datapoint counts as 0 %, and a minute with 5xx but no request datapoint cannot occur.
 */
export class RollbackAlarms extends Construct {
  /** The composite alarm the deployment group watches. */
  public readonly alarm: cloudwatch.CompositeAlarm;
  /** The per-target-group alarms. */
  public readonly targetGroupAlarms: TargetGroupAlarms[];
  /** Rate/latency alarm window (period × evaluation periods). */
  public readonly evaluationWindow: Duration;
  private readonly members: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);
    const t = resolveThresholds(props);
    validateThresholds(this, t);
    this.evaluationWindow = Duration.minutes(t.evaluationMinutes);
    const prefix = props.description ?? this.node.path;

    this.targetGroupAlarms = props.targetGroups.map((tg, i) => {
      const name = `TargetGroup${i + 1}`;
      const scopeTg = new Construct(this, name);
      const metrics = tg.metrics;
      const period = Duration.minutes(1);
      const requests = metrics.requestCount({ period, statistic: 'Sum' });
      const errors = metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' });
      const rate = new cloudwatch.MathExpression({
        expression: '100 * FILL(errors, 0) / requests',
        usingMetrics: { errors, requests },
        period,
        label: '5xx rate (%)',
      });
      const common = {
        evaluationPeriods: t.evaluationMinutes,
        datapointsToAlarm: t.breachMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      };
      const errorRate = rate.createAlarm(scopeTg, 'ErrorRate', {
        ...common,
        threshold: t.maxErrorRatePercent,
        alarmDescription: `${prefix}: 5xx rate of target group ${i + 1} above ${t.maxErrorRatePercent} %`,
      });
      const p95 = metrics.targetResponseTime({ period, statistic: 'p95' }).createAlarm(scopeTg, 'P95Latency', {
        ...common,
        threshold: t.maxP95.toMilliseconds() / 1000,
        alarmDescription: `${prefix}: p95 latency of target group ${i + 1} above ${t.maxP95.toHumanString()}`,
      });
      const p99 = metrics.targetResponseTime({ period, statistic: 'p99' }).createAlarm(scopeTg, 'P99Latency', {
        ...common,
        threshold: t.maxP99.toMilliseconds() / 1000,
        alarmDescription: `${prefix}: p99 latency of target group ${i + 1} above ${t.maxP99.toHumanString()}`,
      });
      const unhealthyHosts = metrics.unhealthyHostCount({ period, statistic: 'Maximum' }).createAlarm(scopeTg, 'UnhealthyHosts', {
        evaluationPeriods: t.unhealthyMinutes,
        datapointsToAlarm: t.unhealthyMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: t.maxUnhealthyHosts,
        alarmDescription: `${prefix}: more than ${t.maxUnhealthyHosts} unhealthy host(s) in target group ${i + 1} for ${t.unhealthyMinutes} min`,
      });
      this.members.push(errorRate, p95, p99, unhealthyHosts);
      return { targetGroup: tg, errorRate, p95, p99, unhealthyHosts };
    });
    this.members.push(...(props.additionalAlarms ?? []));

    this.alarm = new cloudwatch.CompositeAlarm(this, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...this.members.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM))),
      alarmDescription: `${prefix}: any rollback signal of the canary deployment`,
    });
  }

  /** Every alarm that feeds the composite alarm (the ones the preflight checks too). */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.members];
  }
}

interface ResolvedThresholds {
  maxErrorRatePercent: number;
  maxP95: Duration;
  maxP99: Duration;
  maxUnhealthyHosts: number;
  unhealthyMinutes: number;
  breachMinutes: number;
  evaluationMinutes: number;
}

export function resolveThresholds(p: RollbackThresholds): ResolvedThresholds {
  return {
    maxErrorRatePercent: p.maxErrorRatePercent ?? 1,
    maxP95: p.maxP95 ?? Duration.seconds(1),
    maxP99: p.maxP99 ?? Duration.seconds(2),
    maxUnhealthyHosts: p.maxUnhealthyHosts ?? 0,
    unhealthyMinutes: p.unhealthyMinutes ?? 2,
    breachMinutes: p.breachMinutes ?? 2,
    evaluationMinutes: p.evaluationMinutes ?? 3,
  };
}

function validateThresholds(scope: Construct, t: ResolvedThresholds): void {
  const fail = (msg: string) => invalid(scope, 'alarms', msg);
  const known = (n: number) => !Token.isUnresolved(n);
  if (known(t.maxErrorRatePercent) && !(t.maxErrorRatePercent > 0 && t.maxErrorRatePercent < 100)) {
    fail(`maxErrorRatePercent must be between 0 and 100 exclusive (got ${t.maxErrorRatePercent}).`);
  }
  if (known(t.maxP95.toMilliseconds()) && known(t.maxP99.toMilliseconds()) && t.maxP95.toMilliseconds() > t.maxP99.toMilliseconds()) {
    fail(`maxP95 (${t.maxP95.toHumanString()}) must not exceed maxP99 (${t.maxP99.toHumanString()}).`);
  }
  if (known(t.maxUnhealthyHosts) && (!Number.isInteger(t.maxUnhealthyHosts) || t.maxUnhealthyHosts < 0)) {
    fail(`maxUnhealthyHosts must be a whole number >= 0 (got ${t.maxUnhealthyHosts}).`);
  }
  for (const [name, v] of [['unhealthyMinutes', t.unhealthyMinutes], ['breachMinutes', t.breachMinutes], ['evaluationMinutes', t.evaluationMinutes]] as const) {
    if (known(v) && (!Number.isInteger(v) || v < 1)) fail(`${name} must be a whole number of minutes >= 1 (got ${v}).`);
  }
  if (known(t.breachMinutes) && known(t.evaluationMinutes) && t.breachMinutes > t.evaluationMinutes) {
    fail(`breachMinutes (${t.breachMinutes}) must not exceed evaluationMinutes (${t.evaluationMinutes}).`);
  }
}
