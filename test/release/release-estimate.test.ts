import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  ICanaryDeployment,
  ReleaseEstimate,
  ReleaseMode,
  TrafficSchedule,
} from '../../lib';
import { RELEASE_WAIT_BUDGET } from '../../lib/release/release-estimate';
import { CanaryValidationError } from '../../lib/private/validation';

/** The parts of a CanaryDeployment the estimate reads. */
function deployment(over: {
  schedule?: TrafficSchedule;
  maxExtensions?: number;
  installTimeout?: Duration;
  terminationWaitTime?: Duration;
  finalVerdictWindow?: Duration;
} = {}): ICanaryDeployment {
  return {
    schedule: over.schedule ?? TrafficSchedule.default(),
    maxExtensions: over.maxExtensions ?? 1,
    installTimeout: over.installTimeout ?? Duration.minutes(10),
    terminationWaitTime: over.terminationWaitTime ?? Duration.minutes(5),
    finalVerdictWindow: over.finalVerdictWindow ?? Duration.minutes(5),
  } as unknown as ICanaryDeployment;
}

const minutesOf = (d: ICanaryDeployment) => ReleaseEstimate.of(d)!.total.toMinutes();

describe('ReleaseEstimate', () => {
  test('WAIT_BUDGET is the 55 minutes a stack update waits (the hour of a custom resource less 5 min)', () => {
    expect(ReleaseEstimate.WAIT_BUDGET.toMinutes()).toBe(55);
    expect(ReleaseEstimate.WAIT_BUDGET).toBe(RELEASE_WAIT_BUDGET);
  });

  test('the default schedule: install + smoke + in-hook steps with settle minutes twice (one extension) + last step + verdict + termination', () => {
    const e = ReleaseEstimate.of(deployment())!;
    expect(e.parts.map((p) => [p.label, p.duration.toMinutes()])).toEqual([
      ['install', 10],
      ['smoke tests', 5],
      // 2 x ((5 + 1) + (10 + 1)): each bake and its settle minute, once more per extension.
      ['in-hook steps with extensions', 34],
      ['last shift (CodeDeploy)', 15],
      // The first whole minute at 100 %, the 5 min window, the settle minute.
      ['final verdict', 7],
      ['termination wait', 5],
    ]);
    expect(e.total.toMinutes()).toBe(76);
    expect(e.fitsWait()).toBe(false);
  });

  test.each<[string, ICanaryDeployment, number]>([
    ['no extensions', deployment({ maxExtensions: 0 }), 59],
    ['two extensions', deployment({ maxExtensions: 2 }), 93],
    ['all at once', deployment({ schedule: TrafficSchedule.allAtOnce() }), 27],
    // 10 % every 3 min: nine shifts after the first, 27 min, all done by CodeDeploy.
    ['linear 10 % every 3 min', deployment({ schedule: TrafficSchedule.linear(10, Duration.minutes(3)) }), 54],
    ['one step', deployment({ schedule: TrafficSchedule.steps([{ percent: 20, bake: Duration.minutes(20) }]) }), 47],
    ['short install and termination', deployment({ installTimeout: Duration.minutes(3), terminationWaitTime: Duration.minutes(0) }), 64],
    // The in-hook steps count their settle minutes, CodeDeploy's last step does not have one.
    ['two in-hook steps', deployment({ schedule: TrafficSchedule.steps([
      { percent: 5, bake: Duration.minutes(3) }, { percent: 20, bake: Duration.minutes(4) }, { percent: 50, bake: Duration.minutes(5) },
    ]) }), 10 + 5 + 2 * (4 + 5) + 5 + 7 + 5],
    ['termination wait in seconds', deployment({ schedule: TrafficSchedule.allAtOnce(), terminationWaitTime: Duration.seconds(90) }), 23.5],
  ])('%s: %d min', (_, d, minutes) => {
    expect(ReleaseEstimate.of(d)!.total.toSeconds()).toBe(minutes * 60);
  });

  test('55 minutes fit, 55 and a half do not', () => {
    expect(RELEASE_WAIT_BUDGET.toMinutes()).toBe(55);
    // 10 + 5 + (5 + 1) + (10 + 1) + 15 + (1 + 5 + 1) + 1 = 55: the final verdict waits for its 5 min at 100 %.
    const fits = deployment({ maxExtensions: 0, terminationWaitTime: Duration.minutes(1) });
    expect(minutesOf(fits)).toBe(55);
    expect(ReleaseEstimate.of(fits)!.fitsWait()).toBe(true);
    expect(ReleaseEstimate.of(deployment({ maxExtensions: 0, terminationWaitTime: Duration.seconds(90) }))!.fitsWait()).toBe(false);
  });

  test('describes itself with every part', () => {
    expect(ReleaseEstimate.of(deployment({ schedule: TrafficSchedule.allAtOnce(), terminationWaitTime: Duration.seconds(90) }))!.describe())
      .toBe('23.5 min (install 10 min + smoke tests 5 min + in-hook steps with extensions 0 min + last shift (CodeDeploy) 0 min + '
        + 'final verdict 7 min + termination wait 1.5 min)');
  });

  test('the final verdict part follows finalVerdictWindow', () => {
    const e = ReleaseEstimate.of(deployment({ finalVerdictWindow: Duration.minutes(20) }))!;
    expect(e.parts.find((p) => p.label === 'final verdict')!.duration.toMinutes()).toBe(22);
  });

  test('no estimate when a duration is a token', () => {
    expect(ReleaseEstimate.of(deployment({ terminationWaitTime: Duration.minutes(Token.asNumber({ Ref: 'Wait' })) }))).toBeUndefined();
    expect(ReleaseEstimate.of(deployment({ installTimeout: Duration.seconds(Token.asNumber({ Ref: 'Install' })) }))).toBeUndefined();
  });
});

describe('ReleaseMode', () => {
  const scope = () => new Construct(new Stack(new App(), 'S'), 'Release');
  // 55 min: no extension, 1 min termination wait.
  const fits = ReleaseEstimate.of(deployment({ maxExtensions: 0, terminationWaitTime: Duration.minutes(1) }));
  const tooLong = ReleaseEstimate.of(deployment());

  test.each<[string, ReleaseMode, ReleaseEstimate | undefined, string, string | undefined]>([
    ['auto, fits', ReleaseMode.auto(), fits, 'wait', undefined],
    ['auto, too long', ReleaseMode.auto(), tooLong, 'async', 'cdk-ecs-canary:release-async'],
    ['auto, unknown', ReleaseMode.auto(), undefined, 'async', 'cdk-ecs-canary:release-async'],
    ['wait, fits', ReleaseMode.wait(), fits, 'wait', undefined],
    ['wait, unknown', ReleaseMode.wait(), undefined, 'wait', 'cdk-ecs-canary:release-estimate'],
    ['async, fits', ReleaseMode.async(), fits, 'async', undefined],
    ['async, too long', ReleaseMode.async(), tooLong, 'async', undefined],
    ['external', ReleaseMode.external(), tooLong, 'external', undefined],
  ])('%s -> %s, warning %s', (_, mode, estimate, kind, warning) => {
    const config = mode.bind(scope(), estimate);
    expect(config.kind).toBe(kind);
    expect(config.warning?.id).toBe(warning);
  });

  test('auto without an estimate says so', () => {
    expect(ReleaseMode.auto().bind(scope(), undefined).warning?.message)
      .toMatch(/^release: the release time cannot be estimated \(a duration is a token\)\. So cdk deploy starts/);
  });

  test('fails when wait cannot fit', () => {
    expect(() => ReleaseMode.wait().bind(scope(), tooLong)).toThrow(CanaryValidationError);
    expect(() => ReleaseMode.wait().bind(scope(), tooLong)).toThrow(/^release\.mode: ReleaseMode\.wait\(\) cannot wait for this release: it can take 76 min/);
  });
});
