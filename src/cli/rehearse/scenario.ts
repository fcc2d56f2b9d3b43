/**
 * What the new (green) version does in a rehearsal. The stable (blue) version behaves: 0.1 % 5xx,
 * p95 180 ms, p99 350 ms in the noise-free scenarios; in the noisy ones (random traffic) it is the
 * scenario's own `stable`, log-normal latencies with median 120 ms and sigma 0.6.
 */
import { CliError } from '../errors';

/** One minute of one version's behaviour. */
export interface Behaviour {
  /** Fraction of requests answered with a 5xx, 0..1. */
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly healthyHosts: number;
  readonly unhealthyHosts: number;
  /**
   * Fraction of requests the ALB cannot deliver because the target refuses the connection: the
   * ALB answers 502 itself, counted per target group as TargetConnectionErrorCount, not as
   * HTTPCode_Target_5XX_Count (aws-facts.md). Omitted: 0.
   */
  readonly connectionErrorRate?: number;
}

/** Log-normal latencies of the noisy scenarios (issue 9): median 120 ms, sigma 0.6. */
export const NOISY_MEDIAN_MS = 120;
export const NOISY_SIGMA = 0.6;
/** p95 and p99 of that log-normal: median x e^(sigma z). */
const NOISY_P95_MS = NOISY_MEDIAN_MS * Math.exp(NOISY_SIGMA * 1.6448536);
const NOISY_P99_MS = NOISY_MEDIAN_MS * Math.exp(NOISY_SIGMA * 2.3263479);

/** A good version in the noisy scenarios, at a given 5xx rate (a fraction). */
export function noisyBehaviour(errorRate: number, latencyFactor = 1): Behaviour {
  return { errorRate, p95Ms: NOISY_P95_MS * latencyFactor, p99Ms: NOISY_P99_MS * latencyFactor, healthyHosts: 2, unhealthyHosts: 0 };
}

/** What a noisy scenario's bad version does, relative to the stable version. */
export type NoisyFault =
  | { readonly kind: 'good' }
  | { readonly kind: 'errors'; readonly factor: number }
  | { readonly kind: 'latency'; readonly factor: number }
  | { readonly kind: 'crash' };

export interface NoisyOptions {
  /** Production requests per minute. */
  readonly requestsPerMinute: number;
  /** The stable version's 5xx rate, a fraction (0.001 = 0.1 %). */
  readonly stableErrorRate: number;
  readonly fault: NoisyFault;
}

/** Default 5xx rate of the noisy scenarios (0.1 %, the stable version's rate elsewhere). */
export const DEFAULT_NOISY_ERROR_RATE = 0.001;

export const STABLE: Behaviour = { errorRate: 0.001, p95Ms: 180, p99Ms: 350, healthyHosts: 4, unhealthyHosts: 0 };
const HEALTHY_GREEN: Behaviour = { errorRate: 0.001, p95Ms: 190, p99Ms: 380, healthyHosts: 2, unhealthyHosts: 0 };

/** Production requests per minute, split between the versions by the listener weights. */
export const DEFAULT_REQUESTS_PER_MINUTE = 1000;

export class Scenario {
  /** Everything as it should be: every step passes. */
  public static good(): Scenario {
    return new Scenario('good', 'the new version behaves like the stable one', () => HEALTHY_GREEN);
  }

  /** A broken release: 8 % of the new version's requests fail, from its very first one. */
  public static errorsAt5(): Scenario {
    return new Scenario('errors-at-5', '8 % of the new version\'s requests fail with a 5xx from the first (5 %) step on',
      () => ({ ...HEALTHY_GREEN, errorRate: 0.08 }), { faultOnsetMinute: 0 });
  }

  /** A slow release: p95 and p99 2.5 times the stable version's, under the absolute limits. */
  public static slow(): Scenario {
    return new Scenario('slow', 'the new version answers 2.5 times slower than the stable one (p95 450 ms vs 180 ms)',
      () => ({ ...HEALTHY_GREEN, p95Ms: STABLE.p95Ms * 2.5, p99Ms: STABLE.p99Ms * 2.5 }), { faultOnsetMinute: 0 });
  }

  /** A fine release on a quiet service: 2 requests a minute in all. */
  public static lowTraffic(): Scenario {
    return new Scenario('low-traffic', 'the new version is fine, but production sees only 2 requests a minute',
      () => HEALTHY_GREEN, { requestsPerMinute: 2, faultIsTraffic: true });
  }

  /** An intermittent fault: 8 % 5xx for 3 minutes, fine for 3 minutes, starting fine. */
  public static flapping(): Scenario {
    const on = (minute: number) => Math.floor(minute / 3) % 2 === 1;
    return new Scenario('flapping', 'the new version fails 8 % of requests for 3 minutes, then is fine for 3, and so on (starting fine)',
      (minute) => (on(minute) ? { ...HEALTHY_GREEN, errorRate: 0.08 } : HEALTHY_GREEN), { faultOnsetMinute: 3 });
  }

  /**
   * Random traffic (issue 9): both versions' errors drawn at random at their rates, latencies
   * log-normal (median 120 ms, sigma 0.6). `fault` says how the new version differs from stable.
   */
  public static noisy(o: NoisyOptions): Scenario {
    const stable = noisyBehaviour(o.stableErrorRate);
    const rate = `stable ${Number((o.stableErrorRate * 100).toFixed(3))} % 5xx`;
    const f = o.fault;
    switch (f.kind) {
      case 'good':
        return new Scenario('noisy-good', `the new version is exactly as good as the stable one, on random traffic (${rate})`, () => stable,
          { requestsPerMinute: o.requestsPerMinute, stable, random: true });
      case 'errors':
        return new Scenario(`noisy-errors-${f.factor}x`, `the new version fails ${f.factor} times as often as the stable one, on random traffic (${rate})`,
          () => ({ ...stable, errorRate: Math.min(1, stable.errorRate * f.factor) }), { requestsPerMinute: o.requestsPerMinute, stable, random: true, faultOnsetMinute: 0 });
      case 'latency':
        return new Scenario(`noisy-slow-${f.factor}x`, `every response of the new version takes ${f.factor} times as long as on the stable one (p95 ${f.factor}x), on random traffic (${rate})`,
          () => noisyBehaviour(o.stableErrorRate, f.factor), { requestsPerMinute: o.requestsPerMinute, stable, random: true, faultOnsetMinute: 0 });
      case 'crash':
        return Scenario.crash(o.requestsPerMinute, stable, true);
      default: {
        const unknown: never = f;
        throw new CliError(`unknown fault ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * The new version refuses connections from the first (5 %) step on: the ALB answers 502 itself,
   * which shows per target group as TargetConnectionErrorCount (no target 5xx, no response time).
   */
  public static crash(requestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE, stable: Behaviour = STABLE, random = false): Scenario {
    return new Scenario('crash', 'the new version refuses every connection from the first (5 %) step on: the load balancer answers 502 itself (TargetConnectionErrorCount)',
      () => ({ ...HEALTHY_GREEN, connectionErrorRate: 1 }), { requestsPerMinute, stable, random, faultOnsetMinute: 0 });
  }

  public static readonly NAMES = ['good', 'errors-at-5', 'slow', 'low-traffic', 'flapping', 'crash', 'noisy-good', 'noisy-errors-5x', 'noisy-slow-2x'] as const;

  /** A scenario by name; `stableErrorRate` (a fraction) sets the noisy scenarios' 5xx rate. */
  public static named(name: string, options: { stableErrorRate?: number } = {}): Scenario {
    const noisy = (fault: NoisyFault) => Scenario.noisy({ requestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE, stableErrorRate: options.stableErrorRate ?? DEFAULT_NOISY_ERROR_RATE, fault });
    switch (name) {
      case 'good': return Scenario.good();
      case 'errors-at-5': return Scenario.errorsAt5();
      case 'slow': return Scenario.slow();
      case 'low-traffic': return Scenario.lowTraffic();
      case 'flapping': return Scenario.flapping();
      case 'crash': return Scenario.crash();
      case 'noisy-good': return noisy({ kind: 'good' });
      case 'noisy-errors-5x': return noisy({ kind: 'errors', factor: 5 });
      case 'noisy-slow-2x': return noisy({ kind: 'latency', factor: 2 });
      default: throw new CliError(`unknown scenario ${JSON.stringify(name)}: one of ${Scenario.NAMES.join(', ')}`);
    }
  }

  public readonly requestsPerMinute: number;
  /** Minutes after the first shift at which the new version starts misbehaving; undefined: it never does. */
  public readonly faultOnsetMinute?: number;
  /** The version is fine; the difficulty is too little traffic to judge it. */
  public readonly faultIsTraffic: boolean;
  /** The stable (blue) version's behaviour. */
  public readonly stable: Behaviour;
  /** Errors and latencies are drawn at random (seeded), not the behaviour's exact values. */
  public readonly random: boolean;

  private constructor(
    public readonly name: string,
    public readonly description: string,
    /** The new version's behaviour in the minute `minute` minutes after the first shift (negative: before). */
    public readonly green: (minute: number) => Behaviour,
    private readonly options: { requestsPerMinute?: number; faultOnsetMinute?: number; faultIsTraffic?: boolean; stable?: Behaviour; random?: boolean } = {},
  ) {
    this.requestsPerMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    this.faultOnsetMinute = options.faultOnsetMinute;
    this.faultIsTraffic = options.faultIsTraffic ?? false;
    this.stable = options.stable ?? STABLE;
    this.random = options.random ?? false;
  }

  /** The same scenario with another production request rate (`--rate`). */
  public withRate(requestsPerMinute: number): Scenario {
    return new Scenario(this.name, this.description, this.green, { ...this.options, requestsPerMinute });
  }

  /** The same scenario on random traffic (`--runs`, `--seed`). */
  public withRandomTraffic(): Scenario {
    return new Scenario(this.name, this.description, this.green, { ...this.options, random: true });
  }

  /** A bad version: the rehearsal must end with production on the stable version. */
  public get isFault(): boolean {
    return this.faultOnsetMinute !== undefined;
  }
}
