#!/usr/bin/env node
/**
 * Example app: one canary-enabled Fargate service with the release-policy defaults.
 * Context: `image` (default public.ecr.aws/nginx/nginx:stable), `containerPort` (default 80).
 *   npx cdk synth -c image=public.ecr.aws/nginx/nginx:1.27
 */
import { App } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack';

const app = new App();
new ExampleStack(app, 'CanaryExample', {
  image: app.node.tryGetContext('image'),
  containerPort: app.node.tryGetContext('containerPort'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
