import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BundledFunction, bundledAssetDir } from './assets';

export interface BundledFunctionOptions {
  /** Which pre-bundled asset the function runs. */
  readonly asset: BundledFunction;
  /** @default 'index.handler' */
  readonly handler?: string;
  readonly timeout: Duration;
  /** The function's role; it gets log permissions scoped to the function's own log group. */
  readonly role: iam.IRole;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** VPC settings and the like. */
  readonly extra?: Partial<lambda.FunctionProps>;
}

/**
 * One of our Lambda functions: Node.js 24 on arm64, code from the assets bundled at library build
 * time, its own log group kept 3 months, and log permissions for that log group only instead of
 * the AWSLambdaBasicExecutionRole managed policy (which allows every log group).
 */
export function bundledFunction(scope: Construct, id: string, options: BundledFunctionOptions): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  options.role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: options.handler ?? 'index.handler',
    code: lambda.Code.fromAsset(bundledAssetDir(options.asset)),
    timeout: options.timeout,
    memorySize: 256,
    role: options.role,
    logGroup,
    description: options.description,
    environment: { POWERTOOLS_SERVICE_NAME: 'cdk-ecs-canary', ...options.environment },
    ...options.extra,
  });
}
