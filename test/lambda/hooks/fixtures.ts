import { RELEASE_POLICY_ANALYSIS } from '../../../lib/runtime-config';
/**
 * Shared arrangement for the lifecycle hook tests: one runtime config builder, mocked AWS
 * clients (aws-sdk-client-mock patches every instance, including the handlers' module clients),
 * and the contract every hook keeps (malformed event, duplicate invocation, deadline, AWS errors).
 */
// Quiet structured logs in tests; must be set before the shared logger is first imported.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentCommandOutput,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, TaskSet } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CanaryRuntimeConfig, CONFIG_VERSION, configParameterName } from '../../../lib/runtime-config';
import type { DeploymentContext } from '../../../lambda/shared/deployment-context';
import { DEADLINE_MARGIN_MS, HookOutcome, InvocationContext } from '../../../lambda/shared/hook-handler';

export const REGION = 'eu-west-1';
process.env.AWS_REGION ??= REGION;

export const DEPLOYMENT_ID = 'd-TEST12345';
export const EXECUTION_ID = 'hook-exec-0001';
export const APP = 'api-app';
export const GROUP = 'api-group';
export const ACCOUNT = '123456789012';
export const TG_A = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/api-tg-a/1111111111111111`;
export const TG_B = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/api-tg-b/2222222222222222`;
export const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/api-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
export const TEST_LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/api-alb/50dc6c495c0c9188/0000dc8efc522ab2`;
export const TASK_DEF = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/api:42`;
export const CONTAINER = 'web';
export const PORT = 8080;

export const EVENT = { DeploymentId: DEPLOYMENT_ID, LifecycleEventHookExecutionId: EXECUTION_ID };
/** A Lambda context with plenty of time left. */
export const LONG_CONTEXT: InvocationContext = { getRemainingTimeInMillis: () => 600_000 };
/** A Lambda context whose deadline (15 s margin) fires after `ms` milliseconds. */
export const shortContext = (ms = 30): InvocationContext => ({ getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + ms });

export function buildConfig(over: Partial<CanaryRuntimeConfig> = {}): CanaryRuntimeConfig {
  return {
    version: CONFIG_VERSION,
    clusterName: 'api-cluster',
    serviceName: 'api-service',
    productionListenerArn: LISTENER,
    testListenerArn: TEST_LISTENER,
    targetGroupArns: [TG_A, TG_B],
    containerPort: PORT,
    steps: [{ percent: 5, bakeSeconds: 300 }, { percent: 25, bakeSeconds: 600 }],
    finalStep: { percent: 50, bakeSeconds: 900 },
    analysis: { ...RELEASE_POLICY_ANALYSIS, maxExtensions: 2 },
    smokeTests: [],
    alarmNames: ['api-rollback'],
    installTimeoutSeconds: 60,
    finalVerdictWindowSeconds: 300,
    ...over,
  };
}

export function buildContext(config: CanaryRuntimeConfig = buildConfig()): DeploymentContext {
  return {
    deploymentId: DEPLOYMENT_ID,
    applicationName: APP,
    deploymentGroupName: GROUP,
    status: 'InProgress',
    config,
    deployment: { deploymentId: DEPLOYMENT_ID, applicationName: APP, deploymentGroupName: GROUP, status: 'InProgress' },
  };
}

/** The AppSpec this library renders (always JSON). */
export function appSpec(over: { taskDefinition?: string; containerName?: string; containerPort?: number } = {}): string {
  return JSON.stringify({
    version: '0.0',
    Resources: [{
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: over.taskDefinition ?? TASK_DEF,
          LoadBalancerInfo: { ContainerName: over.containerName ?? CONTAINER, ContainerPort: over.containerPort ?? PORT },
        },
      },
    }],
  });
}

export function deploymentOutput(content: string | undefined = appSpec(), revisionType = 'AppSpecContent'): Partial<GetDeploymentCommandOutput> {
  return {
    deploymentInfo: {
      deploymentId: DEPLOYMENT_ID,
      applicationName: APP,
      deploymentGroupName: GROUP,
      status: 'InProgress',
      revision: { revisionType: revisionType as 'AppSpecContent', appSpecContent: content === undefined ? undefined : { content } },
    },
  };
}

export const mocks = {
  codedeploy: mockClient(CodeDeployClient),
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  cloudwatch: mockClient(CloudWatchClient),
  ssm: mockClient(SSMClient),
  dynamodb: mockClient(DynamoDBClient),
  sfn: mockClient(SFNClient),
  lambda: mockClient(LambdaClient),
};

/** Resets every mock and arranges what every hook needs: the deployment, its config, reporting. */
export function resetMocks(config: CanaryRuntimeConfig = buildConfig()): void {
  for (const m of Object.values(mocks)) m.reset();
  mocks.codedeploy.on(GetDeploymentCommand).resolves(deploymentOutput());
  mocks.codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: EXECUTION_ID });
  mockConfig(config);
}

export function mockConfig(config: CanaryRuntimeConfig): void {
  mocks.ssm.on(GetParameterCommand, { Name: configParameterName(APP, GROUP) }).resolves({
    Parameter: { Name: configParameterName(APP, GROUP), Value: JSON.stringify(config) },
  });
}

export interface TaskSetShape {
  readonly primaryTg?: string;
  readonly replacementTg?: string;
  readonly desired?: number;
  readonly running?: number;
  readonly stability?: 'STEADY_STATE' | 'STABILIZING';
  /** No replacement task set at all (before Install). */
  readonly noReplacement?: boolean;
}

/** The ECS service as DescribeServices shows it during a blue/green deployment. */
export function taskSets(s: TaskSetShape = {}): TaskSet[] {
  const primary: TaskSet = {
    id: 'ecs-svc/primary',
    status: 'PRIMARY',
    computedDesiredCount: 2,
    runningCount: 2,
    stabilityStatus: 'STEADY_STATE',
    loadBalancers: [{ targetGroupArn: s.primaryTg ?? TG_A, containerName: CONTAINER, containerPort: PORT }],
    createdAt: new Date('2025-01-01T00:00:00Z'),
  };
  if (s.noReplacement) return [primary];
  return [primary, {
    id: 'ecs-svc/replacement',
    status: 'ACTIVE',
    computedDesiredCount: s.desired ?? 2,
    runningCount: s.running ?? s.desired ?? 2,
    stabilityStatus: s.stability ?? 'STEADY_STATE',
    loadBalancers: [{ targetGroupArn: s.replacementTg ?? (s.primaryTg === TG_B ? TG_A : TG_B), containerName: CONTAINER, containerPort: PORT }],
    createdAt: new Date('2025-01-02T00:00:00Z'),
  }];
}

export function mockService(s: TaskSetShape = {}): void {
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api-service', taskSets: taskSets(s) }] });
}

export interface TargetShape {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
}

export function targetHealth(targets: readonly TargetShape[]): TargetHealthDescription[] {
  return targets.map((t) => ({
    Target: { Id: t.id, Port: t.port ?? PORT },
    TargetHealth: { State: t.state as 'healthy', Reason: t.reason as undefined },
  }));
}

export function mockTargets(targetGroupArn: string, targets: readonly TargetShape[]): void {
  mocks.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: targetGroupArn }).resolves({ TargetHealthDescriptions: targetHealth(targets) });
}

export const healthyTargets = (n: number, port = PORT): TargetShape[] =>
  Array.from({ length: n }, (_, i) => ({ id: `10.0.1.${i + 1}`, port, state: 'healthy' }));

/** An error as the AWS SDK v3 throws it. */
export function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

/** What a rejected send looks like after the SDK's own retries gave up. */
export const AWS_FAILURES: [string, () => Error][] = [
  ['throttling', () => awsError('ThrottlingException', 'Rate exceeded', { $fault: 'client', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } })],
  ['a 500', () => awsError('InternalFailure', 'We encountered an internal error', { $fault: 'server', $metadata: { httpStatusCode: 500 } })],
  ['a timeout', () => awsError('TimeoutError', 'Connection timed out after 3000 ms')],
];

/** A send that never answers: the hook's deadline has to end it. */
export const never = (): Promise<never> => new Promise<never>(() => undefined);

export function expectReportedOnce(status: 'Succeeded' | 'Failed'): void {
  expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
  expect(mocks.codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
    deploymentId: DEPLOYMENT_ID,
    lifecycleEventHookExecutionId: EXECUTION_ID,
    status,
  });
}

export type Handler = (event: unknown, context: InvocationContext) => Promise<HookOutcome>;

export interface ContractSpec {
  /** Arranges a passing run (called after resetMocks). */
  readonly arrange: () => void;
  readonly config?: CanaryRuntimeConfig;
  /** Each AWS call the hook makes: how to make it reject with the given error. */
  readonly calls: Record<string, (err: Error) => void>;
  /** Makes one of the hook's calls hang forever. */
  readonly hang: () => void;
}

/** What every lifecycle hook promises, whatever its work: report exactly once, or throw when it cannot. */
export function hookContract(handler: Handler, spec: ContractSpec): void {
  const config = spec.config ?? buildConfig();
  beforeEach(() => {
    resetMocks(config);
    spec.arrange();
  });

  it('reports Succeeded exactly once with the event ids on a passing run', async () => {
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome.status).toBe('Succeeded');
    expectReportedOnce('Succeeded');
  });

  it.each([
    ['no event', undefined],
    ['an event without a hook execution id', { DeploymentId: DEPLOYMENT_ID }],
    ['a deployment id that is not d-...', { DeploymentId: 'not-a-deployment', LifecycleEventHookExecutionId: EXECUTION_ID }],
  ])('throws on %s and reports nothing', async (_name, event) => {
    await expect(handler(event, LONG_CONTEXT)).rejects.toThrow(/malformed lifecycle hook event/);
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 0);
  });

  it('does not throw on a duplicate invocation (already completed) and reports once', async () => {
    mocks.codedeploy.on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(awsError('LifecycleEventAlreadyCompletedException', 'already completed', { $fault: 'client' }));
    await expect(handler(EVENT, LONG_CONTEXT)).resolves.toMatchObject({ status: 'Succeeded' });
    expect(mocks.codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
  });

  it('reports Failed via the deadline when the work hangs', async () => {
    spec.hang();
    const outcome = await handler(EVENT, shortContext(30));
    expect(outcome).toMatchObject({ status: 'Failed', reason: expect.stringMatching(/DeadlineError/) });
    expectReportedOnce('Failed');
  });

  it.each(AWS_FAILURES)('reports Failed once when loading the config fails with %s', async (_kind, make) => {
    mocks.ssm.on(GetParameterCommand).rejects(make());
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome.status).toBe('Failed');
    expectReportedOnce('Failed');
  });

  const cases = Object.entries(spec.calls).flatMap(([call, fail]) =>
    AWS_FAILURES.map(([kind, make]) => [call, kind, fail, make] as const));
  it.each(cases)('reports Failed once when %s fails with %s', async (_call, _kind, fail, make) => {
    const err = make();
    fail(err);
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toContain(err.message);
    expectReportedOnce('Failed');
  });
}
