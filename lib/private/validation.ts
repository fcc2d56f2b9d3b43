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
