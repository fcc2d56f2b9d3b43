import { IResolvable, IResolveContext, Token, Tokenization } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AppSpecPlacement } from '../deployment/app-spec';
import { AppSpecCapacityProvider, AppSpecPlacementProperties } from './app-spec-document';

/** The CloudFormation service behind `service`, when it is a construct of this app. */
function cfnServiceOf(service: ecs.IBaseService): ecs.CfnService | undefined {
  const child = service.node.defaultChild;
  return child instanceof ecs.CfnService ? child : undefined;
}

/** A value computed when the template is resolved, with the resolve context (unlike Lazy). */
function later(produce: (ctx: IResolveContext) => unknown): unknown {
  const resolvable: IResolvable = {
    creationStack: [],
    resolve: produce,
    toString: () => Token.asString(resolvable),
  };
  return Token.asAny(resolvable);
}

/** A CfnService property: its value, or what its token (e.g. aws-cdk-lib's Box) stands for. */
function unwrap(value: unknown, ctx: IResolveContext): unknown {
  return Tokenization.isResolvable(value) ? value.resolve(ctx) : value;
}

function capacityProviders(value: unknown): AppSpecCapacityProvider[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((s: ecs.CfnService.CapacityProviderStrategyItemProperty) => ({
    CapacityProvider: s.capacityProvider!,
    ...(s.base !== undefined ? { Base: s.base } : {}),
    ...(s.weight !== undefined ? { Weight: s.weight } : {}),
  }));
}

/**
 * `PlatformVersion` and `CapacityProviderStrategy` for the AppSpec of `service`: the given values
 * first, else those of its CfnService (read when the template is rendered, so later changes to
 * the service count). An imported service without given values renders neither.
 */
export function appSpecPlacement(service: ecs.IBaseService, given: AppSpecPlacement = {}): AppSpecPlacementProperties {
  const cfn = cfnServiceOf(service);
  const platformVersion = given.platformVersion
    ?? (cfn ? later((ctx) => unwrap(cfn.platformVersion, ctx)) as string : undefined);
  const strategy = given.capacityProviderStrategies
    ? capacityProviders(given.capacityProviderStrategies.map((s) => ({ capacityProvider: s.capacityProvider, base: s.base, weight: s.weight })))
    : cfn ? later((ctx) => capacityProviders(unwrap(cfn.capacityProviderStrategy, ctx))) as AppSpecCapacityProvider[] : undefined;
  return {
    ...(platformVersion !== undefined ? { PlatformVersion: platformVersion } : {}),
    ...(strategy !== undefined ? { CapacityProviderStrategy: strategy } : {}),
  };
}

/** Whether the placement of `service` can be read from this app (false for an imported service). */
export function placementIsReadable(service: ecs.IBaseService): boolean {
  return cfnServiceOf(service) !== undefined;
}
