import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryValidationError, RollbackAlarms, RollbackAlarmsProps } from '../../lib';
import { newStack } from '../helpers/fixtures';
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

function synth(props: Partial<RollbackAlarmsProps> = {}, extra?: (stack: Stack) => cloudwatch.IAlarm[]) {
  const { stack, tgs } = fixture();
  const additionalAlarms = extra ? extra(stack) : props.additionalAlarms;
  const alarms = new RollbackAlarms(stack, 'Rollback', { targetGroups: tgs, ...props, additionalAlarms });
  return { stack, tgs, alarms, template: Template.fromStack(stack) };
}

/** Both dimensions of a per-target-group ALB metric (CDK renders them sorted by name). */
const tgDimensions = (tgId: string) => [
  { Name: 'LoadBalancer', Value: Match.anyValue() },
  { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [tgId, 'TargetGroupFullName'] } },
];

describe('RollbackAlarms with defaults', () => {
  let d: ReturnType<typeof synth>;
  let tgIds: string[];
  beforeAll(() => {
    d = synth();
    tgIds = d.tgs.map(logicalId);
  });

  test('creates 8 metric alarms (4 per target group) and one composite alarm', () => {
    d.template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(d.alarms.targetGroupAlarms).toHaveLength(2);
    expect(d.alarms.alarms).toHaveLength(8);
  });

  test.each([0, 1])('error rate of target group %#: 100 * FILL(errors, 0) / requests, > 1 %, 2 of 3 minutes', (i) => {
    d.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * FILL(errors, 0) / requests', ReturnData: true }),
        Match.objectLike({
          Id: 'errors',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: tgDimensions(tgIds[i]) },
            Period: 60,
            Stat: 'Sum',
          },
        }),
        Match.objectLike({
          Id: 'requests',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: tgDimensions(tgIds[i]) },
            Period: 60,
            Stat: 'Sum',
          },
        }),
      ]),
    });
  });

  test.each([
    ['p95', 1],
    ['p99', 2],
  ])('%s TargetResponseTime alarm per target group, threshold %d s', (stat, seconds) => {
    for (const tgId of tgIds) {
      d.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: stat,
        Period: 60,
        Dimensions: tgDimensions(tgId),
        Threshold: seconds,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('unhealthy hosts: more than 0 for 2 consecutive minutes, per target group', () => {
    for (const tgId of tgIds) {
      d.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'UnHealthyHostCount',
        Statistic: 'Maximum',
        Period: 60,
        Dimensions: tgDimensions(tgId),
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('every alarm treats missing data as not breaching (an idle target group must not roll back)', () => {
    for (const [id, r] of Object.entries(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm'))) {
      expect([id, r.Properties?.TreatMissingData]).toEqual([id, 'notBreaching']);
    }
  });

  test('the composite alarm fires on ALARM of any of the 8 alarms', () => {
    const composite = Object.values(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm'))[0];
    const rule = composite.Properties!.AlarmRule;
    const alarmIds = Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).sort();
    expect(referencedIds(rule)).toEqual(alarmIds);
    const text = flatten(rule);
    expect(text.match(/ALARM\(/g)).toHaveLength(8);
    expect(text.match(/ OR /g)).toHaveLength(7);
    expect(text).not.toContain(' AND ');
  });

  test('exposes the composite alarm and the per-target-group alarms', () => {
    expect(d.stack.resolve(d.alarms.alarm.alarmArn)).toEqual({ 'Fn::GetAtt': [logicalId(d.alarms.alarm), 'Arn'] });
    expect(d.alarms.targetGroupAlarms.map((t) => t.targetGroup)).toEqual(d.tgs);
    expect(d.alarms.evaluationWindow.toMinutes()).toBe(3);
  });
});

describe('RollbackAlarms additional alarms', () => {
  test('are added to the composite alarm rule', () => {
    const importedArn = 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:app-errors';
    const { template, alarms } = synth({}, (stack) => [
      new cloudwatch.Alarm(stack, 'Own', {
        metric: new cloudwatch.Metric({ namespace: 'App', metricName: 'Errors' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      cloudwatch.Alarm.fromAlarmArn(stack, 'Imported', importedArn),
    ]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    const rule = Object.values(resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'))[0].Properties!.AlarmRule;
    expect(referencedIds(rule)).toEqual(Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).sort());
    expect(flatten(rule)).toContain(`ALARM("${importedArn}")`);
    expect(flatten(rule).match(/ALARM\(/g)).toHaveLength(10);
    expect(alarms.alarms).toHaveLength(10);
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
    }).template;
  });

  test('error rate', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 3,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * FILL(errors, 0) / requests' })]),
    });
  });

  test('latency in seconds', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p95', Threshold: 0.5, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99', Threshold: 3, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });

  test('unhealthy hosts', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount', Threshold: 1, EvaluationPeriods: 4, DatapointsToAlarm: 4 });
  });

  test('no alarm keeps a default threshold', () => {
    const thresholds = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((r) => r.Properties!.Threshold);
    expect(thresholds.sort()).toEqual([0.5, 0.5, 1, 1, 3, 3, 5, 5]);
  });
});

describe('RollbackAlarms validation', () => {
  const fails = (props: Partial<RollbackAlarmsProps>) => {
    const { stack, tgs } = fixture();
    let error: unknown;
    try {
      new RollbackAlarms(stack, 'Rollback', { targetGroups: tgs, ...props });
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

  test('fails when breachMinutes exceeds evaluationMinutes', () => {
    expect(fails({ breachMinutes: 4, evaluationMinutes: 3 })).toContain('breachMinutes (4) must not exceed evaluationMinutes (3).');
  });
});
