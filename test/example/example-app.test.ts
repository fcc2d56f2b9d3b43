import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack } from '../../bin/example-stack';
import { acknowledgments } from '../helpers/nag';
import { policyStatements } from '../helpers/template';

const ROOT = path.resolve(__dirname, '..', '..');
const tmpDirs: string[] = [];
const tmpDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Violations recorded in the cloud assembly's policy validation report. */
function reportedRules(outdir: string): string[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  return (report.pluginReports ?? []).flatMap((p: any) => (p.violations ?? []).map((v: any) => v.ruleName as string));
}

/** Synthesizes `app` with the AwsSolutions pack as a policy-validation plugin; returns the error, if any. */
function synthWithNag(app: App): Error | undefined {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

describe('cdk-nag AwsSolutions on the example stack', () => {
  let app: App;
  let outdir: string;
  let error: Error | undefined;
  beforeAll(() => {
    outdir = tmpDir('nag-example-');
    app = new App({ outdir });
    new ExampleStack(app, 'CanaryExample');
    error = synthWithNag(app);
  });

  test('has no unacknowledged finding (synth does not throw)', () => {
    // The report names the rules when it does fail.
    expect({ error: error?.message, rules: reportedRules(outdir) }).toEqual({ error: undefined, rules: [] });
  });

  test('every acknowledgment gives a reason', () => {
    const acks = acknowledgments(app);
    // The library and the example do acknowledge some rules: the check below is not vacuous.
    // aws-cdk-lib stores rule ids without a known prefix as `Annotation::<id>`.
    const ids = acks.map((a) => a.id.replace(/^annotation::/i, ''));
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-EC23', 'AwsSolutions-IAM5[Resource::*]']));
    const withoutReason = acks.filter((a) => typeof a.reason !== 'string' || a.reason.trim().length < 20);
    expect(withoutReason).toEqual([]);
  });

  test('AwsSolutions rules are acknowledged on the constructs they concern, not on the whole stack', () => {
    const nag = acknowledgments(app).filter((a) => /AwsSolutions-/.test(a.id));
    expect(nag.length).toBeGreaterThan(0);
    expect(nag.filter((a) => a.path.split('/').length < 2)).toEqual([]);
  });

  test('no IAM statement in the example allows every action or every action of a service', () => {
    const template = Template.fromJSON(JSON.parse(fs.readFileSync(path.join(outdir, 'CanaryExample.template.json'), 'utf8')));
    const statements = policyStatements(template);
    expect(statements.length).toBeGreaterThan(20);
    expect(statements.filter((st) => st.actions.some((a) => a === '*' || /:\*$/.test(a)) || 'NotAction' in st.statement)).toEqual([]);
  });

  test('negative control: a bucket without SSL enforcement fails synthesis', () => {
    const negOut = tmpDir('nag-negative-');
    const negApp = new App({ outdir: negOut });
    const stack = new Stack(negApp, 'Negative');
    const bucket = new s3.Bucket(stack, 'Bucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Only S10 is under test in this negative control.' });
    const quiet = [jest.spyOn(console, 'error').mockImplementation(() => undefined), jest.spyOn(console, 'log').mockImplementation(() => undefined)];
    let negError: Error | undefined;
    try {
      negError = synthWithNag(negApp);
    } finally {
      quiet.forEach((s) => s.mockRestore());
    }
    expect(negError).toBeDefined();
    expect(negError?.message).toContain('AwsSolutions-S10');
    expect(reportedRules(negOut)).toEqual(['AwsSolutions-S10']);
  });

  test('the acknowledgment scan finds an empty reason (control for the reason check)', () => {
    const a = new App();
    const stack = new Stack(a, 'S');
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: '' });
    expect(acknowledgments(a)).toEqual([{ path: 'S', id: expect.stringMatching(/AwsSolutions-S1$/), reason: '' }]);
  });
});

describe('the example app through the README entry point (npx cdk synth)', () => {
  const run = promisify(execFile);
  const synth = async (...context: string[]) => {
    const out = tmpDir('cdk-synth-');
    await run('npx', ['cdk', 'synth', '--no-validation', '-q', '-o', out, ...context], {
      cwd: ROOT,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return Template.fromJSON(JSON.parse(fs.readFileSync(path.join(out, 'CanaryExample.template.json'), 'utf8')));
  };
  let plain: Template;
  let custom: Template;
  beforeAll(async () => {
    [plain, custom] = await Promise.all([synth(), synth('-c', 'image=public.ecr.aws/nginx/nginx:1.27')]);
  }, 130_000);

  test('synthesizes the deployment group, the custom deployment config and the metric alarms it watches (no composite: the example never uses rollbackAlarm)', () => {
    plain.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    plain.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      AlarmConfiguration: Match.objectLike({ Enabled: true, IgnorePollAlarmFailure: false }),
    });
    plain.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 1);
    plain.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 50, CanaryInterval: 15 } },
    });
    // The rollback alarms are named under the stack's prefix (the hooks read them by that pattern)
    // and are what the deployment group watches; the composite is created only when used.
    const alarms = Object.entries(plain.findResources('AWS::CloudWatch::Alarm'))
      .filter(([, a]: [string, any]) => String(a.Properties.AlarmName).startsWith('CanaryExample-canary-'));
    expect(alarms).toHaveLength(3);
    const group = Object.values(plain.findResources('AWS::CodeDeploy::DeploymentGroup'))[0] as any;
    expect(group.Properties.AlarmConfiguration.Alarms.map((a: any) => a.Name.Ref).sort())
      .toEqual(alarms.map(([logicalId]) => logicalId).sort());
    plain.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });

  test('uses the default image without context', () => {
    plain.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: 'public.ecr.aws/nginx/nginx:stable' })],
    });
  });

  test('-c image=... changes the container image', () => {
    custom.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: 'public.ecr.aws/nginx/nginx:1.27' })],
    });
    custom.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
  });
});
