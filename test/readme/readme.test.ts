/** Keeps the README true: its code runs as shown, and its commands are the ones CI runs. */
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const tsBlocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts'));

describe('README', () => {
  test('every TypeScript block is one of examples/*.ts, verbatim (so tsc type-checks it)', () => {
    const files = examples.map((f) => fs.readFileSync(path.join(root, 'examples', f), 'utf8'));
    expect(tsBlocks.length).toBeGreaterThanOrEqual(3);
    for (const block of tsBlocks) expect(files).toContain(block);
  });

  test.each(examples)('examples/%s synthesizes', (file) => {
    jest.isolateModules(() => {
      expect(() => require(path.join(root, 'examples', file))).not.toThrow();
    });
  });

  test('the two fresh-machine commands are the ones .ci/run runs', () => {
    expect(readme).toContain('```sh\nnpm ci && npx cdk synth\n```');
    expect(readme).toContain('```sh\nnpm test\n```');
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/npm ci && npx cdk synth/);
    expect(ci).toMatch(/npm test/);
  });
});

describe('README rehearse output', () => {
  test('is what `canary rehearse --scenario errors-at-5` prints today', async () => {
    const { BufferOutput } = await import('../../src/cli/output');
    const { rehearse } = await import('../../src/cli/rehearse/rehearse');
    const out = new BufferOutput();
    expect(await rehearse({ out }, { scenario: 'errors-at-5' })).toBe(0);
    const shown = /```sh\nnpx canary rehearse --scenario errors-at-5\n```[\s\S]*?```text\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    expect(out.text.trimEnd()).toBe(shown);
  });
});
