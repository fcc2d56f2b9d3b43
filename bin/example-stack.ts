import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { CanaryFargateService, DeploymentEngine, HttpCheck, ReleaseMode, TrafficSchedule } from '../lib';

export interface ExampleStackProps extends StackProps {
  /** @default 'public.ecr.aws/nginx/nginx:stable' */
  readonly image?: string;
  /** @default 80 */
  readonly containerPort?: number | string;
  /**
   * DeploymentEngine.ECS: the same canary on Amazon ECS's own blue/green engine (no release custom
   * resource).
   * @default DeploymentEngine.CODE_DEPLOY
   */
  readonly engine?: DeploymentEngine;
}

/** The example: one service, the default 5 → 25 → 50 → 100 % schedule, a smoke test on '/'. */
export class ExampleStack extends Stack {
  public readonly api: CanaryFargateService;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const native = props.engine === DeploymentEngine.ECS;
    this.api = new CanaryFargateService(this, 'Api', {
      engine: props.engine,
      image: ecs.ContainerImage.fromRegistry(props.image ?? 'public.ecr.aws/nginx/nginx:stable'),
      containerPort: Number(props.containerPort ?? 80),
      schedule: TrafficSchedule.default(),
      smokeTests: [HttpCheck.get('/', { expectStatus: [200] })],
      // The default schedule can take longer than CloudFormation waits for a custom resource
      // (1 hour, worst case): `cdk deploy` starts the release and `npx canary watch` follows it.
      release: native ? undefined : { mode: ReleaseMode.async() },
    });
    Validations.of(this.api.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The example serves the public on its production port 80; the test listener (9000) stays closed to the internet.',
    }, {
      id: 'AwsSolutions-ELB2',
      reason: 'The example has no log bucket; pass accessLogsBucket to CanaryFargateService to turn access logs on.',
    });
  }
}
