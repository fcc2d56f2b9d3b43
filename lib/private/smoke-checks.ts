import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { SmokeCheckType, SmokeTest } from '../hooks/smoke-test';
import type { HttpCheckConfig as HttpCheckRuntime, SmokeCheckConfig } from '../runtime-config';
import { invalid } from './validation';

/** A bound smoke test in the runtime configuration's shape, with the functions to grant. */
export interface BoundSmokeTest {
  readonly config: SmokeCheckConfig;
  readonly functions: lambda.IFunction[];
}

/**
 * Binds `test` and turns its public struct (SmokeTestConfig, jsii-shaped: a `type` and one field
 * per kind) into the runtime configuration's tagged union the hooks read. A custom SmokeTest
 * written in another language is checked here, as it is not typed by TypeScript.
 */
export function bindSmokeTest(scope: IConstruct, test: SmokeTest): BoundSmokeTest {
  const bound = test.bind(scope);
  const functions = bound.functions ?? [];
  if (bound.type === SmokeCheckType.HTTP && bound.httpCheck) {
    const h = bound.httpCheck;
    if (!['GET', 'HEAD', 'POST'].includes(h.method)) invalid(scope, 'smokeTests', `an HTTP check's method must be GET, HEAD or POST (got ${h.method}).`);
    return { config: { kind: 'http', ...h, method: h.method as HttpCheckRuntime['method'] }, functions };
  }
  if (bound.type === SmokeCheckType.LAMBDA && bound.lambdaCheck) {
    return { config: { kind: 'lambda', functionArn: bound.lambdaCheck.functionArn }, functions };
  }
  return invalid(scope, 'smokeTests', `a smoke test of type ${bound.type} must set the matching field (httpCheck for http, lambdaCheck for lambda).`);
}
