/**
 * Runs the shipped bundle (assets/before-allow-traffic/index.js, not the TypeScript source) in a
 * plain Node.js process against a local fake of the CodeDeploy and SSM APIs on 127.0.0.1,
 * reached through AWS_ENDPOINT_URL_CODEDEPLOY / AWS_ENDPOINT_URL_SSM. Proves the bundle loads,
 * signs its requests and speaks the real JSON 1.1 wire protocol, and reports exactly once.
 */
import { execFile } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';

interface Call { target: string; body: any; authorization?: string }

const DEPLOYMENT_ID = 'd-ABCDEF123';
const HOOK_ID = 'hook-exec-1';
const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'before-allow-traffic', 'index.js');

function config(steps: unknown[]) {
  return {
    version: 1,
    clusterName: 'cluster',
    serviceName: 'svc',
    productionListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/lb/abc/def',
    targetGroupArns: [
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/blue/1',
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/green/2',
    ],
    containerPort: 80,
    steps,
    analysis: {},
    smokeTests: [],
    alarmNames: [],
    installTimeoutSeconds: 600,
    finalVerdictWindowSeconds: 300,
  };
}

/** A fake AWS endpoint: answers by X-Amz-Target, records every call. */
async function fakeAws(answer: (target: string, body: any) => { status: number; body: unknown }) {
  const calls: Call[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = raw ? JSON.parse(raw) : {};
      calls.push({ target, body, authorization: req.headers.authorization as string | undefined });
      const out = answer(target, body);
      res.writeHead(out.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { calls, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function runBundle(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { handler } = require(${JSON.stringify(BUNDLE)});
    handler({ DeploymentId: '${DEPLOYMENT_ID}', LifecycleEventHookExecutionId: '${HOOK_ID}' },
            { getRemainingTimeInMillis: () => 60000 })
      .then((r) => { console.log('RESULT ' + JSON.stringify(r)); })
      .catch((e) => { console.log('THROWN ' + e.name); process.exitCode = 3; });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
        AWS_SECRET_ACCESS_KEY: 'fake-secret',
        AWS_ENDPOINT_URL_CODEDEPLOY: url,
        AWS_ENDPOINT_URL_SSM: url,
        AWS_MAX_ATTEMPTS: '1',
        CANARY_STEPPER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:x',
        NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'),
      },
      timeout: 30_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (err as any).code ?? 1 : 0, stdout, stderr }));
  });
}

function answerWith(ssm: { status: number; body: unknown }) {
  return (target: string) => {
    switch (target) {
      case 'CodeDeploy_20141006.GetDeployment':
        return { status: 200, body: { deploymentInfo: { deploymentId: DEPLOYMENT_ID, applicationName: 'app', deploymentGroupName: 'dg', status: 'InProgress' } } };
      case 'AmazonSSM.GetParameter':
        return ssm;
      case 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus':
        return { status: 200, body: { lifecycleEventHookExecutionId: HOOK_ID } };
      default:
        return { status: 400, body: { __type: 'UnknownOperationException', message: target } };
    }
  };
}

const reports = (calls: Call[]) => calls.filter((c) => c.target === 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus');

describe('shipped BeforeAllowTraffic bundle against a local CodeDeploy/SSM fake', () => {
  test('no in-hook steps: reads the deployment and its config, reports Succeeded once, signed', async () => {
    const fake = await fakeAws(answerWith({ status: 200, body: { Parameter: { Name: '/cdk-ecs-canary/app/dg', Value: JSON.stringify(config([])) } } }));
    try {
      const run = await runBundle(fake.url);
      expect(run.stdout).toContain('RESULT');
      expect(fake.calls.map((c) => c.target)).toEqual([
        'CodeDeploy_20141006.GetDeployment',
        'AmazonSSM.GetParameter',
        'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus',
      ]);
      expect(fake.calls[1].body).toEqual({ Name: '/cdk-ecs-canary/app/dg' });
      expect(reports(fake.calls)).toHaveLength(1);
      expect(reports(fake.calls)[0].body).toEqual({ deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID, status: 'Succeeded' });
      for (const c of fake.calls) expect(c.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE\//);
    } finally {
      await fake.close();
    }
  });

  test('a 500 from SSM: reports Failed exactly once', async () => {
    const fake = await fakeAws(answerWith({ status: 500, body: { __type: 'InternalServerError', message: 'boom' } }));
    try {
      await runBundle(fake.url);
      expect(reports(fake.calls)).toHaveLength(1);
      expect(reports(fake.calls)[0].body.status).toBe('Failed');
    } finally {
      await fake.close();
    }
  });
});
