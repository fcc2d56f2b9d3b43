/**
 * The AWS clients the CLI uses: the runtime's Clients bag plus CloudFormation, built from the
 * SDK's default chain (environment, shared config, SSO, instance role) with `--region` and
 * `--profile` passed through. Created lazily: a command only builds the clients it touches.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Clients } from '../../lambda/shared/clients';

export interface CliClients extends Clients {
  readonly cloudformation: CloudFormationClient;
}

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

type Ctors = { [K in keyof CliClients]: new (config: object) => CliClients[K] };
const CTORS: Ctors = {
  codedeploy: CodeDeployClient,
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  cloudwatch: CloudWatchClient,
  ssm: SSMClient,
  dynamodb: DynamoDBClient,
  sfn: SFNClient,
  lambda: LambdaClient,
  sns: SNSClient,
  cloudformation: CloudFormationClient,
};

export function createCliClients(options: AwsOptions = {}): CliClients {
  const config = {
    maxAttempts: 3,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const cache: Partial<CliClients> = {};
  const out = {} as CliClients;
  for (const key of Object.keys(CTORS) as (keyof CliClients)[]) {
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!cache[key]) (cache as Record<string, unknown>)[key] = new CTORS[key](config);
        return cache[key];
      },
    });
  }
  return out;
}
