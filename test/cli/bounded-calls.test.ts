/**
 * The real CLI, with the real SDK clients, against an endpoint on 127.0.0.1 that accepts the
 * connection and never answers: every AWS call is bounded, so the command ends with one clear
 * line and a non-zero exit well within 30 s (it used to hang for ever).
 */
import { spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { CLI_CALL_LIMITS } from '../../src/cli/aws';

const ROOT = path.join(__dirname, '..', '..');

interface Run { code: number | null; stdout: string; stderr: string; seconds: number }

function runCanary(args: string[], endpoint: string): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bin', 'canary.ts'), ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.on('close', (code) => resolve({
    code, stdout, stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  })));
}

describe('a silent endpoint', () => {
  let server: net.Server;
  const sockets: net.Socket[] = [];
  let endpoint: string;

  beforeAll(async () => {
    // Accepts every connection, reads the request, never writes a byte.
    server = net.createServer((socket) => { sockets.push(socket); socket.on('data', () => undefined); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  });

  test('the limits add up to less than 30 s per call', () => {
    const { connectionTimeoutSeconds, requestTimeoutSeconds, maxAttempts } = CLI_CALL_LIMITS;
    // + up to 20 s of SDK backoff would not fit; the SDK's first backoff is at most 1 s.
    expect(maxAttempts * (connectionTimeoutSeconds + requestTimeoutSeconds) + (maxAttempts - 1)).toBeLessThan(30);
  });

  test('status and status --json end within 30 s: one error line last, JSON with --json', async () => {
    const [plain, json] = await Promise.all([
      runCanary(['status', '--service', 'api'], endpoint),
      runCanary(['status', '--service', 'api', '--json'], endpoint),
    ]);

    expect(plain.seconds).toBeLessThan(30);
    expect(plain.code).not.toBe(0);
    const errLines = plain.stderr.trim().split('\n');
    // Only our line: no SDK notice (Node < 22) before it, nothing after it.
    expect(errLines).toEqual([expect.stringMatching(/^canary: no answer from AWS in time/)]);

    expect(json.seconds).toBeLessThan(30);
    expect(json.code).not.toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ error: expect.stringMatching(/^no answer from AWS in time/) });
    expect(json.stderr.trim()).toBe('');
  }, 60_000);
});
