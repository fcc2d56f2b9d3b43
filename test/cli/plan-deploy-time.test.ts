/**
 * Values CloudFormation sets at deploy time (a CfnParameter for a step's percent or for the
 * deployment config's canary percent) are shown as such by `plan`, never as `[object Object]` or
 * `NaN`, and `rehearse` refuses them with one clear line instead of playing a broken release.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BufferOutput } from '../../src/cli/output';
import { plan } from '../../src/cli/plan/plan';
import { runCli } from '../../src/cli/program';
import { CanaryFargateService, TrafficSchedule } from '../../lib';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-plan-tokens-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Tokens');
  const first = new CfnParameter(stack, 'FirstPercent', { type: 'Number', default: 5 });
  const last = new CfnParameter(stack, 'LastPercent', { type: 'Number', default: 50 });
  new CanaryFargateService(stack, 'Api', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    schedule: TrafficSchedule.steps([
      { percent: first.valueAsNumber, bake: Duration.minutes(5) },
      { percent: last.valueAsNumber, bake: Duration.minutes(10) },
    ]),
  });
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('plan names the service by construct path and prints deploy-time values as such', () => {
  const out = new BufferOutput();
  expect(plan(out, { app: outdir })).toBe(0);
  expect(out.lines[0]).toBe('Tokens/Api/Canary (stack Tokens)');
  const text = out.text;
  expect(text).not.toMatch(/\[object Object\]|NaN|\$\{FirstPercent\}|\$\{LastPercent\}/);
  const rows = out.lines.slice(3, 7).map((l) => l.trim().split(/\s{2,}/));
  expect(rows[1].slice(0, 4)).toEqual(['1', 'set at deploy time', '0 min', '6 min']);
  expect(rows[2][1]).toBe('set at deploy time');
  expect(rows[2][4]).toMatch(/^CodeDeploy TimeBasedCanary set at deploy time \/ 10 min/);
});

test('rehearse refuses a schedule set at deploy time with one line naming the value', async () => {
  const out = new BufferOutput();
  const code = await runCli(['rehearse', '--app', outdir, '--scenario', 'good'], {
    out, clients: () => { throw new Error('an offline rehearsal needs no AWS'); }, now: () => new Date(0), sleep: async () => undefined,
  });
  expect(code).toBe(1);
  expect(out.lines).toEqual([]);
  expect(out.errors).toEqual([expect.stringMatching(/^canary: Tokens\/Api\/Canary: steps\[0\]\.percent \(\$\{FirstPercent\}\), finalStep\.percent \(\$\{LastPercent\}\) are set at deploy time/)]);
});
