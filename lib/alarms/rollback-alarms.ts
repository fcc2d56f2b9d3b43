import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { invalid } from '../private/validation';
import { latencyOverLimitExpression, unhealthyWhileServingExpression } from '../policy/alarm-math';
import { errorRateLowerBoundExpression } from '../policy/error-rate';
import { alarmTimingOf, DEFAULT_THRESHOLDS, ERROR_RATE_CONFIDENCE_Z } from '../policy/release-policy';

/** Thresholds of the rollback alarms. Defaults follow release-policy.md. */
export interface RollbackThresholds {
  /**
   * 5xx responses from the targets as a percent of requests, of either target group.
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
  /**
   * Requests a target group must have served in a one-minute period before its error-rate and
   * latency alarms may fire (the judge's `analysis.minRequests`): a handful of requests proves nothing.
   * @default 100
   */
  readonly minRequests?: number;
}

export interface RollbackAlarmsProps extends RollbackThresholds {
  /**
   * The target group serving production now. Both groups are watched: blue and green swap roles
   * on every deployment, so the alarm cannot know which one is new. Both must be attached to a
   * load balancer (the metrics need its dimension).
   */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The other target group of the service (watched as `blueTargetGroup` is). */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /**
   * More alarms that roll a deployment back (e.g. your application's own error alarm).
   * They are watched by the deployment group (with the 3 alarms here: at most 10, so up to 7 of yours) and added to
   * the composite alarm.
   * @default none
   */
  readonly additionalAlarms?: cloudwatch.IAlarm[];
  /**
   * The load balancer the target groups are attached to. When it is one this app creates, the
   * metrics name it by its LoadBalancerFullName attribute, a few bytes instead of the ~1 KB
   * expression that parses it out of a listener ARN in every metric (issue 12: template size).
   * @default the load balancer of the target group's first listener, parsed from the listener ARN
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /**
   * The protocol the load balancer uses to reach the targets. With HTTP, the error-rate alarm leaves
   * out TLS negotiation errors to the targets (the load balancer publishes them only for HTTPS
   * targets): the same alarm, two metrics and about 1 KB of template fewer per service.
   * @default read from the target groups when this app creates both; otherwise HTTPS is assumed
   * possible and TLS negotiation errors are counted
   */
  readonly targetProtocol?: elbv2.ApplicationProtocol;
  /**
   * Description prefix of the alarms, e.g. the service name.
   * @default none: the alarm names hold the construct's unique path
   */
  readonly description?: string;
}

/** CloudFormation's limit of alarms in a deployment group's AlarmConfiguration. */
export const MAX_DEPLOYMENT_GROUP_ALARMS = 10;

/** z of a one-sided 99 % confidence bound: the error-rate alarm fires only on evidence (issue 9). */
export { ERROR_RATE_CONFIDENCE_Z };

/**
 * CloudWatch metric alarms that roll a canary deployment back. The deployment group watches the
 * metric alarms themselves (`deploymentGroupAlarms`): CodeDeploy documents alarms on a single
 * metric only [inference, aws-facts.md: a composite may not be read]. The composite alarm combines
 * them for the dashboard and notifications.
 *
 * Both target groups are watched by each alarm (the larger of the two groups' values): blue and green
 * swap roles every deployment, and an alarm cannot know which one is new (docs/notes/alarms.md
 * says what a blue-side alarm means; docs/notes/alarm-pair.md why one alarm covers both).
 *
 * Missing data: every alarm here treats missing data as NOT breaching. The target group that
 * carries no traffic (blue between deployments, green before the shift) publishes no
 * RequestCount/5xx/latency datapoints, and a target group with no registered targets publishes
 * no host counts: "missing" means "idle", and must not roll back. It does not hide a real failure:
 * a version that receives traffic and fails produces datapoints (5xx, connection errors, latency).
 *
 * Every alarm is gated on traffic (metric math): the error-rate and latency alarms on at least
 * `minRequests` requests in the minute, the unhealthy-host alarm on the target group serving any
 * request at all, so green's tasks starting during Install/AfterInstall (no listener sends them
 * traffic yet) cannot roll back a deployment that CodeDeploy monitors from its start.
 */
export class RollbackAlarms extends Construct {
  /** Alarm names of this stack's canary alarms start with this (the hooks may read them by that pattern). */
  public static namePrefix(scope: IConstruct): string {
    return `${Stack.of(scope).stackName}-canary-`;
  }
  /** Error rate (99 % lower bound) of either target group above the limit. */
  public readonly errorRate: cloudwatch.Alarm;
  /**
   * p95 or p99 latency of either target group above its limit. The alarm's value is the latency
   * over its limit, the larger of p95 / maxP95 and p99 / maxP99; it fires above 1.
   */
  public readonly latency: cloudwatch.Alarm;
  /** Unhealthy hosts in either target group while it serves traffic. */
  public readonly unhealthyHosts: cloudwatch.Alarm;
  /** Rate/latency alarm window (period × evaluation periods). */
  public readonly evaluationWindow: Duration;
  private readonly members: cloudwatch.IAlarm[] = [];
  private readonly ownNames: string[] = [];
  private composite?: cloudwatch.CompositeAlarm;
  private readonly compositeDescription: string;

  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);
    const t = resolveThresholds(props);
    validateThresholds(this, t);
    this.evaluationWindow = Duration.minutes(t.evaluationMinutes);
    const prefix = props.description !== undefined ? `${props.description}: ` : '';
    const gate = String(t.minRequests);

    const period = Duration.minutes(1);
    const tgs = [props.blueTargetGroup, props.greenTargetGroup];
    const stated = targetProtocolOf(tgs);
    if (props.targetProtocol !== undefined && stated !== undefined && props.targetProtocol !== stated) {
      invalid(this, 'targetProtocol', `is ${props.targetProtocol}, but the target groups this app creates use ${stated}: `
        + `remove targetProtocol or set it to ${stated}.`);
    }
    const tls = (props.targetProtocol ?? stated) !== elbv2.ApplicationProtocol.HTTP;
    const metrics = tgs.map((tg) => targetGroupMetric(tg, props.loadBalancer, period));
    // Metric ids are suffixed per target group (requests1, requests2): unique within one alarm.
    const sums = (i: number) => {
      const metric = metrics[i];
      const n = i + 1;
      return {
        [`requests${n}`]: metric('RequestCount', 'Sum'),
        [`errors${n}`]: metric('HTTPCode_Target_5XX_Count', 'Sum'),
        // Errors the load balancer answers itself when the target refuses or fails TLS (item 2 of
        // issue 10): counted as errors and as attempts, as the judge counts them (lambda/shared/metrics.ts).
        [`connerrors${n}`]: metric('TargetConnectionErrorCount', 'Sum'),
        ...(tls ? { [`tlserrors${n}`]: metric('TargetTLSNegotiationErrorCount', 'Sum') } : {}),
      };
    };
    /**
     * One alarm per check over both target groups (issue 12): blue and green swap roles every
     * release, so "either group breaches" is what a pair of per-group alarms meant, at half the
     * alarms (3 of the deployment group's 10). IF(tg1 > tg2, tg1, tg2) is the larger of the two
     * groups' values minute by minute: a comparison of two series is per timestamp, a missing value
     * counting as 0, and IF takes the chosen series' datapoint (CloudWatch User Guide, "Using math
     * expressions": comparison operators, IF expressions). Not MAX([tg1, tg2]): that guide advises
     * against MAX in alarms. An M-of-N breach may now combine minutes of both groups.
     * Each alarm reads at most 8 metrics (CloudWatch: at most 10 per metric-math alarm, and at most
     * 20 queries: PutMetricAlarm's MetricDataQuery).
     */
    const either = (perGroup: (i: number) => { expression: string; usingMetrics: Record<string, cloudwatch.IMetric> }) => new cloudwatch.MathExpression({
      expression: 'IF(tg1 > tg2, tg1, tg2)',
      usingMetrics: {
        tg1: new cloudwatch.MathExpression({ ...perGroup(0), period }),
        tg2: new cloudwatch.MathExpression({ ...perGroup(1), period }),
      },
      period,
    });
    // No expression labels and terse descriptions: 30 services share one template's 1 MB (issue 12);
    // the expression is the alarm's definition.
    const common = {
      evaluationPeriods: t.evaluationMinutes,
      datapointsToAlarm: t.breachMinutes,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    };
    // One-sided 99 % lower confidence bound of the error rate in percent: above the limit only
    // when the data show it, so one error in a small minute does not roll back; 0 below the gate.
    this.errorRate = either((i) => ({ expression: errorRateLowerBoundExpression(gate, String(i + 1), tls), usingMetrics: sums(i) }))
      .createAlarm(this, 'ErrorRate', {
        ...common,
        alarmName: alarmName(this, 'ErrorRate'),
        threshold: t.maxErrorRatePercent,
        alarmDescription: `${prefix}5xx+connection error rate > ${t.maxErrorRatePercent} % at 99 % confidence, either TG, minutes of >= ${gate} requests`,
      });
    // One alarm for both percentiles (issue 12: one alarm less per service, 6 metrics instead of 8):
    // each group's value is its latency over its limit, the larger of p95 / maxP95 and p99 / maxP99,
    // chosen by IF as above, and the alarm fires above 1. Both percentiles share the traffic gate and
    // the M-of-N window, as the two alarms did.
    const [p95Limit, p99Limit] = [t.maxP95, t.maxP99].map((d) => d.toMilliseconds() / 1000);
    this.latency = either((i) => {
      const n = i + 1;
      return {
        expression: latencyOverLimitExpression(gate, p95Limit, p99Limit, String(n)),
        usingMetrics: {
          [`requests${n}`]: metrics[i]('RequestCount', 'Sum'),
          [`p95_${n}`]: metrics[i]('TargetResponseTime', 'p95'),
          [`p99_${n}`]: metrics[i]('TargetResponseTime', 'p99'),
        },
      };
    }).createAlarm(this, 'Latency', {
      ...common,
      alarmName: alarmName(this, 'Latency'),
      threshold: 1,
      alarmDescription: `${prefix}p95 > ${t.maxP95.toHumanString()} or p99 > ${t.maxP99.toHumanString()} (value: latency/limit), either TG, minutes of >= ${gate} requests`,
    });
    // Gated on the target group serving traffic: no listener sends green any request before
    // AllowTestTraffic, after AfterInstall has waited for its targets to be healthy.
    this.unhealthyHosts = either((i) => {
      const n = i + 1;
      return {
        expression: unhealthyWhileServingExpression(String(n)),
        usingMetrics: {
          [`requests${n}`]: metrics[i]('RequestCount', 'Sum'),
          [`unhealthy${n}`]: metrics[i]('UnHealthyHostCount', 'Maximum'),
        },
      };
    }).createAlarm(this, 'UnhealthyHosts', {
      alarmName: alarmName(this, 'UnhealthyHosts'),
      evaluationPeriods: t.unhealthyMinutes,
      datapointsToAlarm: t.unhealthyMinutes,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: t.maxUnhealthyHosts,
      alarmDescription: `${prefix}> ${t.maxUnhealthyHosts} unhealthy hosts for ${t.unhealthyMinutes} min, either TG, while it serves requests`,
    });
    for (const tg of tgs) warnIfRecoveryExceedsWindow(this, tg, t.unhealthyMinutes);
    this.members.push(this.errorRate, this.latency, this.unhealthyHosts);
    this.ownNames.push(...['ErrorRate', 'Latency', 'UnhealthyHosts'].map((what) => alarmName(this, what)));
    const extra = props.additionalAlarms ?? [];
    if (this.members.length + extra.length > MAX_DEPLOYMENT_GROUP_ALARMS) {
      invalid(this, 'alarms.additionalAlarms',
        `a deployment group watches at most ${MAX_DEPLOYMENT_GROUP_ALARMS} alarms (CloudFormation AlarmConfiguration); `
        + `the rollback alarms take ${this.members.length}, so pass at most ${MAX_DEPLOYMENT_GROUP_ALARMS - this.members.length} additional alarms `
        + `(got ${extra.length}). Combine yours into fewer alarms (e.g. one metric-math alarm).`);
    }
    this.members.push(...extra);

    this.compositeDescription = `${prefix}any rollback signal of the canary deployment (for dashboards and notifications; the deployment group watches the metric alarms)`;
  }

  /**
   * The composite alarm (any rollback signal), for dashboards and notifications. Created on first
   * use: CodeDeploy watches the metric alarms, so a stack that never shows the composite does not
   * pay a resource for it (30 services in one stack count every resource).
   */
  public get alarm(): cloudwatch.IAlarm {
    this.composite ??= new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: alarmName(this, 'Any'),
      alarmRule: cloudwatch.AlarmRule.anyOf(...this.members.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM))),
      alarmDescription: this.compositeDescription,
    });
    return this.composite;
  }

  /** Every alarm that rolls a deployment back: the 3 alarms over both target groups and the additional ones. */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.members];
  }

  /**
   * The names of `alarms`, in order. Ours are the names this construct gives them (strings known at
   * synth: no reference to the alarm resources, fewer template bytes where they are listed); the
   * additional alarms' are their `alarmName`.
   */
  public get alarmNames(): string[] {
    return [...this.ownNames, ...this.members.slice(this.ownNames.length).map((a) => a.alarmName)];
  }

  /** The alarms the deployment group watches (at most 10): the same as `alarms`, never the composite. */
  public get deploymentGroupAlarms(): cloudwatch.IAlarm[] {
    return [...this.members];
  }
}

/**
 * A target that fails its first health checks (a task still booting) is unhealthy until it passes
 * `healthyThresholdCount` checks `interval` apart. If that takes as long as the unhealthy-host alarm's
 * window, a task started while the target group serves traffic (a replaced or scaled-out task) can roll
 * a release back. Only the settings the target group construct states are checked (an imported one
 * has none to read).
 */
function warnIfRecoveryExceedsWindow(scope: Construct, tg: elbv2.IApplicationTargetGroup, unhealthyMinutes: number): void {
  if (!(tg instanceof elbv2.TargetGroupBase)) return;
  const interval = tg.healthCheck?.interval?.toSeconds();
  const healthy = tg.healthCheck?.healthyThresholdCount;
  if (interval === undefined || healthy === undefined || Token.isUnresolved(interval) || Token.isUnresolved(healthy) || Token.isUnresolved(unhealthyMinutes)) return;
  const recovery = interval * healthy;
  if (recovery >= unhealthyMinutes * 60) {
    Annotations.of(scope).addWarningV2('cdk-ecs-canary:unhealthyWindow',
      `unhealthyMinutes (${unhealthyMinutes} min; analysis.unhealthyMinutes of CanaryDeployment) is not longer than the time a starting task needs to turn healthy `
      + `(health check interval ${interval} s x healthyThresholdCount ${healthy} = ${recovery} s): a task replaced while the `
      + `target group serves traffic can roll the release back. Raise unhealthyMinutes to at least ${Math.floor(recovery / 60) + 1}, `
      + 'or lower the interval or the healthy threshold.');
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
  minRequests: number;
}

export function resolveThresholds(p: RollbackThresholds): ResolvedThresholds {
  return {
    maxErrorRatePercent: p.maxErrorRatePercent ?? DEFAULT_THRESHOLDS.maxErrorRatePercent,
    maxP95: p.maxP95 ?? Duration.millis(DEFAULT_THRESHOLDS.maxP95Ms),
    maxP99: p.maxP99 ?? Duration.millis(DEFAULT_THRESHOLDS.maxP99Ms),
    maxUnhealthyHosts: p.maxUnhealthyHosts ?? DEFAULT_THRESHOLDS.maxUnhealthyHosts,
    unhealthyMinutes: p.unhealthyMinutes ?? DEFAULT_THRESHOLDS.unhealthyMinutes,
    ...alarmTimingOf(p),
    minRequests: p.minRequests ?? DEFAULT_THRESHOLDS.minRequests,
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
  if (known(t.minRequests) && (!Number.isInteger(t.minRequests) || t.minRequests < 1)) {
    fail(`minRequests must be a whole number >= 1 (got ${t.minRequests}).`);
  }
  if (known(t.breachMinutes) && known(t.evaluationMinutes) && t.breachMinutes > t.evaluationMinutes) {
    fail(`breachMinutes (${t.breachMinutes}) must not exceed evaluationMinutes (${t.evaluationMinutes}).`);
  }
}

/**
 * `<stack>-canary-<unique path>-<what>`: unique in the account and region (stack names are), and
 * under one prefix per stack, so the shared hooks read every canary alarm of the stack with one
 * resource pattern however many services there are (CloudWatch allows 255 characters).
 */
function alarmName(scope: IConstruct, what: string): string {
  return `${RollbackAlarms.namePrefix(scope)}${Names.uniqueResourceName(scope, { maxLength: 100 })}-${what}`;
}

/**
 * The targets' protocol when this app creates both target groups and states it (their
 * CfnTargetGroup's Protocol), else undefined: an imported target group does not say.
 */
function targetProtocolOf(tgs: elbv2.IApplicationTargetGroup[]): elbv2.ApplicationProtocol | undefined {
  const protocols = new Set(tgs.map((tg) => {
    const cfn = tg instanceof elbv2.ApplicationTargetGroup ? tg.node.defaultChild as elbv2.CfnTargetGroup | undefined : undefined;
    return cfn?.protocol;
  }));
  const [only] = [...protocols];
  return protocols.size === 1 && (only === elbv2.ApplicationProtocol.HTTP || only === elbv2.ApplicationProtocol.HTTPS) ? only : undefined;
}

/**
 * An AWS/ApplicationELB metric of `tg`. With a load balancer this app creates, its LoadBalancer
 * dimension is the load balancer's LoadBalancerFullName attribute: the same value the target
 * group's own metrics parse out of its first listener's ARN, in a fraction of the template bytes.
 */
function targetGroupMetric(tg: elbv2.IApplicationTargetGroup, lb: elbv2.IApplicationLoadBalancer | undefined, period: Duration) {
  const own = lb instanceof elbv2.ApplicationLoadBalancer && tg instanceof elbv2.ApplicationTargetGroup ? { lb, tg } : undefined;
  return (metricName: string, statistic: string): cloudwatch.Metric => own === undefined
    ? tg.metrics.custom(metricName, { period, statistic })
    : new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName,
      dimensionsMap: { LoadBalancer: own.lb.loadBalancerFullName, TargetGroup: own.tg.targetGroupFullName },
      period,
      statistic,
    });
}
