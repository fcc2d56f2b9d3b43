/**
 * The alarms CodeDeploy watches: the metric alarms themselves on the deployment group (CodeDeploy
 * documents alarms on a single metric; a composite may not be read), at most 10 with the user's
 * own, and the same list in the runtime configuration the BeforeInstall preflight reads.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CanaryDeployment, CanaryDeploymentProps } from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';
import { buildExistingService, buildNetwork, ExistingService, newStack, deploymentPropsFor } from '../helpers/fixtures';
import { flatten, logicalId, parseJoinedJson, policyStatements, resourcesOfType } from '../helpers/template';

/** With `useRollbackAlarm`, the user reads `rollbackAlarm` (creating the composite) before synth. */
function build(extra: (stack: Stack) => Partial<CanaryDeploymentProps> = () => ({}), useRollbackAlarm = false) {
  const stack = newStack();
  const svc: ExistingService = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  const canary = new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, extra(stack)));
  if (useRollbackAlarm) expect(canary.rollbackAlarm).toBeDefined();
  return { stack, canary, template: Template.fromStack(stack) };
}

const ownAlarm = (stack: Stack, id: string) => new cloudwatch.Alarm(stack, id, {
  metric: new cloudwatch.Metric({ namespace: 'App', metricName: id }),
  threshold: 1,
  evaluationPeriods: 1,
});

function alarmConfiguration(template: Template): { Enabled: boolean; IgnorePollAlarmFailure: boolean; Alarms: { Name: unknown }[] } {
  const groups = Object.values(resourcesOfType(template, 'AWS::CodeDeploy::DeploymentGroup'));
  expect(groups).toHaveLength(1);
  return groups[0].Properties!.AlarmConfiguration;
}

describe('the deployment group watches the metric alarms', () => {
  let d: ReturnType<typeof build>;
  beforeAll(() => {
    d = build(undefined, true);
  });

  test('the 3 metric alarms (one per check over both target groups), never the composite (even once it exists)', () => {
    const config = alarmConfiguration(d.template);
    expect(config.Enabled).toBe(true);
    expect(config.IgnorePollAlarmFailure).toBe(false);
    // The service's own alarms (the stack's shared hooks add a dead-letter alarm of their own).
    const metricAlarmIds = Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::Alarm')).filter((id) => !id.startsWith('CdkEcsCanaryHooks')).sort();
    expect(metricAlarmIds).toHaveLength(3);
    expect(config.Alarms.map((a) => (a.Name as { Ref: string }).Ref).sort()).toEqual(metricAlarmIds);
    const compositeId = Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm'))[0];
    expect(compositeId).toBeDefined();
    expect(JSON.stringify(config)).not.toContain(compositeId);
  });

  test('once rollbackAlarm is used, the composite exists for dashboards and notifications', () => {
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(d.canary.rollbackAlarm).toBe(d.canary.rollbackAlarms.alarm);
    expect(d.stack.resolve(d.canary.rollbackAlarm.alarmArn)).toEqual({
      'Fn::GetAtt': [Object.keys(resourcesOfType(d.template, 'AWS::CloudWatch::CompositeAlarm'))[0], 'Arn'],
    });
  });

  test('no composite alarm when nobody uses rollbackAlarm; the deployment group watches the same 3 alarms', () => {
    const unused = build();
    unused.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(alarmConfiguration(unused.template).Alarms).toHaveLength(3);
  });

  test('the preflight reads every alarm the deployment group watches (runtime config alarmNames)', () => {
    const param = Object.values(resourcesOfType(d.template, 'AWS::SSM::Parameter'))[0];
    const config = parseJoinedJson(param.Properties!.Value);
    // The watched alarms' names (a Ref of an alarm is its name), written as the strings they are.
    const alarms = resourcesOfType(d.template, 'AWS::CloudWatch::Alarm');
    const watched = alarmConfiguration(d.template).Alarms.map((a) => alarms[(a.Name as { Ref: string }).Ref].Properties!.AlarmName);
    // Exactly the watched metric alarms: the composite is "any of them" and not read.
    expect(config.alarmNames).toEqual(watched);
    expect(watched).toHaveLength(3);
  });

  test('the request gate of the alarms is analysis.minRequests', () => {
    const custom = build(() => ({ analysis: { minRequests: 40 } }));
    const expressions = Object.values(resourcesOfType(custom.template, 'AWS::CloudWatch::Alarm'))
      .flatMap((r) => ((r.Properties!.Metrics ?? []) as { Expression?: string }[]).map((m) => m.Expression).filter((e): e is string => !!e));
    // The error-rate and the latency alarms gate on 40 requests, in each target group's expression.
    expect(expressions.filter((e) => e.includes('>= 40,'))).toHaveLength(4);
    expect(expressions.some((e) => e.includes('>= 100,'))).toBe(false);
  });
});

describe('user alarms', () => {
  test('up to 7 more are watched by the deployment group too (10 in all)', () => {
    const d = build((stack) => ({ alarms: { additionalAlarms: [1, 2, 3, 4, 5, 6, 7].map((i) => ownAlarm(stack, `Own${i}`)) } }));
    const names = alarmConfiguration(d.template).Alarms.map((a) => (a.Name as { Ref: string }).Ref);
    expect(names).toHaveLength(10);
    expect(names).toContain(logicalId(d.stack.node.findChild('Own1')));
    expect(names).toContain(logicalId(d.stack.node.findChild('Own7')));
  });

  test('the preflight may read them one by one (their names are not under the stack\'s prefix), besides the prefix pattern', () => {
    const d = build((stack) => ({ alarms: { additionalAlarms: [ownAlarm(stack, 'Own1'), ownAlarm(stack, 'Own2')] } }));
    const read = policyStatements(d.template).filter((s) => s.actions.includes('cloudwatch:DescribeAlarms'));
    expect(read.flatMap((s) => s.resources).map(flatten).sort()).toEqual([
      'arn:<<Ref:AWS::Partition>>:cloudwatch:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:alarm:TestStack-canary-*',
      `<<GetAtt:${logicalId(d.stack.node.findChild('Own1'))}.Arn>>`,
      `<<GetAtt:${logicalId(d.stack.node.findChild('Own2'))}.Arn>>`,
    ].sort());
    const config = parseJoinedJson(Object.values(resourcesOfType(d.template, 'AWS::SSM::Parameter'))[0].Properties!.Value);
    expect(config.alarmNames).toHaveLength(5);
    expect(config.alarmNames).toContain(`<<Ref:${logicalId(d.stack.node.findChild('Own1'))}>>`);
  });

  test('fails when the user alarms would make more than 10', () => {
    let error: unknown;
    try {
      build((stack) => ({ alarms: { additionalAlarms: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ownAlarm(stack, `Own${i}`)) } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanaryValidationError);
    expect((error as CanaryValidationError).prop).toBe('alarms.additionalAlarms');
    expect((error as Error).message).toContain('a deployment group watches at most 10 alarms');
    expect((error as Error).message).toContain('pass at most 7 additional alarms (got 8)');
  });
});
