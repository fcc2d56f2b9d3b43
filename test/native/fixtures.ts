/** Shared arrangement of the native hook tests: config, payloads, mocked AWS with an in-memory table. */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';

import { CloudWatchClient, GetMetricDataCommand, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, ECSClient, ListServiceDeploymentsCommand, ServiceDeploymentStatus } from '@aws-sdk/client-ecs';
import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig, nativeConfigParameterName } from '../../lib/native/native-config';
import { RELEASE_POLICY_ANALYSIS } from '../../lib/runtime-config';
import { createClients } from '../../lambda/shared/clients';
import type { NativeHookDeps } from '../../lambda/native/native-hook';

export const ACCOUNT = '123456789012';
export const SERVICE_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/api-cluster/api-service`;
export const DEPLOYMENT_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-deployment/api-cluster/api-service/abc123`;
export const GREEN_REV = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-revision/api-cluster/api-service/222`;
export const BLUE_REV = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-revision/api-cluster/api-service/111`;
export const TG_A = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/api-tg-a/1111111111111111`;
export const TG_B = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/api-tg-b/2222222222222222`;
export const LISTENER = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/api-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
export const RULE = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener-rule/app/api-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9999`;
export const TABLE = 'decisions';
export const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:canary`;
export const T0 = new Date('2026-03-02T10:00:00Z');

export function buildConfig(over: Partial<NativeRuntimeConfig> = {}): NativeRuntimeConfig {
  return {
    version: NATIVE_CONFIG_VERSION,
    engine: 'ecs',
    clusterName: 'api-cluster',
    serviceName: 'api-service',
    productionListenerArn: LISTENER,
    productionRuleArn: RULE,
    targetGroupArns: [TG_A, TG_B],
    strategy: 'LINEAR',
    stepPercent: 5,
    steps: [{ percent: 5, bakeSeconds: 300 }, { percent: 25, bakeSeconds: 600 }, { percent: 50, bakeSeconds: 900 }],
    analysis: RELEASE_POLICY_ANALYSIS,
    alarmNames: [],
    bakeTimeMinutes: 5,
    decisionsTableName: TABLE,
    ...over,
  };
}

/** The payload ECS sends with green at `green` % of production (fields under executionDetails, as AWS's sample hooks read them). */
export function payload(green: number): Record<string, unknown> {
  return { executionDetails: flatPayload(green) };
}

/** The same fields at the top level, as the developer guide's "common fields" list them. */
export function flatPayload(green: number): Record<string, unknown> {
  return {
    serviceArn: SERVICE_ARN,
    targetServiceRevisionArn: GREEN_REV,
    productionTrafficWeights: { [BLUE_REV]: 100 - green, [GREEN_REV]: green },
    testTrafficWeights: { [GREEN_REV]: 100 },
  };
}

export const mocks = {
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  cloudwatch: mockClient(CloudWatchClient),
  ssm: mockClient(SSMClient),
  dynamodb: mockClient(DynamoDBClient),
  sns: mockClient(SNSClient),
};

/** The DynamoDB table as a map of `pk|sk` -> item. */
export const table = new Map<string, Record<string, AttributeValue>>();

export function arrange(opts: { stage: string; status?: ServiceDeploymentStatus; config?: NativeRuntimeConfig; ruleWeights?: [number, number]; firstDeployment?: boolean; sameTaskDefinition?: boolean }): void {
  for (const m of Object.values(mocks)) m.reset();
  table.clear();
  mocks.ecs.on(ListServiceDeploymentsCommand).resolves({
    serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, targetServiceRevisionArn: GREEN_REV, status: opts.status ?? 'IN_PROGRESS' }],
  });
  mocks.ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{
      serviceDeploymentArn: DEPLOYMENT_ARN, status: opts.status ?? 'IN_PROGRESS', lifecycleStage: opts.stage as never,
      sourceServiceRevisions: opts.firstDeployment ? [] : [{ arn: BLUE_REV }],
      targetServiceRevision: { arn: GREEN_REV },
    }],
  });
  mocks.ecs.on(DescribeServiceRevisionsCommand).resolves({
    serviceRevisions: [
      { serviceRevisionArn: BLUE_REV, taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/api:1` },
      { serviceRevisionArn: GREEN_REV, taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/api:${opts.sameTaskDefinition ? 1 : 2}` },
    ],
  });
  mocks.ssm.on(GetParameterCommand, { Name: nativeConfigParameterName('api-cluster', 'api-service') })
    .resolves({ Parameter: { Value: JSON.stringify(opts.config ?? buildConfig()) } });
  const [a, b] = opts.ruleWeights ?? [100, 0];
  mocks.elbv2.on(DescribeRulesCommand).resolves({
    Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_A, Weight: a }, { TargetGroupArn: TG_B, Weight: b }] } }] }],
  });
  mocks.dynamodb.on(PutItemCommand).callsFake((input) => {
    table.set(`${input.Item.deploymentId.S}|${input.Item.sk.S}`, input.Item);
    return {};
  });
  mocks.dynamodb.on(GetItemCommand).callsFake((input) => ({ Item: table.get(`${input.Key.deploymentId.S}|${input.Key.sk.S}`) }));
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
}

export function doc<T>(sk: string): T | undefined {
  const item = table.get(`${DEPLOYMENT_ARN}|${sk}`);
  return item ? (JSON.parse(item.doc.S!) as T) : undefined;
}

export function decisions(): Array<Record<string, any>> {
  return [...table.entries()].filter(([k]) => k.includes('|decision#')).map(([, v]) => JSON.parse(v.doc.S!));
}

/** Per-minute metrics from `from` for `minutes` minutes: green with `greenErrors` 5xx of 600 requests. */
export function metrics(from: Date, minutes: number, greenErrors = 0): void {
  const ts = Array.from({ length: minutes }, (_, i) => new Date(from.getTime() + i * 60_000));
  const series = (prefix: string, errors: number): MetricDataResult[] => [
    { Id: `${prefix}_requests`, Timestamps: ts, Values: ts.map(() => 600) },
    { Id: `${prefix}_errors5xx`, Timestamps: ts, Values: ts.map(() => errors) },
    { Id: `${prefix}_p95ms`, Timestamps: ts, Values: ts.map(() => 0.08) },
    { Id: `${prefix}_p99ms`, Timestamps: ts, Values: ts.map(() => 0.15) },
    { Id: `${prefix}_healthyhosts`, Timestamps: ts, Values: ts.map(() => 2) },
    { Id: `${prefix}_unhealthyhosts`, Timestamps: ts, Values: ts.map(() => 0) },
  ];
  mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [...series('green', greenErrors), ...series('blue', 0)] });
}

export function deps(now: Date): NativeHookDeps {
  return { clients: createClients(), table: TABLE, topicArn: TOPIC, now: () => now };
}
