import { ArnFormat, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CONFIG_PARAMETER_PREFIX } from '../runtime-config';

/**
 * Grants shared by many canary services: resource patterns (an application's deployment groups,
 * its parameters, a cluster's services, a listener's rules) that every service of a stack reuses,
 * each added once per role, so the roles of shared functions do not grow with the services.
 */
export class OnceGrants {
  private readonly seen = new Set<string>();

  /**
   * Adds `actions` on `resource` to `role` unless it has them already. With `patternReason`, the
   * resource is a pattern and cdk-nag's IAM5 finding for it is acknowledged once on the role;
   * `conditions` narrow the statement (e.g. to resources carrying a tag).
   */
  public grant(role: iam.IRole, actions: string[], resource: string, patternReason?: string, conditions?: Record<string, Record<string, string>>): void {
    const key = `${role.node.addr}|${actions.join(',')}|${resource}|${JSON.stringify(conditions ?? {})}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [resource], conditions }));
    const ackKey = `${role.node.addr}|ack|${resource}`;
    if (patternReason === undefined || this.seen.has(ackKey)) return;
    this.seen.add(ackKey);
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResourceText(Stack.of(role), resource)}]`, reason: patternReason });
  }
}

/** Every service of an ECS cluster (long ARN format): DescribeServices for each service on it. */
export function clusterServicesOf(stack: Stack, clusterName: string): string {
  return stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${clusterName}/*` });
}

/**
 * `arn:...:listener/app/<lb>/<lb-id>/<listener-id>` -> `arn:...:listener-rule/app/<lb>/<lb-id>/<listener-id>/*`:
 * every rule of that listener (Service Authorization Reference, ELB v2 resource type listener-rule/app).
 */
export function listenerRulesArn(listenerArn: string): string {
  if (!Token.isUnresolved(listenerArn)) return `${listenerArn.replace(':listener/', ':listener-rule/')}/*`;
  const [head, tail] = [Fn.select(0, Fn.split(':listener/', listenerArn)), Fn.select(1, Fn.split(':listener/', listenerArn))];
  return Fn.join('', [head, ':listener-rule/', tail, '/*']);
}

/**
 * Every listener and every listener rule of one Application Load Balancer, from its
 * LoadBalancerFullName `app/<lb>/<lb-id>`: `arn:...:listener` + `*` + `/app/<lb>/<lb-id>/` + `*` matches both
 * `listener/app/<lb>/<lb-id>/<listener-id>` and `listener-rule/app/<lb>/<lb-id>/<listener-id>/<rule-id>`
 * (Service Authorization Reference, ELB v2 resource types listener/app and listener-rule/app), so
 * ModifyListener and ModifyRule share one statement. Used when listener tags are turned off.
 */
export function listenersOf(stack: Stack, loadBalancerFullName: string): string {
  return stack.formatArn({ service: 'elasticloadbalancing', resource: 'listener*', resourceName: `${loadBalancerFullName}/*` });
}

/**
 * Every Application Load Balancer listener and listener rule of the account and region:
 * `listener*` + `/app/*` matches `listener/app/...` and `listener-rule/app/...`. Only ever granted
 * with a condition on the resource's tag (see TrafficTags).
 */
export function applicationListenersAndRules(stack: Stack): string {
  return stack.formatArn({ service: 'elasticloadbalancing', resource: 'listener*', resourceName: 'app/*' });
}

/**
 * A resource as cdk-nag prints it in an IAM5 finding (its flattenCfnReference): Fn::Join flattened
 * with its delimiter, Ref as `<Id>`, Fn::GetAtt as `<Id.Attr>`, any other intrinsic as JSON.
 */
export function nagResourceText(stack: Stack, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const o = node as Record<string, unknown>;
    if (Array.isArray(o?.['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (Array.isArray(o?.['Fn::GetAtt'])) {
      const [id, attr] = o['Fn::GetAtt'] as unknown[];
      return `<${visit(id)}.${visit(attr)}>`;
    }
    if (o?.Ref !== undefined) return `<${visit(o.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(stack.resolve(value));
}

/** Every deployment group of a CodeDeploy application: the hooks' and the release's grant pattern. */
export function deploymentGroupsOf(stack: Stack, applicationName: string): string {
  return stack.formatArn({ service: 'codedeploy', resource: 'deploymentgroup', resourceName: `${applicationName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Every runtime configuration parameter of a CodeDeploy application (configParameterName's layout). */
export function configParametersOf(stack: Stack, applicationName: string): string {
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${CONFIG_PARAMETER_PREFIX.replace(/^\//, '')}/${applicationName}/*` });
}
