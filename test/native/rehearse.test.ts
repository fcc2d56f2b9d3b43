import { defaultNativeConfig, rehearseNative } from '../../src/cli/native/rehearse';
import { RECOVERY_PROMISE_SECONDS } from '../../src/cli/rehearse/rehearse';
import { Scenario } from '../../src/cli/rehearse/scenario';
import { BufferOutput } from '../../src/cli/output';
import { runCli } from '../../src/cli/program';

describe('rehearsal on the ECS engine (the real native hook against a modelled ECS)', () => {
  test('a good version is released: holds 6, 11 and 16 min at 5, 25 and 50 %, the other steps pass through', async () => {
    const r = await rehearseNative(defaultNativeConfig(), Scenario.good());
    expect(r.outcome).toBe('released');
    expect(r.lines).toEqual(expect.arrayContaining([
      '+00:00   5 % held 6 min, passed',
      '+06:00  10 % passed through',
      '+06:00  25 % held 11 min, passed',
      '+17:00  50 % held 16 min, passed',
      '+33:00 100 % passed through',
      '+33:00 released: production 100 % on the new revision',
    ]));
  });

  test.each(['errors-at-5', 'slow'])('%s: rolled back within the recovery promise of the fault onset', async (name) => {
    const scenario = Scenario.named(name);
    const r = await rehearseNative(defaultNativeConfig(), scenario);
    expect(r.outcome).toBe('rolled-back');
    expect(r.seconds - (scenario.faultOnsetMinute ?? 0) * 60).toBeLessThanOrEqual(RECOVERY_PROMISE_SECONDS);
    expect(r.lines[r.lines.length - 1]).toMatch(/FAILED: ECS rolls back, production 100 % on the stable revision \(5 %: .*\(fail\)/);
  });

  test('too little traffic is never a silent pass: the 5 % hold is extended once, then rolled back', async () => {
    const r = await rehearseNative(defaultNativeConfig(), Scenario.lowTraffic());
    expect(r.outcome).toBe('rolled-back');
    expect(r.seconds).toBe(12 * 60);
    expect(r.reason).toMatch(/min-requests .* \(inconclusive\)/);
  });

  test('canary rehearse --engine ecs exits 1 on a rollback and 0 on a release', async () => {
    const deps = (out: BufferOutput) => ({ out, clients: () => { throw new Error('no AWS in a rehearsal'); }, now: () => new Date(0), sleep: async () => undefined });
    const bad = new BufferOutput();
    expect(await runCli(['rehearse', '--engine', 'ecs', '--scenario', 'errors-at-5'], deps(bad))).toBe(1);
    expect(bad.text).toMatch(/rehearsal on the ECS engine/);
    const good = new BufferOutput();
    expect(await runCli(['rehearse', '--engine', 'ecs', '--scenario', 'good'], deps(good))).toBe(0);
  });
});
