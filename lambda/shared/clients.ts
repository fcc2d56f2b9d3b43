import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';

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

/** Client classes by key; each is built on first use with the given config. */
export type ClientCtors<T> = { [K in keyof T]: new (config: object) => T[K] };

export const CLIENT_CTORS: ClientCtors<Clients> = {
  codedeploy: CodeDeployClient,
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  cloudwatch: CloudWatchClient,
  ssm: SSMClient,
  dynamodb: DynamoDBClient,
  sfn: SFNClient,
  lambda: LambdaClient,
  sns: SNSClient,
};

/** A bag of clients created lazily, so a function or command only builds the clients it touches. */
export function lazyClients<T extends object>(ctors: ClientCtors<T>, config: object): T {
  const cache: Partial<T> = {};
  const out = {} as T;
  for (const key of Object.keys(ctors) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!cache[key]) cache[key] = new ctors[key](config);
        return cache[key];
      },
    });
  }
  return out;
}

/** SDK retries (standard mode, 3 attempts) absorb throttling; our code handles what is left. */
export function createClients(): Clients {
  return lazyClients(CLIENT_CTORS, { maxAttempts: 3 });
}
