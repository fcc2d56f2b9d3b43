/**
 * The AppSpec document of a release, in CodeDeploy's own (PascalCase) shape. Private: jsii names
 * must be camelCase, and users take the AppSpec as JSON (CanaryDeployment.renderAppSpec()).
 */

/** One item of an AppSpec `CapacityProviderStrategy`. */
export interface AppSpecCapacityProvider {
  readonly CapacityProvider: string;
  readonly Base?: number;
  readonly Weight?: number;
}

/** The optional placement properties of an AppSpec's `TargetService`. */
export interface AppSpecPlacementProperties {
  readonly PlatformVersion?: string;
  readonly CapacityProviderStrategy?: AppSpecCapacityProvider[];
}

/** The AppSpec of one release, as CodeDeploy's CreateDeployment and CodePipeline take it. */
export interface AppSpec {
  readonly version: '0.0';
  readonly Resources: Array<{ TargetService: { Type: 'AWS::ECS::Service'; Properties: { TaskDefinition: string; LoadBalancerInfo: { ContainerName: string; ContainerPort: number } } & AppSpecPlacementProperties } }>;
  readonly Hooks: Array<Record<string, string>>;
}
