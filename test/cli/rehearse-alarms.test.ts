/**
 * The rehearsal's rollback alarms (src/cli/rehearse/alarms.ts) are the alarms RollbackAlarms
 * renders: the same expressions, thresholds and M-of-N timing, evaluated on the simulated minutes.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as fc from 'fast-check';
import { RollbackAlarms } from '../../lib';
import { ERROR_RATE_CONFIDENCE_Z } from '../../lib/alarms/rollback-alarms';
import type { AnalysisConfig } from '../../lib/runtime-config';
import { BufferOutput } from '../../src/cli/output';
import {
  ALARM_CONFIDENCE_Z, alarmInAlarm, AlarmInputs, DEFAULT_ALARM_TIMING, eitherValue, errorRateValue, latencyValue, unhealthyValue,
} from '../../src/cli/rehearse/alarms';
import { mulberry32 } from '../../src/cli/rehearse/random';
import { DEFAULT_SOURCE, runRehearsal } from '../../src/cli/rehearse/rehearse';
import { Scenario } from '../../src/cli/rehearse/scenario';
import { collectSeries } from '../../src/cli/rehearse/series';
import { SimulatedAws } from '../../src/cli/rehearse/simulated-aws';
import { config } from './fixtures';
import { newStack } from '../helpers/fixtures';
import { evaluateAlarmQueries } from '../helpers/metric-math';
import { resourcesOfType } from '../helpers/template';

const DEFAULTS = DEFAULT_SOURCE.config.analysis;

type Kind = 'ErrorRate' | 'Latency' | 'UnhealthyHosts';
interface Rendered {
  queries: any[];
  props: Record<string, any>;
}

/** The alarms RollbackAlarms renders for these thresholds, mapped from the analysis as CanaryDeployment maps them. */
function rendered(a: AnalysisConfig, targetProtocol: elbv2.ApplicationProtocol): Record<Kind, Rendered> {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc, protocol: targetProtocol, port: 8080, targetType: elbv2.TargetType.IP });
  const tgs: [elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup] = [tg('Tg1'), tg('Tg2')];
  alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward(tgs) });
  new RollbackAlarms(stack, 'Rollback', {
    blueTargetGroup: tgs[0],
    greenTargetGroup: tgs[1],
    maxErrorRatePercent: a.maxErrorRatePercent,
    maxP95: Duration.millis(a.maxP95Ms),
    maxP99: Duration.millis(a.maxP99Ms),
    maxUnhealthyHosts: a.maxUnhealthyHosts,
    unhealthyMinutes: a.unhealthyMinutes,
    minRequests: a.minRequests,
  });
  const alarms = Object.entries(resourcesOfType(Template.fromStack(stack), 'AWS::CloudWatch::Alarm'));
  const of = (kind: Kind): Rendered => {
    const [, alarm] = alarms.find(([id]) => id.includes(kind))!;
    return { queries: alarm.Properties!.Metrics as any[], props: alarm.Properties! };
  };
  return { ErrorRate: of('ErrorRate'), Latency: of('Latency'), UnhealthyHosts: of('UnhealthyHosts') };
}

const count = fc.option(fc.nat(3000), { nil: undefined });
const minute = fc.record({
  requests: count,
  errors: count,
  connerrors: fc.option(fc.nat(300), { nil: undefined }),
  tlserrors: fc.option(fc.nat(50), { nil: undefined }),
  p95: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: undefined }),
  p99: fc.option(fc.double({ min: 0, max: 20, noNaN: true }), { nil: undefined }),
  unhealthy: fc.option(fc.nat(4), { nil: undefined }),
});
/** CloudWatch sees every metric id of both target groups (suffixed 1 and 2): a metric without a datapoint is undefined. */
const all = (g1: AlarmInputs, g2: AlarmInputs) => Object.fromEntries(([[g1, 1], [g2, 2]] as const).flatMap(([v, n]) => Object.entries({
  requests: v.requests, errors: v.errors, connerrors: v.connerrors, tlserrors: v.tlserrors, p95_: v.p95, p99_: v.p99, unhealthy: v.unhealthy,
}).map(([k, x]) => [`${k}${n}`, x])));
/** HTTP targets have no TLS negotiation errors: the load balancer publishes none. */
const withoutTls = (v: AlarmInputs): AlarmInputs => ({ ...v, tlserrors: undefined });

const LOW_TRAFFIC = { ...DEFAULTS, minRequests: 20, maxErrorRatePercent: 5, maxP95Ms: 400, maxP99Ms: 900, maxUnhealthyHosts: 2, unhealthyMinutes: 3 };
describe.each([
  ['the default policy, HTTPS targets', DEFAULTS, elbv2.ApplicationProtocol.HTTPS],
  ['the default policy, HTTP targets (no TLS metric)', DEFAULTS, elbv2.ApplicationProtocol.HTTP],
  ['a low-traffic policy (minRequests 20, 5 % errors, 2 unhealthy hosts for 3 min), HTTPS targets', LOW_TRAFFIC, elbv2.ApplicationProtocol.HTTPS],
  ['a low-traffic policy, HTTP targets', LOW_TRAFFIC, elbv2.ApplicationProtocol.HTTP],
] as const)('the rehearsal evaluates what RollbackAlarms renders, for %s', (_name, a, protocol) => {
  let r: Record<Kind, Rendered>;
  beforeAll(() => {
    r = rendered(a, protocol);
  });

  test('the same z, thresholds and M-of-N timing', () => {
    expect(ALARM_CONFIDENCE_Z).toBe(ERROR_RATE_CONFIDENCE_Z);
    const timing = { EvaluationPeriods: DEFAULT_ALARM_TIMING.evaluationMinutes, DatapointsToAlarm: DEFAULT_ALARM_TIMING.breachMinutes, TreatMissingData: 'notBreaching', ComparisonOperator: 'GreaterThanThreshold' };
    expect(r.ErrorRate.props).toMatchObject({ ...timing, Threshold: a.maxErrorRatePercent });
    expect(r.Latency.props).toMatchObject({ ...timing, Threshold: 1 });
    expect(r.UnhealthyHosts.props).toMatchObject({ EvaluationPeriods: a.unhealthyMinutes, DatapointsToAlarm: a.unhealthyMinutes, TreatMissingData: 'notBreaching', Threshold: a.maxUnhealthyHosts });
  });

  test('the same value for every minute of both groups\' datapoints (random minutes, and the gate edges)', () => {
    // Each alarm is IF(tg1 > tg2, tg1, tg2) of the two groups' expressions; the model is eitherValue of the per-group values.
    const same = (h1: AlarmInputs, h2: AlarmInputs) => {
      const [g1, g2] = protocol === elbv2.ApplicationProtocol.HTTP ? [withoutTls(h1), withoutTls(h2)] : [h1, h2];
      const values = all(g1, g2);
      const e = evaluateAlarmQueries(r.ErrorRate.queries, values);
      expect(eitherValue(errorRateValue(g1, a.minRequests), errorRateValue(g2, a.minRequests))).toBeCloseTo(e!, 9);
      const latency = eitherValue(latencyValue(g1, a), latencyValue(g2, a));
      const rendered = evaluateAlarmQueries(r.Latency.queries, values);
      if (latency === undefined) expect(rendered).toBeUndefined();
      else expect(latency).toBeCloseTo(rendered!, 12);
      expect(eitherValue(unhealthyValue(g1), unhealthyValue(g2))).toBe(evaluateAlarmQueries(r.UnhealthyHosts.queries, values));
    };
    fc.assert(fc.property(minute, minute, same), { numRuns: 500, seed: 9 });
    const g = a.minRequests;
    const [p95, p99] = [a.maxP95Ms / 1000, a.maxP99Ms / 1000];
    const edges: AlarmInputs[] = [{ requests: g - 1, errors: g - 1 }, { requests: g, errors: g }, { requests: g - 1, p95: 9, p99: 9 }, { requests: g, p95: 9 },
      { requests: g, p99: 9 }, { requests: g, p95, p99 }, { requests: g, p95: p95 * 1.01, p99 }, { requests: g, p95, p99: p99 * 1.01 },
      { connerrors: g }, { requests: g - 5, connerrors: 5, errors: 3 }, { unhealthy: 3 }, { tlserrors: 1, unhealthy: 3 }, { connerrors: 1, unhealthy: 3 },
      { requests: 1, unhealthy: 3 }, {}];
    for (const v of edges) for (const other of [{}, { requests: 5 * g, p95: 0.01, p99: 0.02 }]) {
      same(v, other);
      same(other, v);
    }
  });
});

describe('the alarm model on simulated traffic', () => {
  const alarmsOnly = { ...DEFAULT_SOURCE, config: { ...DEFAULT_SOURCE.config, steps: [] } };

  test('a good noisy version at 200 req/min and 1 % errors is not rolled back by the alarms in 40 seeded runs', async () => {
    const scenario = Scenario.noisy({ requestsPerMinute: 200, stableErrorRate: 0.01, fault: { kind: 'good' } });
    // The whole release: the alarms watch every step (the judge's own false rollbacks are bench/judge-oc.ts's business).
    const s = await collectSeries(DEFAULT_SOURCE, scenario, { runs: 40, seed: 1 });
    expect(s.byAlarm).toBe(0);
    // Without the in-hook steps the alarms alone watch 50 % and then 100 % of production: no rollback at all.
    const alone = await collectSeries(alarmsOnly, scenario, { runs: 40, seed: 2 });
    expect({ rolledBack: alone.rolledBack, byAlarm: alone.byAlarm }).toEqual({ rolledBack: 0, byAlarm: 0 });
  });

  test('a crash (connection errors, no target 5xx) is caught by the error-rate alarm, within 3 minutes', async () => {
    const out = new BufferOutput();
    const result = await runRehearsal(alarmsOnly, Scenario.crash(200, undefined, true), out, { brief: true, rng: mulberry32(4) });
    expect(result).toMatchObject({ outcome: 'rolled-back', by: 'alarm', rolledBackAtPercent: 50, asExpected: true });
    expect(result.reason).toMatch(/^ErrorRate alarm of the green target group: 99 % lower bound \d+\.\d\d % > 1 % in 2 of the last 3 minutes$/);
    expect(result.recoverySeconds).toBeLessThanOrEqual(180);
  });

  test('a minute under the request gate never alarms, however bad: 8 % errors at 5 % of 1 000 req/min (50 a minute)', () => {
    const sim = new SimulatedAws(config(), Scenario.errorsAt5(), Date.UTC(2025, 0, 1), 60);
    sim.shift(5, 'test');
    sim.advance(10 * 60);
    expect(alarmInAlarm(sim, DEFAULTS)).toBeUndefined();
    // The same version at 25 % (250 requests a minute, 20 errors): above 1 % at 99 % confidence.
    sim.shift(25, 'test');
    sim.advance(4 * 60);
    expect(alarmInAlarm(sim, DEFAULTS)).toMatch(/^ErrorRate alarm of the green target group: 99 % lower bound 3\.\d\d % > 1 % in [23] of the last 3 minutes$/);
  });

  test('unhealthy hosts alarm only while the target group serves requests', () => {
    // No named scenario has unhealthy hosts: the constructor is private, the test builds one.
    const make = Scenario as unknown as new (name: string, description: string, green: () => object) => Scenario;
    const sick = new make('sick', 'one unhealthy host', () => ({ errorRate: 0, p95Ms: 100, p99Ms: 200, healthyHosts: 1, unhealthyHosts: 1 }));
    const sim = new SimulatedAws(config(), sick, Date.UTC(2025, 0, 1), 60);
    sim.advance(5 * 60);
    expect(alarmInAlarm(sim, DEFAULTS)).toBeUndefined();
    sim.shift(5, 'test');
    sim.advance(3 * 60);
    expect(alarmInAlarm(sim, DEFAULTS)).toBe('UnhealthyHosts alarm of the green target group: more than 0 while serving for 2 minutes');
  });
});

test('random traffic does not depend on who reads a minute first: the alarms do not change what the stepper sees', () => {
  const scenario = Scenario.noisy({ requestsPerMinute: 1000, stableErrorRate: 0.01, fault: { kind: 'good' } });
  const read = (order: ('blue' | 'green')[], minutes: number[]) => {
    const sim = new SimulatedAws(config(), scenario, Date.UTC(2025, 0, 1), 60, mulberry32(21));
    sim.shift(25, 'test');
    for (const m of minutes) for (const side of order) sim.minute(side, sim.t0 + m * 60_000);
    return [0, 1, 2, 3].map((m) => [sim.minute('green', sim.t0 + m * 60_000), sim.minute('blue', sim.t0 + m * 60_000)]);
  };
  const a = read(['green', 'blue'], [0, 1, 2, 3]);
  expect(read(['blue', 'green'], [3, 2, 1, 0])).toEqual(a);
  // and the draws are random: not every minute has the same errors
  expect(new Set(a.map(([g]) => g.errors5xx)).size).toBeGreaterThan(1);
});
