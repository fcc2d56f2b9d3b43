import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { invalid } from '../private/validation';

/** Kinds of smoke check the hooks can run (SmokeTestConfig.type). */
export enum SmokeCheckType {
  /** An HTTP request to the new version (`httpCheck`). */
  HTTP = 'http',
  /** A Lambda function of yours (`lambdaCheck`). */
  LAMBDA = 'lambda',
}

/** An HTTP request the smoke-test hook sends to each new task, and the response it must give. */
export interface HttpCheckConfig {
  /** HTTP method: GET, HEAD or POST. */
  readonly method: string;
  /** Request path, starting with `/`. */
  readonly path: string;
  /** Status codes that pass. */
  readonly expectStatus: number[];
  /**
   * A regular expression the response body must match.
   * @default no body check
   */
  readonly bodyMatches?: string;
  /** Each response must arrive within this many milliseconds. */
  readonly latencyBudgetMs: number;
  /** How many times the request is sent to each new task; every attempt must pass. */
  readonly repeat: number;
  /**
   * Request headers.
   * @default none
   */
  readonly headers?: { [name: string]: string };
  /**
   * Request body.
   * @default none
   */
  readonly body?: string;
}

/** A Lambda function the smoke-test hook invokes (see LambdaCheck for its event and result). */
export interface LambdaCheckConfig {
  /** ARN of the function. */
  readonly functionArn: string;
}

/**
 * What a smoke test renders (as aws-codedeploy's TrafficRouting.bind() does): the check of the
 * kind named by `type`, and the functions the hook must be allowed to invoke.
 */
export interface SmokeTestConfig {
  /** The kind of check; the field of the same kind holds it. */
  readonly type: SmokeCheckType;
  /**
   * The HTTP check, for SmokeCheckType.HTTP.
   * @default none
   */
  readonly httpCheck?: HttpCheckConfig;
  /**
   * The Lambda check, for SmokeCheckType.LAMBDA.
   * @default none
   */
  readonly lambdaCheck?: LambdaCheckConfig;
  /**
   * Functions the smoke-test hook must be allowed to invoke.
   * @default none
   */
  readonly functions?: lambda.IFunction[];
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
  readonly expectStatus?: number[];
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

/** HTTP methods of an HttpCheck. */
enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
}

/** An HTTP request to the new version, with the response it must give. */
export class HttpCheck extends SmokeTest {
  /** GET `path` on the new version. */
  public static get(path: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck(HttpMethod.GET, path, options);
  }

  /** HEAD `path` on the new version. */
  public static head(path: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck(HttpMethod.HEAD, path, options);
  }

  /** POST `body` to `path` on the new version. */
  public static post(path: string, body: string, options: HttpCheckOptions = {}): HttpCheck {
    return new HttpCheck(HttpMethod.POST, path, options, body);
  }

  private constructor(
    private readonly method: HttpMethod,
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
    const expectStatus = o.expectStatus ?? [200];
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
      type: SmokeCheckType.HTTP,
      httpCheck: {
        method: this.method,
        path: this.path,
        expectStatus,
        bodyMatches: o.bodyMatches,
        latencyBudgetMs: budget,
        repeat,
        headers: o.headers,
        body: this.body,
      },
    };
  }
}

/**
 * Your own check: a Lambda function invoked with `{ deploymentId, applicationName,
 * deploymentGroupName, testBaseUrl, greenTargets: [{ ip, port }] }`. It fails the check by
 * throwing or by returning `{ ok: false, reason }`.
 */
export class LambdaCheck extends SmokeTest {
  /** Invoke `fn` as the check. */
  public static of(fn: lambda.IFunction): LambdaCheck {
    return new LambdaCheck(fn);
  }

  private constructor(private readonly fn: lambda.IFunction) {
    super();
  }

  public bind(_scope: IConstruct): SmokeTestConfig {
    return { type: SmokeCheckType.LAMBDA, lambdaCheck: { functionArn: this.fn.functionArn }, functions: [this.fn] };
  }
}
