// Bundles the `canary` CLI (bin/canary.ts) with esbuild into one file, dist/bin/canary.js, at
// library build time: its SDK clients, commander and Powertools are inside it, so the package has
// no runtime dependencies (jsii accepts only jsii modules there) and a user installs nothing but
// the aws-cdk-lib and constructs peers.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'bin', 'canary.js');
mkdirSync(dirname(outfile), { recursive: true });
await esbuild.build({
  entryPoints: [join(root, 'bin', 'canary.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  // package.json engines: node >= 20.
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: false,
  // The peers are installed next to the package; the CLI should not need them, and must not carry a copy.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  logLevel: 'warning',
  legalComments: 'none',
});
chmodSync(outfile, 0o755);
console.log(`canary CLI: ${(statSync(outfile).size / 1024).toFixed(1)} KB`);
