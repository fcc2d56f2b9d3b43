/**
 * A function's cold start loads only SDK packages its own code calls, and not those it imports on
 * first use (`await import(...)`: a call only a rare path makes). Each shipped bundle is required
 * in a fresh Node.js process, with the SDK resolved from node_modules as the Lambda runtime
 * provides it, and the @aws-sdk/client-* packages in the module cache are listed.
 * (Timings are for bench/cold-init.ts; this test checks the cause, deterministically.)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ASSETS_DIR, sdkActionsOfBundle, SERVICE_PREFIX } from '../iam/sdk-calls';

const names = fs.readdirSync(ASSETS_DIR).filter((n) => fs.existsSync(path.join(ASSETS_DIR, n, 'index.js')));
const ROOT = path.join(__dirname, '..', '..');

/** IAM prefix -> the SDK package behind it (sdk-calls' table, inverted). */
const PACKAGE_OF_PREFIX: Record<string, string> = Object.fromEntries(Object.entries(SERVICE_PREFIX).map(([pkg, prefix]) => [prefix, pkg]));

function clientPackagesLoadedBy(bundle: string): string[] {
  const script = `
    require(${JSON.stringify(bundle)});
    const loaded = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules[\\\\/]@aws-sdk[\\\\/](client-[\\w-]+)[\\\\/]/.exec(file);
      if (m) loaded.add(m[1]);
    }
    process.stdout.write(JSON.stringify([...loaded].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

/** Packages the bundle requires at module level (`x=require(...)`; the client loaders are lazy). */
function staticPackagesOf(bundle: string): string[] {
  const code = fs.readFileSync(bundle, 'utf8');
  return [...new Set([...code.matchAll(/[\w$]+\s*=\s*(?:[\w$]+\()?require\("@aws-sdk\/(client-[\w-]+)"\)/g)].map((m) => m[1]))].sort();
}

/** Packages the bundle imports on first use (esbuild turns `await import()` into this). */
function lazyPackagesOf(bundle: string): string[] {
  const code = fs.readFileSync(bundle, 'utf8');
  return [...new Set([...code.matchAll(/Promise\.resolve\(\)\.then\(\(\)\s*=>\s*(?:[\w$]+\()?require\("@aws-sdk\/(client-[\w-]+)"\)/g)].map((m) => m[1]))].sort();
}

test.each(names)('%s loads at start exactly the SDK packages whose commands it sends, but those it imports on first use', (name) => {
  const bundle = path.join(ASSETS_DIR, name, 'index.js');
  const used = [...new Set(sdkActionsOfBundle(name).map((a) => PACKAGE_OF_PREFIX[a.split(':')[0]]))].sort();
  expect(used.length).toBeGreaterThan(0);
  const lazy = lazyPackagesOf(bundle);
  const atStart = staticPackagesOf(bundle);
  // Every package it calls is imported at start or on first use; only the former are loaded.
  expect(used.filter((p) => !atStart.includes(p) && !lazy.includes(p))).toEqual([]);
  expect(clientPackagesLoadedBy(bundle)).toEqual(used.filter((p) => atStart.includes(p)));
});

test('what only the stepper\'s Start calls is not loaded at its start: ECS', () => {
  const bundle = path.join(ASSETS_DIR, 'stepper', 'index.js');
  expect(lazyPackagesOf(bundle)).toEqual(['client-ecs']);
  expect(clientPackagesLoadedBy(bundle)).toEqual(['client-cloudwatch', 'client-codedeploy', 'client-dynamodb', 'client-elastic-load-balancing-v2', 'client-ssm']);
});

test('the guard loads SNS only to notify a failure', () => {
  const bundle = path.join(ASSETS_DIR, 'guard', 'index.js');
  expect(lazyPackagesOf(bundle)).toContain('client-sns');
  expect(clientPackagesLoadedBy(bundle)).not.toContain('client-sns');
});
