import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
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

/** A log group of ours: kept 3 months, removed with the stack. */
export function canaryLogGroup(scope: Construct, id: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/** Log writing for `role`, to `logGroup` only (instead of AWSLambdaBasicExecutionRole's every log group). */
export function grantLogWrite(role: iam.IRole, logGroup: logs.ILogGroup): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
}

/** Finds a construct by id under `parent`, or creates it: the stack-wide singletons. */
export function findOrCreate<T extends IConstruct>(parent: IConstruct, id: string, create: () => T): T {
  return (parent.node.tryFindChild(id) as T | undefined) ?? create();
}

/**
 * One of our Lambda functions: Node.js 24 on arm64, code from the assets bundled at library build
 * time, its own log group kept 3 months, and log permissions for that log group only instead of
 * the AWSLambdaBasicExecutionRole managed policy (which allows every log group).
 */
export function bundledFunction(scope: Construct, id: string, options: BundledFunctionOptions): lambda.Function {
  const logGroup = canaryLogGroup(scope, `${id}Logs`);
  grantLogWrite(options.role, logGroup);
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
