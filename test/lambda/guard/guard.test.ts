import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DeploymentInfo, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { failureReason, guard, GuardDeps } from '../../../lambda/guard/guard';
import { handler, makeGuardHandler } from '../../../lambda/guard/handler';
import type { GuardOutcomeDoc } from '../../../lambda/guard/types';
import { APP, DEPLOYMENT_ID, FakeAws, GROUP, LISTENER, mocks, serverError, T0, TABLE, TG_A, TG_B, throttled, timeout } from '../stepper/fake-aws';

const EVENT_TIME = '2025-06-02T10:30:00Z';

function event(state: string, deploymentId = DEPLOYMENT_ID) {
  return {
    version: '0',
    source: 'aws.codedeploy',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    time: EVENT_TIME,
    region: 'eu-west-1',
    detail: { region: 'eu-west-1', deploymentId, instanceGroupId: 'ig-1', deploymentGroup: GROUP, application: APP, state },
  };
}

let fake: FakeAws;
let deps: GuardDeps;
beforeEach(() => {
  fake = new FakeAws().install();
  deps = { clients: fake.clients, table: TABLE, namespace: 'CdkEcsCanary', now: fake.now };
});

function guardRecord(): (Record<string, unknown> & { guard: GuardOutcomeDoc }) | undefined {
  return fake.record('outcome');
}

/** BeforeInstall's record of blue (written for every schedule). */
function putStableRecord(blue: string): void {
  const green = blue === TG_A ? TG_B : TG_A;
  fake.items.set(`${DEPLOYMENT_ID}|stable`, {
    deploymentId: { S: DEPLOYMENT_ID },
    sk: { S: 'stable' },
    kind: { S: 'stable' },
    doc: { S: JSON.stringify({ blueTargetGroupArn: blue, greenTargetGroupArn: green, productionListenerArn: LISTENER, at: new Date(T0).toISOString() }) },
    expiresAt: { N: '0' },
  });
}

function putStepperState(blue: string): void {
  const green = blue === TG_A ? TG_B : TG_A;
  fake.items.set(`${DEPLOYMENT_ID}|state`, {
    deploymentId: { S: DEPLOYMENT_ID },
    sk: { S: 'state' },
    kind: { S: 'state' },
    doc: { S: JSON.stringify({ colors: { blueTargetGroupArn: blue, greenTargetGroupArn: green }, productionListenerArn: LISTENER }) },
    expiresAt: { N: '0' },
  });
}

describe('FAILURE and STOP', () => {
  test('split weights are put back on the stable (PRIMARY) group, then the outcome is recorded and counted', async () => {
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }];

    const result = await guard(event('FAILURE'), deps);

    expect(fake.log).toEqual([
      'ModifyListener A=0 B=100',
      `EMF DeploymentOutcome DeploymentGroup=${APP}/${GROUP} Outcome=Failed value=0`,
    ]);
    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }] } }],
    });
    // The outcome metric is an EMF line (no PutMetricData): namespace, both dimensions, the event's time.
    expect(fake.emf).toHaveLength(1);
    expect(fake.emf[0]._aws).toEqual({
      Timestamp: new Date(EVENT_TIME).getTime(),
      CloudWatchMetrics: [{ Namespace: 'CdkEcsCanary', Dimensions: [['DeploymentGroup', 'Outcome']], Metrics: [{ Name: 'DeploymentOutcome', Unit: 'None' }] }],
    });
    expect(mocks.cloudwatch.calls()).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'Failed', metricPublished: true, traffic: { restored: true, stablePercent: 75, stableTargetGroupArn: TG_B } });
    expect(guardRecord()!.guard).toMatchObject({
      state: 'FAILURE',
      outcome: 'Failed',
      metricPublished: true,
      traffic: { stableFrom: 'primary-task-set', restored: true, found: [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }] },
    });
    expect(fake.recordsOfKind('outcome')[0].outcome).toBe('Failed');
  });

  test('STOP with all traffic on the wrong group restores and counts Stopped', async () => {
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

    await guard(event('STOP'), deps);

    expect(fake.log).toEqual([
      'ModifyListener A=0 B=100',
      `EMF DeploymentOutcome DeploymentGroup=${APP}/${GROUP} Outcome=Stopped value=0`,
    ]);
  });

  test.each([
    ['stable 100, other 0', [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }]],
    ['a plain forward to stable', [{ TargetGroupArn: TG_B, Weight: 1 }]],
  ])('already on stable (%s): no ModifyListener', async (_, listener) => {
    fake.listener = listener;

    const result = await guard(event('FAILURE'), deps);

    expect(mocks.elbv2).toHaveReceivedCommand(DescribeListenersCommand);
    expect(mocks.elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(result.traffic).toMatchObject({ restored: false, stablePercent: 100 });
    expect(fake.log).toEqual([`EMF DeploymentOutcome DeploymentGroup=${APP}/${GROUP} Outcome=Failed value=0`]);
  });

  test('the stable group recorded by the stepper wins over a PRIMARY that already moved to green', async () => {
    putStepperState(TG_B);
    fake.primaryTargetGroup = TG_A; // replacement made PRIMARY after the shift, then the deployment failed
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

    const result = await guard(event('FAILURE'), deps);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=0 B=100']);
    expect(result.traffic).toMatchObject({ stableFrom: 'stepper-state', stableTargetGroupArn: TG_B });
    expect(mocks.ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
  });

  test('keeps what the stepper wrote in the outcome record', async () => {
    fake.items.set(`${DEPLOYMENT_ID}|outcome`, {
      deploymentId: { S: DEPLOYMENT_ID }, sk: { S: 'outcome' }, kind: { S: 'outcome' }, outcome: { S: 'Failed' },
      doc: { S: JSON.stringify({ source: 'stepper', result: 'failed', reason: 'step 1/3 (5 % green) failed: error-rate', restored: true }) },
      expiresAt: { N: '0' },
    });

    await guard(event('FAILURE'), deps);

    expect(guardRecord()).toMatchObject({ source: 'stepper', reason: 'step 1/3 (5 % green) failed: error-rate', guard: { outcome: 'Failed' } });
  });

  test('idempotent: the same event twice modifies and counts once', async () => {
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 50 }, { TargetGroupArn: TG_A, Weight: 50 }];

    await guard(event('FAILURE'), deps);
    const second = await guard(event('FAILURE'), deps);

    expect(mocks.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(fake.emf).toHaveLength(1);
    expect(second).toMatchObject({ metricPublished: true, traffic: { restored: false } });
  });
});

describe('SUCCESS', () => {
  test('records and counts the outcome (value 1) without touching traffic', async () => {
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

    const result = await guard(event('SUCCESS'), deps);

    expect(fake.log).toEqual([`EMF DeploymentOutcome DeploymentGroup=${APP}/${GROUP} Outcome=Succeeded value=1`]);
    expect(mocks.elbv2).not.toHaveReceivedCommand(DescribeListenersCommand);
    expect(mocks.ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
    expect(result).toMatchObject({ outcome: 'Succeeded', metricPublished: true });
    expect(result.traffic).toBeUndefined();
    expect(fake.recordsOfKind('outcome')[0]).toMatchObject({ outcome: 'Succeeded', doc: { guard: { state: 'SUCCESS', outcome: 'Succeeded' } } });
  });

  test('an automatic rollback deployment is recorded but not counted (its failed deployment was)', async () => {
    fake.deploymentCreator = 'codeDeployRollback';

    const result = await guard(event('SUCCESS'), deps);

    expect(fake.emf).toEqual([]);
    expect(result.metricPublished).toBe(false);
    expect(guardRecord()!.guard).toMatchObject({ creator: 'codeDeployRollback', metricPublished: false });
  });
});

describe('not for the guard', () => {
  test.each([
    ['a state the guard does not handle', event('START')],
    ['no detail', { source: 'aws.codedeploy' }],
    ['a malformed deployment id', event('FAILURE', 'nope')],
  ])('%s is ignored', async (_, e) => {
    const result = await guard(e, deps);
    expect(result.ignored).toBeDefined();
    expect(fake.calls).toEqual({});
  });

  test('a deployment group without a canary configuration is ignored', async () => {
    fake.install();
    mocks.codedeploy.reset();
    const { GetDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
    mocks.codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: APP, deploymentGroupName: 'plain-group', status: 'Failed' } });

    const result = await guard(event('FAILURE'), deps);

    expect(result.ignored).toMatch(/not a canary deployment/);
    expect(mocks.elbv2).not.toHaveReceivedCommand(DescribeListenersCommand);
    expect(fake.emf).toEqual([]);
  });
});

describe('transient errors are thrown for the asynchronous retry, and the retry finishes the job', () => {
  test.each([
    ['DescribeListeners', throttled],
    ['ModifyListener', serverError],
    ['DescribeServices', timeout],
    ['GetItem', throttled],
    ['GetDeployment', timeout],
  ] as const)('%s', async (op, err) => {
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 90 }, { TargetGroupArn: TG_A, Weight: 10 }];
    fake.fail(op, err, 1);
    const run = makeGuardHandler(() => deps);

    await expect(run(event('FAILURE'))).rejects.toMatchObject({ name: err().name });
    await run(event('FAILURE'));

    expect(fake.listener).toEqual([{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }]);
    // Counted once: the failed first attempt stopped before its metric, the retry wrote it.
    expect(fake.log.filter((l) => l.startsWith('EMF'))).toHaveLength(1);
    expect(guardRecord()!.guard).toMatchObject({ outcome: 'Failed', metricPublished: true });
  });
});

describe('handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('uses the table and the namespace from the environment', async () => {
    process.env.CANARY_DECISIONS_TABLE = TABLE;
    process.env.CANARY_METRICS_NAMESPACE = 'MyNamespace';

    await handler(event('SUCCESS'));

    expect(fake.emf.map((l) => l._aws.CloudWatchMetrics[0].Namespace)).toEqual(['MyNamespace']);
    expect(guardRecord()).toBeDefined();
  });

  test('throws without a table', async () => {
    delete process.env.CANARY_DECISIONS_TABLE;
    await expect(handler(event('SUCCESS'))).rejects.toThrow(/CANARY_DECISIONS_TABLE/);
  });
});

describe('rollback notification', () => {
  const sns = mockClient(SNSClient);
  const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:canary-rollbacks';
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  function putStepperOutcome(reason: string): void {
    fake.items.set(`${DEPLOYMENT_ID}|outcome`, {
      deploymentId: { S: DEPLOYMENT_ID },
      sk: { S: 'outcome' },
      kind: { S: 'outcome' },
      outcome: { S: 'failed' },
      doc: { S: JSON.stringify({ source: 'stepper', result: 'failed', reason, restored: true, at: EVENT_TIME }) },
      expiresAt: { N: '0' },
    });
  }

  test('a failed deployment sends one message with the stepper\'s reason and where production is', async () => {
    putStepperOutcome('error-rate 8.00 % > 1 % (fail)');
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }];

    const result = await guard(event('FAILURE'), { ...deps, topicArn: TOPIC });

    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toMatch(/^Canary failed: /);
    expect(input.Message).toContain(`Deployment ${DEPLOYMENT_ID} of ${APP}/${GROUP}`);
    expect(input.Message).toContain('Reason: error-rate 8.00 % > 1 % (fail)');
    expect(input.Message).toContain(`Production is on the stable target group ${TG_B}`);
    expect(input.MessageAttributes?.outcome).toEqual({ DataType: 'String', StringValue: 'Failed' });
    expect(result.notified).toBe(true);
    expect(guardRecord()!.guard).toMatchObject({ notified: true, reason: 'error-rate 8.00 % > 1 % (fail)' });
  });

  test('a retry of the same event does not notify twice', async () => {
    putStepperOutcome('p95-latency 2500 ms > 1000 ms (fail)');
    await guard(event('FAILURE'), { ...deps, topicArn: TOPIC });
    await guard(event('FAILURE'), { ...deps, topicArn: TOPIC });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  test('a success sends nothing; an automatic rollback deployment sends nothing', async () => {
    await guard(event('SUCCESS'), { ...deps, topicArn: TOPIC });
    fake.deploymentCreator = 'codeDeployRollback';
    await guard(event('FAILURE', 'd-ROLLBACK1'), { ...deps, topicArn: TOPIC });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  test('a failed publish is retried by the next invocation (the error propagates)', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(guard(event('STOP'), { ...deps, topicArn: TOPIC })).rejects.toThrow('Rate exceeded');
  });

  test('failureReason prefers the stepper, then CodeDeploy, then the state', () => {
    expect(failureReason({ reason: 'judge said no' }, 'hook failed', 'FAILURE')).toBe('judge said no');
    expect(failureReason({}, 'The deployment was stopped by alarm', 'FAILURE')).toBe('The deployment was stopped by alarm');
    expect(failureReason({}, undefined, 'STOP')).toBe('the deployment was stopped');
  });
});

describe('the blue BeforeInstall recorded', () => {
  test('wins over a PRIMARY that already moved to green (all-at-once or linear: no stepper record)', async () => {
    putStableRecord(TG_B);
    fake.primaryTargetGroup = TG_A; // the replacement is PRIMARY after the full shift
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

    const result = await guard(event('FAILURE'), deps);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=0 B=100']);
    expect(result.traffic).toMatchObject({ stableFrom: 'before-install', stableTargetGroupArn: TG_B, restored: true });
    expect(mocks.ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
  });

  test('wins over the stepper record too', async () => {
    putStableRecord(TG_B);
    putStepperState(TG_A);
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 50 }, { TargetGroupArn: TG_B, Weight: 50 }];

    const result = await guard(event('STOP'), deps);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=0 B=100']);
    expect(result.traffic).toMatchObject({ stableFrom: 'before-install', stableTargetGroupArn: TG_B });
  });

  test('a record naming a group outside the pair is ignored (PRIMARY decides)', async () => {
    putStableRecord('arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/old/cccccccccccccccc');
    fake.listener = [{ TargetGroupArn: TG_A, Weight: 100 }, { TargetGroupArn: TG_B, Weight: 0 }];

    const result = await guard(event('FAILURE'), deps);

    expect(result.traffic).toMatchObject({ stableFrom: 'primary-task-set', stableTargetGroupArn: TG_B });
  });

  test('a service routed by a listener rule: the guard restores the rule, not the default action', async () => {
    putStableRecord(TG_B);
    const ruleArn = LISTENER.replace(':listener/', ':listener-rule/') + '/0000000000000001';
    mocks.elbv2.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }] });
    mocks.elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: ruleArn, Priority: '10', Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 75 }, { TargetGroupArn: TG_A, Weight: 25 }] } }] }] });
    mocks.elbv2.on(ModifyRuleCommand).resolves({});

    const result = await guard(event('FAILURE'), deps);

    expect(mocks.elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: ruleArn,
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_B, Weight: 100 }, { TargetGroupArn: TG_A, Weight: 0 }] } }],
    });
    expect(mocks.elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(result.traffic).toMatchObject({ restored: true, stablePercent: 75 });
  });
});

describe('a newer deployment of the same group in flight', () => {
  const CREATED = new Date(T0 - 3_600_000);
  const info = (id: string, over: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } => ({
    deploymentInfo: { deploymentId: id, applicationName: APP, deploymentGroupName: GROUP, status: 'InProgress', creator: 'user', ...over },
  });
  beforeEach(() => {
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: DEPLOYMENT_ID }).resolves(info(DEPLOYMENT_ID, { status: 'Failed', createTime: CREATED }));
    fake.listener = [{ TargetGroupArn: TG_B, Weight: 50 }, { TargetGroupArn: TG_A, Weight: 50 }];
  });

  test('leaves the listener alone (a late retry must not clobber it), still records and counts', async () => {
    mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT_ID, 'd-NEWER0001'] });
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-NEWER0001' }).resolves(info('d-NEWER0001', { createTime: new Date(T0 - 60_000) }));

    const result = await guard(event('FAILURE'), deps);

    expect(mocks.codedeploy).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      applicationName: APP, deploymentGroupName: GROUP, includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
    expect(mocks.elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(mocks.elbv2).not.toHaveReceivedCommand(DescribeListenersCommand);
    expect(result).toMatchObject({ outcome: 'Failed', metricPublished: true, trafficSkipped: 'a newer deployment of the group is in flight: d-NEWER0001' });
    expect(result.traffic).toBeUndefined();
    expect(guardRecord()!.guard.trafficSkipped).toBe('a newer deployment of the group is in flight: d-NEWER0001');
  });

  test.each([
    ['an older deployment', info('d-OLDER0001', { createTime: new Date(T0 - 7_200_000) })],
    ["CodeDeploy's rollback of this deployment", info('d-ROLLBK001', { createTime: new Date(T0 - 60_000), creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: DEPLOYMENT_ID } })],
  ])('restores when the other in-flight deployment is %s', async (_name, other) => {
    const id = other.deploymentInfo.deploymentId!;
    mocks.codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [id] });
    mocks.codedeploy.on(GetDeploymentCommand, { deploymentId: id }).resolves(other);

    const result = await guard(event('FAILURE'), deps);

    expect(fake.weightChanges()).toEqual(['ModifyListener A=0 B=100']);
    expect(result.trafficSkipped).toBeUndefined();
  });

  test('SUCCESS does not look for other deployments', async () => {
    await guard(event('SUCCESS'), deps);
    expect(mocks.codedeploy).not.toHaveReceivedCommand(ListDeploymentsCommand);
  });
});
