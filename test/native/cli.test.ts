import { AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ServiceDeployment,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../lambda/shared/logger';
import { nativeConfigParameterName } from '../../lib/native/native-config';
import { createCliClients } from '../../src/cli/aws';
import { BufferOutput } from '../../src/cli/output';
import { runCli } from '../../src/cli/program';
import { buildConfig, DEPLOYMENT_ARN, T0, TABLE } from './fixtures';

logger.setLogLevel('SILENT');
const ecs = mockClient(ECSClient);
const ssm = mockClient(SSMClient);
const ddb = mockClient(DynamoDBClient);
const items = new Map<string, Record<string, AttributeValue>>();

function deployment(over: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return { serviceDeploymentArn: DEPLOYMENT_ARN, status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', ...over };
}

function arrange(...described: ServiceDeployment[]): void {
  ecs.reset(); ssm.reset(); ddb.reset(); items.clear();
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: nativeConfigParameterName('api-cluster', 'api-service'), Value: JSON.stringify(buildConfig()) }] });
  ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, status: described[0]?.status ?? 'IN_PROGRESS', createdAt: T0 }] });
  const q = ecs.on(DescribeServiceDeploymentsCommand);
  for (const d of described) q.resolvesOnce({ serviceDeployments: [d] });
  q.resolves({ serviceDeployments: [described[described.length - 1] ?? deployment()] });
  ddb.on(PutItemCommand).callsFake((input) => { items.set(`${input.Item.deploymentId.S}|${input.Item.sk.S}`, input.Item); return {}; });
  ddb.on(GetItemCommand).callsFake((input) => ({ Item: items.get(`${input.Key.deploymentId.S}|${input.Key.sk.S}`) }));
  ddb.on(QueryCommand).resolves({ Items: [] });
}

function putDoc(sk: string, doc: unknown): void {
  items.set(`${DEPLOYMENT_ARN}|${sk}`, { deploymentId: { S: DEPLOYMENT_ARN }, sk: { S: sk }, kind: { S: sk }, doc: { S: JSON.stringify(doc) } });
}

async function cli(...argv: string[]): Promise<{ code: number; out: BufferOutput }> {
  const out = new BufferOutput();
  let now = T0.getTime();
  const code = await runCli(argv, {
    out,
    clients: () => createCliClients({ region: 'eu-west-1' }),
    now: () => new Date(now),
    sleep: async (ms) => { now += ms; },
    by: 'bob',
  });
  return { code, out };
}

describe('canary --engine ecs', () => {
  test('status shows the ECS stage, the hold the hook is in and its last verdict', async () => {
    arrange(deployment());
    putDoc('state', { engine: 'ecs', stepIndex: 1, percent: 25, stepStartedAt: T0.toISOString(), extensions: 0, passed: [0], decisions: 7,
      lastVerdict: { outcome: 'pass', reason: 'all checks passed', at: new Date(T0.getTime() + 120_000).toISOString(), stepIndex: 1, percent: 25 } });
    const { code, out } = await cli('status', '--engine', 'ecs');
    expect(code).toBe(0);
    expect(out.text).toMatch(/service\s+api-cluster\/api-service \(ECS engine, LINEAR 5 %\)/);
    expect(out.text).toMatch(/stage\s+PRODUCTION_TRAFFIC_SHIFT/);
    expect(out.text).toMatch(/hold\s+step 2 at 25 %/);
    expect(out.text).toMatch(/verdict\s+pass .*all checks passed/);
    expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, { cluster: 'api-cluster', service: 'api-service' });
  });

  test('status --json names a paused hook', async () => {
    arrange(deployment({ lifecycleHookDetails: [{ hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION' }] }));
    const { out } = await cli('status', '--engine', 'ecs', '--json');
    expect(JSON.parse(out.text)).toMatchObject({ engine: 'ecs', status: 'IN_PROGRESS', pausedHooks: [{ hookId: 'hook-1', type: 'PAUSE' }], terminal: false });
  });

  test('abort: an abort control record for the hook, then StopServiceDeployment with ROLLBACK', async () => {
    arrange(deployment());
    const { code } = await cli('abort', '--engine', 'ecs');
    expect(code).toBe(0);
    expect(JSON.parse(items.get(`${DEPLOYMENT_ARN}|control`)!.doc.S!)).toMatchObject({ action: 'abort', by: 'bob' });
    expect(ecs).toHaveReceivedCommandWith(StopServiceDeploymentCommand, { serviceDeploymentArn: DEPLOYMENT_ARN, stopType: 'ROLLBACK' });
  });

  test('promote: a promote control record and ContinueServiceDeployment for each paused hook', async () => {
    arrange(deployment({ lifecycleHookDetails: [{ hookId: 'hook-1', status: 'AWAITING_ACTION' }, { hookId: 'hook-2', status: 'SUCCEEDED' }] }));
    expect((await cli('promote', '--engine', 'ecs')).code).toBe(0);
    expect(JSON.parse(items.get(`${DEPLOYMENT_ARN}|control`)!.doc.S!)).toMatchObject({ action: 'promote', by: 'bob' });
    expect(ecs).toHaveReceivedCommandTimes(ContinueServiceDeploymentCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(ContinueServiceDeploymentCommand, { serviceDeploymentArn: DEPLOYMENT_ARN, hookId: 'hook-1', action: 'CONTINUE' });
  });

  test('abort refuses when no deployment is in progress', async () => {
    arrange(deployment({ status: 'SUCCESSFUL' }));
    const { code, out } = await cli('abort', '--engine', 'ecs');
    expect(code).not.toBe(0);
    expect(out.errors.join('\n')).toMatch(/no deployment in progress/);
    expect(ecs).not.toHaveReceivedCommand(StopServiceDeploymentCommand);
  });

  test.each([
    ['SUCCESSFUL', 0],
    ['ROLLBACK_SUCCESSFUL', 1],
  ] as const)('watch follows the deployment until %s (exit %d)', async (end, exit) => {
    arrange(deployment(), deployment({ lifecycleStage: 'BAKE_TIME' }), deployment({ status: end, lifecycleStage: 'CLEAN_UP' }));
    const { code, out } = await cli('watch', '--engine', 'ecs', '--interval', '30');
    expect(code).toBe(exit);
    expect(out.lines.filter((l) => /^\d{4}-/.test(l))).toEqual([
      `${T0.toISOString()} IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT`,
      `${new Date(T0.getTime() + 30_000).toISOString()} IN_PROGRESS BAKE_TIME`,
      `${new Date(T0.getTime() + 60_000).toISOString()} ${end} CLEAN_UP`,
    ]);
    expect(out.text).toMatch(new RegExp(`deployment\\s+\\S+ ${end}`));
  });

  test('rollback is CodeDeploy-only: a clear error', async () => {
    arrange(deployment());
    const { code, out } = await cli('rollback', '--engine', 'ecs');
    expect(code).not.toBe(0);
    expect(out.errors.join('\n')).toMatch(/ECS rolls a failed deployment back itself/);
  });

  test('no ECS-engine service: a clear error', async () => {
    arrange(deployment());
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    const { code, out } = await cli('status', '--engine', 'ecs');
    expect(code).not.toBe(0);
    expect(out.errors.join('\n')).toMatch(/no ECS-engine canary service found/);
  });
});

test('TABLE of the fixture is the configuration\'s decisions table', () => {
  expect(buildConfig().decisionsTableName).toBe(TABLE);
});

describe('canary plan with an ECS-engine service', () => {
  test('shows the native strategy and where the hook holds', () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const fs = require('fs');
    const os = require('os');
    const path = require('path');
    const { App } = require('aws-cdk-lib');
    const { NativeExampleStack } = require('../../bin/native-example-stack');
    const { plan } = require('../../src/cli/plan/plan');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-plan-'));
    const app = new App({ outdir: dir });
    new NativeExampleStack(app, 'Ecs');
    app.synth();
    const out = new BufferOutput();
    expect(plan(out, { app: dir })).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(out.lines[0]).toMatch(/^Ecs\/\S+ \(stack Ecs, ECS engine\)$/);
    expect(out.lines).toEqual(expect.arrayContaining([
      '  ECS strategy LINEAR (step 5 %)',
      '  t+0 min: 5 % - hook holds 6 min and judges every interval',
      '  t+6 min: 10 % - passed through at once',
      '  t+17 min: 50 % - hook holds 16 min and judges every interval',
      '  t+33 min: 100 %',
    ]));
    expect(out.text).toMatch(/100 % at 33 min \(worst case 66 min/);
  });
});
