import {
  APP, AWS_FAILURES, DEPLOYMENT_ID, GROUP, LISTENER, TG_A, TG_B,
  buildConfig, buildContext, mocks, resetMocks,
} from '../hooks/fixtures';
import { GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { captureEmf, describeEmf } from '../../helpers/emf';
import { GetItemCommand, PutItemCommand, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AnalysisConfig, CanaryRuntimeConfig, DEFAULT_METRICS_NAMESPACE, ENV } from '../../../lib/runtime-config';
import { alignProductionOnGreen, decide, judgeFinal, StepperStateView } from '../../../lambda/stepper/final-judge';
import type { MinuteSample, Verdict } from '../../../lambda/judge';
import { createClients } from '../../../lambda/shared/clients';

const clients = createClients();
const TABLE = 'canary-decisions';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const T0 = NOW.getTime() - 5 * 60_000;

type Sample = Omit<MinuteSample, 'timestamp'>;
const minutes = (n: number, s: Sample): MinuteSample[] => Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * 60_000, ...s }));
const GOOD: Sample = { requests: 200, errors5xx: 0, p95Ms: 200, p99Ms: 400, healthyHosts: 2, unhealthyHosts: 0 };
const good = (over: Sample = {}) => minutes(5, { ...GOOD, ...over });

const SERIES: [keyof Sample, string, number][] = [
  ['requests', 'requests', 1], ['errors5xx', 'errors5xx', 1], ['p95Ms', 'p95ms', 1000], ['p99Ms', 'p99ms', 1000],
  ['healthyHosts', 'healthyhosts', 1], ['unhealthyHosts', 'unhealthyhosts', 1],
];

/** GetMetricData as CloudWatch answers it for the queries fetchWindow sends (latency in seconds). */
function metricData(sides: { green?: MinuteSample[]; blue?: MinuteSample[] }): { MetricDataResults: MetricDataResult[] } {
  const results: MetricDataResult[] = [];
  for (const side of ['green', 'blue'] as const) {
    for (const [key, id, scale] of SERIES) {
      const samples = (sides[side] ?? []).filter((s) => s[key] !== undefined);
      results.push({ Id: `${side}_${id}`, Timestamps: samples.map((s) => new Date(s.timestamp)), Values: samples.map((s) => (s[key] as number) / scale) });
    }
  }
  return { MetricDataResults: results };
}

function mockMetrics(sides: { green?: MinuteSample[]; blue?: MinuteSample[] }): void {
  mocks.cloudwatch.on(GetMetricDataCommand).resolves(metricData(sides));
}

function mockState(doc: StepperStateView | undefined): void {
  mocks.dynamodb.on(GetItemCommand, { TableName: TABLE, Key: { deploymentId: { S: DEPLOYMENT_ID }, sk: { S: 'state' } } }).resolves(doc
    ? { Item: { deploymentId: { S: DEPLOYMENT_ID }, sk: { S: 'state' }, kind: { S: 'state' }, doc: { S: JSON.stringify(doc) } } }
    : {});
}

function mockListener(weights: [string, number][]): void {
  mocks.elbv2.on(DescribeListenersCommand).resolves({
    Listeners: [{
      ListenerArn: LISTENER,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: weights.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } }],
    }],
  });
}

/** State recorded by the stepper: blue TG_A, green TG_B, a healthy stable baseline. */
const STATE: StepperStateView = { colors: { blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B }, baseline: { blue: good() } };

function arrangeGood(): void {
  mockState(STATE);
  mockMetrics({ green: good() });
  mocks.dynamodb.on(PutItemCommand).resolves({});
}

// The FinalVerdict metric is an EMF line on stdout (lambda/shared/emf.ts), not an API call.
let emf: ReturnType<typeof captureEmf>;
beforeEach(() => { emf = captureEmf(); });
afterEach(() => emf.restore());
const metricValues = () => describeEmf(emf.lines).map((d) => Number(d.split('value=')[1]));

/** The judged window: the 5 whole minutes before NOW (final-verdict.ts picks the minutes at 100 %). */
const START = new Date(T0);

async function run(config: CanaryRuntimeConfig = buildConfig()) {
  return judgeFinal(buildContext(config), clients, { start: START, end: NOW, now: NOW, table: TABLE });
}

/** The green TargetGroup dimension fetchWindow queried. */
function greenDimension(): string | undefined {
  const input = mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input as GetMetricDataCommandInput;
  const q = input.MetricDataQueries?.find((x) => x.Id === 'green_requests');
  return q?.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value;
}

function recordedDoc(): Record<string, unknown> {
  const input = mocks.dynamodb.commandCalls(PutItemCommand)[0].args[0].input as PutItemCommandInput;
  return JSON.parse(input.Item?.doc?.S ?? 'null') as Record<string, unknown>;
}

const savedTable = process.env[ENV.DECISIONS_TABLE];
beforeAll(() => { process.env[ENV.DECISIONS_TABLE] = TABLE; });
afterAll(() => {
  if (savedTable === undefined) delete process.env[ENV.DECISIONS_TABLE];
  else process.env[ENV.DECISIONS_TABLE] = savedTable;
});

describe('judgeFinal', () => {
  beforeEach(() => {
    resetMocks();
    // No record unless a test arranges one (BeforeInstall's `stable` record included).
    mocks.dynamodb.on(GetItemCommand).resolves({});
    arrangeGood();
  });

  it('passes green against the recorded baseline and records the decision and the metric', async () => {
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'Succeeded', reason: 'final verdict pass: all checks passed' });

    expect(mocks.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: START,
      EndTime: NOW,
    });
    expect(greenDimension()).toBe('targetgroup/api-tg-b/2222222222222222');
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 0);

    expect(mocks.dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: expect.objectContaining({
        deploymentId: { S: DEPLOYMENT_ID },
        sk: { S: 'decision#2025-03-01T12:00:00.000Z#0000' },
        kind: { S: 'decision' },
        outcome: { S: 'pass' },
      }),
    });
    const doc = recordedDoc();
    expect(doc).toMatchObject({
      phase: 'AfterAllowTraffic',
      status: 'Succeeded',
      verdict: { outcome: 'pass' },
      thresholds: buildConfig().analysis,
      blueSource: 'baseline',
      colors: STATE.colors,
    });
    expect((doc.samples as { green: unknown[]; blue: unknown[] }).green).toHaveLength(5);
    expect((doc.samples as { green: unknown[]; blue: unknown[] }).blue).toEqual(STATE.baseline?.blue);

    expect(emf.lines.map((l) => l._aws.CloudWatchMetrics[0].Namespace)).toEqual([DEFAULT_METRICS_NAMESPACE]);
    expect(describeEmf(emf.lines)).toEqual([`FinalVerdict DeploymentGroup=${APP}/${GROUP} value=1`]);
    expect(mocks.cloudwatch).not.toHaveReceivedCommand(PutMetricDataCommand);
  });

  it('fails on an absolute threshold and publishes 0', async () => {
    mockMetrics({ green: good({ p99Ms: 2500 }) });
    const outcome = await run();
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toBe('final verdict fail: p99-latency request-weighted 2500 ms over 5 min > 2000 ms: p = 0 < 0.01 (fail)');
    expect(metricValues()).toEqual([0]);
    expect(recordedDoc()).toMatchObject({ status: 'Failed', verdict: { outcome: 'fail' } });
  });

  it('judges against the recorded baseline, not the near-idle blue window', async () => {
    // Green 1.5 %: not shown above the 1 % limit on 1000 requests, but shown above 2 x the
    // baseline (no errors in 1000) and its 0.1 % floor. The blue window (1 %) would allow it.
    mockMetrics({ green: good({ errors5xx: 3 }), blue: good({ errors5xx: 2 }) });
    const outcome = await run();
    expect(outcome.status).toBe('Failed');
    expect(outcome.reason).toContain('error-rate-vs-stable 15 errors in 1000 requests (1.50 %) above stable 0 in 1000 (0.00 %)');
  });

  it('uses the blue window when the stepper recorded no baseline', async () => {
    mockState({ colors: STATE.colors });
    mockMetrics({ green: good({ errors5xx: 1 }), blue: good({ errors5xx: 2 }) });
    expect((await run()).status).toBe('Succeeded');
    expect(recordedDoc()).toMatchObject({ blueSource: 'window' });
  });

  describe('without a stepper state record', () => {
    beforeEach(() => mockState(undefined));

    it('takes the target group with the most production weight as green', async () => {
      mockListener([[TG_A, 0], [TG_B, 100]]);
      expect((await run()).status).toBe('Succeeded');
      expect(mocks.elbv2).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [LISTENER] });
      expect(greenDimension()).toBe('targetgroup/api-tg-b/2222222222222222');
      expect(recordedDoc()).toMatchObject({ blueSource: 'window', colors: { blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B } });
    });

    it('follows the weights when the pair is the other way round (blue and green swap)', async () => {
      mockListener([[TG_B, 0], [TG_A, 100]]);
      await run();
      expect(greenDimension()).toBe('targetgroup/api-tg-a/1111111111111111');
    });

    it('fails when the listener forwards to neither target group', async () => {
      mockListener([['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/other/3333', 100]]);
      await expect(run()).rejects.toThrow(/forwards to none of/);
    });
  });

  it('ignores stepper colors outside the configured pair and asks the listener', async () => {
    mockState({ colors: { blueTargetGroupArn: TG_A, greenTargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/old/4444' } });
    mockListener([[TG_A, 0], [TG_B, 100]]);
    await run();
    expect(mocks.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 1);
    expect(greenDimension()).toBe('targetgroup/api-tg-b/2222222222222222');
  });

  describe('inconclusive (too little traffic)', () => {
    beforeEach(() => mockMetrics({ green: minutes(5, { ...GOOD, requests: 10 }) }));

    it('fails when onInconclusive is fail', async () => {
      const outcome = await run();
      expect(outcome.status).toBe('Failed');
      expect(outcome.reason).toMatch(/^final verdict inconclusive \(min-requests 50 < 100 \(inconclusive\).*\); onInconclusive is fail$/);
      expect(recordedDoc()).toMatchObject({ status: 'Failed', verdict: { outcome: 'inconclusive' } });
    });

    it('passes when onInconclusive is pass', async () => {
      const config = buildConfig();
      const outcome = await run(buildConfig({ analysis: { ...config.analysis, onInconclusive: 'pass' } }));
      expect(outcome.status).toBe('Succeeded');
      expect(outcome.reason).toMatch(/onInconclusive is pass$/);
      expect(metricValues()).toEqual([1]);
    });
  });

  it('fails on no data at all (never a pass on nothing)', async () => {
    mockMetrics({});
    expect((await run()).status).toBe('Failed');
  });

  it.each(AWS_FAILURES)('keeps the verdict when the decision record cannot be written (%s)', async (_kind, make) => {
    mocks.dynamodb.on(PutItemCommand).rejects(make());
    expect((await run()).status).toBe('Succeeded');
    expect(metricValues()).toEqual([1]);
  });

  it('keeps the verdict when the metric cannot be written', async () => {
    emf.restore();
    const spy = jest.spyOn(console, 'log').mockImplementation(() => { throw new Error('EPIPE'); });
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    emf = { lines: [], restore: () => { spy.mockRestore(); delete process.env.POWERTOOLS_DEV; delete process.env.POWERTOOLS_METRICS_DISABLED; } };
    mockMetrics({ green: good({ errors5xx: 20 }) });
    expect((await run()).status).toBe('Failed');
    expect(mocks.dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  it('publishes to the configured namespace', async () => {
    process.env[ENV.METRICS_NAMESPACE] = 'Team/Canary';
    try {
      await run();
      expect(emf.lines.map((l) => l._aws.CloudWatchMetrics[0].Namespace)).toEqual(['Team/Canary']);
    } finally {
      delete process.env[ENV.METRICS_NAMESPACE];
    }
  });

  it('without a decisions table judges on the listener and window and records nothing', async () => {
    mockListener([[TG_A, 0], [TG_B, 100]]);
    const outcome = await judgeFinal(buildContext(), clients, { start: START, end: NOW, now: NOW, table: '' });
    expect(outcome.status).toBe('Succeeded');
    expect(mocks.dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
    expect(mocks.dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 0);
    expect(metricValues()).toEqual([1]);
  });
});

describe('decide', () => {
  const verdict = (outcome: Verdict['outcome']): Verdict => ({ outcome, checks: [], reason: 'r' });
  it.each([
    ['pass', 'fail', 'Succeeded'],
    ['fail', 'pass', 'Failed'],
    ['inconclusive', 'fail', 'Failed'],
    ['inconclusive', 'pass', 'Succeeded'],
    ['inconclusive', undefined, 'Failed'],
  ] as [Verdict['outcome'], AnalysisConfig['onInconclusive'] | undefined, string][])('%s with onInconclusive %s -> %s', (outcome, policy, status) => {
    expect(decide(verdict(outcome), policy).status).toBe(status);
  });
});

describe('alignProductionOnGreen (the start of the final verdict)', () => {
  const RULE = `${LISTENER.replace(':listener/', ':listener-rule/')}/0a1b2c3d4e5f6a7b`;
  beforeEach(() => {
    resetMocks();
    mocks.dynamodb.on(GetItemCommand).resolves({});
  });

  it('moves a rule left behind to green 100 % when the default action is already there', async () => {
    // CodeDeploy shifted the default action; a catch-all rule still carries the stepper's 25 %.
    mocks.dynamodb.on(GetItemCommand, { TableName: TABLE, Key: { deploymentId: { S: DEPLOYMENT_ID }, sk: { S: 'stable' } } }).resolves({
      Item: { deploymentId: { S: DEPLOYMENT_ID }, sk: { S: 'stable' }, kind: { S: 'stable' }, doc: { S: JSON.stringify({ blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B, productionListenerArn: LISTENER, at: NOW.toISOString() }) } },
    });
    mocks.elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_A, Weight: 0 }, { TargetGroupArn: TG_B, Weight: 100 }] } }] }],
    });
    mocks.elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        { RuleArn: RULE, Priority: '50000', IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: ['/*'] }],
          Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_A, Weight: 75 }, { TargetGroupArn: TG_B, Weight: 25 }] } }] },
      ],
    });
    mocks.elbv2.on(ModifyRuleCommand).resolves({});
    mocks.elbv2.on(ModifyListenerCommand).resolves({});

    const colors = await alignProductionOnGreen(buildContext(), clients, TABLE);

    expect(colors).toEqual({ blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B });
    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: RULE,
      Actions: [expect.objectContaining({ Type: 'forward', ForwardConfig: expect.objectContaining({ TargetGroups: expect.arrayContaining([{ TargetGroupArn: TG_A, Weight: 0 }, { TargetGroupArn: TG_B, Weight: 100 }]) }) })],
    });
  });
});
