import * as http from 'http';
import type { AddressInfo } from 'net';
import { DescribeRulesCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { arrange, buildConfig, DEPLOYMENT_ARN, doc, mocks, payload, RULE, T0, TABLE, TG_B } from './fixtures';
import { runNativeSmoke } from '../../lambda/native/smoke';
import { createClients } from '../../lambda/shared/clients';
import type { NativeOutcomeDoc } from '../../lambda/native/types';
import { nativeConfigParameterName } from '../../lib/native/native-config';

const lambdaMock = mockClient(LambdaClient);
const TEST_RULE = RULE.replace(/\/9999$/, '/8888');
let server: http.Server;
let port = 0;
let status = 200;

beforeAll(async () => {
  server = http.createServer((_req, res) => { res.statusCode = status; res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const deps = () => ({ clients: createClients(), table: TABLE, now: () => T0 });
const httpCheck = { kind: 'http' as const, method: 'GET' as const, path: '/', expectStatus: [200], latencyBudgetMs: 5000, repeat: 1 };

function withSmoke(over: Record<string, unknown>): void {
  arrange({ stage: 'POST_TEST_TRAFFIC_SHIFT', config: buildConfig({ testRuleArn: TEST_RULE, containerPort: port, ...over }) });
  // The test rule serves green (TG_B) 100 % at POST_TEST_TRAFFIC_SHIFT.
  mocks.elbv2.on(DescribeRulesCommand, { RuleArns: [TEST_RULE] }).resolves({
    Rules: [{ Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: 'tg-blue', Weight: 0 }] } }] }],
  });
  mocks.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: TG_B }).resolves({
    TargetHealthDescriptions: [{ Target: { Id: '127.0.0.1', Port: port }, TargetHealth: { State: 'healthy' } }],
  });
  lambdaMock.reset();
  status = 200;
}

describe('smoke tests at POST_TEST_TRAFFIC_SHIFT', () => {
  test('an HTTP check against the healthy green targets (found through the test rule) passes', async () => {
    withSmoke({ smokeTests: [httpCheck] });
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_B });
  });

  test('a failing HTTP check answers FAILED and records the reason', async () => {
    withSmoke({ smokeTests: [httpCheck] });
    status = 503;
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'FAILED' });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/^smoke test failed: GET \/ on .*503/);
  });

  test('with testBaseUrl the check goes there, without looking up targets', async () => {
    withSmoke({ smokeTests: [httpCheck], testBaseUrl: `http://127.0.0.1:${port}` });
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.elbv2).not.toHaveReceivedCommand(DescribeTargetHealthCommand);
  });

  test('a Lambda check that throws answers FAILED; it is invoked with the deployment and the green targets', async () => {
    withSmoke({ smokeTests: [{ kind: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check' }] });
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType: 'Error', errorMessage: 'bad' })) as never });
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'FAILED' });
    const sent = JSON.parse(new TextDecoder().decode(lambdaMock.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array));
    expect(sent).toMatchObject({ deploymentId: DEPLOYMENT_ARN, greenTargets: [{ ip: '127.0.0.1', port }] });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/lambda check check: Unhandled error: Error: bad/);
  });

  test('no smoke tests: SUCCEEDED without touching the load balancer', async () => {
    withSmoke({ smokeTests: [] });
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(mocks.elbv2).not.toHaveReceivedCommand(DescribeRulesCommand);
  });

  test('an AWS error answers FAILED (nothing untested reaches production)', async () => {
    withSmoke({ smokeTests: [httpCheck] });
    mocks.ssm.on(GetParameterCommand, { Name: nativeConfigParameterName('api-cluster', 'api-service') }).rejects(new Error('throttled'));
    expect(await runNativeSmoke(payload(0), deps())).toEqual({ hookStatus: 'FAILED' });
    expect(doc<NativeOutcomeDoc>('outcome')!.reason).toMatch(/smoke tests could not run: .*throttled/);
  });
});
