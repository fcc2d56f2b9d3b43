import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A synth-time error in the props of a cdk-ecs-canary construct. */
export class CanaryValidationError extends Error {
  constructor(
    /** The property to change, e.g. `schedule` or `alarms`. */
    public readonly prop: string,
    message: string,
    /** Path of the construct whose props are wrong. */
    public readonly constructPath: string,
  ) {
    super(`${prop}: ${message} (at ${constructPath})`);
    this.name = 'CanaryValidationError';
  }
}

/**
 * Throws a synth-time error tied to the construct path. `prop` names the property to change,
 * so every message reads "<prop>: <what is wrong and what to do> (at <path>)".
 */
export function invalid(scope: IConstruct, prop: string, message: string): never {
  throw new CanaryValidationError(prop, message, scope.node.path);
}

/** The unit a Duration is read in. */
export type DurationUnit = 'millis' | 'seconds' | 'minutes';

/**
 * `d` in `unit`. A Duration from a token (CfnParameter, Lazy) can only be read in the unit it was
 * made in (CloudFormation cannot convert units): other units get an error naming `prop` instead
 * of aws-cdk-lib's generic one.
 */
export function durationIn(scope: IConstruct, prop: string, d: Duration, unit: DurationUnit): number {
  const read = () => (unit === 'millis' ? d.toMilliseconds() : unit === 'seconds' ? d.toSeconds() : d.toMinutes());
  if (!d.isUnresolved()) return read();
  try {
    return read();
  } catch {
    const factory = unit === 'millis' ? 'Duration.millis' : unit === 'seconds' ? 'Duration.seconds' : 'Duration.minutes';
    return invalid(scope, prop, `comes from a token (e.g. a CfnParameter) in another unit than ${unit}, and CloudFormation cannot convert units: give it as ${factory}(…).`);
  }
}

/** Throws when `value` is a token: for values the construct must compute with at synth time. */
export function requireConcrete(scope: IConstruct, prop: string, value: unknown, why: string): void {
  if (Token.isUnresolved(value) || (value instanceof Duration && value.isUnresolved())) {
    invalid(scope, prop, `cannot come from a token (e.g. a CfnParameter or Lazy): ${why} Give a literal value.`);
  }
}

/** Whether a number is known at synth time (not a token), so it can be validated. */
export function known(n: number | undefined): n is number {
  return n !== undefined && !Token.isUnresolved(n);
}

/** A synth-time check's message in the format of `invalid` (for Node.addValidation). */
export function problem(prop: string, message: string): string {
  return `${prop}: ${message}`;
}
