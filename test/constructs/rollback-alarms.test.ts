import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { RollbackAlarms, RollbackAlarmsProps } from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';
import { newStack } from '../helpers/fixtures';
import { evaluateAlarmQueries } from '../helpers/metric-math';
import { flatten, logicalId, referencedIds, resourcesOfType } from '../helpers/template';

interface Fixture {
  stack: Stack;
  tgs: [elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup];
}

/**
 * Two target groups attached to an ALB (their metrics need the load balancer dimension). HTTPS
 * targets by default, so the error-rate alarm counts TLS negotiation errors; HTTP ones leave them out.
 */
function fixture(protocol = elbv2.ApplicationProtocol.HTTPS): Fixture {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: protocol === elbv2.ApplicationProtocol.HTTPS ? 443 : 80, protocol, targetType: elbv2.TargetType.IP });
  const tgs: [elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup] = [tg('Tg1'), tg('Tg2')];
  alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward([tgs[0]]) });
  alb.addListener('Test', { port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: elbv2.ListenerAction.forward([tgs[1]]) });
  return { stack, tgs };
}

/** With `useComposite`, `alarm` is read (the composite created) before synth, as a user wiring it would. */
function synth(props: Partial<RollbackAlarmsProps> = {}, extra?: (stack: Stack) => cloudwatch.IAlarm[], useComposite = false) {
  const { stack, tgs } = fixture();
  const additionalAlarms = extra ? extra(stack) : props.additionalAlarms;
  const alarms = new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], ...props, additionalAlarms });
  if (useComposite) expect(alarms.alarm).toBeDefined();
  return { stack, tgs, alarms, template: Template.fromStack(stack) };
}

/** Both dimensions of a per-target-group ALB metric (CDK renders them sorted by name). */
const tgDimensions = (tgId: string) => [
  { Name: 'LoadBalancer', Value: Match.anyValue() },
  { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [tgId, 'TargetGroupFullName'] } },
];

type Kind = 'ErrorRate' | 'Latency' | 'UnhealthyHosts';

/** The alarm of this check, its queries, and its metrics by id (ids suffixed 1/2 per target group). */
function alarmOf(template: Template, kind: Kind): {
  alarm: Record<string, any>;
  queries: any[];
  metrics: Record<string, { MetricName: string; Stat: string; TargetGroup: unknown }>;
} {
  const entries = Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.includes(kind));
  if (entries.length !== 1) throw new Error(`${entries.length} ${kind} alarms`);
  const alarm = entries[0][1].Properties!;
  const queries = alarm.Metrics as any[];
  const metrics = Object.fromEntries(queries.filter((q) => q.MetricStat).map((q) => [q.Id, {
    MetricName: q.MetricStat.Metric.MetricName,
    Stat: q.MetricStat.Stat,
    TargetGroup: q.MetricStat.Metric.Dimensions.find((dim: any) => dim.Name === 'TargetGroup').Value,
  }]));
  return { alarm, queries, metrics };
}

/** Every metric id of the alarm, undefined (no datapoint) unless given. */
function minute(x: ReturnType<typeof alarmOf>, given: Record<string, number | undefined>): Record<string, number | undefined> {
  return { ...Object.fromEntries(Object.keys(x.metrics).map((id) => [id, undefined])), ...given };
}

/** One group's values under its suffixed ids (requests -> requests2). */
const group = (n: 1 | 2, v: Record<string, number | undefined>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [`${k}${n}`, x]));

describe('RollbackAlarms with defaults', () => {
  let d: ReturnType<typeof synth>;
  let tgIds: string[];
  beforeAll(() => {
    d = synth({}, undefined, true);
    tgIds = d.tgs.map(logicalId);
  });

  test('no composite alarm until `alarm` is used; the 3 metric alarms regardless', () => {
    const unused = synth();
    unused.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    unused.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(unused.alarms.deploymentGroupAlarms).toHaveLength(3);
  });

  test('every alarm is named <stack>-canary-<unique>-<what> (RollbackAlarms.namePrefix), uniquely', () => {
    expect(RollbackAlarms.namePrefix(d.alarms)).toBe('TestStack-canary-');
    const names = [
      ...Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!.AlarmName),
      ...Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm')).map((a) => a.Properties!.AlarmName),
    ];
    expect(names).toHaveLength(4);
    for (const name of names) {
      expect(name).toMatch(/^TestStack-canary-\S+-(ErrorRate|Latency|UnhealthyHosts|Any)$/);
      expect(name.length).toBeLessThanOrEqual(255);
    }
    expect(new Set(names).size).toBe(4);
    // alarmNames: the same names as strings known at synth (no reference to the alarm resources).
    const metricNames = Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!.AlarmName);
    expect(d.alarms.alarmNames).toEqual(metricNames);
    for (const name of d.alarms.alarmNames) expect(JSON.stringify(d.stack.resolve(name))).not.toContain('Ref');
  });

  test('creates 3 metric alarms, one per check over both target groups, and, once `alarm` is used, one composite alarm', () => {
    d.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(d.alarms.alarms).toEqual([d.alarms.errorRate, d.alarms.latency, d.alarms.unhealthyHosts]);
    expect(d.alarms.deploymentGroupAlarms).toHaveLength(3);
    expect(d.alarms.deploymentGroupAlarms).not.toContain(d.alarms.alarm);
  });

  test.each(['ErrorRate', 'Latency', 'UnhealthyHosts'] as const)(
    '%s watches IF(tg1 > tg2, tg1, tg2) of the two groups\' expressions (not MAX, which CloudWatch advises against in alarms), within CloudWatch\'s 10 metrics per metric-math alarm', (kind) => {
      const x = alarmOf(d.template, kind);
      const watched = x.queries.filter((q) => q.ReturnData !== false);
      expect(watched).toEqual([expect.objectContaining({ Expression: 'IF(tg1 > tg2, tg1, tg2)' })]);
      expect(x.queries.filter((q) => q.Expression).map((q) => q.Id).sort()).toEqual([watched[0].Id, 'tg1', 'tg2'].sort());
      expect(Object.keys(x.metrics).length).toBeLessThanOrEqual(10);
      // Group 1's expression reads only group 1's metrics (ids suffixed 1), on the first target group; likewise 2.
      for (const n of [1, 2]) {
        const text = x.queries.find((q) => q.Id === `tg${n}`).Expression as string;
        const ids = Object.keys(x.metrics).filter((id) => new RegExp(`\\b${id}\\b`).test(text));
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) {
          expect(id.endsWith(String(n))).toBe(true);
          expect(x.metrics[id].TargetGroup).toEqual({ 'Fn::GetAtt': [tgIds[n - 1], 'TargetGroupFullName'] });
        }
      }
    });

  test('error rate of both target groups: target 5xx + connection + TLS errors over attempts, 2 of 3 minutes', () => {
    const sumOf = (metric: string, id: string, i: number) => Match.objectLike({
      Id: `${id}${i + 1}`,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metric, Dimensions: tgDimensions(tgIds[i]) }, Period: 60, Stat: 'Sum' },
    });
    d.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([0, 1].flatMap((i) => [
        sumOf('RequestCount', 'requests', i),
        sumOf('HTTPCode_Target_5XX_Count', 'errors', i),
        sumOf('TargetConnectionErrorCount', 'connerrors', i),
        sumOf('TargetTLSNegotiationErrorCount', 'tlserrors', i),
      ])),
    });
  });

  describe('error-rate expression, evaluated like CloudWatch (threshold 1 %)', () => {
    let x: ReturnType<typeof alarmOf>;
    let threshold: number;
    beforeAll(() => {
      x = alarmOf(d.template, 'ErrorRate');
      threshold = x.alarm.Threshold;
      expect(Object.values(x.metrics).map((m) => m.MetricName).sort()).toEqual([
        'HTTPCode_Target_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount', 'RequestCount',
        'TargetConnectionErrorCount', 'TargetConnectionErrorCount', 'TargetTLSNegotiationErrorCount', 'TargetTLSNegotiationErrorCount',
      ]);
    });
    const cases: [string, Partial<Record<'requests' | 'errors' | 'connerrors' | 'tlserrors', number>>, boolean][] = [
      ['one error in 50 requests (below the 100-request gate)', { requests: 50, errors: 1 }, false],
      ['all 60 requests failing, below the gate', { requests: 60, errors: 60 }, false],
      ['2 errors in 100 requests: 2 %, but not shown above 1 % at 99 %', { requests: 100, errors: 2 }, false],
      ['5 errors in 500 requests (1 %, a good version at the limit)', { requests: 500, errors: 5 }, false],
      ['10 errors in 2 000 requests (0.5 %)', { requests: 2000, errors: 10 }, false],
      ['no datapoint but requests (a quiet minute)', { requests: 300 }, false],
      ['15 errors in 300 requests (5 %)', { requests: 300, errors: 15 }, true],
      ['a crash: 200 connection errors, no response from a target', { connerrors: 200 }, true],
      ['connection errors on top of few requests cross the gate', { requests: 40, connerrors: 80 }, true],
      ['TLS errors to HTTPS targets', { requests: 100, tlserrors: 100 }, true],
      ['50 % errors at 1 000 requests', { requests: 1000, errors: 500 }, true],
    ];
    test.each(cases)('%s in either target group (the other healthy or idle) -> breaching %s', (_name, values, expected) => {
      const healthy = { requests: 5000, errors: 1 };
      for (const [one, other] of [[1, 2], [2, 1]] as const) {
        for (const otherValues of [{}, healthy]) {
          const v = evaluateAlarmQueries(x.queries, minute(x, { ...group(one, values), ...group(other, otherValues) }));
          expect([one, otherValues, v! > threshold]).toEqual([one, otherValues, expected]);
        }
      }
    });

    test('a minute of the group breaching is not diluted by the other group\'s healthy traffic (the larger, not the sum)', () => {
      // 15 errors in 300 requests next to 10 000 clean requests: 0.15 % of both together, 5 % of group 2.
      const v = evaluateAlarmQueries(x.queries, minute(x, { ...group(1, { requests: 10000 }), ...group(2, { requests: 300, errors: 15 }) }));
      expect(v).toBeGreaterThan(threshold);
    });
  });

  test('latency: TargetResponseTime p95 over 1 s or p99 over 2 s in either group, as latency / limit over 1, only in minutes with >= 100 requests', () => {
    const x = alarmOf(d.template, 'Latency');
    expect(x.alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    expect(Object.fromEntries(Object.entries(x.metrics).map(([id, m]) => [id, { MetricName: m.MetricName, Stat: m.Stat }]))).toEqual({
      requests1: { MetricName: 'RequestCount', Stat: 'Sum' }, p95_1: { MetricName: 'TargetResponseTime', Stat: 'p95' }, p99_1: { MetricName: 'TargetResponseTime', Stat: 'p99' },
      requests2: { MetricName: 'RequestCount', Stat: 'Sum' }, p95_2: { MetricName: 'TargetResponseTime', Stat: 'p95' }, p99_2: { MetricName: 'TargetResponseTime', Stat: 'p99' },
    });
    for (const [one, other] of [[1, 2], [2, 1]] as const) {
      const v = (slow: Record<string, number | undefined>) => evaluateAlarmQueries(x.queries, minute(x, { ...group(one, slow), ...group(other, { requests: 1000, p95_: 0.05, p99_: 0.1 }) }))!;
      // One slow request at 5 % traffic does not alarm; the same latency over enough requests does.
      expect(v({ requests: 3, p95_: 30, p99_: 30 }) > 1).toBe(false);
      expect(v({ requests: undefined, p95_: 30, p99_: 30 }) > 1).toBe(false);
      // Either percentile over its own limit alarms; both under theirs do not (p99 at 1.9 s is over p95's 1 s but under its 2 s).
      expect(v({ requests: 100, p95_: 1.5, p99_: 1.6 }) > 1).toBe(true);
      expect(v({ requests: 100, p95_: 0.5, p99_: 2.5 }) > 1).toBe(true);
      expect(v({ requests: 100, p95_: 0.9, p99_: 1.9 }) > 1).toBe(false);
      expect(v({ requests: 100, p95_: 0.5, p99_: 1.9 })).toBeCloseTo(0.95, 9);
      // A percentile without a datapoint: the other decides.
      expect(v({ requests: 100, p99_: 2.5 }) > 1).toBe(true);
      expect(v({ requests: 100, p95_: 1.5 }) > 1).toBe(true);
    }
  });

  test('unhealthy hosts: more than 0 in either group for 2 consecutive minutes, only while that group serves traffic', () => {
    const x = alarmOf(d.template, 'UnhealthyHosts');
    expect(x.alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    expect(x.metrics.unhealthy1).toMatchObject({ MetricName: 'UnHealthyHostCount', Stat: 'Maximum' });
    expect(x.metrics.unhealthy2).toMatchObject({ MetricName: 'UnHealthyHostCount', Stat: 'Maximum' });
    for (const [one, other] of [[1, 2], [2, 1]] as const) {
      const v = (over: Record<string, number | undefined>) => evaluateAlarmQueries(x.queries, minute(x, { ...group(one, over), ...group(other, { requests: 500 }) }));
      // Install/AfterInstall: green's tasks start (unhealthy until they pass their checks), no listener sends them a request,
      // while the other group serves production with every host healthy.
      expect(v({ unhealthy: 2 })).toBe(0);
      // Serving production: unhealthy hosts count. RequestCount counts the requests for which a target
      // was chosen, refused connections included [inference]; connection errors alone do not open the
      // gate (a group failing every connection fires the error-rate alarm instead).
      expect(v({ requests: 50, unhealthy: 1 })).toBe(1);
      expect(v({ requests: 1, unhealthy: 2 })).toBe(2);
      expect(v({ connerrors: 20, unhealthy: 2 })).toBe(0);
      expect(v({ requests: 50 })).toBe(0);
    }
  });

  test('every alarm treats missing data as not breaching (an idle target group must not roll back)', () => {
    for (const [id, r] of Object.entries(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm'))) {
      expect([id, r.Properties?.TreatMissingData]).toEqual([id, 'notBreaching']);
    }
  });

  test('the composite alarm fires on ALARM of any of the 3 alarms', () => {
    const composite = Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm'))[0];
    const rule = composite.Properties!.AlarmRule;
    const alarmIds = Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).sort();
    expect(referencedIds(rule)).toEqual(alarmIds);
    const text = flatten(rule);
    expect(text.match(/ALARM\(/g)).toHaveLength(3);
    expect(text.match(/ OR /g)).toHaveLength(2);
    expect(text).not.toContain(' AND ');
  });

  test('exposes the composite alarm and one alarm per check', () => {
    expect(d.stack.resolve(d.alarms.alarm.alarmArn)).toEqual({ 'Fn::GetAtt': [logicalId(d.alarms.alarm), 'Arn'] });
    expect(logicalId(d.alarms.errorRate)).toContain('ErrorRate');
    expect(logicalId(d.alarms.unhealthyHosts)).toContain('UnhealthyHosts');
    expect(d.alarms.evaluationWindow.toMinutes()).toBe(3);
  });
});

describe('RollbackAlarms additional alarms', () => {
  const own = (stack: Stack, id: string) => new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'App', metricName: id }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  test('are added to the composite alarm rule (once used) and to the deployment group alarms', () => {
    const importedArn = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:app-errors';
    const { template, alarms } = synth({}, (stack) => [own(stack, 'Own'), cloudwatch.Alarm.fromAlarmArn(stack, 'Imported', importedArn)], true);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    const rule = Object.values(resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'))[0].Properties!.AlarmRule;
    expect(referencedIds(rule)).toEqual(Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).sort());
    expect(flatten(rule)).toContain(`ALARM("${importedArn}")`);
    expect(flatten(rule).match(/ALARM\(/g)).toHaveLength(5);
    expect(alarms.alarms).toHaveLength(5);
    expect(alarms.deploymentGroupAlarms).toHaveLength(5);
    // Ours by name, the additional ones by their alarmName (a reference for the one this app creates).
    expect(alarms.alarmNames.slice(3)).toEqual([alarms.alarms[3].alarmName, alarms.alarms[4].alarmName]);
  });

  test('up to 7 additional alarms: the deployment group watches 10', () => {
    const { alarms } = synth({}, (stack) => [1, 2, 3, 4, 5, 6, 7].map((i) => own(stack, `A${i}`)));
    expect(alarms.deploymentGroupAlarms).toHaveLength(10);
  });

  test('fails when more than 7 additional alarms would exceed the deployment group\'s 10', () => {
    const { stack, tgs } = fixture();
    const extra = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => own(stack, `A${i}`));
    expect(() => new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], additionalAlarms: extra })).toThrow(
      'alarms.additionalAlarms: a deployment group watches at most 10 alarms (CloudFormation AlarmConfiguration); '
      + 'the rollback alarms take 3, so pass at most 7 additional alarms (got 8). Combine yours into fewer alarms (e.g. one metric-math alarm). '
      + '(at TestStack/Rollback)',
    );
  });
});

describe('RollbackAlarms thresholds follow the props', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({
      maxErrorRatePercent: 5,
      maxP95: Duration.millis(500),
      maxP99: Duration.seconds(3),
      maxUnhealthyHosts: 1,
      unhealthyMinutes: 4,
      breachMinutes: 3,
      evaluationMinutes: 5,
      minRequests: 20,
    }).template;
  });

  test('error rate', () => {
    const x = alarmOf(template, 'ErrorRate');
    expect(x.alarm).toMatchObject({ Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    // The gate follows minRequests: 20 requests all failing alarm, 19 do not.
    expect(evaluateAlarmQueries(x.queries, minute(x, group(2, { requests: 20, errors: 20 })))! > 5).toBe(true);
    expect(evaluateAlarmQueries(x.queries, minute(x, group(2, { requests: 19, errors: 19 })))! > 5).toBe(false);
  });

  test('latency over the limits in seconds (p95 0.5 s, p99 3 s), gated on minRequests', () => {
    const x = alarmOf(template, 'Latency');
    expect(x.alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    expect(evaluateAlarmQueries(x.queries, minute(x, group(1, { requests: 20, p95_: 0.6, p99_: 0.7 })))).toBeCloseTo(1.2, 9);
    expect(evaluateAlarmQueries(x.queries, minute(x, group(1, { requests: 20, p95_: 0.4, p99_: 3.3 })))).toBeCloseTo(1.1, 9);
    expect(evaluateAlarmQueries(x.queries, minute(x, group(1, { requests: 19, p95_: 0.6, p99_: 0.7 })))).toBe(0);
  });

  test('unhealthy hosts', () => {
    expect(alarmOf(template, 'UnhealthyHosts').alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 4, DatapointsToAlarm: 4 });
  });

  test('no alarm keeps a default threshold', () => {
    const thresholds = Object.fromEntries(Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
      .map(([id, r]) => [id.replace(/^Rollback|[0-9A-F]{8}$/g, ''), r.Properties!.Threshold]));
    // The latency alarm's threshold is 1 (latency / limit): its limits are in the expression.
    expect(thresholds).toEqual({ ErrorRate: 5, Latency: 1, UnhealthyHosts: 1 });
    const latency = alarmOf(template, 'Latency').queries.find((q) => q.Id === 'tg1').Expression;
    expect(latency).toBe('IF(FILL(requests1, 0) >= 20, IF(p95_1 / 0.5 > p99_1 / 3, p95_1 / 0.5, p99_1 / 3), 0)');
  });
});

describe('RollbackAlarms unhealthy-host window vs the health check', () => {
  function withHealthCheck(healthCheck: elbv2.HealthCheck, unhealthyMinutes?: number) {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, targetType: elbv2.TargetType.IP, healthCheck });
    const tgs: [elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup] = [tg('Tg1'), tg('Tg2')];
    alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.forward([tgs[0]]) });
    alb.addListener('Test', { port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: elbv2.ListenerAction.forward([tgs[1]]) });
    new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], unhealthyMinutes });
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('unhealthyMinutes'));
  }

  test('warns when a starting task needs as long as the window to turn healthy (30 s x 5 = 150 s >= 2 min)', () => {
    const warnings = withHealthCheck({ interval: Duration.seconds(30), healthyThresholdCount: 5 });
    // One alarm watches both groups: the same warning once, not once per target group.
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain('health check interval 30 s x healthyThresholdCount 5 = 150 s');
    expect(warnings[0].entry.data).toContain('Raise unhealthyMinutes to at least 3');
  });

  test('no warning when the window is longer (3 min) or the checks are quick (15 s x 2)', () => {
    expect(withHealthCheck({ interval: Duration.seconds(30), healthyThresholdCount: 5 }, 3)).toEqual([]);
    expect(withHealthCheck({ interval: Duration.seconds(15), healthyThresholdCount: 2 })).toEqual([]);
  });

  test('no warning without stated settings (nothing to read)', () => {
    expect(withHealthCheck({})).toEqual([]);
  });
});

describe('RollbackAlarms validation', () => {
  const fails = (props: Partial<RollbackAlarmsProps>) => {
    const { stack, tgs } = fixture();
    let error: unknown;
    try {
      new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], ...props });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanaryValidationError);
    const err = error as CanaryValidationError;
    expect(err.prop).toBe('alarms');
    expect(err.constructPath).toBe('TestStack/Rollback');
    return err.message;
  };

  test('fails when maxErrorRatePercent is 0', () => {
    expect(fails({ maxErrorRatePercent: 0 })).toBe(
      'alarms: maxErrorRatePercent must be between 0 and 100 exclusive (got 0). (at TestStack/Rollback)',
    );
  });

  test('fails when maxErrorRatePercent is 100', () => {
    expect(fails({ maxErrorRatePercent: 100 })).toContain('maxErrorRatePercent must be between 0 and 100 exclusive (got 100)');
  });

  test('fails when maxP95 exceeds maxP99', () => {
    expect(fails({ maxP95: Duration.seconds(3) })).toContain('maxP95 (3 seconds) must not exceed maxP99 (2 seconds).');
  });

  test('fails when maxUnhealthyHosts is negative or fractional', () => {
    expect(fails({ maxUnhealthyHosts: -1 })).toContain('maxUnhealthyHosts must be a whole number >= 0 (got -1).');
    expect(fails({ maxUnhealthyHosts: 0.5 })).toContain('maxUnhealthyHosts must be a whole number >= 0 (got 0.5).');
  });

  test.each(['unhealthyMinutes', 'breachMinutes', 'evaluationMinutes'] as const)('fails when %s is 0', (name) => {
    expect(fails({ [name]: 0 })).toContain(`${name} must be a whole number of minutes >= 1 (got 0).`);
  });

  test('fails when evaluationMinutes is fractional', () => {
    expect(fails({ evaluationMinutes: 2.5 })).toContain('evaluationMinutes must be a whole number of minutes >= 1 (got 2.5).');
  });

  test('fails when minRequests is 0', () => {
    expect(fails({ minRequests: 0 })).toContain('minRequests must be a whole number >= 1 (got 0).');
  });

  test('fails when breachMinutes exceeds evaluationMinutes', () => {
    expect(fails({ breachMinutes: 4, evaluationMinutes: 3 })).toContain('breachMinutes (4) must not exceed evaluationMinutes (3).');
  });
});

describe('the LoadBalancer dimension (issue 12: template bytes)', () => {
  const render = (withLoadBalancer: boolean) => {
    const { stack, tgs } = fixture();
    const alb = stack.node.findChild('Alb') as elbv2.ApplicationLoadBalancer;
    new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], loadBalancer: withLoadBalancer ? alb : undefined });
    return { albId: logicalId(alb), alarms: Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::CloudWatch::Alarm')) };
  };
  const queries = (alarms: ReturnType<typeof render>['alarms']) => alarms.flatMap((a) => a.Properties!.Metrics as any[]);

  test('with the load balancer given (one of this app): its LoadBalancerFullName attribute in every metric', () => {
    const { albId, alarms } = render(true);
    const stats = queries(alarms).filter((q) => q.MetricStat);
    expect(stats.length).toBe(8 + 6 + 4);
    for (const q of stats) expect(q.MetricStat.Metric.Dimensions[0]).toEqual({ Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [albId, 'LoadBalancerFullName'] } });
  });

  test('without it: parsed from the first listener\'s ARN as before; expressions, metrics and timing are the same either way', () => {
    const parsed = render(false);
    const named = render(true);
    for (const q of queries(parsed.alarms).filter((x) => x.MetricStat)) expect(JSON.stringify(q.MetricStat.Metric.Dimensions[0].Value)).toContain('Fn::Split');
    const shape = (alarms: typeof parsed.alarms) => alarms.map((a) => ({
      ...a.Properties,
      Metrics: (a.Properties!.Metrics as any[]).map((q) => (q.MetricStat
        ? { ...q, MetricStat: { ...q.MetricStat, Metric: { ...q.MetricStat.Metric, Dimensions: q.MetricStat.Metric.Dimensions.slice(1) } } }
        : q)),
    }));
    expect(shape(named.alarms)).toEqual(shape(parsed.alarms));
    // No labels: the expression is the alarm's definition, and 30 services share one template.
    for (const q of queries(named.alarms)) expect(q.Label).toBeUndefined();
  });
});

describe('the targets\' protocol (issue 12: template bytes)', () => {
  const errorRateMetrics = (template: Template) => Object.values(alarmOf(template, 'ErrorRate').metrics).map((m) => m.MetricName).sort();
  const withoutTls = ['HTTPCode_Target_5XX_Count', 'HTTPCode_Target_5XX_Count', 'RequestCount', 'RequestCount', 'TargetConnectionErrorCount', 'TargetConnectionErrorCount'];

  test('HTTP target groups this app creates: the error-rate alarm leaves TLS negotiation errors out, and is otherwise the same', () => {
    const { stack, tgs } = fixture(elbv2.ApplicationProtocol.HTTP);
    new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1] });
    const template = Template.fromStack(stack);
    expect(errorRateMetrics(template)).toEqual(withoutTls);
    const x = alarmOf(template, 'ErrorRate');
    for (const q of x.queries) expect(q.Expression ?? '').not.toContain('tlserrors');
    // The same verdicts as with HTTPS targets when there are no TLS errors (HTTP targets have none).
    const https = alarmOf(synth().template, 'ErrorRate');
    for (const v of [{ requests: 300, errors: 15 }, { requests: 500, errors: 5 }, { connerrors: 200 }, { requests: 40, connerrors: 80 }]) {
      expect(evaluateAlarmQueries(x.queries, minute(x, group(2, v)))).toBeCloseTo(evaluateAlarmQueries(https.queries, minute(https, group(2, v)))!, 12);
    }
  });

  test('imported target groups: TLS errors counted unless targetProtocol says HTTP', () => {
    const render = (targetProtocol?: elbv2.ApplicationProtocol) => {
      const stack = newStack();
      const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
        targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`,
        loadBalancerArns: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shared/50dc6c495c0c9188',
      });
      new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tg('blue'), greenTargetGroup: tg('green'), targetProtocol });
      return Template.fromStack(stack);
    };
    expect(errorRateMetrics(render())).toContain('TargetTLSNegotiationErrorCount');
    expect(errorRateMetrics(render(elbv2.ApplicationProtocol.HTTPS))).toContain('TargetTLSNegotiationErrorCount');
    expect(errorRateMetrics(render(elbv2.ApplicationProtocol.HTTP))).toEqual(withoutTls);
  });

  test('a targetProtocol that contradicts the target groups this app creates is refused, naming the prop', () => {
    const { stack, tgs } = fixture(elbv2.ApplicationProtocol.HTTPS);
    expect(() => new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], targetProtocol: elbv2.ApplicationProtocol.HTTP }))
      .toThrow('targetProtocol: is HTTP, but the target groups this app creates use HTTPS: remove targetProtocol or set it to HTTPS. (at TestStack/Rollback)');
  });
});
