/**
 * What the new (green) version does in a rehearsal. The stable (blue) version always behaves:
 * 0.1 % 5xx, p95 180 ms, p99 350 ms.
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
}

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

  public static readonly NAMES = ['good', 'errors-at-5', 'slow', 'low-traffic', 'flapping'] as const;

  public static named(name: string): Scenario {
    switch (name) {
      case 'good': return Scenario.good();
      case 'errors-at-5': return Scenario.errorsAt5();
      case 'slow': return Scenario.slow();
      case 'low-traffic': return Scenario.lowTraffic();
      case 'flapping': return Scenario.flapping();
      default: throw new CliError(`unknown scenario ${JSON.stringify(name)}: one of ${Scenario.NAMES.join(', ')}`);
    }
  }

  public readonly requestsPerMinute: number;
  /** Minutes after the first shift at which the new version starts misbehaving; undefined: it never does. */
  public readonly faultOnsetMinute?: number;
  /** The version is fine; the difficulty is too little traffic to judge it. */
  public readonly faultIsTraffic: boolean;

  private constructor(
    public readonly name: string,
    public readonly description: string,
    /** The new version's behaviour in the minute `minute` minutes after the first shift (negative: before). */
    public readonly green: (minute: number) => Behaviour,
    options: { requestsPerMinute?: number; faultOnsetMinute?: number; faultIsTraffic?: boolean } = {},
  ) {
    this.requestsPerMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    this.faultOnsetMinute = options.faultOnsetMinute;
    this.faultIsTraffic = options.faultIsTraffic ?? false;
  }

  /** The same scenario with another production request rate (`--rate`). */
  public withRate(requestsPerMinute: number): Scenario {
    return new Scenario(this.name, this.description, this.green, {
      requestsPerMinute,
      faultOnsetMinute: this.faultOnsetMinute,
      faultIsTraffic: this.faultIsTraffic,
    });
  }

  /** A bad version: the rehearsal must end with production on the stable version. */
  public get isFault(): boolean {
    return this.faultOnsetMinute !== undefined;
  }
}
