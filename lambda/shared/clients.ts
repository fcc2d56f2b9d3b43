import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The AWS clients a function may use, passed into the plain functions so tests can hand in
 * mocked ones. Created lazily: a function only pays for the clients it touches.
 */
export interface Clients {
  readonly codedeploy: CodeDeployClient;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly sns: SNSClient;
}

/** Loaders of the client classes by key; each is called on first use of its client. */
export type ClientLoaders<T> = { [K in keyof T]: () => new (config: object) => T[K] };

/**
 * Loading an SDK package costs tens of milliseconds of cold start, so a package is required only
 * when its client is first used: a function's start-up loads just the packages its own code
 * imports commands from. (The SDK stays external to the bundles: the Lambda runtime provides it.)
 */
export const CLIENT_LOADERS: ClientLoaders<Clients> = {
  codedeploy: () => require('@aws-sdk/client-codedeploy').CodeDeployClient,
  ecs: () => require('@aws-sdk/client-ecs').ECSClient,
  elbv2: () => require('@aws-sdk/client-elastic-load-balancing-v2').ElasticLoadBalancingV2Client,
  cloudwatch: () => require('@aws-sdk/client-cloudwatch').CloudWatchClient,
  ssm: () => require('@aws-sdk/client-ssm').SSMClient,
  dynamodb: () => require('@aws-sdk/client-dynamodb').DynamoDBClient,
  sfn: () => require('@aws-sdk/client-sfn').SFNClient,
  lambda: () => require('@aws-sdk/client-lambda').LambdaClient,
  sns: () => require('@aws-sdk/client-sns').SNSClient,
};

/** A bag of clients created lazily, so a function or command only builds the clients it touches. */
export function lazyClients<T extends object>(loaders: ClientLoaders<T>, config: object): T {
  const cache: Partial<T> = {};
  const out = {} as T;
  for (const key of Object.keys(loaders) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!cache[key]) cache[key] = new (loaders[key]())(config);
        return cache[key];
      },
    });
  }
  return out;
}

/** SDK retries (standard mode, 3 attempts) absorb throttling; our code handles what is left. */
export function createClients(): Clients {
  return lazyClients(CLIENT_LOADERS, { maxAttempts: 3 });
}
