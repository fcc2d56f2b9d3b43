import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ExampleStack } from '../../bin/example-stack';
import { BufferOutput } from '../../src/cli/output';
import { joinToText, readAssembly } from '../../src/cli/plan/assembly';
import { plan, timeline } from '../../src/cli/plan/plan';
import { runCli } from '../../src/cli/program';
import { DEFAULT_ANALYSIS, DEFAULT_FINAL_STEP, DEFAULT_STEPS, DEFAULT_TERMINATION_WAIT_SECONDS } from '../../src/cli/rehearse/defaults';
import { stepEndsAt } from '../../lambda/stepper/schedule';
import { TrafficSchedule } from '../../lib';
import { FakeCliAws } from './fixtures';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-plan-'));
  const app = new App({ outdir });
  new ExampleStack(app, 'CanaryExample');
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('prints the example app\'s timeline: two stepper steps (bake + settle minute), CodeDeploy\'s step, 100 % at 32 min, the hook budget', () => {
  const out = new BufferOutput();
  expect(plan(out, { app: outdir })).toBe(0);

  // The construct path, although this assembly has no aws:cdk:path metadata (no CDK CLI).
  expect(out.lines[0]).toBe('CanaryExample/Api/Canary (stack CanaryExample)');
  expect(out.lines[1]).toMatch(/^ {2}service \$\{ApiService\w+\.Name\} on cluster \$\{ApiCluster\w+\}$/);
  expect(out.lines).toContain('  before traffic moves: BeforeInstall preflight, AfterInstall (new tasks healthy, up to 10 min), AfterAllowTestTraffic (1 smoke test)');
  const rows = out.lines.slice(3, 8).map((l) => l.trim().split(/\s{2,}/));
  expect(rows).toEqual([
    ['step', 'traffic', 'start', 'end', 'run by'],
    ['1', '5 %', '0 min', '6 min', 'stepper in BeforeAllowTraffic (5 min bake + 1 min settle, verdict every 1 min)'],
    ['2', '25 %', '6 min', '17 min', 'stepper in BeforeAllowTraffic (10 min bake + 1 min settle, verdict every 1 min)'],
    ['3', '50 %', '17 min', '32 min', 'CodeDeploy TimeBasedCanary 50 % / 15 min, under the rollback alarms'],
    // The final verdict waits at 100 % for its 5 min window from the next whole minute, plus the settle minute.
    ['-', '100 %', '32 min', '44 min', 'CodeDeploy; AfterAllowTraffic final verdict (up to 7 min at 100 %), then old tasks kept 5 min (termination wait)'],
  ]);
  expect(out.lines[8]).toBe('  settle: each stepper step\'s final verdict waits 1 min after its bake, for the bake\'s last minute of ALB metrics (traffic stays at the step\'s percent)');
  // 2 x ((5 + 1) + (10 + 1)) min.
  expect(out.lines).toContain('  hook budget: 34/60 min worst case with 1 extension per inconclusive step (17 min when every step passes on time)');
  expect(out.lines).toContain('  100 % at 32 min, done at 44 min (worst case 100 % at 49 min); minutes count from the first shift of production traffic');
  expect(out.lines.some((l) => l.includes('warning'))).toBe(false);
});

test('the rehearsal defaults are what the constructs render by default', () => {
  const [service] = readAssembly(outdir);
  expect(service.config.steps).toEqual(DEFAULT_STEPS);
  expect(service.config.finalStep).toEqual(DEFAULT_FINAL_STEP);
  expect(service.config.analysis).toEqual(DEFAULT_ANALYSIS);
  expect(service.config.terminationWaitSeconds ?? service.terminationWaitMinutes! * 60).toBe(DEFAULT_TERMINATION_WAIT_SECONDS);
  expect(service.routing).toEqual({ type: 'TimeBasedCanary', percent: 50, minutes: 15 });
});

test('rehearse --app takes the schedule and thresholds from the synthesized app', async () => {
  const aws = new FakeCliAws();
  const code = await runCli(['rehearse', '--scenario', 'errors-at-5', '--app', outdir, '--brief'], aws.deps());
  expect(code).toBe(0);
  expect(aws.out.lines[1]).toMatch(/^schedule {3}5 % 5 min \+ 1 min -> 25 % 10 min \+ 1 min \(stepper: [^)]+\) -> 50 % 15 min \(CodeDeploy\) -> 100 %, termination wait 5 min \[.+ from .+\]$/);
  expect(aws.out.text).toContain('rolled back by the stepper at +02:00');
});

test('a missing cloud assembly says to synthesize', async () => {
  const aws = new FakeCliAws();
  const dir = path.join(outdir, 'nope');
  expect(await runCli(['plan', '--app', dir], aws.deps())).toBe(1);
  expect(aws.out.errors).toEqual([`canary: no cloud assembly at ${dir}: run \`npx cdk synth\` first (or pass --app <cdk.out directory>)`]);
});

test('a long in-hook schedule is flagged against the stepper\'s 55-minute budget', () => {
  const [service] = readAssembly(outdir);
  const tl = timeline({ ...service, config: { ...service.config, steps: [{ percent: 10, bakeSeconds: 1200 }, { percent: 30, bakeSeconds: 900 }] } });
  // 2 x ((20 + 1) + (15 + 1)) min.
  expect(tl.nominalHookMinutes).toBe(37);
  expect(tl.worstHookMinutes).toBe(74);
  expect(tl.warnings).toEqual(['the in-hook steps may take 74 min: the stepper fails the hook at 55 min (CodeDeploy\'s limit is 60)']);
});

test('the timeline agrees with the construct\'s hook budget and the stepper\'s own clock', () => {
  const [service] = readAssembly(outdir);
  const schedule = TrafficSchedule.default();
  const tl = timeline(service);
  expect(tl.worstHookMinutes).toBe(schedule.worstCaseInHookDuration(1).toMinutes());
  expect(tl.nominalHookMinutes).toBe(schedule.worstCaseInHookDuration(0).toMinutes());
  expect(tl.fullAtMinutes).toBe(schedule.nominalDuration().toMinutes());
  // The second step starts when the stepper advances: stepEndsAt of the first.
  expect(tl.rows[1].startMinutes * 60_000).toBe(stepEndsAt(0, DEFAULT_STEPS[0].bakeSeconds, 0));
});

describe('joinToText', () => {
  test('tokens inside JSON strings become placeholder text, outside they become quoted placeholders', () => {
    const text = joinToText({ 'Fn::Join': ['', ['{"a":"x-', { Ref: 'Res' }, '","n":', { 'Fn::GetAtt': ['Svc', 'Port'] }, ',"q":"say \\"', { Ref: 'Q' }, '\\""}']] });
    expect(JSON.parse(text!)).toEqual({ a: 'x-${Res}', n: '${Svc.Port}', q: 'say "${Q}"' });
  });
  test('a plain string is itself; anything else is unreadable', () => {
    expect(joinToText('{"a":1}')).toBe('{"a":1}');
    expect(joinToText({ 'Fn::Sub': 'x' })).toBeUndefined();
  });
});
