import {
  AWS_FAILURES, DEPLOYMENT_ID, EVENT, GROUP, APP, LONG_CONTEXT, TG_A, TG_B,
  buildConfig, buildContext, expectReportedOnce, hookContract, mockService, mockTargets, mocks, never, resetMocks,
} from './fixtures';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, InvokeCommandInput, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CanaryRuntimeConfig, HttpCheckConfig, LambdaCheckConfig } from '../../../lib/runtime-config';
import { afterAllowTestTraffic, handler } from '../../../lambda/hooks/after-allow-test-traffic';
import { httpAttempt, baseUrlTarget } from '../../../lambda/hooks/smoke/http-check';
import { createClients } from '../../../lambda/shared/clients';

const clients = createClients();

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 standing in for the green version. */
let server: Server;
let port: number;
let base: string;
let seen: Seen[] = [];
let flakyCount = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname.replace(/^\/prefix/, '')) {
        case '/health': res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'); return;
        case '/degraded': res.writeHead(200).end('{"status":"degraded"}'); return;
        case '/down': res.writeHead(503).end('down'); return;
        case '/moved': res.writeHead(301, { location: '/health' }).end(); return;
        case '/flaky': res.writeHead(++flakyCount % 2 === 0 ? 500 : 200).end('flaky'); return;
        case '/slow': setTimeout(() => res.writeHead(200).end('late'), Number(url.searchParams.get('ms') ?? 200)); return;
        case '/echo': res.writeHead(201).end(JSON.stringify({ method: req.method, body })); return;
        default: res.writeHead(404).end('not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  flakyCount = 0;
});

const http = (path: string, over: Partial<HttpCheckConfig> = {}): HttpCheckConfig => ({
  kind: 'http', method: 'GET', path, expectStatus: [200], latencyBudgetMs: 2000, repeat: 1, ...over,
});
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-fn';
const lambdaCheck: LambdaCheckConfig = { kind: 'lambda', functionArn: FN };

const payload = (doc: unknown): InvokeCommandOutput['Payload'] =>
  new TextEncoder().encode(JSON.stringify(doc)) as unknown as InvokeCommandOutput['Payload'];

function sentPayload(): Record<string, unknown> {
  const input = mocks.lambda.commandCalls(InvokeCommand)[0].args[0].input as InvokeCommandInput;
  return JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as Record<string, unknown>;
}

async function run(over: Partial<CanaryRuntimeConfig>) {
  return afterAllowTestTraffic(buildContext(buildConfig({ testBaseUrl: base, ...over })), clients);
}

describe('AfterAllowTestTraffic handler', () => {
  describe('contract', () => {
    // Direct to the green targets, plus a Lambda check: every AWS call this hook can make.
    hookContract(handler, {
      config: buildConfig({ smokeTests: [http('/health'), lambdaCheck] }),
      arrange: () => {
        mockService();
        mockTargets(TG_B, [{ id: '127.0.0.1', port, state: 'healthy' }]);
        mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true }) });
      },
      calls: {
        DescribeServices: (err) => mocks.ecs.on(DescribeServicesCommand).rejects(err),
        DescribeTargetHealth: (err) => mocks.elbv2.on(DescribeTargetHealthCommand).rejects(err),
        Invoke: (err) => mocks.lambda.on(InvokeCommand).rejects(err),
      },
      hang: () => mocks.lambda.on(InvokeCommand).callsFake(never),
    });
  });

  it('reports Succeeded once after smoke tests through testBaseUrl', async () => {
    resetMocks(buildConfig({ testBaseUrl: base, smokeTests: [http('/health', { bodyMatches: '"status":"ok"', repeat: 3 })] }));
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome).toEqual({ status: 'Succeeded', reason: `1 smoke test passed on 127.0.0.1:${port}` });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /health', 'GET /health', 'GET /health']);
    // A test URL needs no target lookup.
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 0);
    expectReportedOnce('Succeeded');
  });

  it('reports Failed once with the reason when a check fails', async () => {
    resetMocks(buildConfig({ testBaseUrl: base, smokeTests: [http('/down')] }));
    const outcome = await handler(EVENT, LONG_CONTEXT);
    expect(outcome).toEqual({ status: 'Failed', reason: `smoke test failed: GET /down on 127.0.0.1:${port}: status 503, expected 200` });
    expectReportedOnce('Failed');
  });
});

describe('afterAllowTestTraffic: HTTP checks', () => {
  beforeEach(() => resetMocks());

  it('passes with no smoke tests and calls nothing', async () => {
    expect(await run({ smokeTests: [] })).toEqual({ status: 'Succeeded', reason: 'no smoke tests configured' });
    expect(seen).toHaveLength(0);
    expect(mocks.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });

  it('fails when the body does not match', async () => {
    const outcome = await run({ smokeTests: [http('/degraded', { bodyMatches: '"status":"ok"' })] });
    expect(outcome.reason).toBe(`smoke test failed: GET /degraded on 127.0.0.1:${port}: body did not match /"status":"ok"/ (got "{\\"status\\":\\"degraded\\"}")`);
  });

  it('fails when the answer does not arrive within the latency budget', async () => {
    const outcome = await run({ smokeTests: [http('/slow?ms=300', { latencyBudgetMs: 40 })] });
    expect(outcome.reason).toBe(`smoke test failed: GET /slow?ms=300 on 127.0.0.1:${port}: no response within 40 ms`);
  });

  it('accepts any of several expected statuses and does not follow redirects', async () => {
    expect((await run({ smokeTests: [http('/moved', { expectStatus: [301, 302] })] })).status).toBe('Succeeded');
    expect(seen.map((s) => s.url)).toEqual(['/moved']);
    const outcome = await run({ smokeTests: [http('/moved')] });
    expect(outcome.reason).toBe(`smoke test failed: GET /moved on 127.0.0.1:${port}: status 301, expected 200`);
  });

  it('repeats a check and stops at the first failed attempt', async () => {
    const outcome = await run({ smokeTests: [http('/flaky', { repeat: 5 })] });
    expect(outcome.reason).toBe(`smoke test failed: GET /flaky on 127.0.0.1:${port}: status 500, expected 200 (attempt 2/5)`);
    expect(seen).toHaveLength(2);
  });

  it('runs checks in order and stops at the first failing one', async () => {
    const outcome = await run({ smokeTests: [http('/health'), http('/down'), http('/health', { path: '/never' })] });
    expect(outcome.reason).toContain('GET /down');
    expect(seen.map((s) => s.url)).toEqual(['/health', '/down']);
  });

  it('sends method, headers and body', async () => {
    const outcome = await run({
      smokeTests: [http('/echo', { method: 'POST', expectStatus: [201], headers: { 'x-canary': 'yes', 'content-type': 'application/json' }, body: '{"ping":1}', bodyMatches: 'ping' })],
    });
    expect(outcome.status).toBe('Succeeded');
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"ping":1}', headers: expect.objectContaining({ 'x-canary': 'yes' }) });
  });

  it('keeps the path prefix of testBaseUrl', async () => {
    expect((await run({ testBaseUrl: `${base}/prefix/`, smokeTests: [http('/health')] })).status).toBe('Succeeded');
    expect(seen[0].url).toBe('/prefix/health');
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await run({ testBaseUrl: `http://127.0.0.1:${deadPort}`, smokeTests: [http('/health')] });
    expect(outcome.reason).toBe(`smoke test failed: GET /health on 127.0.0.1:${deadPort}: request failed: ECONNREFUSED`);
  });

  it('fails on an invalid bodyMatches before sending anything', async () => {
    const outcome = await run({ smokeTests: [http('/health', { bodyMatches: '(' })] });
    expect(outcome.reason).toMatch(/^smoke test failed: GET \/health: bodyMatches is not a valid regular expression/);
    expect(seen).toHaveLength(0);
  });

  it('measures latency over the whole answer (injected clock)', async () => {
    const times = [0, 1_000];
    const problem = await httpAttempt(http('/health', { latencyBudgetMs: 500 }), baseUrlTarget(base), undefined, { now: () => times.shift() ?? 0 });
    expect(problem).toBe('answered in 1000 ms, budget 500 ms');
  });

  describe('directly on the green targets (no testBaseUrl)', () => {
    it('calls every healthy green target on its IP and port', async () => {
      mockService();
      mockTargets(TG_B, [
        { id: '127.0.0.1', port, state: 'healthy' },
        { id: '10.255.255.1', port: 8080, state: 'unhealthy', reason: 'Target.FailedHealthChecks' },
      ]);
      const outcome = await run({ testBaseUrl: undefined, smokeTests: [http('/health', { repeat: 2 })] });
      expect(outcome).toEqual({ status: 'Succeeded', reason: '1 smoke test passed on 1 green targets' });
      expect(seen).toHaveLength(2);
      expect(mocks.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_B });
    });

    it('names the target in the reason', async () => {
      mockService();
      mockTargets(TG_B, [{ id: '127.0.0.1', port, state: 'healthy' }]);
      const outcome = await run({ testBaseUrl: undefined, smokeTests: [http('/down')] });
      expect(outcome.reason).toBe(`smoke test failed: GET /down on 127.0.0.1:${port}: status 503, expected 200`);
    });

    it('tests the group the PRIMARY task set does not use (blue and green swap)', async () => {
      mockService({ primaryTg: TG_B });
      mockTargets(TG_A, [{ id: '127.0.0.1', port, state: 'healthy' }]);
      expect((await run({ testBaseUrl: undefined, smokeTests: [http('/health')] })).status).toBe('Succeeded');
      expect(mocks.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_B });
    });

    it('fails when no green target is healthy', async () => {
      mockService();
      mockTargets(TG_B, [{ id: '10.0.1.1', state: 'unhealthy' }]);
      const outcome = await run({ testBaseUrl: undefined, smokeTests: [http('/health')] });
      expect(outcome).toEqual({ status: 'Failed', reason: 'smoke test failed: GET /health: no healthy green target in api-tg-b to send it to' });
    });
  });
});

describe('afterAllowTestTraffic: Lambda checks', () => {
  beforeEach(() => {
    resetMocks();
    mockService();
    mockTargets(TG_B, [{ id: '10.0.1.7', port: 8080, state: 'healthy' }, { id: '10.0.1.8', port: 8080, state: 'initial' }]);
  });

  it('invokes the function synchronously with the deployment and the healthy green targets', async () => {
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true }) });
    expect((await run({ smokeTests: [lambdaCheck] })).status).toBe('Succeeded');
    expect(mocks.lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: FN, InvocationType: 'RequestResponse' });
    expect(sentPayload()).toEqual({
      deploymentId: DEPLOYMENT_ID,
      applicationName: APP,
      deploymentGroupName: GROUP,
      testBaseUrl: base,
      greenTargets: [{ ip: '10.0.1.7', port: 8080 }],
    });
  });

  it('passes on a function that returns nothing', async () => {
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(null) });
    expect((await run({ smokeTests: [lambdaCheck] })).status).toBe('Succeeded');
  });

  it('fails when the function throws', async () => {
    mocks.lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'Error', errorMessage: 'checkout returned 500' }),
    });
    expect((await run({ smokeTests: [lambdaCheck] })).reason).toBe('smoke test failed: lambda check smoke-fn: Unhandled error: Error: checkout returned 500');
  });

  it('fails when the function answers ok: false', async () => {
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: false, reason: 'login page missing' }) });
    expect((await run({ smokeTests: [lambdaCheck] })).reason).toBe('smoke test failed: lambda check smoke-fn: login page missing');
  });

  it.each(AWS_FAILURES)('fails when the function cannot be invoked (%s)', async (_kind, make) => {
    mocks.lambda.on(InvokeCommand).rejects(make());
    expect((await run({ smokeTests: [lambdaCheck] })).reason).toMatch(/^smoke test failed: lambda check smoke-fn: could not invoke: \w+: /);
  });

  it('runs after the HTTP checks in configured order and not after a failure', async () => {
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true }) });
    expect((await run({ smokeTests: [http('/down'), lambdaCheck] })).status).toBe('Failed');
    expect(mocks.lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });
});
