import { describeNativePlan, MIN_LINEAR_STEP_PERCENT, nativePlan, nominalNativeMinutes } from '../../lib/native/native-plan';

const s = (percent: number, minutes: number) => ({ percent, bakeSeconds: minutes * 60 });

describe('nativePlan', () => {
  test('the release-policy schedule becomes LINEAR 5 % steps holding at 5, 25 and 50', () => {
    const { plan } = nativePlan([s(5, 5), s(25, 10), s(50, 15)]);
    expect(plan).toMatchObject({ strategy: 'LINEAR', stepPercent: 5 });
    expect(plan!.shifts).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95]);
    expect(plan!.holds.map((h) => h.percent)).toEqual([5, 25, 50]);
    expect(nominalNativeMinutes(plan!)).toBe(33);
  });

  test('10 → 50 steps by 10; a single step is CANARY; no step is BLUE_GREEN', () => {
    expect(nativePlan([s(10, 1), s(50, 1)]).plan).toMatchObject({ strategy: 'LINEAR', stepPercent: 10 });
    expect(nativePlan([s(7, 30)]).plan).toMatchObject({ strategy: 'CANARY', stepPercent: 7, shifts: [7] });
    expect(nativePlan([]).plan).toMatchObject({ strategy: 'BLUE_GREEN', holds: [], shifts: [] });
  });

  test('fails when the percents share no divisor ECS LINEAR accepts', () => {
    const { plan, error } = nativePlan([s(5, 5), s(12, 5)]);
    expect(plan).toBeUndefined();
    expect(error).toMatch(new RegExp(`divisor .*is 1 % for 5, 12; ECS needs at least ${MIN_LINEAR_STEP_PERCENT} %`));
  });

  test('describes the timeline: holds with their minutes, in-between steps passed through', () => {
    const lines = describeNativePlan(nativePlan([s(10, 5), s(30, 10)]).plan!);
    expect(lines).toEqual([
      'ECS strategy LINEAR (step 10 %)',
      't+0 min: 10 % - hook holds 6 min and judges every interval',
      't+6 min: 20 % - passed through at once',
      't+6 min: 30 % - hook holds 11 min and judges every interval',
      't+17 min: 40 % - passed through at once',
      't+17 min: 50 % - passed through at once',
      't+17 min: 60 % - passed through at once',
      't+17 min: 70 % - passed through at once',
      't+17 min: 80 % - passed through at once',
      't+17 min: 90 % - passed through at once',
      't+17 min: 100 %',
    ]);
  });
});

describe('TrafficSchedule.stepsBeforeFull (what the ECS engine runs)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Duration } = require('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TrafficSchedule } = require('../../lib/deployment/traffic-schedule');
  const view = (sch: any) => sch.stepsBeforeFull().map((x: any) => [x.percent, x.bake.toMinutes()]);

  test('stepped: every step including the last one CodeDeploy would run', () => {
    expect(view(TrafficSchedule.default())).toEqual([[5, 5], [25, 10], [50, 15]]);
  });

  test('linear: its equal steps', () => {
    expect(view(TrafficSchedule.linear(30, Duration.minutes(2)))).toEqual([[30, 2], [60, 2], [90, 2]]);
  });

  test('all at once: none', () => {
    expect(view(TrafficSchedule.allAtOnce())).toEqual([]);
  });
});
