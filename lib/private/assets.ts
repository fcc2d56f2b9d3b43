import * as fs from 'fs';
import * as path from 'path';
import BUNDLED_FUNCTIONS from './bundled-functions.json';

/**
 * The functions bundled by `npm run build:lambda` (scripts/bundle-lambdas.mjs) into
 * assets/<name>/index.js: the names of bundled-functions.json, the list the script bundles.
 */
export type BundledFunction = keyof typeof BUNDLED_FUNCTIONS;

/**
 * Directory of a pre-bundled function. Works from the TypeScript sources (lib/) and from the
 * compiled package (dist/lib/): both sit under the package root next to assets/.
 */
export function bundledAssetDir(name: BundledFunction): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'assets', name);
    if (fs.existsSync(path.join(candidate, 'index.js'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(
    `cdk-ecs-canary: the bundled Lambda code for "${name}" is missing (assets/${name}/index.js). ` +
    'In a checkout of this repository run `npm run build:lambda` (npm ci runs it for you); a published package ships it.',
  );
}
