import { configParameterName } from '../../lib/runtime-config';
import { BufferOutput } from '../../src/cli/output';
import { runCli } from '../../src/cli/program';
import { DEFAULT_SOURCE, rehearse, runRehearsal } from '../../src/cli/rehearse/rehearse';
import { Scenario } from '../../src/cli/rehearse/scenario';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { targetGroupDimension } from '../../lambda/shared/metrics';
import { mulberry32 } from '../../src/cli/rehearse/random';
import { collectSeries } from '../../src/cli/rehearse/series';
import { SIM, SimulatedAws } from '../../src/cli/rehearse/simulated-aws';
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
  // At the end of the bake the step only waits (its last minute of metrics is not published yet);
  // a verdict equal to the last recorded one is not recorded again, so only the change shows.
  expect(text).toContain('+03:00  step 1  5 %  pass -> wait');
  expect(text).not.toMatch(/\+0[45]:00 {2}step 1/);
  expect(text).toContain('+06:00  step 1  5 %  pass -> advance');
  expect(text).toContain('+06:00  production  green 25 % / blue 75 %  (stepper)');
  expect(text).not.toMatch(/\+16:00 {2}step 2/);
  expect(text).toContain('+17:00  step 2 25 %  pass -> complete');
  expect(text).toContain('+17:00  BeforeAllowTraffic reported Succeeded to CodeDeploy');
  expect(text).toContain('+17:00  production  green 50 % / blue 50 %  (CodeDeploy AllowTraffic: TimeBasedCanary 50 % for 15 min, watched by the rollback alarms)');
  expect(text).toContain('+32:00  production  green 100 % / blue 0 %');
  expect(text).toMatch(/result +released: 100 % at \+32:00, deployment done at \+37:00 \(6 decisions recorded by the stepper\)/);
  expect(text).toMatch(/expected +a good version is released: yes/);
  expect(text).not.toMatch(/-> fail|rolled back/);
});

test('errors-at-5: fails in the first step; production on stable within 3 simulated minutes; few requests exposed', async () => {
  const { result, text } = await run(Scenario.errorsAt5());

  expect(result).toMatchObject({ outcome: 'rolled-back', by: 'stepper', faultOnsetSeconds: 0, asExpected: true });
  expect(result.reason).toMatch(/^step 1\/2 \(5 % green\) failed: error-rate-vs-stable/);
  expect(result.stableAtSeconds).toBeLessThanOrEqual(180);
  expect(result.recoverySeconds).toBeLessThanOrEqual(180);
  // 5 % of 1000 req/min for at most 3 minutes.
  expect(result.greenRequests).toBeGreaterThan(0);
  expect(result.greenRequests).toBeLessThanOrEqual(150);
  expect(result.greenErrors).toBeLessThanOrEqual(12);

  expect(text).toMatch(/\+0[12]:00 {2}step 1 {2}5 % {2}fail -> fail\n {16}min-requests/);
  // 4 errors in the first 50 requests: not yet shown above 1 % at a mid-bake verdict's level
  // (alpha 0.01 / 2 steps x 20 % / 10 verdicts), but far above 2 x the stable rate's floor.
  expect(text).toContain('error-rate 4 errors in 50 requests (8.00 %) vs 1 %: p = 0.0016 >= 0.0001; only 50 requests (inconclusive)');
  expect(text).toContain('error-rate-vs-stable 4 errors in 50 requests (8.00 %) above stable 0 in 950 (0.00 %), limit 2 x max(stable, floor 0.1 %): p = 8e-5 < 0.0001 (fail)');
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
  // One minute gives no minute-to-minute noise to test against (the +02:00 verdict, inconclusive
  // like the +01:00 one, so not recorded again); two identical ones are certain.
  expect(text).toContain('+01:00  step 1  5 %  inconclusive -> wait');
  expect(text).not.toContain('+02:00  step 1');
  expect(text).toContain('+03:00  step 1  5 %  fail -> fail');
  expect(text).toContain('latency-vs-stable 450 ms vs 270 ms (1.5 x stable 180 ms) over the same 2 min: t-test p = 0 < 0.0001 (fail)');
  expect(text).toContain('p95-latency request-weighted 450 ms over 2 min <= 1000 ms (pass)');
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
    // 40 errors in 500 requests a minute: 8 %, at least 5.06 % at 99 % confidence.
    expect(out.text).toContain('+03:00  production  green 0 % / blue 100 %  (CodeDeploy rollback: ErrorRate alarm of the green target group: 99 % lower bound 5.06 % > 1 % in 2 of the last 3 minutes)');
    // 50 % of 1000 req/min for 3 minutes: the cost of leaving the first step to CodeDeploy.
    expect(result.greenRequests).toBe(1500);
  });

  test('with a 5-minute analysis interval the alarm fires before the stepper\'s first verdict; the stepper then finds the deployment stopped', async () => {
    const out = new BufferOutput();
    const source = { ...DEFAULT_SOURCE, config: { ...DEFAULT_SOURCE.config, analysis: { ...DEFAULT_SOURCE.config.analysis, intervalSeconds: 300 } } };
    // 4 000 req/min: the 5 % step has 200 requests a minute, over the alarms' 100-request gate.
    const result = await runRehearsal(source, Scenario.errorsAt5().withRate(4000), out, { brief: true });
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
  expect(aws.out.errors[0]).toContain("argument 'meltdown' is invalid. Allowed choices are good, errors-at-5, slow, low-traffic, flapping, crash, noisy-good, noisy-errors-5x, noisy-slow-2x.");
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

describe('random traffic (--runs, --seed)', () => {
  test('noisy-good: a series prints the share rolled back; the same seed prints the same text', async () => {
    const a = new BufferOutput();
    const code = await rehearse({ out: a }, { scenario: 'noisy-good', runs: 20, seed: 7 });
    expect(a.text).toContain('series     20 runs, seed 7: random errors and latencies, each run seeded from the series seed');
    expect(a.text).toContain('traffic    1000 req/min split by the listener weights; random 5xx (stable 0.1 %) and log-normal latencies (median 120 ms, sigma 0.6)');
    expect(a.text).toMatch(/result +released 20 \(100\.0 %\), rolled back 0 \(0\.0 %\): 0 by the stepper, 0 by the rollback alarms/);
    expect(a.text).toMatch(/expected +a good version is rolled back in <= 1 % of runs: yes/);
    expect(code).toBe(0);
    const b = new BufferOutput();
    await rehearse({ out: b }, { scenario: 'noisy-good', runs: 20, seed: 7 });
    expect(b.text).toBe(a.text);
  });

  test('a bad version: how often and how fast it was caught, and at which step', async () => {
    const out = new BufferOutput();
    // 5 % errors against a stable 1 %: above both the 1 % limit and 2 x stable.
    expect(await rehearse({ out }, { scenario: 'noisy-errors-5x', errorRate: 1, runs: 20, seed: 3 })).toBe(0);
    expect(out.text).toMatch(/caught +20 of 20 \(100\.0 %\); before the 50 % step: 20 \(100\.0 %\)/);
    expect(out.text).toMatch(/at step +5 %: \d+/);
    expect(out.text).toMatch(/time +fault -> production on stable: median \d+ min/);
    expect(out.text).toMatch(/checks +.*error-rate/);
  });

  test('--no-alarms measures the stepper and the judge alone', async () => {
    const aws = new FakeCliAws();
    expect(await runCli(['rehearse', '--scenario', 'noisy-errors-5x', '--error-rate', '1', '--runs', '10', '--no-alarms'], aws.deps())).toBe(0);
    expect(aws.out.text).toMatch(/rolled back 10 \(100\.0 %\): 10 by the stepper, 0 by the rollback alarms/);
    expect(aws.out.text).toContain('alarms     none: the stepper and the judge alone (--no-alarms)');
  });

  test('the runs differ from each other (the noise is real), and a single --seed run is reproducible', async () => {
    const stats = await collectSeries(DEFAULT_SOURCE, Scenario.named('noisy-errors-5x', { stableErrorRate: 0.005 }), { runs: 12, seed: 1, alarms: false });
    expect(new Set(stats.recoverySeconds).size).toBeGreaterThan(1);
    const one = async () => {
      const out = new BufferOutput();
      await rehearse({ out }, { scenario: 'good', seed: 11 });
      return out.text;
    };
    const first = await one();
    expect(first).toContain('random 5xx (stable 0.1 %)');
    expect(await one()).toBe(first);
  });

  test('--error-rate is for the noisy scenarios; --runs and --seed must be whole numbers', async () => {
    const aws = new FakeCliAws();
    expect(await runCli(['rehearse', '--scenario', 'good', '--error-rate', '1'], aws.deps())).toBe(1);
    expect(aws.out.errors.join('\n')).toContain('--error-rate sets the stable 5xx rate of the noisy-* scenarios only');
    expect(await runCli(['rehearse', '--scenario', 'noisy-good', '--error-rate', '120'], aws.deps())).toBe(1);
    expect(aws.out.errors.join('\n')).toContain('--error-rate must be a percentage 0..100, got 120');
    expect(await runCli(['rehearse', '--scenario', 'noisy-good', '--runs', '2.5'], aws.deps())).toBe(1);
    expect(aws.out.errors.join('\n')).toContain("option '--runs <n>' argument '2.5' is invalid. must be a whole number.");
  });
});

describe('crash: the new version refuses connections from the 5 % step', () => {
  const range = (sim: SimulatedAws, names: string[]) => sim.send(new GetMetricDataCommand({
    StartTime: new Date(sim.t0),
    EndTime: new Date(sim.nowMs),
    MetricDataQueries: names.map((MetricName, i) => ({
      Id: `q${i}`,
      MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName, Dimensions: [{ Name: 'TargetGroup', Value: targetGroupDimension(SIM.green) }] }, Period: 60, Stat: MetricName === 'TargetResponseTime' ? 'p95' : 'Sum' },
    })),
  })) as Promise<{ MetricDataResults: { Id: string; Values: number[] }[] }>;

  test('the simulated CloudWatch answers by metric name: refused connections are TargetConnectionErrorCount, not target 5xx; unknown metrics have no datapoints', async () => {
    const sim = new SimulatedAws(config(), Scenario.crash(), Date.UTC(2025, 0, 1), 60);
    sim.shift(5, 'test');
    sim.advance(180);
    const r = await range(sim, ['RequestCount', 'TargetConnectionErrorCount', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'NoSuchMetric']);
    const values = Object.fromEntries(r.MetricDataResults.map((x) => [x.Id, x.Values]));
    expect(values).toEqual({ q0: [50, 50], q1: [50, 50], q2: [], q3: [], q4: [] });
  });

  test('with random traffic too, every request of the crashed version is a connection error', async () => {
    const sim = new SimulatedAws(config(), Scenario.crash().withRandomTraffic(), Date.UTC(2025, 0, 1), 60, mulberry32(5));
    sim.shift(5, 'test');
    sim.advance(180);
    const r = await range(sim, ['RequestCount', 'TargetConnectionErrorCount']);
    expect(r.MetricDataResults[1].Values).toEqual(r.MetricDataResults[0].Values);
  });

  test('is caught within 2 minutes, on exact and on random traffic', async () => {
    const { result } = await run(Scenario.crash());
    expect(result).toMatchObject({ outcome: 'rolled-back', by: 'stepper', asExpected: true, rolledBackAtPercent: 5 });
    expect(result.recoverySeconds).toBeLessThanOrEqual(120);
    const stats = await collectSeries(DEFAULT_SOURCE, Scenario.crash(), { runs: 20, seed: 1 });
    expect(stats.rolledBack).toBe(20);
    expect(Math.max(...stats.recoverySeconds)).toBeLessThanOrEqual(120);
  });
});
