/**
 * Values CloudFormation sets at deploy time are read offline as placeholder texts (`${Param}`):
 * `plan` shows them as "set at deploy time", never `[object Object]` or `NaN`, and names the
 * service by construct path; `rehearse` refuses them with one clear line instead of playing a
 * broken release. (Step percents and bakes can no longer be tokens: the constructs refuse them
 * at synth time; thresholds can, and an assembly from elsewhere may carry any.)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BufferOutput } from '../../src/cli/output';
import { readAssembly, SynthesizedService } from '../../src/cli/plan/assembly';
import { plan, renderTimeline, timeline } from '../../src/cli/plan/plan';
import { runCli } from '../../src/cli/program';
import { CanaryFargateService } from '../../lib';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-plan-tokens-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Tokens');
  const maxErrors = new CfnParameter(stack, 'MaxErrors', { type: 'Number', default: 1 });
  new CanaryFargateService(stack, 'Api', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    analysis: { maxErrorRatePercent: maxErrors.valueAsNumber },
  });
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('plan names the service by construct path, also without aws:cdk:path metadata', () => {
  const out = new BufferOutput();
  expect(plan(out, { app: outdir })).toBe(0);
  expect(out.lines[0]).toBe('Tokens/Api/Canary (stack Tokens)');
});

test('plan prints numbers set at deploy time as such, in the steps and in CodeDeploy\'s step', () => {
  const [synthesized] = readAssembly(outdir);
  const service: SynthesizedService = {
    ...synthesized,
    config: {
      ...synthesized.config,
      steps: [{ percent: '${FirstPercent}' as unknown as number, bakeSeconds: 300 }, { percent: 25, bakeSeconds: '${Bake}' as unknown as number }],
      finalStep: { percent: 50, bakeSeconds: 900 },
    },
    routing: { type: 'TimeBasedCanary', percent: { Ref: 'CanaryPercent' } as unknown as number, minutes: 15 },
  };
  const out = new BufferOutput();
  renderTimeline(timeline(service), out);
  // Names stay placeholders (`service ${ApiService.Name}` says which resource); numbers never do.
  const numbers = out.lines.filter((l) => !l.startsWith('  service '));
  expect(numbers.join('\n')).not.toMatch(/\[object Object\]|NaN|\$\{/);
  const rows = out.lines.slice(4, 8).map((l) => l.trim().split(/\s{2,}/));
  expect(rows[0].slice(0, 4)).toEqual(['1', 'set at deploy time', '0 min', '6 min']);
  expect(rows[1].slice(0, 4)).toEqual(['2', '25 %', '6 min', 'set at deploy time']);
  expect(rows[2][4]).toMatch(/^CodeDeploy TimeBasedCanary set at deploy time \/ 15 min/);
  expect(out.lines).toContain('  100 % at set at deploy time, done at set at deploy time; minutes count from the first shift of production traffic');
  expect(out.lines).toContain('  hook budget: set at deploy time (limit 60 min) worst case with 1 extension per inconclusive step (set at deploy time when every step passes on time)');
});

test('rehearse refuses thresholds set at deploy time with one line naming the value', async () => {
  const out = new BufferOutput();
  const code = await runCli(['rehearse', '--app', outdir, '--scenario', 'good'], {
    out, clients: () => { throw new Error('an offline rehearsal needs no AWS'); }, now: () => new Date(0), sleep: async () => undefined,
  });
  expect(code).toBe(1);
  expect(out.lines).toEqual([]);
  expect(out.errors).toEqual([expect.stringMatching(/^canary: Tokens\/Api\/Canary: analysis\.maxErrorRatePercent \(\$\{MaxErrors\}\) is set at deploy time/)]);
});
