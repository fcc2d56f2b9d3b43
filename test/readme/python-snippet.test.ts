/**
 * The README's Python snippet against the jsii assembly the build writes (.jsii): every name it
 * imports from cdk_ecs_canary is a type of the assembly, every keyword argument it passes to one of
 * our classes, structs or static methods is a property or parameter jsii gives Python (snake_case
 * of the TypeScript name), and every attribute it reads of one of our constructs exists. Python
 * itself cannot run here (no PyPI for the jsii runtime); this is what can go stale.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const ASSEMBLY = path.join(root, '.jsii');

interface JsiiType {
  kind: 'class' | 'interface' | 'enum';
  interfaces?: string[];
  base?: string;
  properties?: Array<{ name: string; static?: boolean }>;
  initializer?: { parameters?: Array<{ name: string; type: { fqn?: string } }> };
  methods?: Array<{ name: string; static?: boolean; parameters?: Array<{ name: string; type: { fqn?: string } }> }>;
}

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The text between the parenthesis at `open` and its match, and the index after the match. */
function argsAt(text: string, open: number): { args: string; end: number } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(' || text[i] === '[') depth++;
    if (text[i] === ')' || text[i] === ']') depth--;
    if (depth === 0) return { args: text.slice(open + 1, i), end: i + 1 };
  }
  throw new Error(`unbalanced parenthesis at ${open}`);
}

/** Keyword names at the top level of an argument list. */
function keywords(args: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (depth === 0) {
      const m = /^([a-z_][a-z0-9_]*)=(?!=)/.exec(args.slice(i));
      if (m && (i === 0 || /[\s,(]/.test(args[i - 1]))) { names.push(m[1]); i += m[0].length - 1; }
    }
  }
  return names;
}

describe('README Python snippet', () => {
  const blocks = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (!fs.existsSync(ASSEMBLY)) throw new Error('.jsii is missing: run npm run build (npm ci runs it) before the tests');
  const types = (JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8')) as { types: Record<string, JsiiType> }).types;
  const byName = new Map(Object.entries(types).map(([fqn, t]) => [fqn.replace(/^cdk-ecs-canary\./, ''), t]));

  /** Properties of a struct or class, with those it inherits. */
  const propertiesOf = (fqn: string): Set<string> => {
    const t = types[fqn];
    if (!t) return new Set();
    const names = new Set((t.properties ?? []).map((p) => p.name));
    for (const parent of [...(t.interfaces ?? []), ...(t.base ? [t.base] : [])]) for (const n of propertiesOf(parent)) names.add(n);
    return names;
  };
  /** What keyword arguments a call accepts: the named parameters, and the last struct parameter's properties. */
  const accepted = (parameters: Array<{ name: string; type: { fqn?: string } }> = []): Set<string> => {
    const names = new Set(parameters.map((p) => p.name));
    const last = parameters[parameters.length - 1];
    if (last?.type.fqn && types[last.type.fqn]?.kind === 'interface') for (const n of propertiesOf(last.type.fqn)) names.add(n);
    return names;
  };

  test('there is one, next to the TypeScript service', () => {
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatch(/CanaryFargateService\(/);
  });

  test('names what it imports from cdk_ecs_canary as the assembly does', () => {
    const imports = /from cdk_ecs_canary import \(([^)]*)\)/.exec(blocks[0]);
    expect(imports).not.toBeNull();
    const names = imports![1].split(',').map((n) => n.trim()).filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !byName.has(n))).toEqual([]);
  });

  test('passes only keyword arguments that exist, and reads only attributes that exist', () => {
    const code = blocks[0];
    const problems: string[] = [];
    let calls = 0;
    // Name(...) of one of our classes or structs, and Name.method(...) of one of our static methods.
    for (const m of code.matchAll(/\b([A-Z][A-Za-z0-9]*)(?:\.([a-z_][a-z0-9_]*))?\(/g)) {
      const type = byName.get(m[1]);
      if (!type) continue;
      const { args } = argsAt(code, m.index! + m[0].length - 1);
      let allowed: Set<string>;
      if (m[2]) {
        const method = type.methods?.find((x) => x.static && x.name === camel(m[2]));
        if (!method) { problems.push(`${m[1]}.${m[2]} is not a static method`); continue; }
        allowed = accepted(method.parameters);
      } else {
        allowed = type.kind === 'interface' ? propertiesOf(`cdk-ecs-canary.${m[1]}`) : accepted(type.initializer?.parameters);
      }
      calls++;
      for (const k of keywords(args)) if (!allowed.has(camel(k))) problems.push(`${m[0]}… has no ${k}`);
    }
    // api = CanaryFargateService(...) then api.some_attribute.
    for (const v of code.matchAll(/^(\w+) = ([A-Z]\w*)\(/gm)) {
      if (!byName.has(v[2])) continue;
      const props = propertiesOf(`cdk-ecs-canary.${v[2]}`);
      for (const a of code.matchAll(new RegExp(`\\b${v[1]}\\.([a-z_][a-z0-9_]*)`, 'g'))) {
        calls++;
        if (!props.has(camel(a[1]))) problems.push(`${v[2]} has no attribute ${a[1]}`);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(problems).toEqual([]);
  });

  test('fails on a keyword argument the assembly does not have (the check itself)', () => {
    const props = propertiesOf('cdk-ecs-canary.CanaryFargateServiceProps');
    expect(props.has(camel('container_port'))).toBe(true);
    expect(props.has(camel('container_prot'))).toBe(false);
    expect(keywords('stack, "Api", image=x(a=1), container_port=80, smoke_tests=[H(repeat=3)]')).toEqual(['image', 'container_port', 'smoke_tests']);
  });
});
