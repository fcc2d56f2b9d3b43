/**
 * The final verdict at 100 %: AfterAllowTraffic starts the stepper state machine with
 * `phase: 'final'`, whose final branch waits and judges; the window must fit the hook's hour.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CanaryDeployment, CanaryDeploymentProps, CanaryHooks } from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';
import { finalVerdictHookDuration, MAX_FINAL_VERDICT_WINDOW } from '../../lib/deployment/final-verdict-window';
import { buildExistingService, buildNetwork, newStack, deploymentPropsFor } from '../helpers/fixtures';
import { functionRoleId, logicalId, parseJoinedJson, policyStatements, resourcesOfType } from '../helpers/template';

function build(extra: Partial<CanaryDeploymentProps> = {}) {
  const stack = newStack();
  const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  const canary = new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, extra));
  return { stack, canary, template: Template.fromStack(stack) };
}

describe('the final verdict branch of the stepper state machine', () => {
  let d: ReturnType<typeof build>;
  let definition: { StartAt: string; States: Record<string, any> };
  beforeAll(() => {
    d = build();
    definition = parseJoinedJson(Object.values(resourcesOfType(d.template, 'AWS::StepFunctions::StateMachine'))[0].Properties!.DefinitionString);
  });

  test('starts with a choice: phase "final" goes to FinalStart, anything else to the stepper\'s Start', () => {
    expect(definition.StartAt).toBe('Phase?');
    const phase = definition.States['Phase?'];
    expect(phase.Type).toBe('Choice');
    expect(phase.Choices).toEqual([{ And: [{ Variable: '$.phase', IsPresent: true }, { Variable: '$.phase', StringEquals: 'final' }], Next: 'FinalStart' }]);
    expect(phase.Default).toBe('Start');
  });

  test('FinalStart -> FinalDone? -> FinalWait $.waitSeconds -> FinalTick, errors to FinalAbort -> RolledBack', () => {
    const s = definition.States;
    const stepperFn = `<<GetAtt:${logicalId(CanaryHooks.of(d.stack).stepper)}.Arn>>`;
    for (const [name, action] of [['FinalStart', 'final-start'], ['FinalTick', 'final-tick'], ['FinalAbort', 'final-abort']]) {
      expect(s[name].Resource).toBe(stepperFn);
      expect(s[name].Parameters).toMatchObject({ action, 'deploymentId.$': '$.deploymentId', 'lifecycleEventHookExecutionId.$': '$.lifecycleEventHookExecutionId' });
    }
    expect(s.FinalStart.Next).toBe('FinalDone?');
    expect(s.FinalTick.Next).toBe('FinalDone?');
    expect(s.FinalWait).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'FinalTick' });
    expect(s['FinalDone?'].Default).toBe('FinalWait');
    for (const name of ['FinalStart', 'FinalTick']) {
      expect(s[name].Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['TransientError'], MaxAttempts: 3 })]));
      expect(s[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FinalAbort' }]);
    }
    expect(s.FinalAbort.Next).toBe('RolledBack');
    expect(s.FinalAbort.Parameters['error.$']).toBe('$.error');
  });

  test('AfterAllowTraffic knows the state machine and may start it; the stepper may publish the outcome metric', () => {
    const hooks = CanaryHooks.of(d.stack);
    const machineId = Object.keys(resourcesOfType(d.template, 'AWS::StepFunctions::StateMachine'))[0];
    const fn = resourcesOfType(d.template, 'AWS::Lambda::Function')[logicalId(hooks.afterAllowTraffic)];
    expect(fn.Properties!.Environment.Variables.CANARY_STEPPER_STATE_MACHINE_ARN).toEqual({ Ref: machineId });
    const role = (f: typeof hooks.stepper) => functionRoleId(d.template, logicalId(f));
    const statements = policyStatements(d.template);
    expect(statements.filter((s) => s.actions.includes('states:StartExecution') && s.roles.includes(role(hooks.afterAllowTraffic)))
      .flatMap((s) => s.resources)).toEqual([{ Ref: machineId }]);
    // The FinalVerdict metric is an EMF log line: no function may call PutMetricData.
    expect(statements.some((s) => s.actions.includes('cloudwatch:PutMetricData'))).toBe(false);
    // AfterAllowTraffic itself no longer reads metrics or records.
    expect(statements.some((s) => s.roles.includes(role(hooks.afterAllowTraffic))
      && s.actions.some((a) => ['cloudwatch:GetMetricData', 'cloudwatch:PutMetricData', 'dynamodb:PutItem'].includes(a)))).toBe(false);
  });
});

describe('finalVerdictWindow fits the hook\'s hour', () => {
  test('the hook waits the first whole minute, the window and the settle minute', () => {
    expect(finalVerdictHookDuration(Duration.minutes(5)).toMinutes()).toBe(7);
    expect(MAX_FINAL_VERDICT_WINDOW.toMinutes()).toBe(48);
  });

  test('48 min is accepted', () => {
    expect(() => build({ finalVerdictWindow: Duration.minutes(48) })).not.toThrow();
  });

  test('fails when the window and its waits do not fit the hour with margin', () => {
    let error: unknown;
    try {
      build({ finalVerdictWindow: Duration.minutes(49) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanaryValidationError);
    expect((error as CanaryValidationError).prop).toBe('finalVerdictWindow');
    expect((error as Error).message).toBe(
      'finalVerdictWindow: the final verdict waits for the first whole minute at 100 %, then 49 minutes of metrics, then 1 minute '
      + 'for the last minute to be published: 51 minutes in the AfterAllowTraffic hook, which CodeDeploy fails after 1 hour '
      + '(10 minutes kept as margin). Use at most 48 minutes. (at TestStack/Canary)',
    );
  });
});
