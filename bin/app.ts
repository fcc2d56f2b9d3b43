#!/usr/bin/env node
/**
 * Example app: one canary-enabled Fargate service with the release-policy defaults.
 * Context: `image` (default public.ecr.aws/nginx/nginx:stable), `containerPort` (default 80).
 *   npx cdk synth -c image=public.ecr.aws/nginx/nginx:1.27
 * `-c engine=ecs` synthesizes the same canary on Amazon ECS's own blue/green engine instead.
 */
import { App } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack';
import { DeploymentEngine } from '../lib';

const app = new App();
const engine = app.node.tryGetContext('engine') ?? 'codedeploy';
if (engine !== 'codedeploy' && engine !== 'ecs') throw new Error(`-c engine must be codedeploy or ecs (got ${engine})`);
if (engine === 'ecs') {
  new ExampleStack(app, 'CanaryExampleEcs', {
    engine: DeploymentEngine.ECS,
    image: app.node.tryGetContext('image'),
    containerPort: app.node.tryGetContext('containerPort'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} else {
  new ExampleStack(app, 'CanaryExample', {
    image: app.node.tryGetContext('image'),
    containerPort: app.node.tryGetContext('containerPort'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
}
app.synth();
