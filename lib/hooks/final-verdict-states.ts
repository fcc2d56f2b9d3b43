import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * The final verdict's branch of the stepper state machine (lambda/stepper/final-verdict.ts):
 * FinalStart -> FinalDone? -> FinalWait $.waitSeconds -> FinalTick -> FinalDone? ...; errors
 * named TransientError are retried, anything else goes to FinalAbort, which reports Failed.
 * The execution input is `{ deploymentId, lifecycleEventHookExecutionId, phase: 'final' }`.
 */
export function finalVerdictStates(
  scope: Construct,
  invoke: (id: string, payload: Record<string, unknown>) => tasks.LambdaInvoke,
  ids: Record<string, string>,
  failed: sfn.Fail,
): sfn.IChainable {
  const abort = invoke('FinalAbort', { action: 'final-abort', ...ids, error: sfn.JsonPath.objectAt('$.error') });
  // Abort reports Failed: retry it hard, it is the safety net.
  abort.addRetry({ errors: ['States.ALL'], maxAttempts: 6, interval: Duration.seconds(5), backoffRate: 2 });
  abort.next(failed);

  const start = invoke('FinalStart', { action: 'final-start', ...ids });
  const tick = invoke('FinalTick', { action: 'final-tick', ...ids });
  for (const task of [start, tick]) {
    task.addRetry({ errors: ['TransientError'], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });
    task.addCatch(abort, { errors: ['States.ALL'], resultPath: '$.error' });
  }
  const wait = new sfn.Wait(scope, 'FinalWait', { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
  const done = new sfn.Succeed(scope, 'FinalVerdictDone');
  const isDone = new sfn.Choice(scope, 'FinalDone?')
    .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.done', true), sfn.Condition.isPresent('$.finished'),
      sfn.Condition.stringEquals('$.finished', 'failed')), failed)
    .when(sfn.Condition.booleanEquals('$.done', true), done)
    .otherwise(wait);
  start.next(isDone);
  wait.next(tick);
  tick.next(isDone);
  return start;
}

/** The state machine's first state: the final verdict when the input says `phase: 'final'`, else the stepper. */
export function phaseChoice(scope: Construct, finalVerdict: sfn.IChainable, stepper: sfn.IChainable): sfn.Choice {
  return new sfn.Choice(scope, 'Phase?')
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.phase'), sfn.Condition.stringEquals('$.phase', 'final')), finalVerdict)
    .otherwise(stepper);
}
