/**
 * Plays the final-verdict branch of the stepper state machine (lib/hooks/final-verdict-states.ts)
 * against the Lambda handler on the fake clock: FinalStart -> FinalDone? -> FinalWait -> FinalTick
 * ..., TransientError retried 3 times with backoff, anything else -> FinalAbort (retried 6 times).
 */
import type { StepperOutput } from '../../../lambda/stepper/types';
import { FakeAws } from './fake-aws';
import { runTimerLoop } from './state-machine';

export interface FinalExecution {
  /** 'choice': FinalDone? ended it (finished says how); 'aborted': it went through FinalAbort. */
  readonly endedBy: 'choice' | 'aborted';
  readonly outputs: StepperOutput[];
  readonly errors: string[];
  /** Seconds since the execution started of each FinalTick invocation. */
  readonly tickTimes: number[];
}

export async function runFinalVerdictMachine(fake: FakeAws, opts: { maxTicks?: number } = {}): Promise<FinalExecution> {
  const run = await runTimerLoop(fake, 'final-', opts);
  return { endedBy: run.status === 'SUCCEEDED' ? 'choice' : 'aborted', outputs: run.outputs, errors: run.errors, tickTimes: run.tickTimes };
}
