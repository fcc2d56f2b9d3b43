/** Each shipped function stays small: the AWS SDK comes from the Lambda runtime, the rest is ours. */
import * as fs from 'fs';
import * as path from 'path';

const assets = path.join(__dirname, '..', '..', 'assets');
const names = fs.readdirSync(assets).filter((n) => fs.existsSync(path.join(assets, n, 'index.js')));

test('every function is bundled', () => {
  expect(names.sort()).toEqual([
    'after-allow-test-traffic', 'after-allow-traffic', 'after-install', 'before-allow-traffic', 'before-install', 'guard', 'native-hook', 'native-smoke', 'release', 'stepper',
  ]);
});

test.each(names)('%s is at most 150 KB and does not bundle the AWS SDK', (name) => {
  const code = fs.readFileSync(path.join(assets, name, 'index.js'), 'utf8');
  expect(Buffer.byteLength(code)).toBeLessThanOrEqual(150 * 1024);
  expect(code).toMatch(/require\("@aws-sdk\/client-/);
  expect(code).not.toMatch(/class \w*CodeDeployClient\b/);
});
