/**
 * Plays the final-verdict branch of the stepper state machine (lib/hooks/final-verdict-states.ts)
 * against the Lambda handler on the fake clock: FinalStart -> FinalDone? -> FinalWait -> FinalTick
 * ..., TransientError retried 3 times with backoff, anything else -> FinalAbort (retried 6 times).
 */
import type { StepperOutput } from '../../../lambda/stepper/types';
import { FakeAws } from './fake-aws';
import { ids, stepperHandler } from './state-machine';

export interface FinalExecution {
  /** 'choice': FinalDone? ended it (finished says how); 'aborted': it went through FinalAbort. */
  readonly endedBy: 'choice' | 'aborted';
  readonly outputs: StepperOutput[];
  readonly errors: string[];
  /** Seconds since the execution started of each FinalTick invocation. */
  readonly tickTimes: number[];
}

export async function runFinalVerdictMachine(fake: FakeAws, opts: { maxTicks?: number } = {}): Promise<FinalExecution> {
  const handler = stepperHandler(fake);
  const outputs: StepperOutput[] = [];
  const errors: string[] = [];
  const tickTimes: number[] = [];
  const t0 = fake.nowMs;

  const invoke = async (payload: Record<string, unknown>, retries: number, retryOn: (name: string) => boolean): Promise<StepperOutput> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await handler(payload);
      } catch (err) {
        errors.push((err as Error).name);
        if (attempt >= retries || !retryOn((err as Error).name)) throw err;
        fake.advance(5 * 2 ** attempt);
      }
    }
  };
  const transient = (name: string) => name === 'TransientError';
  const abort = async (err: Error): Promise<FinalExecution> => {
    const error = { Error: err.name, Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }) };
    outputs.push(await invoke({ action: 'final-abort', ...ids, error }, 6, () => true));
    return { endedBy: 'aborted', outputs, errors, tickTimes };
  };

  let out: StepperOutput;
  try {
    out = await invoke({ action: 'final-start', ...ids }, 3, transient);
  } catch (err) {
    return abort(err as Error);
  }
  outputs.push(out);
  let ticks = 0;
  while (!out.done) {
    if (++ticks > (opts.maxTicks ?? 100)) throw new Error('the final verdict never finished');
    expect(Number.isInteger(out.waitSeconds) && out.waitSeconds >= 1).toBe(true);
    fake.advance(out.waitSeconds);
    tickTimes.push((fake.nowMs - t0) / 1000);
    try {
      out = await invoke({ action: 'final-tick', ...ids }, 3, transient);
    } catch (err) {
      return abort(err as Error);
    }
    outputs.push(out);
  }
  return { endedBy: 'choice', outputs, errors, tickTimes };
}
