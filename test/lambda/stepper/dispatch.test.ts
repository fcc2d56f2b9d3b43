import { dispatchAction } from '../../../lambda/stepper/dispatch';
import { ConfigurationError } from '../../../lambda/shared/errors';
import { runFinalVerdict } from '../../../lambda/stepper/final-verdict';
import { runStepper } from '../../../lambda/stepper/stepper';

describe('dispatchAction (both state machines)', () => {
  test('runs the handler of the action, and only that one', async () => {
    const calls: string[] = [];
    const handlers = { a: async () => { calls.push('a'); return 1; }, b: async () => { calls.push('b'); return 2; } };
    await expect(dispatchAction('test', { deploymentId: 'd-1', action: 'b' as 'a' | 'b' }, handlers)).resolves.toBe(2);
    expect(calls).toEqual(['b']);
  });

  test.each(['toString', 'constructor', 'nope'])('an action without a handler (%s) is a configuration error', (action) => {
    expect(() => dispatchAction('test', { deploymentId: 'd-1', action: action as 'a' }, { a: async () => 1 }))
      .toThrow(new ConfigurationError(`unknown test action "${action}"`));
  });

  test('the stepper and the final verdict refuse each other\'s actions', async () => {
    const deps = {} as Parameters<typeof runStepper>[1];
    await expect(runStepper({ deploymentId: 'd-1', action: 'final-tick' } as never, deps)).rejects.toThrow('unknown stepper action "final-tick"');
    await expect(runFinalVerdict({ deploymentId: 'd-1', action: 'tick' } as never, deps)).rejects.toThrow('unknown final verdict action "tick"');
  });
});

describe('bestEffort (reads on the abort paths)', () => {
  test('a read that throws reads as undefined, a read that works gives its value', async () => {
    const { bestEffort } = await import('../../../lambda/stepper/dispatch');
    await expect(bestEffort('read x', async () => { throw new Error('ddb down'); })).resolves.toBeUndefined();
    await expect(bestEffort('read x', async () => 42)).resolves.toBe(42);
  });
});
