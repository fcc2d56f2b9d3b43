import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack } from '../../bin/example-stack';
import { DeploymentEngine } from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the example app on the ECS engine', () => {
  const dirs: string[] = [];
  const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-example-')); dirs.push(d); return d; };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('passes cdk-nag AwsSolutions with the same acknowledgments as the CodeDeploy example', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    new ExampleStack(app, 'CanaryExampleEcs', { engine: DeploymentEngine.ECS });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    const report = path.join(outdir, 'validation-report.json');
    const rules = fs.existsSync(report)
      ? (JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports ?? []).flatMap((p: any) => (p.violations ?? []).map((v: any) => v.ruleName))
      : [];
    expect({ error: error?.message, rules }).toEqual({ error: undefined, rules: [] });
  });

  test('`cdk synth -c engine=ecs` synthesizes CanaryExampleEcs on the ECS controller', async () => {
    const outdir = tmp();
    await promisify(execFile)('npx', ['ts-node', '--transpile-only', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ engine: 'ecs' }) },
    });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CanaryExampleEcs.template.json'), 'utf8'));
    const services = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::ECS::Service');
    expect(services.map((s) => s.Properties.DeploymentController)).toEqual([{ Type: 'ECS' }]);
  });

  test('-c engine with anything else fails with the choices', async () => {
    await expect(promisify(execFile)('npx', ['ts-node', '--transpile-only', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: tmp(), CDK_CONTEXT_JSON: JSON.stringify({ engine: 'lambda' }) },
    })).rejects.toThrow(/-c engine must be codedeploy or ecs \(got lambda\)/);
  });
});
