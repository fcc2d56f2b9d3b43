/**
 * Plays the stepper state machine of lib/hooks/canary-hooks.ts against the Lambda handler, on the
 * fake clock: Start -> Done? -> Wait -> Tick ..., TransientError retried 3 times with backoff,
 * anything else (or retries used up) -> Abort (retried 6 times) -> Fail.
 */
import { makeHandler } from '../../../lambda/stepper/handler';
import type { StepperOutput } from '../../../lambda/stepper/types';
import { DEPLOYMENT_ID, FakeAws, HOOK_ID, TABLE } from './fake-aws';

export interface Execution {
  /** SUCCEEDED: the Done? choice ended it; FAILED: it went through Abort. */
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly outputs: StepperOutput[];
  /** Names of the errors the Lambda threw, in order. */
  readonly errors: string[];
  /** Seconds since T0 of each Tick invocation. */
  readonly tickTimes: number[];
  readonly abortSucceeded?: boolean;
}

export function stepperHandler(fake: FakeAws) {
  return makeHandler(() => ({ clients: fake.clients, table: TABLE, now: fake.now }));
}

export const ids = { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_ID };

export interface LoopOptions {
  readonly beforeTick?: (elapsedSeconds: number, tick: number) => void;
  readonly maxTicks?: number;
}

export async function runStateMachine(fake: FakeAws, opts: LoopOptions = {}): Promise<Execution> {
  return runTimerLoop(fake, '', { maxTicks: 200, ...opts });
}

/**
 * One timer loop of the state machine (lib/hooks/final-verdict-states.ts `timerLoop`): the
 * stepper's (actions start/tick/abort) or the final verdict's (final-start/final-tick/final-abort).
 */
export async function runTimerLoop(fake: FakeAws, actions: '' | 'final-', opts: LoopOptions = {}): Promise<Execution> {
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
  const abort = async (err: Error): Promise<Execution> => {
    const payload = {
      action: `${actions}abort`,
      ...ids,
      error: { Error: err.name, Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }) },
    };
    try {
      outputs.push(await invoke(payload, 6, () => true));
      return { status: 'FAILED', outputs, errors, tickTimes, abortSucceeded: true };
    } catch {
      return { status: 'FAILED', outputs, errors, tickTimes, abortSucceeded: false };
    }
  };
  const transient = (name: string) => name === 'TransientError';

  let out: StepperOutput;
  try {
    out = await invoke({ action: `${actions}start`, ...ids }, 3, transient);
  } catch (err) {
    return abort(err as Error);
  }
  outputs.push(out);
  let ticks = 0;
  while (!out.done) {
    if (++ticks > (opts.maxTicks ?? 100)) throw new Error(`the ${actions}tick loop never finished`);
    expect(Number.isInteger(out.waitSeconds) && out.waitSeconds >= 1).toBe(true);
    fake.advance(out.waitSeconds);
    opts.beforeTick?.((fake.nowMs - t0) / 1000, ticks);
    tickTimes.push((fake.nowMs - t0) / 1000);
    try {
      // The state machine passes the previous output on (lib/hooks/final-verdict-states.ts).
      out = await invoke({ action: `${actions}tick`, ...ids, previous: out }, 3, transient);
    } catch (err) {
      return abort(err as Error);
    }
    outputs.push(out);
  }
  return { status: 'SUCCEEDED', outputs, errors, tickTimes };
}
