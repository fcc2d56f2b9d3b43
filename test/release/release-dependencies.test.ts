/**
 * The release resource must not start a deployment before every resource of the service's
 * CanaryDeployment, the shared hooks and the release provider exists (CloudFormation creates a
 * resource after everything it references or DependsOn, transitively). Its DependsOn names only
 * the resources nothing else there already waits for (issue 12: template bytes per service).
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { fargateServices } from '../../bench/scale';
import { CanaryFargateService } from '../../lib';
import { CanaryHooks } from '../../lib/hooks/canary-hooks';
import { CanaryReleaseProvider } from '../../lib/release/release-provider';

/** Logical ids `value` references: Ref, Fn::GetAtt, and ${X} / ${X.Attr} in Fn::Sub. */
function referenced(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => referenced(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else if (k === 'Fn::Sub') for (const m of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
      else referenced(v, out);
    }
  }
  return out;
}

describe('the release resource of a CanaryFargateService', () => {
  const app = new App();
  const stack = new Stack(app, 'Scale', { env: { account: '111111111111', region: 'eu-west-1' } });
  fargateServices(2)(stack);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { DependsOn?: string[]; Properties?: unknown }>;
  const svc = stack.node.findChild('Svc1') as CanaryFargateService;
  const releaseId = stack.getLogicalId(svc.release!.resource!.node.defaultChild as CfnResource);

  /** Everything CloudFormation creates before `id`. */
  const before = (id: string): Set<string> => {
    const seen = new Set<string>();
    const stackOf = [id];
    while (stackOf.length > 0) {
      const r = resources[stackOf.pop()!];
      for (const dep of [...(r.DependsOn ?? []), ...referenced(r.Properties)]) {
        if (resources[dep] && !seen.has(dep)) { seen.add(dep); stackOf.push(dep); }
      }
    }
    return seen;
  };
  const idsUnder = (scope: { node: { findAll(): unknown[] } }) => scope.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c))
    .map((c) => stack.getLogicalId(c));

  test('is created after every resource of its deployment, the shared hooks and the release provider', () => {
    const required = [...idsUnder(svc.deployment), ...idsUnder(CanaryHooks.of(stack)), ...idsUnder(CanaryReleaseProvider.of(stack))];
    expect(required.length).toBeGreaterThan(60);
    const created = before(releaseId);
    expect(required.filter((id) => !created.has(id))).toEqual([]);
  });

  test('names far fewer resources in DependsOn than it waits for (each role and the watched alarms come through others)', () => {
    const dependsOn = resources[releaseId].DependsOn ?? [];
    // 71 before: every resource of the hooks, the provider and the deployment.
    expect(dependsOn.length).toBeLessThanOrEqual(30);
    expect(dependsOn.filter((id) => /^CdkEcsCanaryHooks.*(Role|Logs)/.test(id) && !/StateMachineLogs/.test(id))).toEqual([]);
    expect(dependsOn.some((id) => /Alarms(ErrorRate|Latency|UnhealthyHosts)/.test(id))).toBe(false);
  });
});
