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

/** Two target groups attached to an ALB (their metrics need the load balancer dimension). */
function fixture(): Fixture {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  const tg = (id: string) => new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, targetType: elbv2.TargetType.IP });
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

type Kind = 'ErrorRate' | 'P95Latency' | 'P99Latency' | 'UnhealthyHosts';

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

  test('no composite alarm until `alarm` is used; the 4 metric alarms regardless', () => {
    const unused = synth();
    unused.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    unused.template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(unused.alarms.deploymentGroupAlarms).toHaveLength(4);
  });

  test('every alarm is named <stack>-canary-<unique>-<what> (RollbackAlarms.namePrefix), uniquely', () => {
    expect(RollbackAlarms.namePrefix(d.alarms)).toBe('TestStack-canary-');
    const names = [
      ...Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!.AlarmName),
      ...Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm')).map((a) => a.Properties!.AlarmName),
    ];
    expect(names).toHaveLength(5);
    for (const name of names) {
      expect(name).toMatch(/^TestStack-canary-\S+-(ErrorRate|P95Latency|P99Latency|UnhealthyHosts|Any)$/);
      expect(name.length).toBeLessThanOrEqual(255);
    }
    expect(new Set(names).size).toBe(5);
  });

  test('creates 4 metric alarms, one per check over both target groups, and, once `alarm` is used, one composite alarm', () => {
    d.template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(d.alarms.alarms).toEqual([d.alarms.errorRate, d.alarms.p95Latency, d.alarms.p99Latency, d.alarms.unhealthyHosts]);
    expect(d.alarms.deploymentGroupAlarms).toHaveLength(4);
    expect(d.alarms.deploymentGroupAlarms).not.toContain(d.alarms.alarm);
  });

  test.each(['ErrorRate', 'P95Latency', 'P99Latency', 'UnhealthyHosts'] as const)(
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

  test.each([
    ['P95Latency', 'p95', 1],
    ['P99Latency', 'p99', 2],
  ] as const)('%s: TargetResponseTime %s of either group, threshold %d s, only in minutes with >= 100 requests', (kind, stat, seconds) => {
    const x = alarmOf(d.template, kind);
    expect(x.alarm).toMatchObject({ Threshold: seconds, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    expect(Object.fromEntries(Object.entries(x.metrics).map(([id, m]) => [id, { MetricName: m.MetricName, Stat: m.Stat }]))).toEqual({
      requests1: { MetricName: 'RequestCount', Stat: 'Sum' }, latency1: { MetricName: 'TargetResponseTime', Stat: stat },
      requests2: { MetricName: 'RequestCount', Stat: 'Sum' }, latency2: { MetricName: 'TargetResponseTime', Stat: stat },
    });
    for (const [one, other] of [[1, 2], [2, 1]] as const) {
      const v = (slow: Record<string, number | undefined>) => evaluateAlarmQueries(x.queries, minute(x, { ...group(one, slow), ...group(other, { requests: 1000, latency: 0.05 }) }))!;
      // One slow request at 5 % traffic does not alarm; the same latency over enough requests does.
      expect(v({ requests: 3, latency: 30 }) > seconds).toBe(false);
      expect(v({ requests: undefined, latency: 30 }) > seconds).toBe(false);
      expect(v({ requests: 100, latency: seconds + 0.5 }) > seconds).toBe(true);
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
      // Serving production (or a crash that only shows connection errors): unhealthy hosts count.
      expect(v({ requests: 50, unhealthy: 1 })).toBe(1);
      expect(v({ connerrors: 20, unhealthy: 2 })).toBe(2);
      expect(v({ requests: 50 })).toBe(0);
    }
  });

  test('every alarm treats missing data as not breaching (an idle target group must not roll back)', () => {
    for (const [id, r] of Object.entries(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm'))) {
      expect([id, r.Properties?.TreatMissingData]).toEqual([id, 'notBreaching']);
    }
  });

  test('the composite alarm fires on ALARM of any of the 4 alarms', () => {
    const composite = Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm'))[0];
    const rule = composite.Properties!.AlarmRule;
    const alarmIds = Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).sort();
    expect(referencedIds(rule)).toEqual(alarmIds);
    const text = flatten(rule);
    expect(text.match(/ALARM\(/g)).toHaveLength(4);
    expect(text.match(/ OR /g)).toHaveLength(3);
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const rule = Object.values(resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'))[0].Properties!.AlarmRule;
    expect(referencedIds(rule)).toEqual(Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).sort());
    expect(flatten(rule)).toContain(`ALARM("${importedArn}")`);
    expect(flatten(rule).match(/ALARM\(/g)).toHaveLength(6);
    expect(alarms.alarms).toHaveLength(6);
    expect(alarms.deploymentGroupAlarms).toHaveLength(6);
  });

  test('up to 6 additional alarms: the deployment group watches 10', () => {
    const { alarms } = synth({}, (stack) => [1, 2, 3, 4, 5, 6].map((i) => own(stack, `A${i}`)));
    expect(alarms.deploymentGroupAlarms).toHaveLength(10);
  });

  test('fails when more than 6 additional alarms would exceed the deployment group\'s 10', () => {
    const { stack, tgs } = fixture();
    const extra = [1, 2, 3, 4, 5, 6, 7].map((i) => own(stack, `A${i}`));
    expect(() => new RollbackAlarms(stack, 'Rollback', { blueTargetGroup: tgs[0], greenTargetGroup: tgs[1], additionalAlarms: extra })).toThrow(
      'alarms.additionalAlarms: a deployment group watches at most 10 alarms (CloudFormation AlarmConfiguration); '
      + 'the rollback alarms take 4, so pass at most 6 additional alarms (got 7). Combine yours into fewer alarms (e.g. one metric-math alarm). '
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

  test('latency in seconds, gated on minRequests', () => {
    const p95 = alarmOf(template, 'P95Latency');
    expect(p95.alarm).toMatchObject({ Threshold: 0.5, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    expect(evaluateAlarmQueries(p95.queries, minute(p95, group(1, { requests: 20, latency: 0.6 })))).toBe(0.6);
    expect(evaluateAlarmQueries(p95.queries, minute(p95, group(1, { requests: 19, latency: 0.6 })))).toBe(0);
    expect(alarmOf(template, 'P99Latency').alarm).toMatchObject({ Threshold: 3, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });

  test('unhealthy hosts', () => {
    expect(alarmOf(template, 'UnhealthyHosts').alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 4, DatapointsToAlarm: 4 });
  });

  test('no alarm keeps a default threshold', () => {
    const thresholds = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((r) => r.Properties!.Threshold);
    expect(thresholds.sort()).toEqual([0.5, 1, 3, 5]);
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
    expect(stats.length).toBe(24);
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
