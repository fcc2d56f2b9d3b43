import { decisionKey } from '../../lambda/shared/records';
import { runCli } from '../../src/cli/program';
import { stageOf, StatusReport } from '../../src/cli/status';
import { deployment, eventsUpTo, FakeCliAws, T0, TG_A, TG_B } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  // Listed oldest first on purpose: the CLI sorts by createTime.
  aws.deployments = [deployment('d-OLD', 'Succeeded', 120, 6), deployment('d-CUR', 'InProgress', 12, 7)];
  aws.events['d-CUR'] = eventsUpTo('BeforeAllowTraffic', new Date(T0 - 600_000));
});

function verdictDoc() {
  return {
    phase: 'step',
    step: 1,
    percent: 25,
    verdict: {
      outcome: 'pass',
      reason: 'all checks passed',
      checks: [
        { check: 'min-requests', outcome: 'pass', observed: 900, limit: 100, detail: 'min-requests 900 >= 100 (pass)' },
        { check: 'error-rate', outcome: 'pass', observed: 0.1, limit: 1, detail: 'error-rate 0.10 % <= 1 % (pass)' },
      ],
    },
    action: 'wait',
    extensions: 0,
    at: new Date(T0 - 20_000).toISOString(),
  };
}

describe('status --json', () => {
  test('reports the deployment in flight, its lifecycle, the running step with the bake left, the weights and the last verdict', async () => {
    aws.state('d-CUR');
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 80_000), 6), 'decision', { ...verdictDoc(), verdict: { outcome: 'inconclusive', reason: 'older', checks: [] } }, 'inconclusive');
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 20_000), 7), 'decision', verdictDoc(), 'pass');

    const code = await runCli(['status', '--json', '--service', 'api-service'], aws.deps());

    expect(code).toBe(0);
    const report = JSON.parse(aws.out.text) as StatusReport;
    expect(report.service).toEqual({ name: 'api-service', cluster: 'api-cluster', application: 'api-app', deploymentGroup: 'api-dg', parameter: '/cdk-ecs-canary/api-app/api-dg' });
    expect(report.deployment).toMatchObject({ id: 'd-CUR', status: 'InProgress', stage: 'stepper', taskDefinition: expect.stringContaining('api:7'), terminationWaitStarted: false });
    expect(report.deployment.lifecycleEvents.map((e) => `${e.name}:${e.status}`)).toEqual([
      'BeforeInstall:Succeeded', 'Install:Succeeded', 'AfterInstall:Succeeded', 'AllowTestTraffic:Succeeded', 'AfterAllowTestTraffic:Succeeded',
      'BeforeAllowTraffic:InProgress', 'AllowTraffic:Pending', 'AfterAllowTraffic:Pending',
    ]);
    // Step 2 of 3 (two in-hook steps, then CodeDeploy's): 10 min bake started 230 s ago, final
    // verdict a settle minute after the bake.
    expect(report.step).toEqual({
      phase: 'in-hook step', runner: 'stepper', index: 2, of: 3, percent: 25,
      startedAt: new Date(T0 - 230_000).toISOString(), endsAt: new Date(T0 + 430_000).toISOString(),
      secondsLeft: 430, bakeSeconds: 600, settleSeconds: 60, extensions: 0,
    });
    expect(report.traffic).toMatchObject({ greenTargetGroupArn: TG_A, blueTargetGroupArn: TG_B, greenPercent: 25, bluePercent: 75, colorsFrom: 'stepper-state' });
    expect(report.lastVerdict).toEqual({
      at: new Date(T0 - 20_000).toISOString(), phase: 'step', step: 2, percent: 25, outcome: 'pass', reason: 'all checks passed', action: 'wait',
      checks: [
        { check: 'min-requests', outcome: 'pass', detail: 'min-requests 900 >= 100 (pass)' },
        { check: 'error-rate', outcome: 'pass', detail: 'error-rate 0.10 % <= 1 % (pass)' },
      ],
    });
    expect(report.notes).toEqual([]);
  });

  test('the text form names the step, the time left, the weights and every check line', async () => {
    aws.state('d-CUR');
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 20_000), 7), 'decision', verdictDoc(), 'pass');

    expect(await runCli(['status'], aws.deps())).toBe(0);

    const text = aws.out.text;
    expect(text).toContain('step 2/3 at 25 % (stepper in BeforeAllowTraffic), 7 min 10 s left of 11 min (10 min bake + 1 min settle)');
    expect(text).toContain('green api-tg-a 25 % [#####---------------] blue api-tg-b 75 %');
    expect(text).toContain('verdict     pass -> wait at 2025-06-02T09:59:40Z (step 2, 25 %): all checks passed');
    expect(text).toContain('min-requests 900 >= 100 (pass)');
    expect(text).toContain('error-rate 0.10 % <= 1 % (pass)');
  });

  test('shadow mode: a verdict that would have rolled back says so, distinct from the verdict, with the release\'s count', async () => {
    const reason = 'step 1/2 (5 % green) failed: error-rate 9 errors in 200 requests (4.50 %) > 1 %: p = 0.00003 < 0.0001 (fail)';
    aws.state('d-CUR', {
      shadowFailures: 3,
      firstShadowFailure: { outcome: 'fail', reason: 'error-rate ...', at: new Date(T0 - 400_000).toISOString(), stepIndex: 0, percent: 5, shadowWouldHave: reason },
    });
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 20_000), 7), 'decision', {
      ...verdictDoc(),
      verdict: { outcome: 'fail', reason: 'error-rate ...', checks: [{ check: 'error-rate', outcome: 'fail', detail: 'error-rate 9 errors in 200 requests (4.50 %) > 1 %: p = 0.00003 < 0.0001 (fail)' }] },
      shadow: true,
      wouldHave: { action: 'fail', reason },
    }, 'fail');

    expect(await runCli(['status'], aws.deps())).toBe(0);

    const text = aws.out.text;
    expect(text).toContain('verdict     fail -> wait at 2025-06-02T09:59:40Z (step 2, 25 %): error-rate ...');
    expect(text).toContain(`shadow      would have rolled back: ${reason}`);
    expect(text).toContain(`shadow      3 verdicts of this release would have rolled it back; the first at 2025-06-02T09:53:20Z (step 1, 5 %): ${reason}`);

    aws.out.lines.length = 0;
    expect(await runCli(['status', '--json'], aws.deps())).toBe(0);
    const report = JSON.parse(aws.out.text) as StatusReport;
    expect(report.lastVerdict).toMatchObject({ shadow: true, shadowWouldHave: reason });
    expect(report.shadow).toEqual({ failures: 3, first: { at: new Date(T0 - 400_000).toISOString(), step: 1, percent: 5, reason } });
  });

  test('shadow mode: a passing verdict is marked as recorded only; without shadow mode nothing is said', async () => {
    aws.state('d-CUR');
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 20_000), 7), 'decision', { ...verdictDoc(), shadow: true }, 'pass');
    expect(await runCli(['status'], aws.deps())).toBe(0);
    expect(aws.out.text).toContain('shadow      verdicts are recorded, not acted on (analysis.shadow)');
    expect(aws.out.text).not.toContain('would have rolled');

    aws.out.lines.length = 0;
    aws.putItem('d-CUR', decisionKey(new Date(T0 - 20_000), 7), 'decision', verdictDoc(), 'pass');
    expect(await runCli(['status'], aws.deps())).toBe(0);
    expect(aws.out.text).not.toContain('shadow');
  });

  test('an extended step counts each bake and its settle minute', async () => {
    aws.state('d-CUR', { extensions: 1 });

    expect(await runCli(['status'], aws.deps())).toBe(0);

    // Started 230 s ago: due at 2 x (600 + 60) s.
    expect(aws.out.text).toContain('step 2/3 at 25 % (stepper in BeforeAllowTraffic), 18 min 10 s left of 22 min (2 x (10 min bake + 1 min settle)), extended 1x while inconclusive');
  });

  test('a finished deployment shows the rollback reason from the outcome record and CodeDeploy', async () => {
    aws.deployments = [deployment('d-CUR', 'Failed', 12, 7, {
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'BeforeAllowTraffic failed' },
      completeTime: new Date(T0 - 60_000),
    })];
    aws.events['d-CUR'] = eventsUpTo('BeforeAllowTraffic').map((e) => (e.lifecycleEventName === 'BeforeAllowTraffic' ? { ...e, status: 'Failed' } : e));
    aws.state('d-CUR', { finished: 'failed', reason: 'step 1/2 (5 % green) failed: error-rate 8.00 % > 1 % (fail)', restored: true });
    aws.putItem('d-CUR', 'outcome', 'outcome', { source: 'stepper', result: 'failed', reason: 'step 1/2 (5 % green) failed: error-rate 8.00 % > 1 % (fail)' }, 'Failed');

    expect(await runCli(['status', '--json'], aws.deps())).toBe(0);

    const report = JSON.parse(aws.out.text) as StatusReport;
    expect(report.deployment.stage).toBe('failed');
    expect(report.step).toBeUndefined();
    expect(report.rollbackReason).toBe('step 1/2 (5 % green) failed: error-rate 8.00 % > 1 % (fail) | CodeDeploy: HOOK_EXECUTION_FAILURE: BeforeAllowTraffic failed');
  });

  test('without a stepper state the colors come from the PRIMARY task set, and CodeDeploy\'s step shows its time left', async () => {
    aws.events['d-CUR'] = eventsUpTo('AllowTraffic', new Date(T0 - 300_000));
    aws.listener = [{ TargetGroupArn: TG_B, Weight: 50 }, { TargetGroupArn: TG_A, Weight: 50 }];

    await runCli(['status', '--json'], aws.deps());

    const report = JSON.parse(aws.out.text) as StatusReport;
    expect(report.deployment.stage).toBe('codedeploy-step');
    expect(report.step).toMatchObject({ phase: 'final step', runner: 'codedeploy', index: 3, of: 3, percent: 50, secondsLeft: 600 });
    expect(report.traffic).toMatchObject({ greenTargetGroupArn: TG_A, greenPercent: 50, colorsFrom: 'primary-task-set' });
  });

  test('no deployment yet: one clear line and exit 1', async () => {
    aws.deployments = [];
    expect(await runCli(['status'], aws.deps())).toBe(1);
    expect(aws.out.errors).toEqual(['canary: no deployment of api-app/api-dg yet: the next `cdk deploy` that changes the task definition starts one']);
  });
});

describe('stageOf', () => {
  const ev = (running?: string) => eventsUpTo(running).map((e) => ({ name: e.lifecycleEventName!, status: e.status! }));
  test.each([
    ['Succeeded', undefined, false, 'succeeded'],
    ['Failed', 'AllowTraffic', false, 'failed'],
    ['Stopped', 'AllowTraffic', false, 'stopped'],
    ['Created', undefined, false, 'queued'],
    ['Ready', undefined, false, 'ready-wait'],
    ['InProgress', 'AfterInstall', false, 'installing'],
    ['InProgress', 'AfterAllowTestTraffic', false, 'smoke-tests'],
    ['InProgress', 'BeforeAllowTraffic', false, 'stepper'],
    ['InProgress', 'AllowTraffic', false, 'codedeploy-step'],
    ['InProgress', 'AfterAllowTraffic', false, 'final-verdict'],
    ['InProgress', undefined, false, 'termination-wait'],
    ['InProgress', 'AfterAllowTraffic', true, 'termination-wait'],
  ])('%s with %s running (termination wait flag %s) -> %s', (status, running, flag, stage) => {
    expect(stageOf({ status: status as 'InProgress', instanceTerminationWaitTimeStarted: flag }, ev(running))).toBe(stage);
  });
});
