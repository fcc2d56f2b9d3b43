/**
 * Synth time against the closest published peer, side by side in one run: N services synthesized
 * with @cdklabs/cdk-ecs-codedeploy's ApplicationLoadBalancedCodeDeployedFargateService and with
 * our CanaryFargateService, on one shared cluster, at N=1 and N=10. Each measurement is a fresh
 * Node.js process (module loading included, as in `cdk synth`), the two alternate in pairs, and
 * the ratio of medians is printed (target <= 0.8x). Run: npm run bench:peer   (PAIRS=7 by default)
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const PAIRS = Number(process.env.PAIRS ?? 7);
/** 'floor': the same process with the VPC and cluster only (no canary library): what both pay. */
type Kind = 'peer' | 'ours' | 'floor';

/** The child: load the construct library, build N services, synthesize; print ms and phase split. */
function child(kind: Kind, n: number): void {
  const t0 = process.hrtime.bigint();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const ec2 = require('aws-cdk-lib/aws-ec2') as typeof import('aws-cdk-lib/aws-ec2');
  const ecs = require('aws-cdk-lib/aws-ecs') as typeof import('aws-cdk-lib/aws-ecs');
  // Ours as users get it: the compiled package (dist/), not the TypeScript sources through ts-node.
  const lib = kind === 'floor' ? undefined : kind === 'ours' ? require(path.join(ROOT, 'dist', 'lib')) : require('@cdklabs/cdk-ecs-codedeploy');
  const tLoaded = process.hrtime.bigint();
  const app = new App({ outdir: path.join(require('os').tmpdir(), `peer-bench-${process.pid}`) });
  const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
  for (let i = 0; lib !== undefined && i < n; i++) {
    if (kind === 'ours') {
      new lib.CanaryFargateService(stack, `Svc${i}`, { cluster, image });
    } else {
      new lib.ApplicationLoadBalancedCodeDeployedFargateService(stack, `Svc${i}`, {
        cluster, taskImageOptions: { image }, apiTestSteps: [], responseTimeAlarmThreshold: require('aws-cdk-lib').Duration.seconds(1),
      });
    }
  }
  const tBuilt = process.hrtime.bigint();
  app.synth();
  const t1 = process.hrtime.bigint();
  require('fs').rmSync(app.outdir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ total: Number(t1 - t0) / 1e6, load: Number(tLoaded - t0) / 1e6, synth: Number(t1 - tBuilt) / 1e6 }));
}

interface Timing { total: number; load: number; synth: number }

function run(kind: Kind, n: number): Timing {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', kind, String(n)], {
    cwd: ROOT, encoding: 'utf8',
    // aws-cdk-lib's built-in template validation costs both the same seconds (it dominates): measured without it.
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', CDK_VALIDATION: 'false' },
  });
  return JSON.parse(out) as Timing;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  if (!require('fs').existsSync(path.join(ROOT, 'dist', 'lib', 'index.js'))) throw new Error('run `npm run build` first: the benchmark loads the compiled package');
  console.log(`synth time vs @cdklabs/cdk-ecs-codedeploy (fresh process each, ${PAIRS} alternating pairs, medians)`);
  for (const n of [1, 10]) {
    run('peer', n); run('ours', n); // warm the file system cache
    const peer: Timing[] = [];
    const ours: Timing[] = [];
    const floor: Timing[] = [];
    for (let i = 0; i < PAIRS; i++) {
      peer.push(run('peer', n));
      ours.push(run('ours', n));
      if (n === 1) floor.push(run('floor', 0));
    }
    const p = median(peer.map((x) => x.total));
    const o = median(ours.map((x) => x.total));
    const pl = median(peer.map((x) => x.load));
    const ol = median(ours.map((x) => x.load));
    // Phases: loading the library, building the constructs (aws-cdk-lib loads its modules lazily
    // there), app.synth() (prepare, resolve, write the template, tree and assets).
    const [ps, os] = [median(peer.map((x) => x.synth)), median(ours.map((x) => x.synth))];
    console.log(`  N=${String(n).padEnd(2)}  peer ${p.toFixed(0)} ms (load ${pl.toFixed(0)}, synth ${ps.toFixed(0)})  `
      + `ours ${o.toFixed(0)} ms (load ${ol.toFixed(0)}, synth ${os.toFixed(0)})  ratio ${(o / p).toFixed(2)}x`);
    if (floor.length > 0) {
      // What both pay regardless (node, aws-cdk-lib, the VPC and cluster, the synth of those): 0.8x of
      // the peer's total leaves ours 0.8 x peer - floor, against the peer's own peer - floor.
      const f = median(floor.map((x) => x.total));
      console.log(`        floor (VPC and cluster, no canary library) ${f.toFixed(0)} ms: above it ours ${(o - f).toFixed(0)} ms, the peer ${(p - f).toFixed(0)} ms `
        + `(${((o - f) / (p - f)).toFixed(2)}x); 0.8x of the peer's total would leave ours ${Math.max(0, 0.8 * p - f).toFixed(0)} ms above it`);
    }
  }
}

if (process.argv[2] === '--child') child(process.argv[3] as Kind, Number(process.argv[4]));
else main();
