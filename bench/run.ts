/**
 * Benchmarks, printed as ratios against a baseline run in the same process (never absolute
 * timings in tests). Run: npm run bench
 *
 * 1. synth scaling: synthesizing a stack with N canary services vs one service. The hook
 *    functions are shared per stack, so resources and time should grow with the services'
 *    own resources, not with 7 functions per service.
 * 2. judge: one verdict over a 60-minute window vs the baseline of merely summing the samples.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CanaryFargateService } from '../lib';
import { judge } from '../lambda/judge';
import type { MinuteSample } from '../lambda/judge/types';
import type { AnalysisConfig } from '../lib/runtime-config';

function synthServices(n: number): { ms: number; resources: number; functions: number } {
  const t0 = process.hrtime.bigint();
  const app = new App();
  const stack = new Stack(app, `Bench${n}`);
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  for (let i = 0; i < n; i++) {
    new CanaryFargateService(stack, `Svc${i}`, {
      cluster,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    });
  }
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const resources = Object.values(template.Resources);
  return { ms, resources: resources.length, functions: resources.filter((r) => r.Type === 'AWS::Lambda::Function').length };
}

function timeIt(fn: () => void, iterations: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const thresholds: AnalysisConfig = {
  intervalSeconds: 60, minRequests: 100, maxErrorRatePercent: 1, maxP95Ms: 1000, maxP99Ms: 2000,
  maxUnhealthyHosts: 0, unhealthyMinutes: 2, errorRateRatio: 2, errorRateFloorPercent: 0.1, latencyRatio: 1.5,
  onInconclusive: 'fail', maxExtensions: 1,
};
const window = (offset: number): MinuteSample[] => Array.from({ length: 60 }, (_, i) => ({
  timestamp: i * 60_000, requests: 1000 + i, errors5xx: (i + offset) % 3, p95Ms: 120 + (i % 7), p99Ms: 300, healthyHosts: 2, unhealthyHosts: 0,
}));

function main(): void {
  synthServices(1); // warm module caches so the baseline is not paying for first loads
  const one = synthServices(1);
  const ten = synthServices(10);
  console.log('synth scaling (10 services vs 1 service, same process)');
  console.log(`  time ratio       ${(ten.ms / one.ms).toFixed(2)}x  (linear would be 10x)`);
  console.log(`  resource ratio   ${(ten.resources / one.resources).toFixed(2)}x`);
  console.log(`  Lambda functions ${one.functions} -> ${ten.functions} (shared per stack)`);

  const green = window(1);
  const blue = window(0);
  const iterations = 20_000;
  const baseline = timeIt(() => {
    let s = 0;
    for (const x of green) s += (x.requests ?? 0) + (x.errors5xx ?? 0);
    for (const x of blue) s += (x.requests ?? 0) + (x.errors5xx ?? 0);
    if (s < 0) throw new Error('unreachable');
  }, iterations);
  const judged = timeIt(() => judge({ green, blue, thresholds }), iterations);
  console.log('judge (one verdict over a 60-minute window vs summing the same samples)');
  console.log(`  time ratio       ${(judged / baseline).toFixed(1)}x`);
}

main();
