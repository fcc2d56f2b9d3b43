// Bundles each Lambda entry point with esbuild into assets/<name>/index.js at library build time,
// so a consumer's `cdk synth` needs neither esbuild nor Docker. The AWS SDK v3 is left out: the
// Node.js 22+ Lambda runtimes provide it, which keeps each bundle small.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The one list of bundled functions (name -> entry point); lib/private/assets.ts types names from it.
export const ENTRIES = JSON.parse(readFileSync(join(root, 'lib', 'private', 'bundled-functions.json'), 'utf8'));

const outRoot = join(root, 'assets');
const metaRoot = join(root, 'assets', '.meta');
mkdirSync(metaRoot, { recursive: true });
const sizes = {};
for (const [name, entry] of Object.entries(ENTRIES)) {
  const outdir = join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [join(root, entry)],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    external: ['@aws-sdk/*'],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    // Error class names are part of the contract (Step Functions retries on 'TransientError').
    keepNames: true,
    // `await import('@aws-sdk/client-x')` (a package loaded on first use, not at cold start)
    // becomes a plain require of the runtime's CommonJS SDK, exactly as a static import would.
    supported: { 'dynamic-import': false },
  });
  writeFileSync(join(metaRoot, `${name}.json`), JSON.stringify(result.metafile));
  sizes[name] = statSync(join(outdir, 'index.js')).size;
}
writeFileSync(join(metaRoot, 'sizes.json'), JSON.stringify(sizes, null, 2));
console.log(Object.entries(sizes).map(([n, s]) => `${n}: ${(s / 1024).toFixed(1)} KB`).join('\n'));
