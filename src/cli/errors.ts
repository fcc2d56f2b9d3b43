/**
 * What the CLI tells a person when it cannot do what was asked: one line, a non-zero exit.
 * AWS SDK errors that have a plain cause (no credentials, no region, access denied, a missing
 * stack) become one of these; anything else is printed as `name: message`.
 */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

interface SdkLikeError {
  readonly name?: string;
  readonly message?: string;
  readonly Code?: string;
}

/** One line for an error thrown by an AWS call or by the CLI itself. */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkLikeError;
  const name = e.name ?? e.Code ?? 'Error';
  const message = (e.message ?? '').split('\n')[0];
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE or pass --profile (after `aws sso login` if you use SSO), or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  }
  if (/region is missing/i.test(message)) {
    return 'no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile';
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'].includes(name) || /token.*expired/i.test(message)) {
    return `AWS credentials have expired (${message}): refresh them (e.g. \`aws sso login\`) and try again`;
  }
  if (['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException'].includes(name)) {
    return `AWS rejected the credentials (${name}): check AWS_PROFILE / --profile`;
  }
  if (isTimeout(err, name, message)) {
    return 'no answer from AWS in time (the call timed out after its retries): check the network, a proxy, or AWS_ENDPOINT_URL* and try again';
  }
  if (['AccessDenied', 'AccessDeniedException'].includes(name) || /not authorized to perform/i.test(message)) {
    return `access denied: ${message}`;
  }
  return message ? `${name}: ${message}` : name;
}

/** The SDK's request/connection timeouts (NodeHttpHandler) and the socket errors behind them. */
function isTimeout(err: unknown, name: string, message: string): boolean {
  const code = (err as { code?: string } | null)?.code;
  return name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ECONNRESET' && /socket hang up/i.test(message)
    || /(request|connection|socket) timed? ?out|timeout.*(exceeded|after)/i.test(message);
}
