/**
 * The AWS clients the CLI uses: the runtime's Clients bag plus CloudFormation, built from the
 * SDK's default chain (environment, shared config, SSO, instance role) with `--region` and
 * `--profile` passed through. Created lazily: a command only builds the clients it touches.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CLIENT_CTORS, Clients, lazyClients } from '../../lambda/shared/clients';

export interface CliClients extends Clients {
  readonly cloudformation: CloudFormationClient;
}

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

export function createCliClients(options: AwsOptions = {}): CliClients {
  return lazyClients<CliClients>({ ...CLIENT_CTORS, cloudformation: CloudFormationClient }, {
    maxAttempts: 3,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
}
