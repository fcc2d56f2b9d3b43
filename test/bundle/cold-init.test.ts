/**
 * A function's cold start loads only the SDK packages its own code calls. Each shipped bundle is
 * required in a fresh Node.js process, with the SDK resolved from node_modules as the Lambda
 * runtime provides it, and the @aws-sdk/client-* packages in the module cache are listed.
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

test.each(names)('%s loads at start exactly the SDK packages whose commands it sends', (name) => {
  const used = [...new Set(sdkActionsOfBundle(name).map((a) => PACKAGE_OF_PREFIX[a.split(':')[0]]))].sort();
  expect(used.length).toBeGreaterThan(0);
  expect(clientPackagesLoadedBy(path.join(ASSETS_DIR, name, 'index.js'))).toEqual(used);
});
