/**
 * A simulated AWS account for `canary rehearse`, in process, deterministic, on a simulated clock.
 * It answers exactly the commands the traffic stepper sends (anything else throws):
 *
 * - ALB: a production listener whose weights ModifyListener really changes; a steady request
 *   rate split between the target groups by those weights; ALB metrics per minute, published
 *   `metricLagSeconds` after the minute ends (CloudWatch is not instant), with the green version's
 *   behaviour taken from the scenario.
 * - CodeDeploy, SSM, ECS: the deployment, its configuration document, the service's task sets.
 * - DynamoDB: the decisions table, in memory.
 *
 * Request and error counts are whole numbers carried over from minute to minute (a cumulative
 * floor), so 2 requests a minute at 5 % is one request every 10 minutes, never 0.1 of one.
 * With random traffic (`scenario.random`, seeded `rng`) each minute's errors are drawn
 * binomially and its p95/p99 are percentiles of log-normal response times (random.ts); a minute
 * is drawn once, from its own seed, and then kept, so every reader (stepper, alarms) sees the same
 * metrics whatever the order they read them in.
 */
import { GetMetricDataCommand, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { Clients } from '../../../lambda/shared/clients';
import { targetGroupDimension } from '../../../lambda/shared/metrics';
import { DecisionDoc, fromItem } from '../../../lambda/shared/records';
import { CanaryRuntimeConfig, configParameterName } from '../../../lib/runtime-config';
import { binomial, mulberry32, Rng, runSeed, sampledPercentiles } from './random';
import { Behaviour, NOISY_SIGMA, Scenario } from './scenario';

const ACCOUNT = 'eu-west-1:123456789012';
export const SIM = {
  application: 'rehearsal-app',
  deploymentGroup: 'rehearsal-group',
  deploymentId: 'd-REHEARSAL1',
  hookExecutionId: 'rehearsal-before-allow-traffic',
  table: 'rehearsal-decisions',
  listener: `arn:aws:elasticloadbalancing:${ACCOUNT}:listener/app/rehearsal-alb/0123456789abcdef/fedcba9876543210`,
  /** Serves the stable version (the PRIMARY task set) when the rehearsal starts. */
  blue: `arn:aws:elasticloadbalancing:${ACCOUNT}:targetgroup/rehearsal-blue/1111111111111111`,
  green: `arn:aws:elasticloadbalancing:${ACCOUNT}:targetgroup/rehearsal-green/2222222222222222`,
} as const;

/** Monday 6 January 2025, 09:00 UTC: any fixed minute boundary does. */
export const REHEARSAL_T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const MINUTE = 60_000;
/** How far back metrics exist (the stepper's baseline reads finalVerdictWindow back, at most 60 min). */
const HISTORY_MS = 2 * 3600_000;

export type SimEvent =
  | { readonly atMs: number; readonly kind: 'weights'; readonly greenPercent: number; readonly by: 'stepper' | 'codedeploy'; readonly note?: string }
  | { readonly atMs: number; readonly kind: 'decision'; readonly doc: DecisionDoc }
  | { readonly atMs: number; readonly kind: 'report'; readonly status: string };

type Side = 'blue' | 'green';

/** One minute of ALB metrics of one target group (undefined: no datapoint). */
export interface SimMinute {
  readonly requests?: number;
  /** HTTPCode_Target_5XX_Count: 5xx answered by the targets. */
  readonly errors5xx?: number;
  /** TargetConnectionErrorCount: requests the ALB could not deliver (it answered 502 itself). */
  readonly connectionErrors?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  readonly healthyHosts: number;
  readonly unhealthyHosts: number;
}

interface Segment {
  readonly fromMs: number;
  readonly greenPercent: number;
}

/** An SDK-shaped error (name, $metadata) as the real clients throw. */
function awsError(name: string, message: string): Error {
  const err = new Error(message) as Error & { $metadata: object };
  err.name = name;
  err.$metadata = { httpStatusCode: 400 };
  return err;
}

export class SimulatedAws {
  nowMs: number;
  deploymentStatus = 'InProgress';
  readonly events: SimEvent[] = [];
  readonly reports: string[] = [];
  private readonly items = new Map<string, Record<string, AttributeValue>>();
  /** Green's share of production over time; blue has the rest. */
  private readonly segments: Segment[];
  private tuples: TargetGroupTuple[] = [{ TargetGroupArn: SIM.blue, Weight: 100 }, { TargetGroupArn: SIM.green, Weight: 0 }];
  /** Random traffic: each minute drawn once. */
  private readonly drawn = new Map<string, SimMinute>();
  private readonly rng?: Rng;
  /** Random traffic: each minute's own seed derives from this, so who reads a minute first (stepper, alarms) changes nothing. */
  private seedBase = 0;

  constructor(
    public readonly config: CanaryRuntimeConfig,
    public readonly scenario: Scenario,
    public readonly t0 = REHEARSAL_T0,
    public readonly metricLagSeconds = 60,
    rng?: Rng,
  ) {
    this.nowMs = t0;
    this.segments = [{ fromMs: t0 - HISTORY_MS, greenPercent: 0 }];
    if (scenario.random) {
      this.rng = rng ?? mulberry32(1);
      this.seedBase = Math.floor(this.rng() * 4294967296) >>> 0;
    }
  }

  /** The bag of clients the stepper takes; every one of them is this object. */
  get clients(): Clients {
    const sender = { send: (command: unknown) => this.send(command) };
    // The one cast: the stepper only calls send(), which this object implements for its commands.
    return { codedeploy: sender, ecs: sender, elbv2: sender, cloudwatch: sender, ssm: sender, dynamodb: sender, sfn: sender, lambda: sender } as unknown as Clients;
  }

  now = (): Date => new Date(this.nowMs);

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  get greenPercent(): number {
    return this.segments[this.segments.length - 1].greenPercent;
  }

  /** CodeDeploy moving production (its own shift, or its rollback). */
  shift(greenPercent: number, note: string): void {
    this.tuples = [{ TargetGroupArn: SIM.blue, Weight: 100 - greenPercent }, { TargetGroupArn: SIM.green, Weight: greenPercent }];
    this.setGreen(greenPercent, 'codedeploy', note);
  }

  private setGreen(greenPercent: number, by: 'stepper' | 'codedeploy', note?: string): void {
    const last = this.segments[this.segments.length - 1];
    if (last.fromMs === this.nowMs) this.segments[this.segments.length - 1] = { fromMs: this.nowMs, greenPercent };
    else this.segments.push({ fromMs: this.nowMs, greenPercent });
    this.events.push({ atMs: this.nowMs, kind: 'weights', greenPercent, by, note });
  }

  // -------------------------------------------------------------------------------------------
  // Traffic model

  behaviour(side: Side, minuteMs: number): Behaviour {
    return side === 'blue' ? this.scenario.stable : this.scenario.green(Math.floor((minuteMs - this.t0) / MINUTE));
  }

  /** Expected requests (and `weight`-weighted requests) of one side over [fromMs, toMs), not rounded. */
  integrate(side: Side, fromMs: number, toMs: number, weight?: (minuteMs: number) => number): number {
    const perMs = this.scenario.requestsPerMinute / MINUTE;
    let sum = 0;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const segEnd = this.segments[i + 1]?.fromMs ?? Number.POSITIVE_INFINITY;
      const a = Math.max(fromMs, seg.fromMs);
      const b = Math.min(toMs, segEnd);
      if (b <= a) continue;
      const share = (side === 'green' ? seg.greenPercent : 100 - seg.greenPercent) / 100;
      if (share === 0) continue;
      if (!weight) {
        sum += perMs * (b - a) * share;
        continue;
      }
      // Split at minute boundaries: the behaviour is per minute.
      for (let m = Math.floor(a / MINUTE) * MINUTE; m < b; m += MINUTE) {
        const lo = Math.max(a, m);
        const hi = Math.min(b, m + MINUTE);
        sum += perMs * (hi - lo) * share * weight(m);
      }
    }
    return sum;
  }

  /** Whole requests served by one side over [fromMs, toMs) (cumulative floor from the start of history). */
  served(side: Side, fromMs: number, toMs: number): number {
    const origin = this.t0 - HISTORY_MS;
    return Math.floor(this.integrate(side, origin, toMs) + 1e-9) - Math.floor(this.integrate(side, origin, fromMs) + 1e-9);
  }

  /** Whole 5xx responses of one side over [fromMs, toMs): target 5xx and connection errors. */
  errors(side: Side, fromMs: number, toMs: number): number {
    if (this.rng) {
      let sum = 0;
      for (let m = Math.floor(fromMs / MINUTE) * MINUTE; m < toMs; m += MINUTE) {
        const s = this.minute(side, m);
        sum += (s.errors5xx ?? 0) + (s.connectionErrors ?? 0);
      }
      return sum;
    }
    return this.count(side, fromMs, toMs, (b) => b.errorRate * (1 - (b.connectionErrorRate ?? 0)))
      + this.count(side, fromMs, toMs, (b) => b.connectionErrorRate ?? 0);
  }

  /** Whole requests of one side over [fromMs, toMs) that `rate` of each minute's behaviour selects. */
  private count(side: Side, fromMs: number, toMs: number, rate: (b: Behaviour) => number): number {
    const origin = this.t0 - HISTORY_MS;
    const weight = (m: number) => rate(this.behaviour(side, m));
    return Math.floor(this.integrate(side, origin, toMs, weight) + 1e-9) - Math.floor(this.integrate(side, origin, fromMs, weight) + 1e-9);
  }

  /** One minute of ALB metrics of one side, as CloudWatch would have them (undefined: no datapoint). */
  minute(side: Side, minuteMs: number): SimMinute {
    if (!this.rng) return this.exactMinute(side, minuteMs);
    const key = `${side}|${minuteMs}`;
    let s = this.drawn.get(key);
    if (!s) {
      const index = Math.round((minuteMs - this.t0) / MINUTE) + 1_000_000;
      s = this.randomMinute(side, minuteMs, mulberry32(runSeed(this.seedBase, 2 * index + (side === 'green' ? 1 : 0))));
      this.drawn.set(key, s);
    }
    return s;
  }

  /** The noise-free minute: the behaviour's exact rates (whole counts) and percentiles. */
  private exactMinute(side: Side, minuteMs: number): SimMinute {
    const b = this.behaviour(side, minuteMs);
    const requests = this.served(side, minuteMs, minuteMs + MINUTE);
    const hosts = { healthyHosts: b.healthyHosts, unhealthyHosts: b.unhealthyHosts };
    // ALB publishes no request, error or latency datapoint for a minute without requests.
    if (requests === 0) return hosts;
    const connectionErrors = this.count(side, minuteMs, minuteMs + MINUTE, (x) => x.connectionErrorRate ?? 0);
    const errors5xx = this.count(side, minuteMs, minuteMs + MINUTE, (x) => x.errorRate * (1 - (x.connectionErrorRate ?? 0)));
    // No response, no response time: a minute whose every request was refused has no latency datapoint.
    const latency = connectionErrors < requests ? { p95Ms: b.p95Ms, p99Ms: b.p99Ms } : {};
    return { ...hosts, requests, errors5xx, connectionErrors, ...latency };
  }

  /**
   * A random minute: refused connections and 5xx drawn binomially, p95/p99 the percentiles of the
   * delivered requests' log-normal response times (sigma NOISY_SIGMA, median from the behaviour's p95).
   */
  private randomMinute(side: Side, minuteMs: number, rng: Rng): SimMinute {
    const b = this.behaviour(side, minuteMs);
    const requests = this.served(side, minuteMs, minuteMs + MINUTE);
    const hosts = { healthyHosts: b.healthyHosts, unhealthyHosts: b.unhealthyHosts };
    if (requests === 0) return hosts;
    const connectionErrors = binomial(rng, requests, b.connectionErrorRate ?? 0);
    const delivered = requests - connectionErrors;
    const errors5xx = binomial(rng, delivered, b.errorRate);
    if (delivered === 0) return { ...hosts, requests, errors5xx, connectionErrors };
    const median = b.p95Ms / Math.exp(NOISY_SIGMA * 1.6448536);
    const [p95Ms, p99Ms] = sampledPercentiles(rng, delivered, median, NOISY_SIGMA, [95, 99]);
    return { ...hosts, requests, errors5xx, connectionErrors, p95Ms, p99Ms };
  }

  /** Start times of the minutes whose datapoints CloudWatch has published by now. */
  publishedMinutes(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (let m = Math.floor(fromMs / MINUTE) * MINUTE; m + MINUTE <= toMs; m += MINUTE) {
      if (m + MINUTE + this.metricLagSeconds * 1000 <= this.nowMs) out.push(m);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // The commands

  /** AWS calls the real code made, by command name (for bench/api-calls.ts: calls per release-minute). */
  readonly calls: Record<string, number> = {};

  async send(command: unknown): Promise<unknown> {
    const commandName = (command as { constructor?: { name?: string } })?.constructor?.name ?? 'unknown';
    this.calls[commandName] = (this.calls[commandName] ?? 0) + 1;
    if (command instanceof GetDeploymentCommand) {
      return { deploymentInfo: { deploymentId: SIM.deploymentId, applicationName: SIM.application, deploymentGroupName: SIM.deploymentGroup, status: this.deploymentStatus, creator: 'user' } };
    }
    if (command instanceof PutLifecycleEventHookExecutionStatusCommand) {
      if (this.reports.length > 0) throw awsError('LifecycleEventAlreadyCompletedException', 'the lifecycle event is already complete');
      const status = command.input.status ?? 'Unknown';
      this.reports.push(status);
      this.events.push({ atMs: this.nowMs, kind: 'report', status });
      return { lifecycleEventHookExecutionId: command.input.lifecycleEventHookExecutionId };
    }
    if (command instanceof GetParameterCommand) {
      if (command.input.Name !== configParameterName(SIM.application, SIM.deploymentGroup)) throw awsError('ParameterNotFound', `${command.input.Name} not found`);
      return { Parameter: { Name: command.input.Name, Value: JSON.stringify(this.config) } };
    }
    if (command instanceof DescribeServicesCommand) {
      return {
        services: [{
          serviceName: this.config.serviceName,
          taskSets: [
            { id: 'ecs-svc/replacement', status: 'ACTIVE', loadBalancers: [{ targetGroupArn: SIM.green }] },
            { id: 'ecs-svc/original', status: 'PRIMARY', loadBalancers: [{ targetGroupArn: SIM.blue }] },
          ],
        }],
      };
    }
    if (command instanceof DescribeListenersCommand) {
      return { Listeners: [{ ListenerArn: SIM.listener, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: this.tuples.map((t) => ({ ...t })) } }] }] };
    }
    if (command instanceof DescribeRulesCommand) return { Rules: [] }; // the service is routed by the default action
    if (command instanceof ModifyListenerCommand) {
      const groups = command.input.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
      this.tuples = groups.map((t) => ({ ...t }));
      const total = groups.reduce((s, t) => s + (t.Weight ?? 1), 0);
      const green = groups.filter((t) => t.TargetGroupArn === SIM.green).reduce((s, t) => s + (t.Weight ?? 1), 0);
      this.setGreen(total === 0 ? 0 : Math.round((100 * green) / total), 'stepper');
      return {};
    }
    if (command instanceof GetMetricDataCommand) {
      const { MetricDataQueries = [], StartTime, EndTime } = command.input;
      return { MetricDataResults: MetricDataQueries.map((q) => this.metricData(q, new Date(StartTime!).getTime(), new Date(EndTime!).getTime())) };
    }
    if (command instanceof GetItemCommand) {
      const key = command.input.Key ?? {};
      const item = this.items.get(`${key.deploymentId?.S}|${key.sk?.S}`);
      return item ? { Item: item } : {};
    }
    if (command instanceof PutItemCommand) {
      this.putItem(command.input.Item ?? {});
      return {};
    }
    if (command instanceof BatchGetItemCommand) {
      const [[table, request]] = Object.entries(command.input.RequestItems ?? {});
      const found = (request.Keys ?? []).map((k) => this.items.get(`${k.deploymentId?.S}|${k.sk?.S}`)).filter((i) => i !== undefined);
      return { Responses: { [table]: found }, UnprocessedKeys: {} };
    }
    if (command instanceof BatchWriteItemCommand) {
      for (const requests of Object.values(command.input.RequestItems ?? {})) {
        for (const r of requests) if (r.PutRequest?.Item) this.putItem(r.PutRequest.Item);
      }
      return { UnprocessedItems: {} };
    }
    const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? typeof command;
    throw new Error(`the rehearsal's simulated AWS does not implement ${name}`);
  }

  private putItem(item: Record<string, AttributeValue>): void {
    this.items.set(`${item.deploymentId?.S}|${item.sk?.S}`, item);
    // Read back as the CLI and the Lambda readers read it (records.ts), so the timeline sees a typed document.
    const rec = fromItem(item);
    if (rec.kind === 'decision') this.events.push({ atMs: this.nowMs, kind: 'decision', doc: rec.doc });
  }

  /**
   * The datapoint CloudWatch holds for one minute of one side's metric (undefined: none), in the
   * metric's CloudWatch unit except TargetResponseTime, which is in milliseconds here. The
   * simulated GetMetricData and the rehearsal's rollback alarms (alarms.ts) both read it.
   */
  datapoint(side: Side, minuteMs: number, metricName: string | undefined, stat: string | undefined): number | undefined {
    const s = this.minute(side, minuteMs);
    // Answered by metric name, whatever the query's Id: an unknown metric has no datapoints.
    switch (metricName) {
    // [inference] RequestCount counts every request for which the ALB chose a target,
    // so refused connections are in it (ALB user guide, RequestCount).
    case 'RequestCount': return s.requests;
    // ALB publishes error counts only for minutes that had one.
    case 'HTTPCode_Target_5XX_Count': return s.errors5xx ? s.errors5xx : undefined;
    case 'TargetConnectionErrorCount': return s.connectionErrors ? s.connectionErrors : undefined;
    case 'TargetResponseTime': return stat === 'p95' ? s.p95Ms : stat === 'p99' ? s.p99Ms : undefined;
    case 'HealthyHostCount': return s.healthyHosts;
    case 'UnHealthyHostCount': return s.unhealthyHosts;
    default: return undefined;
    }
  }

  private metricData(q: MetricDataQuery, startMs: number, endMs: number): MetricDataResult {
    const metric = q.MetricStat?.Metric;
    const tg = metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value;
    const side: Side | undefined = tg === targetGroupDimension(SIM.blue) ? 'blue' : tg === targetGroupDimension(SIM.green) ? 'green' : undefined;
    const stat = q.MetricStat?.Stat;
    const Timestamps: Date[] = [];
    const Values: number[] = [];
    if (side) {
      for (const m of this.publishedMinutes(startMs, endMs)) {
        const value = this.datapoint(side, m, metric?.MetricName, stat);
        if (value === undefined) continue;
        Timestamps.push(new Date(m));
        // TargetResponseTime is in seconds in CloudWatch.
        Values.push(metric?.MetricName === 'TargetResponseTime' ? value / 1000 : value);
      }
    }
    return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Timestamps, Values };
  }
}
