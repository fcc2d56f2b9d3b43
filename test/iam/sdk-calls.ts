import * as fs from 'fs';
import * as path from 'path';

/** IAM service prefix of each AWS SDK v3 client package our Lambda code uses. */
export const SERVICE_PREFIX: Record<string, string> = {
  'client-codedeploy': 'codedeploy',
  'client-ecs': 'ecs',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-cloudwatch': 'cloudwatch',
  'client-ssm': 'ssm',
  'client-dynamodb': 'dynamodb',
  'client-sfn': 'states',
  'client-lambda': 'lambda',
  'client-sns': 'sns',
};

/** SDK command names whose IAM action is spelled differently. */
const ACTION_OF_COMMAND: Record<string, string> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
};

export const ASSETS_DIR = path.join(__dirname, '..', '..', 'assets');

/**
 * The IAM actions a shipped bundle can call, read from the bundle itself (assets/<name>/index.js).
 * The AWS SDK is external to the bundle, so every call appears as `<module>.<Name>Command`
 * where <module> is bound to `require("@aws-sdk/client-…")`; tree shaking has already dropped
 * code the handler cannot reach.
 */
export function sdkActionsOfBundle(name: string): string[] {
  const code = fs.readFileSync(path.join(ASSETS_DIR, name, 'index.js'), 'utf8');
  return sdkActionsOfCode(code);
}

export function sdkActionsOfCode(code: string): string[] {
  const modules = new Map<string, string>();
  const requireRe = /([\w$]+)\s*=\s*(?:[\w$]+\()?require\("@aws-sdk\/(client-[\w-]+)"\)/g;
  // A package imported on first use: `x=await Promise.resolve().then(()=>f(require("@aws-sdk/…")))`.
  const lazyRe = /([\w$]+)\s*=\s*await\s+Promise\.resolve\(\)\.then\(\(\)\s*=>\s*(?:[\w$]+\()?require\("@aws-sdk\/(client-[\w-]+)"\)/g;
  for (const m of code.matchAll(lazyRe)) modules.set(m[1], m[2]);
  for (const m of code.matchAll(requireRe)) modules.set(m[1], m[2]);
  const actions = new Set<string>();
  for (const [variable, pkg] of modules) {
    const prefix = SERVICE_PREFIX[pkg];
    if (!prefix) throw new Error(`no IAM prefix known for @aws-sdk/${pkg}: add it to SERVICE_PREFIX`);
    const escaped = variable.replace(/\$/g, '\\$');
    const useRe = new RegExp(`(?<![\\w$])${escaped}\\.([A-Z]\\w*)Command\\b`, 'g');
    for (const u of code.matchAll(useRe)) {
      const action = `${prefix}:${u[1]}`;
      actions.add(ACTION_OF_COMMAND[action] ?? action);
    }
  }
  return [...actions].sort();
}
