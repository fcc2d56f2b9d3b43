import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import type { SmokeCheckConfig } from '../runtime-config';
import { invalid } from '../private/validation';

/** What a smoke test renders into the runtime configuration. */
export interface SmokeTestConfig {
  readonly config: SmokeCheckConfig;
  /** Functions the smoke-test hook must be allowed to invoke. */
  readonly functions: lambda.IFunction[];
}

/**
 * A check run by the AfterAllowTestTraffic hook against the new version, before any
 * production request reaches it. Any failure fails the deployment while production is
 * still entirely on the stable version.
 */
export abstract class SmokeTest {
  /** Renders the check; `scope` is used for validation messages. */
  public abstract bind(scope: IConstruct): SmokeTestConfig;
}

export interface HttpCheckOptions {
  /**
   * Status codes that pass.
   * @default [200]
   */
  readonly expectStatus?: number | number[];
  /**
   * A regular expression the response body must match.
   * @default no body check
   */
  readonly bodyMatches?: string;
  /**
   * Each response must arrive within this time.
   * @default Duration.seconds(2)
   */
  readonly latencyBudget?: Duration;
  /**
   * How many times the request is sent to each new task; every attempt must pass.
   * @default 3
   */
  readonly repeat?: number;
  /**
   * Request headers.
   * @default none
   */
  readonly headers?: Record<string, string>;
}

/** An HTTP request to the new version, with the response it must give. */
export class HttpCheck extends SmokeTest {
  /** GET `path` on the new version. */
  public static get(path: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck('GET', path, options);
  }

  /** HEAD `path` on the new version. */
  public static head(path: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck('HEAD', path, options);
  }

  /** POST `body` to `path` on the new version. */
  public static post(path: string, body: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck('POST', path, options, body);
  }

  private constructor(
    private readonly method: 'GET' | 'HEAD' | 'POST',
    private readonly path: string,
    private readonly options: HttpCheckOptions,
    private readonly body?: string,
  ) {
    super();
  }

  public bind(scope: IConstruct): SmokeTestConfig {
    const o = this.options;
    const where = `smokeTests (${this.method} ${this.path})`;
    if (!this.path.startsWith('/')) invalid(scope, where, `path must start with "/" (got "${this.path}").`);
    const expectStatus = o.expectStatus === undefined ? [200] : Array.isArray(o.expectStatus) ? o.expectStatus : [o.expectStatus];
    for (const s of expectStatus) {
      if (!Token.isUnresolved(s) && (!Number.isInteger(s) || s < 100 || s > 599)) {
        invalid(scope, where, `expectStatus must hold HTTP status codes 100..599 (got ${s}).`);
      }
    }
    if (o.bodyMatches !== undefined) {
      try {
        new RegExp(o.bodyMatches);
      } catch (err) {
        invalid(scope, where, `bodyMatches is not a valid regular expression: ${(err as Error).message}`);
      }
    }
    const repeat = o.repeat ?? 3;
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) invalid(scope, where, `repeat must be a whole number 1..100 (got ${repeat}).`);
    const budget = (o.latencyBudget ?? Duration.seconds(2)).toMilliseconds();
    if (budget < 1 || budget > 60_000) invalid(scope, where, `latencyBudget must be between 1 ms and 60 s (got ${budget} ms).`);
    return {
      config: {
        kind: 'http',
        method: this.method,
        path: this.path,
        expectStatus,
        bodyMatches: o.bodyMatches,
        latencyBudgetMs: budget,
        repeat,
        headers: o.headers,
        body: this.body,
      },
      functions: [],
    };
  }
}

/**
 * Your own check: a Lambda function invoked with `{ deploymentId, applicationName,
 * deploymentGroupName, testBaseUrl, greenTargets: [{ ip, port }] }`. It fails the check by
 * throwing or by returning `{ ok: false, reason }`.
 */
export class LambdaCheck extends SmokeTest {
  public static of(fn: lambda.IFunction): LambdaCheck {
    return new LambdaCheck(fn);
  }

  private constructor(private readonly fn: lambda.IFunction) {
    super();
  }

  public bind(): SmokeTestConfig {
    return { config: { kind: 'lambda', functionArn: this.fn.functionArn }, functions: [this.fn] };
  }
}
