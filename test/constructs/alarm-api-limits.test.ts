/**
 * Every alarm this library synthesizes is one CloudWatch's PutMetricAlarm accepts, checked against
 * the limits AWS documents (CloudWatch API Reference, PutMetricAlarm and MetricDataQuery; CloudWatch
 * User Guide, "Limits that apply to alarms based on metric math expressions"), not against a fake:
 * - AlarmName 1-255 characters, AlarmDescription at most 1024;
 * - Metrics: at most 20 MetricDataQuery structures, at most 10 with MetricStat and at most 10 with
 *   Expression, each exactly one of the two, exactly one with ReturnData true (an expression);
 * - Id: unique, letters, digits and underscore, first character a lower-case letter, at most 255;
 * - Expression at most 2048 characters, and every name it uses is the Id of another query;
 * - DatapointsToAlarm at most EvaluationPeriods; EvaluationPeriods x Period at most one day.
 * CloudFormation would otherwise fail the stack on create, twenty minutes into a deploy.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { fargateServices, importedServices } from '../../bench/scale';
import { CanaryDeployment } from '../../lib';
import { stackWithService, deploymentPropsFor } from '../helpers/fixtures';

type Alarm = Record<string, any>;

/** What PutMetricAlarm would refuse in this alarm's properties; empty when it would accept it. */
export function putMetricAlarmProblems(p: Alarm): string[] {
  const problems: string[] = [];
  const name = typeof p.AlarmName === 'string' ? p.AlarmName : undefined;
  if (name !== undefined && (name.length < 1 || name.length > 255)) problems.push(`AlarmName has ${name.length} characters (1-255)`);
  if (typeof p.AlarmDescription === 'string' && p.AlarmDescription.length > 1024) problems.push(`AlarmDescription has ${p.AlarmDescription.length} characters (max 1024)`);
  if (p.DatapointsToAlarm !== undefined && p.DatapointsToAlarm > p.EvaluationPeriods) problems.push('DatapointsToAlarm exceeds EvaluationPeriods');
  const queries = p.Metrics as Alarm[] | undefined;
  if (queries === undefined) {
    if (p.Period !== undefined && p.Period * p.EvaluationPeriods > 86_400) problems.push('EvaluationPeriods x Period exceeds one day');
    return problems;
  }
  if (queries.length > 20) problems.push(`${queries.length} MetricDataQuery structures (max 20)`);
  const stats = queries.filter((q) => q.MetricStat !== undefined);
  const expressions = queries.filter((q) => q.Expression !== undefined);
  if (stats.length > 10) problems.push(`${stats.length} MetricStat queries (max 10)`);
  if (expressions.length > 10) problems.push(`${expressions.length} Expression queries (max 10)`);
  for (const q of queries) {
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) problems.push(`${q.Id}: needs exactly one of MetricStat and Expression`);
    if (typeof q.Id !== 'string' || !/^[a-z][A-Za-z0-9_]{0,254}$/.test(q.Id)) problems.push(`Id ${JSON.stringify(q.Id)} is not a lower-case letter then letters, digits or _ (max 255)`);
  }
  const ids = queries.map((q) => q.Id as string);
  if (new Set(ids).size !== ids.length) problems.push(`Ids are not unique: ${ids.join(', ')}`);
  const returned = queries.filter((q) => q.ReturnData === true);
  if (returned.length !== 1 || returned[0].Expression === undefined) problems.push(`${returned.length} queries return data; exactly one expression must`);
  for (const q of expressions) {
    if (typeof q.Expression !== 'string') { problems.push(`${q.Id}: Expression is not a literal string`); continue; }
    if (q.Expression.length > 2048) problems.push(`${q.Id}: Expression has ${q.Expression.length} characters (max 2048)`);
    // Names in the expression: identifiers that are not function names (followed by "(").
    for (const m of q.Expression.matchAll(/\b([a-z][A-Za-z0-9_]*)\b(?!\s*\()/g)) {
      if (!ids.includes(m[1]) || m[1] === q.Id) problems.push(`${q.Id}: uses ${m[1]}, which is not the Id of another query`);
    }
  }
  for (const q of stats) {
    if (q.MetricStat.Period * p.EvaluationPeriods > 86_400) problems.push(`${q.Id}: EvaluationPeriods x Period exceeds one day`);
  }
  return problems;
}

function alarmsOf(build: (stack: Stack) => void, stackName?: string): Array<[string, Alarm]> {
  const app = new App();
  const stack = new Stack(app, 'Limits', { stackName, env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Properties: Alarm }> };
  return Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id, r]) => [id, r.Properties]);
}

describe('every synthesized alarm is one PutMetricAlarm accepts', () => {
  // CloudFormation stack names take up to 128 characters: the longest the alarm names can start with.
  const longestStackName = `Checkout${'-Service'.repeat(15)}`;
  const cases: Array<[string, (stack: Stack) => void, string | undefined]> = [
    ['imported services, targets\' protocol unstated (TLS errors watched: the most metrics)', importedServices(2), undefined],
    ['imported services on HTTP targets', importedServices(2, { targetProtocol: elbv2.ApplicationProtocol.HTTP }), undefined],
    ['CanaryFargateServices, one with its own load balancer each', fargateServices(2, { ownLoadBalancers: true }), undefined],
    ['a CanaryDeployment with a long construct id in a stack with a 128-character name', (stack) => {
      const { svc } = stackWithService(stack);
      new CanaryDeployment(stack, 'AVeryLongConstructIdThatAUserMightWellChooseForTheirCheckoutServiceCanaryInTheEuropeanRegionsOfTheirAccount', deploymentPropsFor(svc));
    }, longestStackName],
  ];

  test.each(cases)('%s', (_, build, stackName) => {
    const alarms = alarmsOf(build, stackName);
    expect(alarms.filter(([, p]) => p.Metrics !== undefined).length).toBeGreaterThanOrEqual(3);
    if (stackName) expect(alarms.filter(([, p]) => typeof p.AlarmName === 'string' && p.AlarmName.startsWith(stackName)).length).toBeGreaterThanOrEqual(3);
    expect(Object.fromEntries(alarms.map(([id, p]) => [id, putMetricAlarmProblems(p)])))
      .toEqual(Object.fromEntries(alarms.map(([id]) => [id, []])));
  });

  // The checker itself: each limit it claims to check, broken once.
  const good = (): Alarm => ({
    AlarmName: 'svc-ErrorRate', EvaluationPeriods: 3, DatapointsToAlarm: 2,
    Metrics: [
      { Id: 'expr_1', Expression: 'IF(tg1 > 0, tg1, 0)', ReturnData: true },
      { Id: 'tg1', Expression: 'FILL(requests1, 0)', ReturnData: false },
      { Id: 'requests1', MetricStat: { Metric: { MetricName: 'RequestCount' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
    ],
  });
  const stat = (id: string) => ({ Id: id, MetricStat: { Metric: { MetricName: 'RequestCount' }, Period: 60, Stat: 'Sum' }, ReturnData: false });
  test.each<[string, (a: Alarm) => void, string]>([
    ['11 metrics', (a) => a.Metrics.push(...Array.from({ length: 10 }, (_, i) => stat(`m${i}`))), '11 MetricStat queries'],
    ['11 expressions', (a) => a.Metrics.push(...Array.from({ length: 9 }, (_, i) => ({ Id: `e${i}`, Expression: 'tg1', ReturnData: false }))), '11 Expression queries'],
    ['an upper-case Id', (a) => { a.Metrics[2].Id = 'Requests1'; a.Metrics[1].Expression = 'FILL(Requests1, 0)'; }, 'Id "Requests1"'],
    ['a name no query has', (a) => { a.Metrics[1].Expression = 'FILL(requests2, 0)'; }, 'uses requests2'],
    ['two queries returning data', (a) => { a.Metrics[1].ReturnData = true; }, '2 queries return data'],
    ['a 2049-character expression', (a) => { a.Metrics[1].Expression = `FILL(requests1, 0)${' + 0'.repeat(508)}0`; }, 'Expression has 2051 characters'],
    ['a 256-character name', (a) => { a.AlarmName = 'x'.repeat(256); }, 'AlarmName has 256 characters'],
    ['more datapoints than periods', (a) => { a.DatapointsToAlarm = 4; }, 'DatapointsToAlarm exceeds'],
  ])('the check finds %s', (_, breakIt, expected) => {
    expect(putMetricAlarmProblems(good())).toEqual([]);
    const alarm = good();
    breakIt(alarm);
    expect(putMetricAlarmProblems(alarm).join('\n')).toContain(expected);
  });
});
