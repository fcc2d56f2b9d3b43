/**
 * Which engine releases a CanaryFargateService: CodeDeploy blue/green with our stepper (the
 * default), or Amazon ECS's own blue/green engine with a NativeCanaryDeployment. A class with
 * static instances rather than a string union, so it stays jsii-friendly and can grow options.
 */
export class DeploymentEngine {
  /** CodeDeploy blue/green: CanaryDeployment, the stepper in BeforeAllowTraffic, a release custom resource. */
  public static readonly CODE_DEPLOY = new DeploymentEngine('CODE_DEPLOY');
  /** Amazon ECS's own blue/green engine: NativeCanaryDeployment, a lifecycle hook, no custom resource. */
  public static readonly ECS = new DeploymentEngine('ECS');

  private constructor(
    /** The engine's name, as the deployment controller type. */
    public readonly name: string,
  ) {}
}
