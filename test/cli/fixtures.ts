/**
 * A small AWS account for the CLI tests, on aws-sdk-client-mock: one canary service with its
 * configuration document, CodeDeploy deployments, the decisions table and the production
 * listener. Every side effect is appended to `log` so tests can assert the order of calls.
 */
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentInfo,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  LifecycleEvent,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, ElasticLoadBalancingV2Client, ModifyListenerCommand, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParametersByPathCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../lambda/shared/logger';
import type { StepperState } from '../../lambda/stepper/types';
import { CanaryRuntimeConfig, configParameterName } from '../../lib/runtime-config';
import { createCliClients } from '../../src/cli/aws';
import type { CommandContext } from '../../src/cli/context';
import { BufferOutput } from '../../src/cli/output';
import type { CliDeps } from '../../src/cli/program';

logger.setLogLevel('SILENT');

const RA = 'eu-west-1:123456789012';
export const TG_A = `arn:aws:elasticloadbalancing:${RA}:targetgroup/api-tg-a/aaaaaaaaaaaaaaaa`;
export const TG_B = `arn:aws:elasticloadbalancing:${RA}:targetgroup/api-tg-b/bbbbbbbbbbbbbbbb`;
export const LISTENER = `arn:aws:elasticloadbalancing:${RA}:listener/app/api-alb/1234567890abcdef/fedcba0987654321`;
export const APP = 'api-app';
export const GROUP = 'api-dg';
export const TABLE = 'canary-decisions';
export const T0 = Date.UTC(2025, 5, 2, 10, 0, 0);
export const taskDef = (n: number) => `arn:aws:ecs:${RA}:task-definition/api:${n}`;

export function config(over: Partial<CanaryRuntimeConfig> = {}): CanaryRuntimeConfig {
  return {
    version: 1,
    clusterName: 'api-cluster',
    serviceName: 'api-service',
    productionListenerArn: LISTENER,
    targetGroupArns: [TG_A, TG_B],
    containerPort: 8080,
    steps: [{ percent: 5, bakeSeconds: 300 }, { percent: 25, bakeSeconds: 600 }],
    finalStep: { percent: 50, bakeSeconds: 900 },
    analysis: {
      intervalSeconds: 60, minRequests: 100, maxErrorRatePercent: 1, maxP95Ms: 1000, maxP99Ms: 2000, maxUnhealthyHosts: 0,
      unhealthyMinutes: 2, errorRateRatio: 2, errorRateFloorPercent: 0.1, latencyRatio: 1.5, onInconclusive: 'fail', maxExtensions: 1,
    },
    smokeTests: [],
    alarmNames: [],
    installTimeoutSeconds: 600,
    finalVerdictWindowSeconds: 300,
    decisionsTableName: TABLE,
    terminationWaitSeconds: 300,
    ...over,
  };
}

export const mocks = {
  cloudformation: mockClient(CloudFormationClient),
  codedeploy: mockClient(CodeDeployClient),
  dynamodb: mockClient(DynamoDBClient),
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  ssm: mockClient(SSMClient),
};

export const EVENT_NAMES = ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];

/** Lifecycle events: the ones before `running` Succeeded, `running` InProgress, the rest Pending. */
export function eventsUpTo(running: string | undefined, startedAt = new Date(T0)): LifecycleEvent[] {
  const i = running ? EVENT_NAMES.indexOf(running) : EVENT_NAMES.length;
  return EVENT_NAMES.map((name, j) => ({
    lifecycleEventName: name,
    status: j < i ? 'Succeeded' : j === i ? 'InProgress' : 'Pending',
    startTime: j <= i ? new Date(startedAt.getTime() - (i - j) * 60_000) : undefined,
    endTime: j < i ? new Date(startedAt.getTime() - (i - j - 1) * 60_000) : undefined,
  }));
}

export function appSpec(taskDefinition: string, hookPrefix = 'hooks-v1'): string {
  return JSON.stringify({
    version: '0.0',
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: taskDefinition, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } } } }],
    Hooks: [{ BeforeInstall: `${hookPrefix}-before-install` }, { BeforeAllowTraffic: `${hookPrefix}-before-allow-traffic` }],
  });
}

export function deployment(id: string, status: string, minutesAgo: number, td: number, over: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return {
    deploymentId: id,
    applicationName: APP,
    deploymentGroupName: GROUP,
    status: status as DeploymentInfo['status'],
    createTime: new Date(T0 - minutesAgo * 60_000),
    creator: 'user',
    deploymentConfigName: 'Canary50Percent15Minutes',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(taskDef(td)) } },
    ...over,
  };
}

export class FakeCliAws {
  nowMs = T0;
  /** Configuration documents by parameter name. */
  parameters: Record<string, string> = { [configParameterName(APP, GROUP)]: JSON.stringify(config()) };
  /** Deployments; the order here is NOT newest first, the CLI must sort. */
  deployments: DeploymentInfo[] = [];
  events: Record<string, LifecycleEvent[]> = {};
  listener: TargetGroupTuple[] = [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }];
  primaryTargetGroup = TG_B;
  readonly items = new Map<string, Record<string, AttributeValue>>();
  readonly log: string[] = [];
  stackResources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string }[] = [];
  taskDefinitionStatus = 'ACTIVE';

  readonly out = new BufferOutput(false);
  readonly sleeps: number[] = [];
  /** Called on every sleep (after the clock moved): tests change the world here. */
  onSleep: (n: number) => void = () => undefined;

  now = (): Date => new Date(this.nowMs);

  context(over: Partial<CommandContext> = {}): CommandContext {
    return {
      clients: createCliClients({ region: 'eu-west-1' }),
      out: this.out,
      now: this.now,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.nowMs += ms;
        this.onSleep(this.sleeps.length);
      },
      by: 'alice',
      ...over,
    };
  }

  deps(): CliDeps {
    const ctx = this.context();
    return { out: this.out, clients: () => ctx.clients, now: this.now, sleep: ctx.sleep, by: 'alice' };
  }

  putItem(deploymentId: string, sk: string, kind: string, doc: unknown, outcome?: string): void {
    this.items.set(`${deploymentId}|${sk}`, {
      deploymentId: { S: deploymentId },
      sk: { S: sk },
      kind: { S: kind },
      doc: { S: JSON.stringify(doc) },
      ...(outcome ? { outcome: { S: outcome } } : {}),
    });
  }

  record<T>(deploymentId: string, sk: string): T | undefined {
    const item = this.items.get(`${deploymentId}|${sk}`);
    return item ? JSON.parse(item.doc.S ?? 'null') as T : undefined;
  }

  state(deploymentId: string, over: Partial<StepperState> = {}): StepperState {
    const s: StepperState = {
      lifecycleEventHookExecutionId: 'hook-1',
      hookStartedAt: new Date(T0 - 600_000).toISOString(),
      productionListenerArn: LISTENER,
      colors: { blueTargetGroupArn: TG_B, greenTargetGroupArn: TG_A },
      stepIndex: 1,
      percent: 25,
      stepStartedAt: new Date(T0 - 230_000).toISOString(),
      extensions: 0,
      decisions: 7,
      updatedAt: new Date(T0).toISOString(),
      ...over,
    };
    this.putItem(deploymentId, 'state', 'state', s, s.finished);
    return s;
  }

  install(): this {
    for (const m of Object.values(mocks)) m.reset();

    mocks.ssm.on(GetParametersByPathCommand).callsFake(() => ({
      Parameters: Object.entries(this.parameters).map(([Name, Value]) => ({ Name, Value })),
    }));
    mocks.ssm.on(GetParametersCommand).callsFake((input) => ({
      Parameters: (input.Names as string[]).filter((n) => this.parameters[n]).map((Name) => ({ Name, Value: this.parameters[Name] })),
    }));
    mocks.cloudformation.on(ListStackResourcesCommand).callsFake((input) => {
      if (input.StackName !== 'ApiStack') {
        const err = new Error(`Stack with id ${input.StackName} does not exist`);
        err.name = 'ValidationError';
        throw err;
      }
      return { StackResourceSummaries: this.stackResources };
    });
    mocks.codedeploy.on(ListDeploymentsCommand).callsFake(() => ({ deployments: this.deployments.map((d) => d.deploymentId) }));
    mocks.codedeploy.on(GetDeploymentCommand).callsFake((input) => {
      const d = this.deployments.find((x) => x.deploymentId === input.deploymentId);
      if (!d) {
        const err = new Error(`deployment ${input.deploymentId} does not exist`);
        err.name = 'DeploymentDoesNotExistException';
        throw err;
      }
      return { deploymentInfo: d };
    });
    mocks.codedeploy.on(ListDeploymentTargetsCommand).callsFake(() => ({ targetIds: ['api-cluster:api-service'] }));
    mocks.codedeploy.on(GetDeploymentTargetCommand).callsFake((input) => ({
      deploymentTarget: { deploymentTargetType: 'ECSTarget', ecsTarget: { targetId: input.targetId, lifecycleEvents: this.events[input.deploymentId] ?? [] } },
    }));
    mocks.codedeploy.on(StopDeploymentCommand).callsFake((input) => {
      this.log.push(`StopDeployment ${input.deploymentId} autoRollback=${input.autoRollbackEnabled}`);
      return { status: 'Pending', statusMessage: 'Stopping' };
    });
    mocks.codedeploy.on(ContinueDeploymentCommand).callsFake((input) => {
      this.log.push(`ContinueDeployment ${input.deploymentId} ${input.deploymentWaitType}`);
      return {};
    });
    mocks.codedeploy.on(CreateDeploymentCommand).callsFake(() => {
      this.log.push('CreateDeployment');
      return { deploymentId: 'd-NEW' };
    });
    mocks.dynamodb.on(GetItemCommand).callsFake((input) => {
      const item = this.items.get(`${input.Key.deploymentId.S}|${input.Key.sk.S}`);
      return item ? { Item: item } : {};
    });
    mocks.dynamodb.on(PutItemCommand).callsFake((input) => {
      this.items.set(`${input.Item.deploymentId.S}|${input.Item.sk.S}`, input.Item);
      this.log.push(`PutItem ${input.Item.sk.S}`);
      return {};
    });
    mocks.dynamodb.on(QueryCommand).callsFake((input) => {
      const pk = input.ExpressionAttributeValues[':d'].S;
      const prefix = input.ExpressionAttributeValues[':p']?.S ?? '';
      let items = [...this.items.values()].filter((i) => i.deploymentId.S === pk && (i.sk.S ?? '').startsWith(prefix))
        .sort((a, b) => (a.sk.S ?? '').localeCompare(b.sk.S ?? ''));
      if (input.ScanIndexForward === false) items = items.reverse();
      return { Items: input.Limit ? items.slice(0, input.Limit) : items };
    });
    mocks.elbv2.on(DescribeListenersCommand).callsFake(() => ({
      Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: this.listener.map((t) => ({ ...t })) } }] }],
    }));
    mocks.elbv2.on(ModifyListenerCommand).callsFake((input) => {
      this.listener = input.DefaultActions[0].ForwardConfig.TargetGroups.map((t: TargetGroupTuple) => ({ ...t }));
      const name = (arn?: string) => (arn === TG_A ? 'A' : arn === TG_B ? 'B' : arn);
      this.log.push(`ModifyListener ${this.listener.map((t) => `${name(t.TargetGroupArn)}=${t.Weight}`).sort().join(' ')}`);
      return {};
    });
    mocks.ecs.on(DescribeServicesCommand).callsFake(() => {
      const other = this.primaryTargetGroup === TG_A ? TG_B : TG_A;
      return {
        services: [{
          serviceName: 'api-service',
          taskSets: [
            { id: 'green', status: 'ACTIVE', loadBalancers: [{ targetGroupArn: other }] },
            { id: 'blue', status: 'PRIMARY', loadBalancers: [{ targetGroupArn: this.primaryTargetGroup }] },
          ],
        }],
      };
    });
    mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake((input) => ({ taskDefinition: { taskDefinitionArn: input.taskDefinition, status: this.taskDefinitionStatus } }));
    return this;
  }
}
