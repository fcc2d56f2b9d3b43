// After `jsii`: the assembly exists with the Python and Java names, and it holds exactly what
// lib/index.ts exports. jsii silently leaves out what it cannot carry (a free function, a
// constant), so a name exported from the index but missing from .jsii would be public in
// TypeScript only; this makes that a build error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (msg) => { console.error(`check-jsii: ${msg}`); process.exit(1); };

let assembly;
try {
  assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
} catch (e) {
  fail(`no readable .jsii assembly (${e.message}): run jsii first`);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (assembly.targets?.python?.module !== 'cdk_ecs_canary' || assembly.targets?.python?.distName !== 'cdk-ecs-canary') fail('the Python target is not cdk-ecs-canary / cdk_ecs_canary');
if (assembly.targets?.java?.package !== 'io.github.cdkecscanary') fail('the Java package is not io.github.cdkecscanary');
if (Object.keys(pkg.dependencies ?? {}).length > 0) fail(`dependencies must be empty (jsii takes only jsii modules; the CLI and Lambda code are bundled): ${Object.keys(pkg.dependencies).join(', ')}`);

const inAssembly = new Set(Object.values(assembly.types).map((t) => t.name));
const index = readFileSync(join(root, 'lib', 'index.ts'), 'utf8');
if (/export \*/.test(index)) fail('lib/index.ts must name its exports (export * would publish module helpers jsii cannot carry)');
const named = [...index.matchAll(/export \{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean));
const runtime = Object.keys(createRequire(import.meta.url)(join(root, pkg.main)));
const missing = [...new Set([...named, ...runtime])].filter((n) => !inAssembly.has(n));
if (missing.length > 0) fail(`exported from the package but not in the jsii assembly (other languages cannot see them): ${missing.join(', ')}`);
const unlisted = [...inAssembly].filter((n) => !named.includes(n));
if (unlisted.length > 0) fail(`in the jsii assembly but not named in lib/index.ts: ${unlisted.join(', ')}`);
// style.md: every optional prop says what happens when it is left out.
const undocumented = Object.values(assembly.types)
  .filter((t) => t.kind === 'interface' && t.datatype)
  .flatMap((t) => (t.properties ?? []).filter((p) => p.optional && !p.docs?.default).map((p) => `${t.name}.${p.name}`));
if (undocumented.length > 0) fail(`optional props without @default: ${undocumented.join(', ')}`);
console.log(`check-jsii: ${inAssembly.size} types, python cdk_ecs_canary, java io.github.cdkecscanary`);
