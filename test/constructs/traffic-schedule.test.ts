import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as fc from 'fast-check';
import { METRICS_SETTLE_SECONDS } from '../../lambda/stepper/schedule';
import { TrafficSchedule, TrafficStep } from '../../lib';
import { HOOK_LIMIT, HOOK_MARGIN, METRICS_SETTLE } from '../../lib/deployment/traffic-schedule';

const min = (n: number) => Duration.minutes(n);
const steps = (...s: Array<[number, Duration]>): TrafficStep[] => s.map(([percent, bake]) => ({ percent, bake }));
const plain = (s: readonly TrafficStep[]) => s.map((x) => ({ percent: x.percent, bakeSeconds: x.bake.toSeconds() }));

/** Renders a schedule as the CodeDeploy config CloudFormation gets. */
function renderedConfig(schedule: TrafficSchedule) {
  const stack = new Stack();
  new codedeploy.EcsDeploymentConfig(stack, 'Config', { trafficRouting: schedule.renderTrafficRouting() });
  return Template.fromStack(stack);
}

describe('TrafficSchedule.default() (release policy)', () => {
  const schedule = TrafficSchedule.default();

  test('runs 5 % 5 min and 25 % 10 min in the hook', () => {
    expect(plain(schedule.inHookSteps)).toEqual([
      { percent: 5, bakeSeconds: 300 },
      { percent: 25, bakeSeconds: 600 },
    ]);
  });

  test('leaves 50 % 15 min to CodeDeploy as the final step', () => {
    expect(schedule.finalStep && plain([schedule.finalStep])).toEqual([{ percent: 50, bakeSeconds: 900 }]);
  });

  test('is the same as steps() without arguments', () => {
    const s = TrafficSchedule.steps();
    expect(plain(s.inHookSteps)).toEqual(plain(schedule.inHookSteps));
    expect(s.describe()).toBe(schedule.describe());
  });

  test('renders a TimeBasedCanary 50 % / 15 min deployment config', () => {
    expect(schedule.renderTrafficRouting().bind(new Stack())).toEqual({
      type: 'TimeBasedCanary',
      timeBasedCanary: { canaryPercentage: 50, canaryInterval: 15 },
    });
    renderedConfig(schedule).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'ECS',
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 50, CanaryInterval: 15 } },
    });
  });

  test('describes itself step by step, ending at 100 %', () => {
    expect(schedule.describe()).toBe('5% 5 minutes → 25% 10 minutes → 50% 15 minutes → 100%');
  });

  test('validates clean with the default maxExtensions', () => {
    expect(schedule.validate(1)).toEqual([]);
  });

  test('worst-case in-hook time counts each bake and its settle minute, per extension; nominal time adds the last bake', () => {
    // (5 + 1) + (10 + 1) = 17 min per pass through the in-hook steps.
    expect(schedule.worstCaseInHookDuration(0).toMinutes()).toBe(17);
    expect(schedule.worstCaseInHookDuration(1).toMinutes()).toBe(34);
    expect(schedule.worstCaseInHookDuration(2).toMinutes()).toBe(51);
    // 17 min in the hook, then CodeDeploy's 15 min at 50 %: 100 % at 32 min.
    expect(schedule.nominalDuration().toMinutes()).toBe(32);
  });

  test('with 2 extensions per step the in-hook steps (51 min) no longer fit the 50 min budget', () => {
    expect(schedule.validate(2)).toEqual([expect.stringContaining('can take up to 51 min with 2 extension(s) per step')]);
  });

  test('DEFAULT_STEPS is the release policy table', () => {
    expect(plain(TrafficSchedule.DEFAULT_STEPS)).toEqual([
      { percent: 5, bakeSeconds: 300 },
      { percent: 25, bakeSeconds: 600 },
      { percent: 50, bakeSeconds: 900 },
    ]);
  });
});

describe('TrafficSchedule.steps()', () => {
  test('a single step runs nothing in the hook and renders as the canary config', () => {
    const s = TrafficSchedule.steps(steps([10, min(1)]));
    expect(s.inHookSteps).toHaveLength(0);
    expect(s.finalStep?.percent).toBe(10);
    expect(s.renderTrafficRouting().bind(new Stack())).toEqual({
      type: 'TimeBasedCanary',
      timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 },
    });
    expect(s.worstCaseInHookDuration(3).toMinutes()).toBe(0);
  });

  test('the staging schedule 10 → 50 → 100 with 1 min steps', () => {
    const s = TrafficSchedule.steps(steps([10, min(1)], [50, min(1)]));
    expect(s.validate(1)).toEqual([]);
    expect(plain(s.inHookSteps)).toEqual([{ percent: 10, bakeSeconds: 60 }]);
    expect(s.describe()).toBe('10% 1 minute → 50% 1 minute → 100%');
    expect(s.worstCaseInHookDuration(1).toMinutes()).toBe(4);
    expect(s.nominalDuration().toMinutes()).toBe(3);
  });
});

describe('TrafficSchedule.allAtOnce()', () => {
  const s = TrafficSchedule.allAtOnce();

  test('has no steps and renders AllAtOnce', () => {
    expect(s.inHookSteps).toHaveLength(0);
    expect(s.finalStep).toBeUndefined();
    expect(s.renderTrafficRouting().bind(new Stack())).toEqual({ type: 'AllAtOnce' });
  });

  test('describes and validates', () => {
    expect(s.describe()).toBe('100% at once');
    expect(s.validate(10)).toEqual([]);
    expect(s.worstCaseInHookDuration(10).toMinutes()).toBe(0);
    expect(s.nominalDuration().toMinutes()).toBe(0);
  });
});

describe('TrafficSchedule.linear()', () => {
  const s = TrafficSchedule.linear(10, min(3));

  test('renders TimeBasedLinear 10 % every 3 min', () => {
    expect(s.renderTrafficRouting().bind(new Stack())).toEqual({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 10, linearInterval: 3 },
    });
    renderedConfig(s).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 10, LinearInterval: 3 } },
    });
  });

  test('runs nothing in the hook (CodeDeploy does every shift)', () => {
    expect(s.inHookSteps).toHaveLength(0);
    expect(s.worstCaseInHookDuration(10).toMinutes()).toBe(0);
    expect(s.finalStep?.percent).toBe(10);
  });

  test('describes itself and takes 9 intervals to reach 100 %', () => {
    expect(s.describe()).toBe('+10% every 3 minutes → 100%');
    expect(s.nominalDuration().toMinutes()).toBe(27);
    expect(TrafficSchedule.linear(30, min(2)).nominalDuration().toMinutes()).toBe(6);
    expect(s.validate(1)).toEqual([]);
  });

  test('fails when the percent is not an integer 1..99', () => {
    expect(TrafficSchedule.linear(0, min(3)).validate(1)).toEqual([
      'schedule (linear): percent must be an integer from 1 to 99 (got 0); 100 % is always the implicit last step.',
    ]);
    expect(TrafficSchedule.linear(100, min(3)).validate(1)).toHaveLength(1);
  });

  test('fails when the interval is not whole minutes', () => {
    expect(TrafficSchedule.linear(10, Duration.seconds(90)).validate(1)).toEqual([
      expect.stringContaining('schedule (linear): bake must be whole minutes of at least 1 (got 1 minute 30 seconds)'),
    ]);
  });
});

describe('TrafficSchedule.steps() validation', () => {
  const only = (s: TrafficStep[], maxExtensions = 1) => {
    const errors = TrafficSchedule.steps(s).validate(maxExtensions);
    expect(errors).toHaveLength(1);
    return errors[0];
  };

  test('fails when percents do not strictly increase', () => {
    expect(only(steps([25, min(5)], [10, min(5)], [50, min(5)]))).toBe(
      'schedule step 2: percents must strictly increase (25% is followed by 10%).',
    );
    expect(only(steps([25, min(5)], [25, min(5)]))).toBe(
      'schedule step 2: percents must strictly increase (25% is followed by 25%).',
    );
  });

  test('fails when a percent is 0', () => {
    expect(only(steps([0, min(5)], [50, min(5)]))).toBe(
      'schedule step 1: percent must be an integer from 1 to 99 (got 0); 100 % is always the implicit last step.',
    );
  });

  test('fails when a percent is 100', () => {
    expect(only(steps([5, min(5)], [100, min(5)]))).toBe(
      'schedule step 2: percent must be an integer from 1 to 99 (got 100); 100 % is always the implicit last step.',
    );
  });

  test('fails when a percent is not an integer (2.5)', () => {
    expect(only(steps([2.5, min(5)], [50, min(5)]))).toMatch(/^schedule step 1: percent must be an integer from 1 to 99 \(got 2\.5\)/);
  });

  test('fails when a bake is 30 seconds', () => {
    expect(only(steps([5, Duration.seconds(30)], [50, min(5)]))).toBe(
      'schedule step 1: bake must be whole minutes of at least 1 (got 30 seconds); CodeDeploy intervals and load balancer metrics are per minute. Use Duration.minutes(n).',
    );
  });

  test('fails when a bake is 90 seconds (not whole minutes)', () => {
    expect(only(steps([5, min(5)], [50, Duration.seconds(90)]))).toMatch(
      /^schedule step 2: bake must be whole minutes of at least 1 \(got 1 minute 30 seconds\)/,
    );
  });

  test('fails with a message, not a throw, when a bake is not whole seconds', () => {
    expect(only(steps([5, Duration.millis(90_500)], [50, min(5)]))).toMatch(/^schedule step 1: bake must be whole minutes of at least 1/);
    expect(TrafficSchedule.linear(10, Duration.millis(500)).validate(1)).toEqual([
      expect.stringMatching(/^schedule \(linear\): bake must be whole minutes of at least 1 \(got 500 millis\)/),
    ]);
  });

  test('fails when there are no steps', () => {
    expect(only([])).toBe(
      'schedule: TrafficSchedule.steps() needs at least one step; for no canary use TrafficSchedule.allAtOnce().',
    );
  });

  test('reports every problem at once', () => {
    expect(TrafficSchedule.steps(steps([0, Duration.seconds(30)], [50, min(5)], [40, min(5)])).validate(1)).toHaveLength(3);
  });

  test('fails when the in-hook steps exceed the hook limit (5 → 10 → 25 → 50 with 30 min each)', () => {
    const slow = steps([5, min(30)], [10, min(30)], [25, min(30)], [50, min(30)]);
    const msg = only(slow, 0);
    expect(msg).toContain('(5% 30 minutes, 10% 30 minutes, 25% 30 minutes)');
    // 3 x (30 min bake + 1 min settle).
    expect(msg).toContain('can take up to 93 min');
    expect(msg).toContain('(each bake is followed by 1 min of settle for its last minute of metrics)');
    expect(msg).toContain('must report within 60 min');
    expect(msg).toContain('50 min budget');
    expect(msg).toContain('longer than one hook are not supported yet');
    // Each extension adds one bake and its settle minute per in-hook step.
    expect(only(slow, 1)).toContain('can take up to 186 min with 1 extension(s) per step');
  });

  test('the budget is exactly the hook limit minus the margin, settle minutes included: 50 min passes, 51 min fails', () => {
    expect(HOOK_LIMIT.toMinutes() - HOOK_MARGIN.toMinutes()).toBe(50);
    // (24 + 1) + (24 + 1) = 50 min.
    expect(TrafficSchedule.steps(steps([5, min(24)], [10, min(24)], [50, min(60)])).validate(0)).toEqual([]);
    expect(only(steps([5, min(24)], [10, min(25)], [50, min(60)]), 0)).toContain('can take up to 51 min');
    // 25 + 25 min of bakes alone fit; their settle minutes do not.
    expect(only(steps([5, min(25)], [10, min(25)], [50, min(60)]), 0)).toContain('can take up to 52 min');
    // The fitting steps with one extension each: 100 min.
    expect(only(steps([5, min(24)], [10, min(24)], [50, min(60)]), 1)).toContain('can take up to 100 min');
  });

  test('the settle minute is the stepper\'s', () => {
    expect(METRICS_SETTLE.toSeconds()).toBe(METRICS_SETTLE_SECONDS);
  });

  test('a long last step is fine: CodeDeploy runs it, not the hook', () => {
    expect(TrafficSchedule.steps(steps([5, min(5)], [50, Duration.hours(2)])).validate(1)).toEqual([]);
  });
});

describe('TrafficSchedule properties', () => {
  const bake = fc.oneof(
    fc.integer({ min: 1, max: 40 }).map((m) => Duration.minutes(m)),
    fc.integer({ min: 1, max: 2400 }).map((s) => Duration.seconds(s)),
    fc.integer({ min: 1, max: 2_400_000 }).map((ms) => Duration.millis(ms)),
  );
  const percent = fc.oneof(
    fc.integer({ min: -5, max: 105 }),
    fc.double({ min: -1, max: 101, noNaN: true }),
  );
  const anySteps = fc.array(fc.record({ percent, bake }), { maxLength: 6 });
  // Biased towards valid schedules so the property is not vacuous.
  const plausibleSteps = fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 5 })
    .chain((ps) => fc.tuple(
      fc.constant([...ps].sort((a, b) => a - b)),
      fc.array(fc.integer({ min: 1, max: 30 }), { minLength: ps.length, maxLength: ps.length }),
    ))
    .map(([ps, bakes]) => ps.map((p, i) => ({ percent: p, bake: Duration.minutes(bakes[i]) })));
  const maxExtensions = fc.integer({ min: 0, max: 10 });

  test('any schedule that validates clean has strictly increasing integer percents 1..99 and fits the hook', () => {
    let clean = 0;
    fc.assert(fc.property(fc.oneof(anySteps, plausibleSteps), maxExtensions, (s, ext) => {
      const schedule = TrafficSchedule.steps(s);
      if (schedule.validate(ext).length > 0) return;
      clean++;
      const all = [...schedule.inHookSteps, ...(schedule.finalStep ? [schedule.finalStep] : [])];
      expect(all.length).toBeGreaterThan(0);
      all.forEach((step, i) => {
        expect(Number.isInteger(step.percent)).toBe(true);
        expect(step.percent).toBeGreaterThanOrEqual(1);
        expect(step.percent).toBeLessThanOrEqual(99);
        if (i > 0) expect(step.percent).toBeGreaterThan(all[i - 1].percent);
        expect(step.bake.toSeconds() % 60).toBe(0);
      });
      expect(schedule.worstCaseInHookDuration(ext).toMinutes()).toBeLessThanOrEqual(50);
    }), { numRuns: 500 });
    expect(clean).toBeGreaterThan(20);
  });

  test('a well-formed schedule is rejected exactly when its worst case exceeds 50 min', () => {
    fc.assert(fc.property(plausibleSteps, maxExtensions, (s, ext) => {
      const schedule = TrafficSchedule.steps(s);
      const worst = s.slice(0, -1).reduce((sum, x) => sum + x.bake.toMinutes() + 1, 0) * (1 + ext);
      const errors = schedule.validate(ext);
      if (worst <= 50) {
        expect(errors).toEqual([]);
      } else {
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain(`can take up to ${worst} min`);
      }
    }), { numRuns: 300 });
  });

  test('describe() names every step in order and ends at 100 %', () => {
    fc.assert(fc.property(plausibleSteps, (s) => {
      const d = TrafficSchedule.steps(s).describe().split(' → ');
      expect(d).toHaveLength(s.length + 1);
      expect(d[d.length - 1]).toBe('100%');
      s.forEach((x, i) => expect(d[i].startsWith(`${x.percent}% `)).toBe(true));
    }));
  });
});

describe('schedule values from tokens (CfnParameter, Lazy)', () => {
  const token = () => new CfnParameter(new Stack(), 'P', { type: 'Number' }).valueAsNumber;

  test('fails when a bake comes from a token, naming the step, instead of crashing', () => {
    const errors = TrafficSchedule.steps([{ percent: 5, bake: Duration.minutes(token()) }, { percent: 50, bake: Duration.minutes(5) }]).validate(1);
    expect(errors).toEqual([expect.stringMatching(/^schedule step 1: bake cannot come from a token \(e\.g\. a CfnParameter or Lazy\)/)]);
  });

  test('fails when a linear percent comes from a token', () => {
    expect(TrafficSchedule.linear(token(), Duration.minutes(1)).validate(0)).toEqual([
      expect.stringMatching(/^schedule \(linear\): percent cannot come from a token/),
    ]);
  });
});
