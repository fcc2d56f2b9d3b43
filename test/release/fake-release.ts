/**
 * Fixtures for the release custom resource tests: CloudFormation requests as aws-cdk-lib's
 * provider framework sends them, and a small fake of the CodeDeploy deployments and ECS task
 * sets behind aws-sdk-client-mock.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import type { ReleaseResourceProperties } from '../../lib/release/release-contract';
import { releaseDescription, resourceKey } from '../../lambda/release/deployments';
import type { ReleaseDeps, ReleaseRequest } from '../../lambda/release/types';
import type { Clients } from '../../lambda/shared/clients';

export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Shop/8f0e1b20-aaaa-bbbb-cccc-0123456789ab';
export const LOGICAL_ID = 'ApiRelease3225BDA7';
export const RESOURCE = resourceKey(STACK_ID, LOGICAL_ID);
export const PHYSICAL_ID = `cdk-ecs-canary-release-${RESOURCE}`;
export const REQUEST_ID = '11111111-2222-3333-4444-555555555555';
export const OTHER_REQUEST_ID = '99999999-8888-7777-6666-555555555555';
export const TABLE = 'decisions-table';
export const NOW = new Date('2026-11-26T10:00:00Z');

export const td = (rev: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-api:${rev}`;
export const TD1 = td(1);
export const TD2 = td(2);
export const TD3 = td(3);

export function appSpec(taskDefinitionArn: string): string {
  return JSON.stringify({
    version: '0.0',
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } } } }],
    Hooks: [{ BeforeInstall: 'hook-before-install' }, { AfterAllowTraffic: 'hook-after-allow-traffic' }],
  });
}

export function properties(taskDefinitionArn: string, over: Partial<ReleaseResourceProperties> = {}): Record<string, unknown> {
  const p: ReleaseResourceProperties = {
    TaskDefinitionArn: taskDefinitionArn,
    AppSpec: appSpec(taskDefinitionArn),
    ApplicationName: 'shop-app',
    DeploymentGroupName: 'shop-group',
    DeploymentConfigName: 'Canary50Percent15Minutes',
    ClusterName: 'shop-cluster',
    ServiceName: 'shop-api',
    Mode: 'wait',
    OnConflict: 'fail',
    ...over,
  };
  return { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework-onEvent', ...p };
}

export function createRequest(taskDefinitionArn = TD1, over: Partial<ReleaseResourceProperties> = {}): ReleaseRequest {
  return {
    RequestType: 'Create',
    RequestId: REQUEST_ID,
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
    ResourceType: 'Custom::CanaryRelease',
    ResourceProperties: properties(taskDefinitionArn, over),
  };
}

export function updateRequest(from: string, to: string, over: Partial<ReleaseResourceProperties> = {}): ReleaseRequest {
  return {
    RequestType: 'Update',
    RequestId: REQUEST_ID,
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
    ResourceType: 'Custom::CanaryRelease',
    PhysicalResourceId: PHYSICAL_ID,
    ResourceProperties: properties(to, over),
    OldResourceProperties: properties(from, over),
  };
}

export function deleteRequest(taskDefinitionArn = TD2): ReleaseRequest {
  return {
    RequestType: 'Delete',
    RequestId: REQUEST_ID,
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
    ResourceType: 'Custom::CanaryRelease',
    PhysicalResourceId: PHYSICAL_ID,
    ResourceProperties: properties(taskDefinitionArn),
  };
}

/** A description our release writes, for a deployment started by `requestId` of `resource`. */
export function ourDescription(taskDefinitionArn: string, requestId = OTHER_REQUEST_ID, resource = RESOURCE): string {
  return releaseDescription({ taskDefinitionArn, resource, requestId });
}

export function awsError(name: string, status: number, message = `${name} (simulated)`): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

export const throttled = () => awsError('ThrottlingException', 400, 'Rate exceeded');
export const accessDenied = () => awsError('AccessDeniedException', 400, 'not authorized to perform: codedeploy:ListDeployments');

// One mock per client class for the whole file (mockClient patches the class); reset per FakeAws.
const codedeployMock = mockClient(CodeDeployClient);
const ecsMock = mockClient(ECSClient);
const dynamodbMock = mockClient(DynamoDBClient);

const IN_FLIGHT = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/**
 * CodeDeploy deployments and ECS task sets as the tests arrange them. ListDeployments answers
 * from `deployments` (status filter and createTimeRange honoured), GetDeployment by id,
 * CreateDeployment adds a `Created` deployment, DescribeServices returns `service`.
 */
export class FakeAws {
  public readonly codedeploy = codedeployMock;
  public readonly ecs = ecsMock;
  public readonly dynamodb = dynamodbMock;
  public deployments: DeploymentInfo[] = [];
  public service: Service = { serviceName: 'shop-api', taskDefinition: TD1, taskSets: [{ status: 'PRIMARY', taskDefinition: TD1 }] };
  private created = 0;

  public readonly clients: Clients = {
    codedeploy: new CodeDeployClient({ region: 'eu-west-1' }),
    ecs: new ECSClient({ region: 'eu-west-1' }),
    dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
  } as unknown as Clients;

  constructor() {
    this.codedeploy.reset();
    this.ecs.reset();
    this.dynamodb.reset();
    this.codedeploy.on(ListDeploymentsCommand).callsFake((input) => ({
      deployments: this.deployments
        .filter((d) => !input.includeOnlyStatuses || input.includeOnlyStatuses.includes(d.status!))
        .filter((d) => !input.createTimeRange?.start || (d.createTime ?? NOW) >= input.createTimeRange.start)
        .map((d) => d.deploymentId!),
    }));
    this.codedeploy.on(GetDeploymentCommand).callsFake((input) => {
      const d = this.deployments.find((x) => x.deploymentId === input.deploymentId);
      if (!d) throw awsError('DeploymentDoesNotExistException', 400);
      return { deploymentInfo: d };
    });
    this.codedeploy.on(CreateDeploymentCommand).callsFake((input) => {
      const id = `d-NEW${++this.created}`;
      this.deployments.push({ deploymentId: id, status: 'Created', description: input.description, createTime: NOW });
      return { deploymentId: id };
    });
    this.codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    this.ecs.on(DescribeServicesCommand).callsFake(() => ({ services: [this.service], failures: [] }));
  }

  public deps(table: string | undefined = TABLE): ReleaseDeps {
    return { clients: this.clients, table, now: () => NOW };
  }

  /** A deployment of the group, created 2 minutes before NOW unless told otherwise. */
  public addDeployment(d: DeploymentInfo): DeploymentInfo {
    const full = { createTime: new Date(NOW.getTime() - 2 * 60_000), ...d };
    this.deployments.push(full);
    return full;
  }

  public setStatus(deploymentId: string, status: string, extra: Partial<DeploymentInfo> = {}): void {
    const d = this.deployments.find((x) => x.deploymentId === deploymentId)!;
    Object.assign(d, { status, ...extra });
  }

  public runs(primary: string, active?: string): void {
    this.service = {
      serviceName: 'shop-api',
      taskDefinition: primary,
      taskSets: [{ status: 'PRIMARY', taskDefinition: primary }, ...(active ? [{ status: 'ACTIVE', taskDefinition: active }] : [])],
    };
  }

  public inFlight(): DeploymentInfo[] {
    return this.deployments.filter((d) => IN_FLIGHT.has(d.status!));
  }
}
