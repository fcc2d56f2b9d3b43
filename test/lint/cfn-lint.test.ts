/**
 * cfn-lint (the version in this machine image) reports no error on the example app's template, on
 * a stack that puts a CanaryDeployment on imported resources, nor on the largest stacks the README
 * says fit (30 imported services on one listener; 20 CanaryFargateServices on one cluster and ALB). Warnings and informational
 * findings are not failures. Skipped, saying so, where cfn-lint is not installed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ExampleStack } from '../../bin/example-stack';
import { fargateServices, importedServices } from '../../bench/scale';
import { CanaryDeployment, HttpCheck } from '../../lib';

const cfnLintVersion = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const available = cfnLintVersion.status === 0;
if (!available) {
  // eslint-disable-next-line no-console
  console.warn('cfn-lint is not on PATH: the cfn-lint tests are skipped (pip install cfn-lint to run them).');
}

interface Finding { Rule: { Id: string }; Message: string; Filename: string; Level: string }

/** A stack whose service, cluster, VPC, listener and target groups are all imported. */
function importedStack(app: App): Stack {
  const stack = new Stack(app, 'ImportedCanary', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
  });
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
  const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'web' });
  const albArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188';
  const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
    listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0a1b2c3d4e5f60718'),
  });
  const tg = (name: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, name, {
    targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/${name}/6d0ecf831eec9f09`,
    loadBalancerArns: albArn,
  });
  new CanaryDeployment(stack, 'Canary', {
    service,
    containerName: 'web',
    containerPort: 8080,
    listener,
    blueTargetGroup: tg('blue'),
    greenTargetGroup: tg('green'),
    serviceSecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'TaskSg', 'sg-0a1b2c3d4e5f60719')],
    smokeTests: [HttpCheck.get('/health')],
  });
  return stack;
}

const LISTENER_TYPES = ['AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::ListenerRule'];

/**
 * This cfn-lint may predate the Tags CloudFormation added to listeners and listener rules in 2026,
 * which the library sets (lib/private/traffic-tags.ts): scripts/cfn-lint-listener-tags.py writes
 * into `dir` cfn-lint's own schemas with the property added, where they lack it, for
 * `--registry-schemas` (the pack test does the same). Returns the types so taught.
 */
function teachListenerTags(dir: string): string[] {
  const run = spawnSync('python3', [path.join(__dirname, '..', '..', 'scripts', 'cfn-lint-listener-tags.py'), dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`reading cfn-lint's schemas with python3 failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as string[];
}

let taughtListenerTags: string[] = [];

(available ? describe : describe.skip)(`cfn-lint ${available ? cfnLintVersion.stdout.trim() : '(not installed: skipped)'}`, () => {
  let findings: Finding[];
  let files: Record<string, string>;

  beforeAll(() => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
    const app = new App({ outdir });
    const example = new ExampleStack(app, 'CanaryExample', { env: { account: '111111111111', region: 'eu-west-1' } });
    const imported = importedStack(app);
    const scaled = (id: string, build: (stack: Stack) => void) => {
      const stack = new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
      build(stack);
      return stack;
    };
    const imported30 = scaled('Imported30', importedServices(30));
    const fargate20 = scaled('Fargate20', fargateServices(20));
    const assembly = app.synth();
    // A control template with a known error (an unknown property), so the test is seen to fail on one.
    const control = path.join(outdir, 'control.template.json');
    fs.writeFileSync(control, JSON.stringify({
      Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { NoSuchProperty: 'x' } } },
    }));
    // And one whose listener tag has no Key: the Tags cfn-lint is taught are checked, not waved through.
    const controlTags = path.join(outdir, 'control-tags.template.json');
    fs.writeFileSync(controlTags, JSON.stringify({
      Resources: {
        Listener: {
          Type: 'AWS::ElasticLoadBalancingV2::Listener',
          Properties: {
            LoadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/lb/0123456789abcdef',
            DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
            Tags: [{ Value: 'no key' }],
          },
        },
      },
    }));
    files = {
      controlTags,
      example: assembly.getStackByName(example.stackName).templateFullPath,
      imported: assembly.getStackByName(imported.stackName).templateFullPath,
      imported30: assembly.getStackByName(imported30.stackName).templateFullPath,
      fargate20: assembly.getStackByName(fargate20.stackName).templateFullPath,
      control,
    };
    const schemas = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-schemas-'));
    taughtListenerTags = teachListenerTags(schemas);
    // One cfn-lint run for every template keeps the test fast.
    const run = spawnSync('cfn-lint', ['--format', 'json', '--registry-schemas', schemas, '--', ...Object.values(files)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw run.error;
    findings = JSON.parse(run.stdout || '[]') as Finding[];
  }, 120000);

  const errorsIn = (file: string) => findings
    .filter((f) => f.Filename === file && f.Level === 'Error')
    .map((f) => `${f.Rule.Id}: ${f.Message}`);

  test('listener and rule Tags are in the templates, and checked: a tag without Key is an error', () => {
    const resources = Object.values(JSON.parse(fs.readFileSync(files.fargate20, 'utf8')).Resources as Record<string, { Type: string; Properties: { Tags?: unknown } }>);
    for (const type of LISTENER_TYPES) expect(resources.some((r) => r.Type === type && r.Properties.Tags !== undefined)).toBe(true);
    const errors = errorsIn(files.controlTags);
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^E3003: 'Key' is a required property/)]));
    for (const e of errors) expect(e).toMatch(/'Key' is a required property/);
    console.log(`cfn-lint taught Tags for: ${taughtListenerTags.join(', ') || 'none (it knows them)'}`);
  });

  test('reports the error of the control template (the check can fail)', () => {
    expect(errorsIn(files.control).join('\n')).toMatch(/^E\d+: .*NoSuchProperty/m);
  });

  test('no error on the example app', () => {
    expect(errorsIn(files.example)).toEqual([]);
  });

  test('no error on a CanaryDeployment over imported resources', () => {
    expect(errorsIn(files.imported)).toEqual([]);
  });

  test('no error on 30 imported services in one stack, nor on 20 CanaryFargateServices on one cluster and ALB', () => {
    expect(errorsIn(files.imported30)).toEqual([]);
    expect(errorsIn(files.fargate20)).toEqual([]);
  });
});
