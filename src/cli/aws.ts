/**
 * The AWS clients the CLI uses: the runtime's Clients bag plus CloudFormation, built from the
 * SDK's default chain (environment, shared config, SSO, instance role) with `--region` and
 * `--profile` passed through. Created lazily: a command only builds the clients it touches.
 *
 * Every call is bounded: a person at a terminal must get an answer, not a hang, when an endpoint
 * accepts the connection and never replies (a proxy, a firewall, a wrong AWS_ENDPOINT_URL).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CLIENT_LOADERS, Clients, lazyClients } from '../../lambda/shared/clients';

export interface CliClients extends Clients {
  readonly cloudformation: CloudFormationClient;
}

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

/**
 * Time limits of one AWS call. Worst case for a call that never gets an answer:
 * attempts x (connect + request) + the SDK's backoff between attempts, under 30 s.
 */
export const CLI_CALL_LIMITS = {
  /** Seconds to open the TCP/TLS connection. */
  connectionTimeoutSeconds: 3,
  /** Seconds the socket may stay silent while waiting for the response. */
  requestTimeoutSeconds: 8,
  /** Attempts per call, the first one included (the SDK retries throttling and timeouts). */
  maxAttempts: 2,
} as const;

export function cliClientConfig(options: AwsOptions = {}): Record<string, unknown> {
  return {
    maxAttempts: CLI_CALL_LIMITS.maxAttempts,
    // The SDK builds its NodeHttpHandler from these options (milliseconds). Its requestTimeout
    // only logs a warning unless throwOnRequestTimeout is set (@smithy/node-http-handler 4.x), and
    // its socket timeout defaults to none: both must be set for a silent endpoint to end the call.
    requestHandler: {
      connectionTimeout: CLI_CALL_LIMITS.connectionTimeoutSeconds * 1000,
      requestTimeout: CLI_CALL_LIMITS.requestTimeoutSeconds * 1000,
      socketTimeout: CLI_CALL_LIMITS.requestTimeoutSeconds * 1000,
      throwOnRequestTimeout: true,
    },
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

export function createCliClients(options: AwsOptions = {}): CliClients {
  return lazyClients<CliClients>({ ...CLIENT_LOADERS, cloudformation: () => CloudFormationClient }, cliClientConfig(options));
}
