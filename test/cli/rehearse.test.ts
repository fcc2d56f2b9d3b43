import { configParameterName } from '../../lib/runtime-config';
import { BufferOutput } from '../../src/cli/output';
import { runCli } from '../../src/cli/program';
import { DEFAULT_SOURCE, rehearse, runRehearsal } from '../../src/cli/rehearse/rehearse';
import { Scenario } from '../../src/cli/rehearse/scenario';
import { SimulatedAws } from '../../src/cli/rehearse/simulated-aws';
import { config, FakeCliAws } from './fixtures';

async function run(scenario: Scenario) {
  const out = new BufferOutput();
  const result = await runRehearsal(DEFAULT_SOURCE, scenario, out);
  return { out, result, text: out.text };
}

test('good: every in-hook step passes a settle minute after its bake, CodeDeploy takes it to 100 % at 32 min; exit 0', async () => {
  const out = new BufferOutput();
  expect(await rehearse({ out }, { scenario: 'good' })).toBe(0);

  const text = out.text;
  expect(text).toContain('schedule   5 % 5 min + 1 min -> 25 % 10 min + 1 min (stepper: bake + 1 min settle, the final verdict waits for the bake\'s last minute of metrics) -> 50 % 15 min (CodeDeploy) -> 100 %');
  expect(text).toContain('+00:00  production  green 5 % / blue 95 %  (stepper)');
  // At the end of the bake the step only waits: its last minute of metrics is not published yet.
  expect(text).toContain('+05:00  step 1  5 %  pass -> wait');
  expect(text).toContain('+06:00  step 1  5 %  pass -> advance');
  expect(text).toContain('+06:00  production  green 25 % / blue 75 %  (stepper)');
  expect(text).toContain('+16:00  step 2 25 %  pass -> wait');
  expect(text).toContain('+17:00  step 2 25 %  pass -> complete');
  expect(text).toContain('+17:00  BeforeAllowTraffic reported Succeeded to CodeDeploy');
  expect(text).toContain('+17:00  production  green 50 % / blue 50 %  (CodeDeploy AllowTraffic: TimeBasedCanary 50 % for 15 min, watched by the rollback alarms)');
  expect(text).toContain('+32:00  production  green 100 % / blue 0 %');
  expect(text).toMatch(/result +released: 100 % at \+32:00, deployment done at \+37:00 \(17 verdicts by the stepper\)/);
  expect(text).toMatch(/expected +a good version is released: yes/);
  expect(text).not.toMatch(/-> fail|rolled back/);
});

test('errors-at-5: fails in the first step; production on stable within 3 simulated minutes; few requests exposed', async () => {
  const { result, text } = await run(Scenario.errorsAt5());

  expect(result).toMatchObject({ outcome: 'rolled-back', by: 'stepper', faultOnsetSeconds: 0, asExpected: true });
  expect(result.reason).toMatch(/^step 1\/2 \(5 % green\) failed: error-rate/);
  expect(result.stableAtSeconds).toBeLessThanOrEqual(180);
  expect(result.recoverySeconds).toBeLessThanOrEqual(180);
  // 5 % of 1000 req/min for at most 3 minutes.
  expect(result.greenRequests).toBeGreaterThan(0);
  expect(result.greenRequests).toBeLessThanOrEqual(150);
  expect(result.greenErrors).toBeLessThanOrEqual(12);

  expect(text).toMatch(/\+0[12]:00 {2}step 1 {2}5 % {2}fail -> fail\n {16}min-requests/);
  expect(text).toContain('error-rate 4 errors in 50 requests, 4.00 % of 100 > 1 % (fail)');
  const restore = text.indexOf('production  green 0 % / blue 100 %  (stepper)');
  const report = text.indexOf('BeforeAllowTraffic reported Failed to CodeDeploy');
  expect(restore).toBeGreaterThan(0);
  expect(restore).toBeLessThan(report);
  expect(text).toMatch(/recovery +fault onset \+00:00 -> production on stable \+02:00: 2 min after the fault/);
  expect(text).toMatch(/exposure +the bad version served 100 requests, 8 of them 5xx/);
  expect(text).not.toContain('step 2');
});

test('low-traffic: inconclusive, extended once, then rolled back by the default policy', async () => {
  const { result, text } = await run(Scenario.lowTraffic());

  expect(result).toMatchObject({ outcome: 'rolled-back', by: 'stepper', asExpected: true });
  expect(result.inconclusiveDecisions).toBe(result.decisions);
  // Each pass through the step is its 5 min bake and 1 min settle.
  expect(text).toContain('+06:00  step 1  5 %  inconclusive -> extend');
  expect(text).toContain('+12:00  step 1  5 %  inconclusive -> fail');
  expect(text).toContain('min-requests 0 < 100 (inconclusive)');
  // 2 req/min at 5 %: one request by +10:00, published for the final verdict at +12:00.
  expect(result.reason).toMatch(/^step 1\/2 \(5 % green\) stayed inconclusive after 1 extension: min-requests 1 < 100/);
  expect(text).not.toMatch(/ pass -> /);
});

test('slow: the relative latency check catches what the absolute limit and the alarms would not', async () => {
  const { result, text } = await run(Scenario.slow());
  expect(result).toMatchObject({ outcome: 'rolled-back', by: 'stepper', asExpected: true });
  expect(text).toContain('latency-vs-stable 450 ms > 270 ms (1.5 x stable 180 ms) (fail)');
  expect(text).toContain('p95-latency 450 ms <= 1000 ms');
});

test('flapping: caught once a bad minute is in the window, within the 5-minute promise', async () => {
  const { result } = await run(Scenario.flapping());
  expect(result).toMatchObject({ outcome: 'rolled-back', faultOnsetSeconds: 180, asExpected: true });
  expect(result.recoverySeconds).toBeLessThanOrEqual(300);
});

test('with onInconclusive=pass the low-traffic release goes through, and that is what the policy says', async () => {
  const out = new BufferOutput();
  const source = { ...DEFAULT_SOURCE, config: { ...DEFAULT_SOURCE.config, analysis: { ...DEFAULT_SOURCE.config.analysis, onInconclusive: 'pass' as const } } };
  const result = await runRehearsal(source, Scenario.lowTraffic(), out);
  expect(result).toMatchObject({ outcome: 'released', asExpected: true });
  expect(out.text).toContain('inconclusive -> advance');
});

test('a good version on too little traffic for the first step is a false positive, and the exit code says so', async () => {
  // 150 req/min: 7.5 a minute at 5 %; 37 judged at the first final verdict (+06:00), 82 at the
  // second (+12:00, 11 published minutes): inconclusive twice, under minRequests 100.
  const out = new BufferOutput();
  expect(await rehearse({ out }, { scenario: 'good', rate: 150, brief: true })).toBe(1);
  expect(out.text).toContain('+06:00  step 1  5 %  inconclusive -> extend');
  expect(out.text).toMatch(/rolled back by the stepper at \+12:00: step 1\/2 \(5 % green\) stayed inconclusive after 1 extension: min-requests 82 < 100/);
  expect(out.text).toMatch(/expected +a good version is released: NO/);
});

describe('the rollback alarms (CodeDeploy watches them for the whole deployment)', () => {
  test('without in-hook steps they catch errors-at-5 during CodeDeploy\'s own step', async () => {
    const out = new BufferOutput();
    const source = { ...DEFAULT_SOURCE, config: { ...DEFAULT_SOURCE.config, steps: [] } };
    const result = await runRehearsal(source, Scenario.errorsAt5(), out, { brief: true });
    expect(result).toMatchObject({ outcome: 'rolled-back', by: 'alarm', stableAtSeconds: 180, decisions: 0, asExpected: true });
    expect(out.text).toContain('+03:00  production  green 0 % / blue 100 %  (CodeDeploy rollback: ErrorRate alarm of the green target group: 8.00 % > 1 % in 2 of the last 3 minutes)');
    // 50 % of 1000 req/min for 3 minutes: the cost of leaving the first step to CodeDeploy.
    expect(result.greenRequests).toBe(1500);
  });

  test('with a 5-minute analysis interval the alarm fires before the stepper\'s first verdict; the stepper then finds the deployment stopped', async () => {
    const out = new BufferOutput();
    const source = { ...DEFAULT_SOURCE, config: { ...DEFAULT_SOURCE.config, analysis: { ...DEFAULT_SOURCE.config.analysis, intervalSeconds: 300 } } };
    const result = await runRehearsal(source, Scenario.errorsAt5(), out, { brief: true });
    expect(result).toMatchObject({ outcome: 'rolled-back', by: 'alarm', stableAtSeconds: 180 });
    expect(out.text).toContain('+05:00  stepper saw the deployment Stopped: nothing left to report');
    expect(out.text).not.toContain('reported Failed');
  });
});

test('deterministic: the same rehearsal prints the same text', async () => {
  const a = await run(Scenario.flapping());
  const b = await run(Scenario.flapping());
  expect(a.text).toBe(b.text);
});

test('--brief prints one line per verdict; an unknown scenario is refused by the parser', async () => {
  const aws = new FakeCliAws();
  expect(await runCli(['rehearse', '--scenario', 'errors-at-5', '--brief'], aws.deps())).toBe(0);
  expect(aws.out.text).not.toContain('min-requests');
  expect(await runCli(['rehearse', '--scenario', 'meltdown'], aws.deps())).toBe(1);
  expect(aws.out.errors[0]).toContain("argument 'meltdown' is invalid. Allowed choices are good, errors-at-5, slow, low-traffic, flapping.");
});

describe('the simulated ALB', () => {
  test('splits whole requests by the weights, carrying fractions from minute to minute', async () => {
    const sim = new SimulatedAws(config(), Scenario.lowTraffic(), Date.UTC(2025, 0, 1), 60);
    sim.shift(5, 'test');
    const t0 = sim.t0;
    // 2 req/min at 5 %: 0.1 a minute, one request every 10 minutes.
    expect(sim.served('green', t0, t0 + 10 * 60_000)).toBe(1);
    expect(sim.served('blue', t0, t0 + 10 * 60_000)).toBe(19);
  });

  test('publishes a minute only after the lag; anything the stepper does not send is refused', async () => {
    const sim = new SimulatedAws(config(), Scenario.good(), Date.UTC(2025, 0, 1), 60);
    sim.advance(150);
    expect(sim.publishedMinutes(sim.t0, sim.nowMs)).toEqual([sim.t0]);
    await expect(sim.send({})).rejects.toThrow("the rehearsal's simulated AWS does not implement Object");
  });
});

test('--service takes the schedule and thresholds of a deployed service (read from SSM)', async () => {
  const aws = new FakeCliAws().install();
  aws.parameters = { [configParameterName('api-app', 'api-dg')]: JSON.stringify(config({ steps: [{ percent: 10, bakeSeconds: 120 }], finalStep: { percent: 50, bakeSeconds: 300 } })) };
  expect(await runCli(['rehearse', '--scenario', 'good', '--service', 'api-service', '--brief'], aws.deps())).toBe(0);
  expect(aws.out.lines[1]).toBe('schedule   10 % 2 min + 1 min (stepper: bake + 1 min settle, the final verdict waits for the bake\'s last minute of metrics) '
    + '-> 50 % 5 min (CodeDeploy) -> 100 %, termination wait 5 min [api-app/api-dg as deployed]');
  // 2 min bake + 1 min settle, then CodeDeploy's 5 min.
  expect(aws.out.text).toMatch(/result +released: 100 % at \+08:00/);
});
