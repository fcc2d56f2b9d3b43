import { Duration, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import {
  CODEDEPLOY_HOOK_LIMIT_SECONDS, DEFAULT_SCHEDULE_STEPS, HOOK_MARGIN_SECONDS, METRICS_SETTLE_SECONDS, worstCaseStepSeconds,
} from '../policy/release-policy';

/** One step of a canary schedule: this much production traffic on the new version, held this long. */
export interface TrafficStep {
  /** Percent of production traffic on the new version during the step, an integer 1..99. */
  readonly percent: number;
  /** How long the step bakes (is watched and judged) before the next one. Whole minutes, at least 1. */
  readonly bake: Duration;
}

/** CodeDeploy fails a lifecycle hook that does not report within this time (aws-facts.md). */
export const HOOK_LIMIT = Duration.seconds(CODEDEPLOY_HOOK_LIMIT_SECONDS);
/** Head room kept under the hook limit for task start, analysis ticks and reporting. */
export const HOOK_MARGIN = Duration.seconds(HOOK_MARGIN_SECONDS.schedule);
/**
 * How long after each bake of an in-hook step the stepper takes the step's final verdict, traffic
 * staying at the step's percent: ALB metrics are per minute and reach CloudWatch about a minute
 * after the minute ends, so a verdict right at the end of the bake would not see its last minute.
 * The policy's METRICS_SETTLE_SECONDS, the stepper's too.
 */
export const METRICS_SETTLE = Duration.seconds(METRICS_SETTLE_SECONDS);

/**
 * How production traffic moves from the stable version to the new one.
 *
 * `steps` runs every step but the last inside the BeforeAllowTraffic hook (our traffic stepper
 * sets the listener weights and judges each step) and renders the last step as the project's
 * own CodeDeploy `TimeBasedCanary` config, which then shifts to 100 % under the rollback alarms.
 */
export abstract class TrafficSchedule {
  /** The release-policy default: 5 % for 5 min, 25 % for 10 min, 50 % for 15 min, then 100 %. */
  public static readonly DEFAULT_STEPS: TrafficStep[] = DEFAULT_SCHEDULE_STEPS
    .map((s) => ({ percent: s.percent, bake: Duration.seconds(s.bakeSeconds) }));

  /** Stepped canary: each step holds `percent` for `bake`, then 100 %. */
  public static steps(steps: TrafficStep[] = [...TrafficSchedule.DEFAULT_STEPS]): TrafficSchedule {
    return new SteppedSchedule(steps);
  }

  /** The release-policy default schedule (5 → 25 → 50 → 100 %). */
  public static default(): TrafficSchedule {
    return TrafficSchedule.steps();
  }

  /** Everything at once after the smoke tests; still watched by the rollback alarms until blue is removed. */
  public static allAtOnce(): TrafficSchedule {
    return new AllAtOnceSchedule();
  }

  /**
   * Equal steps of `percent` every `interval`, done by CodeDeploy's `TimeBasedLinear` config.
   * Judged by the rollback alarms only: CodeDeploy gives no callback between its shifts.
   */
  public static linear(percent: number, interval: Duration): TrafficSchedule {
    return new LinearSchedule(percent, interval);
  }

  /** Steps run by our traffic stepper inside the BeforeAllowTraffic hook. */
  public abstract readonly inHookSteps: TrafficStep[];
  /** The step CodeDeploy's own deployment config does before 100 %, if any. */
  public abstract readonly finalStep?: TrafficStep;

  /** The traffic routing of the custom CodeDeploy deployment config. */
  public abstract renderTrafficRouting(): codedeploy.TrafficRouting;

  /** Human description, e.g. "5% 5m → 25% 10m → 50% 15m → 100%". */
  public abstract describe(): string;

  /**
   * Problems with this schedule, each a sentence saying what to change. `maxExtensions` is how
   * often the stepper may extend an inconclusive step by one bake (and its settle minute): it
   * counts towards the hook budget.
   */
  public abstract validate(maxExtensions: number): string[];

  /**
   * Longest time the in-hook steps can take: Σ (bake + METRICS_SETTLE) × (1 + maxExtensions), as
   * the stepper takes each step's final verdict a settle minute after the bake and each extension
   * adds one bake and its settle minute.
   */
  public worstCaseInHookDuration(maxExtensions: number): Duration {
    const seconds = this.inHookSteps.reduce((sum, s) => sum + worstCaseStepSeconds(s.bake.toSeconds(), maxExtensions), 0);
    return Duration.seconds(seconds);
  }

  /**
   * Time from the first shift to 100 % when every step passes at once: every bake, plus the settle
   * minute of each in-hook step (worstCaseInHookDuration(0) for those).
   */
  public nominalDuration(): Duration {
    const finalBake = this.finalStep ? this.finalStep.bake.toMinutes() : 0;
    return Duration.minutes(this.worstCaseInHookDuration(0).toMinutes() + finalBake);
  }

  /**
   * Every step before 100 %, in order, as an engine that runs the whole schedule itself sees it
   * (the ECS-native engine, lib/native/native-plan.ts): a linear schedule expands to its equal steps.
   */
  public stepsBeforeFull(): TrafficStep[] {
    return [...this.inHookSteps, ...(this.finalStep ? [this.finalStep] : [])];
  }
}

function fmt(step: TrafficStep): string {
  return `${step.percent}% ${step.bake.toHumanString()}`;
}

/**
 * Percents and bakes are computed with at synth time (the hook budget, the shared deployment
 * config's name, the stepper's seconds and CodeDeploy's minutes), so a token cannot stand for one.
 */
const TOKEN_MESSAGE = 'cannot come from a token (e.g. a CfnParameter or Lazy): the hook budget and the CodeDeploy deployment config are computed from it at synth time. Give a literal value.';

function validateBake(where: string, bake: Duration): string[] {
  if (bake.isUnresolved()) return [`${where}: bake ${TOKEN_MESSAGE}`];
  // integral: false, so a bake like Duration.millis(90500) gets this message instead of a throw.
  const seconds = bake.toSeconds({ integral: false });
  if (seconds < 60 || seconds % 60 !== 0) {
    return [`${where}: bake must be whole minutes of at least 1 (got ${bake.toHumanString()}); CodeDeploy intervals and load balancer metrics are per minute. Use Duration.minutes(n).`];
  }
  return [];
}

function validatePercent(where: string, percent: number): string[] {
  if (Token.isUnresolved(percent)) return [`${where}: percent ${TOKEN_MESSAGE}`];
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
    return [`${where}: percent must be an integer from 1 to 99 (got ${percent}); 100 % is always the implicit last step.`];
  }
  return [];
}

class SteppedSchedule extends TrafficSchedule {
  public readonly inHookSteps: TrafficStep[];
  public readonly finalStep?: TrafficStep;

  constructor(private readonly allSteps: TrafficStep[]) {
    super();
    this.inHookSteps = allSteps.slice(0, -1);
    this.finalStep = allSteps[allSteps.length - 1];
  }

  public renderTrafficRouting(): codedeploy.TrafficRouting {
    const last = this.finalStep;
    if (!last) return codedeploy.TrafficRouting.allAtOnce();
    return codedeploy.TrafficRouting.timeBasedCanary({ percentage: last.percent, interval: last.bake });
  }

  public describe(): string {
    return [...this.allSteps.map(fmt), '100%'].join(' → ');
  }

  public validate(maxExtensions: number): string[] {
    const errors: string[] = [];
    if (this.allSteps.length === 0) {
      errors.push('schedule: TrafficSchedule.steps() needs at least one step; for no canary use TrafficSchedule.allAtOnce().');
    }
    this.allSteps.forEach((s, i) => {
      errors.push(...validatePercent(`schedule step ${i + 1}`, s.percent), ...validateBake(`schedule step ${i + 1}`, s.bake));
      const prev = this.allSteps[i - 1];
      if (prev && !Token.isUnresolved(s.percent) && !Token.isUnresolved(prev.percent) && s.percent <= prev.percent) {
        errors.push(`schedule step ${i + 1}: percents must strictly increase (${prev.percent}% is followed by ${s.percent}%).`);
      }
    });
    if (errors.length > 0) return errors;
    const worst = this.worstCaseInHookDuration(maxExtensions);
    const budget = HOOK_LIMIT.toMinutes() - HOOK_MARGIN.toMinutes();
    if (worst.toMinutes() > budget) {
      const steps = this.inHookSteps.map(fmt).join(', ');
      errors.push(
        `schedule: the steps run inside the BeforeAllowTraffic hook (${steps}) can take up to ${worst.toMinutes()} min ` +
        `with ${maxExtensions} extension(s) per step (each bake is followed by ${METRICS_SETTLE.toMinutes()} min of settle for its last minute of metrics), ` +
        `but a CodeDeploy lifecycle hook must report within ${HOOK_LIMIT.toMinutes()} min ` +
        `and we keep ${HOOK_MARGIN.toMinutes()} min of margin (${budget} min budget). Shorten the bakes, lower analysis.maxExtensions, ` +
        `or move the longest bake to the last step (${fmt(this.finalStep!)} is run by CodeDeploy's own config, which has no hour limit). ` +
        'In-hook steps longer than one hook are not supported yet (ReleaseMode.async() only lifts CloudFormation\'s one-hour wait, not the hook\'s).',
      );
    }
    return errors;
  }
}

class AllAtOnceSchedule extends TrafficSchedule {
  public readonly inHookSteps: TrafficStep[] = [];
  public readonly finalStep = undefined;
  public renderTrafficRouting(): codedeploy.TrafficRouting {
    return codedeploy.TrafficRouting.allAtOnce();
  }
  public describe(): string {
    return '100% at once';
  }
  public validate(): string[] {
    return [];
  }
}

class LinearSchedule extends TrafficSchedule {
  public readonly inHookSteps: TrafficStep[] = [];
  public readonly finalStep?: TrafficStep;

  constructor(private readonly percent: number, private readonly interval: Duration) {
    super();
    this.finalStep = { percent, bake: interval };
  }

  public renderTrafficRouting(): codedeploy.TrafficRouting {
    return codedeploy.TrafficRouting.timeBasedLinear({ percentage: this.percent, interval: this.interval });
  }

  public describe(): string {
    return `+${this.percent}% every ${this.interval.toHumanString()} → 100%`;
  }

  public nominalDuration(): Duration {
    if (Token.isUnresolved(this.percent)) return this.interval;
    return Duration.minutes(Math.ceil(100 / this.percent - 1) * this.interval.toMinutes());
  }

  public validate(): string[] {
    return [...validatePercent('schedule (linear)', this.percent), ...validateBake('schedule (linear)', this.interval)];
  }

  public stepsBeforeFull(): TrafficStep[] {
    if (Token.isUnresolved(this.percent)) return [{ percent: this.percent, bake: this.interval }];
    const steps: TrafficStep[] = [];
    for (let p = this.percent; p < 100; p += this.percent) steps.push({ percent: p, bake: this.interval });
    return steps;
  }
}
