import { App, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  CanaryFargateService,
  CanaryFargateServiceProps,
  CanaryRelease,
  CanaryReleaseProvider,
  ReleaseConflictPolicy,
  ReleaseMode,
  TrafficSchedule,
} from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';
import { sdkActionsOfBundle } from '../iam/sdk-calls';

type Props = Partial<CanaryFargateServiceProps>;

/** A schedule whose worst-case release fits a stack update (26 min), with alarms short enough for it. */
const SHORT: Props = {
  schedule: TrafficSchedule.steps([{ percent: 10, bake: Duration.minutes(2) }, { percent: 50, bake: Duration.minutes(2) }]),
  alarms: { evaluationMinutes: 1, breachMinutes: 1 },
  terminationWaitTime: Duration.minutes(1),
};

/** A CanaryFargateService 'Api' in stack 'Shop'; the template is synthesized on first access only. */
function build(props: Props = {}, stack = new Stack(new App(), 'Shop')) {
  const svc = new CanaryFargateService(stack, 'Api', { image: ecs.ContainerImage.fromRegistry('nginx'), ...props });
  let template: Template | undefined;
  return {
    stack,
    svc,
    get template(): Template {
      return (template ??= Template.fromStack(stack));
    },
  };
}

function id(c: IConstruct): string {
  return Stack.of(c).getLogicalId((c.node.defaultChild ?? c) as CfnElement);
}

/** A string or Fn::Join as one string, intrinsics as <<Ref:X>> / <<GetAtt:X.Y>>. */
function flat(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, any>;
  if (o?.Ref) return `<<Ref:${o.Ref}>>`;
  if (o?.['Fn::GetAtt']) return `<<GetAtt:${o['Fn::GetAtt'].join('.')}>>`;
  if (o?.['Fn::Join']) return o['Fn::Join'][1].map(flat).join(o['Fn::Join'][0]);
  return JSON.stringify(v);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Statement { actions: string[]; resources: string[]; roles: string[] }

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
    asArray<any>(p.Properties.PolicyDocument.Statement).map((s) => ({
      actions: asArray<string>(s.Action),
      resources: asArray<unknown>(s.Resource).map(flat),
      roles: asArray<any>(p.Properties.Roles).map((r) => r.Ref),
    })));
}

function releaseResource(template: Template) {
  const all = Object.values(template.findResources('Custom::CanaryRelease'));
  expect(all).toHaveLength(1);
  return all[0] as { Properties: Record<string, any>; DependsOn: string[] };
}

const releaseWarnings = (stack: Stack) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^release:')).map((w) => ({ path: w.id, text: String(w.entry.data) }));

describe('the custom resource', () => {
  test('names the task definition, its AppSpec and where to deploy it', () => {
    const { svc, template } = build();
    const d = svc.deployment;
    const props = releaseResource(template).Properties;

    expect(props).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^CdkEcsCanaryReleaseProviderframeworkonEvent/), 'Arn'] },
      ServiceTimeout: '3600',
      TaskDefinitionArn: { Ref: id(svc.taskDefinition) },
      AppSpec: expect.anything(),
      ApplicationName: { Ref: id(d.application) },
      DeploymentGroupName: { Ref: id(d.deploymentGroup) },
      DeploymentConfigName: { Ref: id(d.deploymentConfig as unknown as IConstruct) },
      ClusterName: { Ref: id(svc.cluster as unknown as IConstruct) },
      ServiceName: { 'Fn::GetAtt': [id(svc.service), 'Name'] },
      Mode: 'async',
      OnConflict: 'fail',
    });

    const appSpec = JSON.parse(flat(props.AppSpec));
    const h = d.hookFunctions;
    expect(appSpec).toEqual({
      version: '0.0',
      Resources: [{
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: `<<Ref:${id(svc.taskDefinition)}>>`, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 } },
        },
      }],
      Hooks: [
        { BeforeInstall: `<<Ref:${id(h.beforeInstall)}>>` },
        { AfterInstall: `<<Ref:${id(h.afterInstall)}>>` },
        { AfterAllowTestTraffic: `<<Ref:${id(h.afterAllowTestTraffic)}>>` },
        { BeforeAllowTraffic: `<<Ref:${id(h.beforeAllowTraffic)}>>` },
        { AfterAllowTraffic: `<<Ref:${id(h.afterAllowTraffic)}>>` },
      ],
    });
  });

  test('starts only once the deployment, the hooks and its own permissions are in place', () => {
    const { svc, template } = build();
    const provider = CanaryReleaseProvider.of(svc);
    const release = releaseResource(template);
    // Directly, or through a resource it depends on (DependsOn and references are transitive):
    // each function waits for its role's policy.
    const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[]; Properties?: unknown }>;
    const before = new Set<string>();
    const todo = [release];
    while (todo.length > 0) {
      const r = todo.pop()!;
      const refs = [...JSON.stringify(r.Properties ?? {}).matchAll(/"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
      for (const dep of [...(r.DependsOn ?? []), ...refs]) if (resources[dep] && !before.has(dep)) { before.add(dep); todo.push(resources[dep] as any); }
    }
    for (const c of [
      svc.deploymentGroup,
      svc.deployment.configParameter,
      svc.deployment.hooks.beforeInstall,
      svc.deployment.hooks.beforeInstall.role!.node.findChild('DefaultPolicy'),
      provider.role.node.findChild('DefaultPolicy'),
    ]) expect([id(c), before.has(id(c))]).toEqual([id(c), true]);
    expect(release.DependsOn).toContain(id(svc.deployment.configParameter));
    // What its properties reference (the hook functions in the AppSpec, the provider's function, the
    // deployment group) CloudFormation creates first anyway; naming it again is only bytes (cfn-lint W3005).
    for (const c of [svc.deploymentGroup, svc.deployment.hooks.beforeInstall, svc.deployment.hooks.afterAllowTraffic]) {
      expect(release.DependsOn).not.toContain(id(c));
    }
  });

  test('onEvent and isComplete are our pre-bundled code on Node.js 24, arm64', () => {
    const { template } = build();
    for (const handler of ['index.onEvent', 'index.isComplete']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: handler,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Environment: { Variables: { CANARY_DECISIONS_TABLE: { Ref: Match.stringLikeRegexp('^CdkEcsCanaryHooksDecisions') } } },
      });
    }
  });

  test('the provider polls every 30 s for at most 55 minutes', () => {
    const { template } = build();
    const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
      .filter(([k]) => k.startsWith('CdkEcsCanaryReleaseProvider'));
    expect(machines).toHaveLength(1);
    const definition = JSON.parse(flat((machines[0][1] as any).Properties.DefinitionString));
    expect(definition.States['framework-isComplete-task'].Retry).toEqual([
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 110, BackoffRate: 1 },
    ]);
  });

  test('OnConflict follows onConflict', () => {
    const { template } = build({ release: { onConflict: ReleaseConflictPolicy.WAIT } });
    expect(releaseResource(template).Properties.OnConflict).toBe('wait');
  });

  test('one provider serves every service of the stack, granted once per cluster and per application (the role does not grow per service)', () => {
    const stack = new Stack(new App(), 'Shop');
    const a = build({}, stack).svc;
    const b = new CanaryFargateService(stack, 'Web', { image: ecs.ContainerImage.fromRegistry('nginx'), cluster: a.cluster });
    const c = new CanaryFargateService(stack, 'Jobs', { image: ecs.ContainerImage.fromRegistry('nginx') });
    const template = Template.fromStack(stack);

    expect(Object.keys(template.findResources('Custom::CanaryRelease'))).toHaveLength(3);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.onEvent' } }))).toHaveLength(1);
    const roleId = id(CanaryReleaseProvider.of(stack).role);
    const resourcesOf = (action: string) => statements(template)
      .filter((s) => s.roles.includes(roleId) && s.actions.includes(action))
      .flatMap((s) => s.resources);
    const services = (cluster: IConstruct) => `arn:<<Ref:AWS::Partition>>:ecs:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:service/<<Ref:${id(cluster)}>>/*`;
    // Api and Web share a cluster: one pattern for both; Jobs has a cluster of its own.
    expect(b.cluster).toBe(a.cluster);
    expect(resourcesOf('ecs:DescribeServices').sort()).toEqual([services(a.cluster as unknown as IConstruct), services(c.cluster as unknown as IConstruct)].sort());
    // All three deploy through the stack's one CodeDeploy application: one deployment-group pattern.
    expect(a.deployment.application).toBe(c.deployment.application);
    expect(resourcesOf('codedeploy:CreateDeployment')).toEqual([
      `arn:<<Ref:AWS::Partition>>:codedeploy:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:deploymentgroup:<<Ref:${id(a.deployment.application)}>>/*`,
    ]);
  });
});

describe('permissions', () => {
  const { svc, template } = build();
  const roleId = id(CanaryReleaseProvider.of(svc).role);
  const own = statements(template).filter((s) => s.roles.includes(roleId));
  const d = svc.deployment;
  // The deployment groups of the stack's CodeDeploy application (one pattern for every service), nothing broader.
  const group = `arn:<<Ref:AWS::Partition>>:codedeploy:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:deploymentgroup:<<Ref:${id(d.application)}>>/*`;
  const config = `arn:<<Ref:AWS::Partition>>:codedeploy:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:deploymentconfig:<<Ref:${id(d.deploymentConfig as unknown as IConstruct)}>>`;
  const application = `arn:<<Ref:AWS::Partition>>:codedeploy:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:application:<<Ref:${id(d.application)}>>`;
  const resourcesOf = (action: string) => own.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);

  test.each([
    ['codedeploy:CreateDeployment', group],
    ['codedeploy:GetDeployment', group],
    ['codedeploy:ListDeployments', group],
    ['codedeploy:StopDeployment', group],
    ['codedeploy:GetDeploymentConfig', config],
    ['codedeploy:GetApplicationRevision', application],
    ['codedeploy:RegisterApplicationRevision', application],
  ])('%s only on %s', (action, arn) => {
    expect(resourcesOf(action)).toEqual([arn]);
  });

  test('ecs:DescribeServices on the services of the service\'s cluster only, dynamodb:GetItem on the decisions table', () => {
    expect(resourcesOf('ecs:DescribeServices')).toEqual([
      `arn:<<Ref:AWS::Partition>>:ecs:<<Ref:AWS::Region>>:<<Ref:AWS::AccountId>>:service/<<Ref:${id(svc.cluster as unknown as IConstruct)}>>/*`,
    ]);
    expect(resourcesOf('dynamodb:GetItem')).toEqual([`<<GetAtt:${id(d.hooks.table)}.Arn>>`]);
  });

  test('every AWS call of the shipped release bundle is granted; the only extras are what CreateDeployment checks', () => {
    const used = sdkActionsOfBundle('release');
    expect(used).toEqual([
      'codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:StopDeployment',
      'dynamodb:GetItem', 'ecs:DescribeServices',
    ]);
    const granted = new Set(own.flatMap((s) => s.actions));
    expect(used.filter((a) => !granted.has(a))).toEqual([]);
    // CodeDeploy reads the named deployment config and registers the AppSpec revision as the caller.
    expect([...granted].filter((a) => !used.includes(a) && !a.startsWith('logs:')).sort()).toEqual([
      'codedeploy:GetApplicationRevision', 'codedeploy:GetDeploymentConfig', 'codedeploy:RegisterApplicationRevision',
    ]);
  });

  test('no wildcard action and no "*" resource in the release role', () => {
    expect(own.length).toBeGreaterThan(0);
    for (const s of own) {
      expect(s.actions.filter((a) => a.includes('*'))).toEqual([]);
      expect(s.resources).not.toContain('*');
    }
  });

  test('nothing in the stack may start, stop or register CodeDeploy deployments on "*"', () => {
    const mutating = ['codedeploy:CreateDeployment', 'codedeploy:StopDeployment', 'codedeploy:RegisterApplicationRevision', 'codedeploy:*', '*'];
    const offending = statements(template).filter((s) => s.resources.includes('*') && s.actions.some((a) => mutating.includes(a)));
    expect(offending).toEqual([]);
  });

  test('the provider framework runs with our roles, logging to our log group only', () => {
    const lambdas = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([k]) => k.startsWith('CdkEcsCanaryReleaseProviderframework'));
    expect(lambdas).toHaveLength(3);
    const frameworkRoles = new Set(lambdas.map(([, f]: [string, any]) => f.Properties.Role['Fn::GetAtt'][0]));
    for (const r of frameworkRoles) {
      const role = template.findResources('AWS::IAM::Role')[r] as any;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const logs = statements(template).filter((s) => s.roles.some((r) => frameworkRoles.has(r)) && s.actions.includes('logs:PutLogEvents'));
    expect([...new Set(logs.flatMap((s) => s.resources))]).toEqual([expect.stringMatching(/^<<GetAtt:CdkEcsCanaryReleaseFrameworkLogs\w+\.Arn>>$/)]);
  });
});

describe('publishing the AppSpec for pipelines', () => {
  test('stack outputs: the AppSpec, the task definition and the deployment id', () => {
    const { svc, template } = build();
    const outputs = template.findOutputs('*');
    const byPrefix = (p: string) => Object.entries(outputs).filter(([k]) => k.startsWith(p)).map(([, v]) => v as any);

    const [appSpec] = byPrefix('ApiReleaseAppSpec');
    expect(JSON.parse(flat(appSpec.Value)).Resources[0].TargetService.Properties.TaskDefinition).toBe(`<<Ref:${id(svc.taskDefinition)}>>`);
    expect(byPrefix('ApiReleaseTaskDefinitionArn')).toEqual([expect.objectContaining({ Value: { Ref: id(svc.taskDefinition) } })]);
    const resourceId = id(svc.release!.resource!);
    expect(byPrefix('ApiReleaseDeploymentId')).toEqual([
      expect.objectContaining({ Value: { 'Fn::GetAtt': [resourceId, 'Deployment'] }, Description: expect.stringContaining('npx canary watch') }),
    ]);
  });

  test('an SSM parameter /cdk-ecs-canary/<app>/<group>/appspec holds the same AppSpec', () => {
    const { svc, template } = build();
    const d = svc.deployment;
    const params = Object.values(template.findResources('AWS::SSM::Parameter')) as any[];
    const appSpecParam = params.find((p) => flat(p.Properties.Name).endsWith('/appspec'));
    expect(flat(appSpecParam.Properties.Name)).toBe(`/cdk-ecs-canary/<<Ref:${id(d.application)}>>/<<Ref:${id(d.deploymentGroup)}>>/appspec`);
    expect(flat(appSpecParam.Properties.Value)).toBe(flat(releaseResource(template).Properties.AppSpec));
  });

  test('ReleaseMode.external(): published, but no custom resource and no provider', () => {
    const { svc, template } = build({ release: { mode: ReleaseMode.external() } });
    template.resourceCountIs('Custom::CanaryRelease', 0);
    expect(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.onEvent' } })).toEqual({});
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('ApiRelease')).map((k) => k.replace(/[A-F0-9]{8}$/, '')).sort())
      .toEqual(['ApiReleaseAppSpec', 'ApiReleaseTaskDefinitionArn']);
    expect(svc.release?.mode).toBe('external');
    expect(svc.release?.resource).toBeUndefined();
  });

  test('releaseOnDeploy: false: no trigger at all', () => {
    const { svc, template } = build({ releaseOnDeploy: false });
    template.resourceCountIs('Custom::CanaryRelease', 0);
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('ApiRelease'))).toEqual([]);
    expect(svc.release).toBeUndefined();
  });
});

describe('choosing the mode at synth time', () => {
  test('auto: the default schedule does not fit a stack update, so async with a warning that says why', () => {
    const { stack, svc, template } = build();
    expect(releaseResource(template).Properties.Mode).toBe('async');
    expect(svc.release!.mode).toBe('async');
    const warnings = releaseWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].path).toBe('/Shop/Api/Release');
    expect(warnings[0].text).toContain('release: the release can take 76 min (install 10 min + smoke tests 5 min + '
      + 'in-hook steps with extensions 34 min + last shift (CodeDeploy) 15 min + final verdict 7 min + termination wait 5 min)');
    expect(warnings[0].text).toContain('55 min budget');
    expect(warnings[0].text).toContain('npx canary watch');
    expect(warnings[0].text).toContain('set release.mode to ReleaseMode.async()');
    expect(warnings[0].text).toMatch(/The deployment id is the stack output ApiReleaseDeploymentId[0-9A-F]{8}\./);
    expect(Object.keys(template.findOutputs('*'))).toContain(warnings[0].text.match(/stack output (\w+)\./)![1]);
  });

  test('auto: a short schedule waits, without a warning', () => {
    const { stack, svc, template } = build(SHORT);
    expect(releaseResource(template).Properties.Mode).toBe('wait');
    // install 10 + smoke tests 5 + in-hook 2 x (2 + 1) + last shift 2 + final verdict 1 + 5 + 1 + termination wait 1.
    expect(svc.release!.estimate!.total.toMinutes()).toBe(31);
    expect(releaseWarnings(stack)).toEqual([]);
  });

  test('explicit wait that does not fit fails synth with the estimate and the way out', () => {
    let err: unknown;
    try {
      build({ release: { mode: ReleaseMode.wait() } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CanaryValidationError);
    expect((err as CanaryValidationError).prop).toBe('release.mode');
    expect((err as Error).message).toBe(
      'release.mode: ReleaseMode.wait() cannot wait for this release: it can take 76 min (install 10 min + smoke tests 5 min + '
      + 'in-hook steps with extensions 34 min + last shift (CodeDeploy) 15 min + final verdict 7 min + termination wait 5 min), '
      + 'but a CloudFormation custom resource waits at most 60 min and 5 min are kept as margin (55 min budget). '
      + 'Use ReleaseMode.async() (cdk deploy starts the deployment; follow it with npx canary watch), '
      + 'or shorten the schedule, analysis.maxExtensions, installTimeout or terminationWaitTime. (at Shop/Api/Release)',
    );
  });

  test('explicit wait that fits waits', () => {
    const { template } = build({ ...SHORT, release: { mode: ReleaseMode.wait() } });
    expect(releaseResource(template).Properties.Mode).toBe('wait');
  });

  test('explicit async never warns', () => {
    const { stack, template } = build({ release: { mode: ReleaseMode.async() } });
    expect(releaseResource(template).Properties.Mode).toBe('async');
    expect(releaseWarnings(stack)).toEqual([]);
  });

  test('without extensions and with a 1 min termination wait the default schedule fits (55 min: in-hook steps 5 + 1 and 10 + 1 min, final verdict 1 + 5 + 1) and waits', () => {
    const { template } = build({ analysis: { maxExtensions: 0 }, terminationWaitTime: Duration.minutes(1) });
    expect(releaseResource(template).Properties.Mode).toBe('wait');
  });
});

describe('CanaryRelease on its own', () => {
  test('releases any CanaryDeployment and task definition', () => {
    const stack = new Stack(new App(), 'Shop');
    const { svc } = build({ releaseOnDeploy: false }, stack);
    const release = new CanaryRelease(stack, 'Release', {
      deployment: svc.deployment,
      taskDefinition: svc.taskDefinition,
      mode: ReleaseMode.async(),
      onConflict: ReleaseConflictPolicy.WAIT,
    });
    const props = releaseResource(Template.fromStack(stack)).Properties;
    expect(props).toMatchObject({ Mode: 'async', OnConflict: 'wait', TaskDefinitionArn: { Ref: id(svc.taskDefinition) } });
    expect(release.deploymentId).toBeDefined();
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  function nagReport(mutate?: (stack: Stack) => void): string {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const { svc } = build({}, stack);
    // The example's own choices for its public load balancer, not this test's subject.
    Validations.of(svc.loadBalancer).acknowledge(
      { id: 'AwsSolutions-EC23', reason: 'public test service' },
      { id: 'AwsSolutions-ELB2', reason: 'no log bucket in the test' },
    );
    mutate?.(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
      return '';
    } catch (e) {
      return String((e as Error).message);
    }
  }

  test('finds nothing unacknowledged in the release resources', () => {
    const report = nagReport();
    const ours = report.split('\n').filter((l) => /CdkEcsCanaryRelease|\/Release\//.test(l));
    expect(ours).toEqual([]);
  });

  test('(control) a wildcard in the release role would be reported', () => {
    const report = nagReport((stack) => CanaryReleaseProvider.of(stack).role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['codedeploy:CreateDeployment'], resources: ['*'] })));
    expect(report).toMatch(/CdkEcsCanaryRelease\/Role\/DefaultPolicy/);
  });
});
