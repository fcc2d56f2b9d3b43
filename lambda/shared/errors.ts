/**
 * A small typed hierarchy: `retryable` tells the caller (Step Functions retry, the CLI) whether
 * trying again can help. Anything that is not a CanaryError is treated as retryable by callers
 * that retry, and as a failure by hooks (they must report exactly once, whatever throws).
 */
export class CanaryError extends Error {
  public readonly retryable: boolean = false;
  /** `cause`: the error this one explains (kept, so logs and retries see the original). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The deployment or its configuration is not what the hook can work with. Retrying won't help. */
export class ConfigurationError extends CanaryError {}

/** A check decided the new version is not good enough. Retrying won't help. */
export class CheckFailedError extends CanaryError {}

/** An AWS call or a dependency failed in a way that may pass on retry. */
export class TransientError extends CanaryError {
  public override readonly retryable = true;
}

/** The Lambda is about to run out of time: report Failed before AWS kills it silently. */
export class DeadlineError extends CanaryError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
