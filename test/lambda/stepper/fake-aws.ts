import { RELEASE_POLICY_ANALYSIS } from '../../../lib/runtime-config';
/**
 * A small in-memory AWS for the stepper, hook and guard tests, on top of aws-sdk-client-mock:
 * a production listener whose weights ModifyListener really changes, a DynamoDB table, ALB
 * metrics generated per target group, and one ordered log of every side effect so tests can
 * assert "weights back to blue 100 % before Failed is reported".
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describeEmf, EmfLine } from '../../helpers/emf';
import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { AttributeValue, BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { MinuteSample } from '../../../lambda/judge/types';
import { createClients } from '../../../lambda/shared/clients';
import { logger } from '../../../lambda/shared/logger';
import { CanaryRuntimeConfig, configParameterName } from '../../../lib/runtime-config';

logger.setLogLevel('SILENT');

export const REGION_ACCOUNT = 'eu-west-1:123456789012';
/** Target group A comes first in the configuration, but B serves the PRIMARY (stable) task set. */
export const TG_A = `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:targetgroup/api-tg-a/aaaaaaaaaaaaaaaa`;
export const TG_B = `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:targetgroup/api-tg-b/bbbbbbbbbbbbbbbb`;
export const LISTENER = `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:listener/app/api-alb/1234567890abcdef/fedcba0987654321`;
export const DEPLOYMENT_ID = 'd-ABCDEF123';
export const HOOK_ID = 'eyJlbmNyeXB0ZWREYXRhIjoiSGVsbG8gV29ybGQhIiwiaXZQYXJhbWV0ZXJTcGVjIjoiYWJjIn0=';
export const TABLE = 'canary-decisions';
export const APP = 'api-app';
export const GROUP = 'api-dg';
export const T0 = Date.UTC(2025, 5, 2, 10, 0, 0);

export type Sample = Omit<MinuteSample, 'timestamp'>;
export const HEALTHY_GREEN: Sample = { requests: 200, errors5xx: 0, p95Ms: 200, p99Ms: 400, healthyHosts: 2, unhealthyHosts: 0 };
export const HEALTHY_BLUE: Sample = { requests: 2000, errors5xx: 2, p95Ms: 180, p99Ms: 350, healthyHosts: 4, unhealthyHosts: 0 };

export function testConfig(over: Partial<CanaryRuntimeConfig> = {}): CanaryRuntimeConfig {
  return {
    version: 1,
    clusterName: 'api-cluster',
    serviceName: 'api-service',
    productionListenerArn: LISTENER,
    targetGroupArns: [TG_A, TG_B],
    containerPort: 8080,
    steps: [
      { percent: 5, bakeSeconds: 300 },
      { percent: 25, bakeSeconds: 600 },
      { percent: 50, bakeSeconds: 900 },
    ],
    finalStep: { percent: 100, bakeSeconds: 0 },
    analysis: { ...RELEASE_POLICY_ANALYSIS },
    smokeTests: [],
    alarmNames: [],
    installTimeoutSeconds: 600,
    finalVerdictWindowSeconds: 900,
    ...over,
  };
}

/** An AWS SDK error as the clients throw them. */
export function awsError(name: string, httpStatusCode = 400, retryable = false): Error {
  const err = new Error(`${name} (simulated)`) as Error & { $metadata: object; $fault: string; $retryable?: object };
  err.name = name;
  err.$metadata = { httpStatusCode };
  err.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  if (retryable) err.$retryable = { throttling: httpStatusCode === 429 || name.includes('Throttl') };
  return err;
}
export const throttled = (): Error => awsError('ThrottlingException', 400, true);
export const serverError = (): Error => awsError('InternalFailure', 500);
export const timeout = (): Error => awsError('TimeoutError', 0);

export const mocks = {
  codedeploy: mockClient(CodeDeployClient),
  ssm: mockClient(SSMClient),
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  cloudwatch: mockClient(CloudWatchClient),
  dynamodb: mockClient(DynamoDBClient),
  sfn: mockClient(SFNClient),
};

export type FakeOp =
  | 'GetDeployment' | 'PutLifecycleEventHookExecutionStatus' | 'GetParameter' | 'DescribeServices'
  | 'DescribeListeners' | 'ModifyListener' | 'GetMetricData'
  | 'GetItem' | 'PutItem' | 'BatchGetItem' | 'BatchWriteItem' | 'Query' | 'StartExecution';

/** The AWS account the code under test talks to; `install()` wires it into the mocks. */
export class FakeAws {
  nowMs = T0;
  config: CanaryRuntimeConfig = testConfig();
  deploymentStatus = 'InProgress';
  deploymentCreator = 'user';
  primaryTargetGroup = TG_B;
  listener: TargetGroupTuple[] = [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }];
  /**
   * How long after a minute ends its metrics are in CloudWatch; ALB metrics really take about 60 s.
   * 0 (the default): every complete minute of the asked window is there, even one after `nowMs`.
   */
  publishDelaySeconds = 0;
  /** Metrics of each target group for the minute starting at `minuteMs`. */
  metrics: Record<string, (minuteMs: number) => Sample | undefined> = {
    [TG_A]: () => HEALTHY_GREEN,
    [TG_B]: () => HEALTHY_BLUE,
  };
  readonly items = new Map<string, Record<string, AttributeValue>>();
  /** The EMF lines (outcome metrics) written, in order. */
  readonly emf: EmfLine[] = [];
  /** Every side effect in order: `ModifyListener A=5 B=95`, `report Failed`, `EMF ...`. */
  readonly log: string[] = [];
  /** The same side effects with their time, in seconds since T0. */
  readonly timeline: { at: number; entry: string }[] = [];
  /** Statuses CodeDeploy accepted (a second report is refused like CodeDeploy does). */
  readonly reports: string[] = [];
  readonly calls: Partial<Record<FakeOp, number>> = {};
  private readonly failures = new Map<FakeOp, Error[]>();

  get clients() {
    return createClients();
  }

  now = (): Date => new Date(this.nowMs);

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  /** The next `times` calls of `op` throw `err()`. */
  fail(op: FakeOp, err: () => Error, times = 1): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...Array.from({ length: times }, err)]);
  }

  /** Every call of `op` throws from now on (until `heal`). */
  failAlways(op: FakeOp, err: () => Error): void {
    this.fail(op, err, 10_000);
  }

  heal(op: FakeOp): void {
    this.failures.delete(op);
  }

  /** Green percent per ModifyListener, as `{ A, B }` weights. */
  weightChanges(): string[] {
    return this.log.filter((l) => l.startsWith('ModifyListener'));
  }

  record<T = unknown>(sk: string): T | undefined {
    const item = this.items.get(`${DEPLOYMENT_ID}|${sk}`);
    return item ? JSON.parse(item.doc.S ?? 'null') as T : undefined;
  }

  recordsOfKind(kind: string): { sk: string; outcome?: string; doc: Record<string, unknown> }[] {
    return [...this.items.values()]
      .filter((i) => i.kind.S === kind)
      .sort((a, b) => (a.sk.S ?? '').localeCompare(b.sk.S ?? ''))
      .map((i) => ({ sk: i.sk.S ?? '', outcome: i.outcome?.S, doc: JSON.parse(i.doc.S ?? 'null') }));
  }

  putControl(action: 'promote' | 'abort', by = 'alice'): void {
    this.items.set(`${DEPLOYMENT_ID}|control`, {
      deploymentId: { S: DEPLOYMENT_ID },
      sk: { S: 'control' },
      kind: { S: 'control' },
      doc: { S: JSON.stringify({ action, at: new Date(this.nowMs).toISOString(), by }) },
      expiresAt: { N: '0' },
    });
  }

  private push(entry: string): void {
    this.log.push(entry);
    this.timeline.push({ at: (this.nowMs - T0) / 1000, entry });
  }

  /** Time (seconds since T0) of the first side effect starting with `prefix`. */
  timeOf(prefix: string): number | undefined {
    return this.timeline.find((t) => t.entry.startsWith(prefix))?.at;
  }

  private op(op: FakeOp): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    const queue = this.failures.get(op);
    const err = queue?.shift();
    if (err) throw err;
  }

  install(): this {
    for (const m of Object.values(mocks)) m.reset();

    mocks.codedeploy.on(GetDeploymentCommand).callsFake(() => {
      this.op('GetDeployment');
      return { deploymentInfo: { applicationName: APP, deploymentGroupName: GROUP, status: this.deploymentStatus, creator: this.deploymentCreator } };
    });
    mocks.codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake((input) => {
      this.op('PutLifecycleEventHookExecutionStatus');
      if (this.reports.length > 0) throw awsError('LifecycleEventAlreadyCompletedException');
      this.reports.push(input.status);
      this.push(`report ${input.status}`);
      return { lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId };
    });
    mocks.ssm.on(GetParameterCommand).callsFake((input) => {
      this.op('GetParameter');
      if (input.Name !== configParameterName(APP, GROUP)) throw awsError('ParameterNotFound');
      return { Parameter: { Name: input.Name, Value: JSON.stringify(this.config) } };
    });
    mocks.ecs.on(DescribeServicesCommand).callsFake(() => {
      this.op('DescribeServices');
      const other = this.primaryTargetGroup === TG_A ? TG_B : TG_A;
      // The replacement (ACTIVE) task set is listed first: order must not decide the colors.
      return {
        services: [{
          serviceName: this.config.serviceName,
          taskSets: [
            { id: 'ecs-svc/green', status: 'ACTIVE', loadBalancers: [{ targetGroupArn: other }] },
            { id: 'ecs-svc/blue', status: 'PRIMARY', loadBalancers: [{ targetGroupArn: this.primaryTargetGroup }] },
          ],
        }],
      };
    });
    mocks.elbv2.on(DescribeListenersCommand).callsFake(() => {
      this.op('DescribeListeners');
      return { Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: this.listener.map((t) => ({ ...t })) } }] }] };
    });
    mocks.elbv2.on(ModifyListenerCommand).callsFake((input) => {
      this.op('ModifyListener');
      const groups: TargetGroupTuple[] = input.DefaultActions[0].ForwardConfig.TargetGroups;
      this.listener = groups.map((t) => ({ ...t }));
      this.push(`ModifyListener ${describeWeights(this.listener)}`);
      return {};
    });
    mocks.cloudwatch.on(GetMetricDataCommand).callsFake((input) => {
      this.op('GetMetricData');
      return { MetricDataResults: this.metricData(input.MetricDataQueries, input.StartTime, input.EndTime) };
    });
    // Outcome metrics are EMF lines on stdout (lambda/shared/emf.ts), not API calls: caught here
    // and logged in order with the calls, as `EMF <name> <dimensions> value=<n>`.
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
      const text = String(line);
      if (!text.includes('"_aws"')) return;
      const emf = JSON.parse(text) as EmfLine;
      this.emf.push(emf);
      for (const d of describeEmf([emf])) this.push(`EMF ${d}`);
    });
    mocks.dynamodb.on(GetItemCommand).callsFake((input) => {
      this.op('GetItem');
      const item = this.items.get(`${input.Key.deploymentId.S}|${input.Key.sk.S}`);
      return item ? { Item: item } : {};
    });
    mocks.dynamodb.on(PutItemCommand).callsFake((input) => {
      this.op('PutItem');
      this.items.set(`${input.Item.deploymentId.S}|${input.Item.sk.S}`, input.Item);
      return {};
    });
    mocks.dynamodb.on(BatchGetItemCommand).callsFake((input) => {
      this.op('BatchGetItem');
      const [[table, { Keys }]] = Object.entries(input.RequestItems as Record<string, { Keys: Record<string, AttributeValue>[] }>);
      const found = Keys.map((k) => this.items.get(`${k.deploymentId.S}|${k.sk.S}`)).filter((i) => i !== undefined);
      return { Responses: { [table]: found }, UnprocessedKeys: {} };
    });
    mocks.dynamodb.on(BatchWriteItemCommand).callsFake((input) => {
      this.op('BatchWriteItem');
      for (const requests of Object.values(input.RequestItems as Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]>)) {
        for (const { PutRequest: { Item } } of requests) this.items.set(`${Item.deploymentId.S}|${Item.sk.S}`, Item);
      }
      return { UnprocessedItems: {} };
    });
    mocks.dynamodb.on(QueryCommand).callsFake((input) => {
      this.op('Query');
      const pk = input.ExpressionAttributeValues[':d'].S;
      return { Items: [...this.items.values()].filter((i) => i.deploymentId.S === pk).sort((a, b) => (a.sk.S ?? '').localeCompare(b.sk.S ?? '')) };
    });
    mocks.sfn.on(StartExecutionCommand).callsFake((input) => {
      this.op('StartExecution');
      this.push(`StartExecution ${input.name}`);
      return { executionArn: `arn:aws:states:${REGION_ACCOUNT}:execution:stepper:${input.name}`, startDate: new Date(this.nowMs) };
    });
    return this;
  }

  /** Complete minutes in [start, end) (and published by now, with a publish delay), per query, from the target group's profile. */
  private metricData(queries: MetricDataQuery[], start: Date, end: Date) {
    const first = Math.floor(new Date(start).getTime() / 60_000) * 60_000;
    const endMs = new Date(end).getTime();
    const last = this.publishDelaySeconds > 0 ? Math.min(endMs, this.nowMs - this.publishDelaySeconds * 1000) : endMs;
    const minutes: number[] = [];
    for (let m = first; m + 60_000 <= last; m += 60_000) minutes.push(m);
    return queries.map((q) => {
      const dim = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value ?? '';
      const tg = [TG_A, TG_B].find((arn) => arn.endsWith(`:${dim}`));
      const key = (q.Id ?? '').split('_')[1];
      const field = ({ requests: 'requests', errors5xx: 'errors5xx', p95ms: 'p95Ms', p99ms: 'p99Ms', healthyhosts: 'healthyHosts', unhealthyhosts: 'unhealthyHosts' } as Record<string, keyof Sample>)[key];
      const scale = field === 'p95Ms' || field === 'p99Ms' ? 1 / 1000 : 1;
      const Timestamps: Date[] = [];
      const Values: number[] = [];
      for (const m of minutes) {
        const v = tg ? this.metrics[tg]?.(m)?.[field] : undefined;
        if (v === undefined) continue;
        Timestamps.push(new Date(m));
        Values.push(v * scale);
      }
      return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Timestamps, Values };
    });
  }
}

export function describeWeights(groups: TargetGroupTuple[]): string {
  const name = (arn?: string) => (arn === TG_A ? 'A' : arn === TG_B ? 'B' : arn);
  return groups.map((t) => `${name(t.TargetGroupArn)}=${t.Weight}`).sort().join(' ');
}
