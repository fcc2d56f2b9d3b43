/** `canary abort` restores the blue BeforeInstall recorded, and moves a rule-routed service's rule. */
import { DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { abort } from '../../src/cli/abort';
import { deployment, eventsUpTo, FakeCliAws, LISTENER, mocks, T0, TG_A, TG_B } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  aws.deployments = [deployment('d-CUR', 'InProgress', 12, 7)];
  aws.events['d-CUR'] = eventsUpTo('AfterAllowTraffic', new Date(T0 - 600_000));
});

const stable = (blue: string) => ({ blueTargetGroupArn: blue, greenTargetGroupArn: blue === TG_A ? TG_B : TG_A, productionListenerArn: LISTENER, at: new Date(T0).toISOString() });

test('the BeforeInstall record wins over the stepper state and a PRIMARY that already moved', async () => {
  aws.putItem('d-CUR', 'stable', 'stable', stable(TG_B));
  aws.state('d-CUR', { colors: { blueTargetGroupArn: TG_A, greenTargetGroupArn: TG_B } });
  aws.primaryTargetGroup = TG_A;
  aws.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

  expect(await abort(aws.context(), { service: 'api-service' })).toBe(0);

  expect(aws.log[0]).toBe('ModifyListener A=0 B=100');
  expect(aws.out.lines[1]).toBe('1. production listener: blue api-tg-b 100 %, green api-tg-a 0 % (was green 100 %; colors from the BeforeInstall record)');
});

test('a service routed by a listener rule: its rule goes back to blue, the default action is not touched', async () => {
  aws.putItem('d-CUR', 'stable', 'stable', stable(TG_B));
  const ruleArn = `${LISTENER.replace(':listener/', ':listener-rule/')}/0000000000000010`;
  mocks.elbv2.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }] });
  mocks.elbv2.on(DescribeRulesCommand).resolves({
    Rules: [{ RuleArn: ruleArn, Priority: '10', Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }] } }] }],
  });
  mocks.elbv2.on(ModifyRuleCommand).resolves({});

  expect(await abort(aws.context(), { service: 'api-service' })).toBe(0);

  expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
    RuleArn: ruleArn,
    Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }] } }],
  });
  expect(mocks.elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  expect(aws.out.lines[1]).toContain('(was green 25 %; colors from the BeforeInstall record)');
});
