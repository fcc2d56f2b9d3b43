/**
 * Cold init of each shipped function: the time to require its bundle in a fresh Node.js process,
 * with the SDK resolved from node_modules as the Lambda runtime provides it. Median of RUNS fresh
 * processes per function, against two baselines measured the same way in the same run:
 * - "all clients": requiring the nine SDK client packages a function used to load at start;
 * - "empty": requiring nothing (process start-up is not counted in either: time is taken inside).
 * Run: npm run bench:cold-init  (target: every function <= 120 ms on Lambda's hardware; this
 * machine's numbers are for ratios).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const ASSETS = path.join(ROOT, 'assets');
const RUNS = Number(process.env.RUNS ?? 7);
const ALL_CLIENTS = ['cloudwatch', 'codedeploy', 'dynamodb', 'ecs', 'elastic-load-balancing-v2', 'lambda', 'sfn', 'sns', 'ssm']
  .map((c) => `@aws-sdk/client-${c}`);

function timeRequire(modules: string[]): number {
  const script = `const t0 = process.hrtime.bigint(); for (const m of ${JSON.stringify(modules)}) require(m);
    process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
  return Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(modules: string[]): number {
  timeRequire(modules); // the first run warms the file system cache
  return median(Array.from({ length: RUNS }, () => timeRequire(modules)));
}

const names = fs.readdirSync(ASSETS).filter((n) => fs.existsSync(path.join(ASSETS, n, 'index.js'))).sort();
const empty = measure([]);
const all = measure(ALL_CLIENTS);
console.log(`cold init: require of the bundle in a fresh process, median of ${RUNS}`);
console.log(`  baseline "all nine clients"  ${all.toFixed(0).padStart(5)} ms`);
console.log(`  baseline "empty"             ${empty.toFixed(1).padStart(5)} ms`);
for (const name of names) {
  const ms = measure([path.join(ASSETS, name, 'index.js')]);
  console.log(`  ${name.padEnd(26)}  ${ms.toFixed(0).padStart(5)} ms  ${(ms / all).toFixed(2)}x of all clients`);
}
