import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** State names and the stepper actions of one timer loop (the stepper's steps, or the final verdict). */
export interface TimerLoopNames {
  readonly abort: string;
  readonly start: string;
  readonly tick: string;
  readonly wait: string;
  readonly done: string;
  readonly choice: string;
  /** Prefix of the stepper actions: '' (start, tick, abort) or 'final-'. */
  readonly actions: '' | 'final-';
}

/**
 * A timer loop of the stepper state machine: Start -> Done? -> Wait $.waitSeconds -> Tick -> Done?
 * ...; errors named TransientError are retried, anything else goes to Abort (retried hard: it is
 * the safety net, it restores production and reports Failed), then `failed`. A tick that ended the
 * hook as failed also ends at `failed`, visibly. All decisions are in the stepper function.
 */
export function timerLoop(
  scope: Construct,
  invoke: (id: string, payload: Record<string, unknown>) => tasks.LambdaInvoke,
  ids: Record<string, string>,
  failed: sfn.Fail,
  n: TimerLoopNames,
): sfn.IChainable {
  const abort = invoke(n.abort, { action: `${n.actions}abort`, ...ids, error: sfn.JsonPath.objectAt('$.error') });
  abort.addRetry({ errors: ['States.ALL'], maxAttempts: 6, interval: Duration.seconds(5), backoffRate: 2 });
  abort.next(failed);

  const start = invoke(n.start, { action: `${n.actions}start`, ...ids });
  // The previous output travels into the Tick: the stepper carries its state and configuration in
  // it instead of reading them from DynamoDB and SSM every tick (lambda/stepper/types.ts StepperCarry).
  const tick = invoke(n.tick, { action: `${n.actions}tick`, ...ids, previous: sfn.JsonPath.objectAt('$') });
  for (const task of [start, tick]) {
    task.addRetry({ errors: ['TransientError'], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });
    task.addCatch(abort, { errors: ['States.ALL'], resultPath: '$.error' });
  }
  const wait = new sfn.Wait(scope, n.wait, { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
  const done = new sfn.Succeed(scope, n.done);
  const isDone = new sfn.Choice(scope, n.choice)
    .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.done', true), sfn.Condition.isPresent('$.finished'),
      sfn.Condition.stringEquals('$.finished', 'failed')), failed)
    .when(sfn.Condition.booleanEquals('$.done', true), done)
    .otherwise(wait);
  start.next(isDone);
  wait.next(tick);
  tick.next(isDone);
  return start;
}

/** The stepper's in-hook steps (lambda/stepper/stepper.ts). */
export const STEPPER_LOOP: TimerLoopNames = { abort: 'Abort', start: 'Start', tick: 'Tick', wait: 'Bake', done: 'StepsDone', choice: 'Done?', actions: '' };

/**
 * The final verdict at 100 % (lambda/stepper/final-verdict.ts), started by AfterAllowTraffic with
 * `{ deploymentId, lifecycleEventHookExecutionId, phase: 'final' }`.
 */
export const FINAL_VERDICT_LOOP: TimerLoopNames = {
  abort: 'FinalAbort', start: 'FinalStart', tick: 'FinalTick', wait: 'FinalWait', done: 'FinalVerdictDone', choice: 'FinalDone?', actions: 'final-',
};

/** The state machine's first state: the final verdict when the input says `phase: 'final'`, else the stepper. */
export function phaseChoice(scope: Construct, finalVerdict: sfn.IChainable, stepper: sfn.IChainable): sfn.Choice {
  return new sfn.Choice(scope, 'Phase?')
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.phase'), sfn.Condition.stringEquals('$.phase', 'final')), finalVerdict)
    .otherwise(stepper);
}
