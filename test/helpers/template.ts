/**
 * Small readers for synthesized CloudFormation templates, shared by the construct tests.
 * They turn the parts of a template that CDK renders as `Fn::Join` (JSON documents, alarm
 * rules, ARNs) into plain strings so a test can assert on their content.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';

export type CfnResource = { Type: string; Properties?: Record<string, any>; DependsOn?: string[] };
export type Resources = Record<string, CfnResource>;

/** Logical ID of a construct's CloudFormation resource (its default child, or itself). */
export function logicalId(construct: IConstruct): string {
  const stack = Stack.of(construct);
  const el = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(el);
}

/** Resources of one type, by logical ID. */
export function resourcesOfType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** One placeholder per intrinsic, e.g. `<<Ref:Foo>>`, `<<GetAtt:Foo.Arn>>`. */
function placeholder(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Ref' in v) return `<<Ref:${v.Ref}>>`;
    if ('Fn::GetAtt' in v) return `<<GetAtt:${(v['Fn::GetAtt'] as string[]).join('.')}>>`;
    if ('Fn::Join' in v) return flatten(v);
  }
  return `<<${JSON.stringify(value)}>>`;
}

/** A string or `Fn::Join` as one string, intrinsics replaced by placeholders. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Join' in (value as object)) {
    const [sep, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((p) => (typeof p === 'string' ? p : placeholder(p))).join(sep);
  }
  return placeholder(value);
}

/**
 * A JSON document rendered by `Stack.toJsonString` (SSM values, state machine definitions).
 * Every intrinsic sits inside a JSON string there, so the placeholders keep it parseable.
 */
export function parseJoinedJson(value: unknown): any {
  return JSON.parse(flatten(value));
}

/** Logical IDs an alarm rule (or any joined string) refers to with `Fn::GetAtt` / `Ref`. */
export function referencedIds(value: unknown): string[] {
  const ids = [...flatten(value).matchAll(/<<(?:Ref|GetAtt):([A-Za-z0-9]+)/g)].map((m) => m[1]);
  return [...new Set(ids)].sort();
}

export interface PolicyStatementRef {
  /** Logical ID of the AWS::IAM::Policy / ManagedPolicy / Role holding it. */
  readonly holder: string;
  /** Logical IDs of the roles the policy is attached to (for a Role's inline policy, the role). */
  readonly roles: string[];
  readonly actions: string[];
  readonly resources: unknown[];
  readonly statement: Record<string, any>;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement of the template: IAM policies, managed policies and role inline policies. */
export function policyStatements(template: Template): PolicyStatementRef[] {
  const out: PolicyStatementRef[] = [];
  const roleIds = (refs: unknown) => asArray(refs as any[]).map((r) => (r && typeof r === 'object' && 'Ref' in r ? r.Ref : JSON.stringify(r)));
  const add = (holder: string, roles: string[], doc: any) => {
    for (const s of asArray(doc?.Statement)) {
      out.push({ holder, roles, actions: asArray(s.Action), resources: asArray(s.Resource), statement: s });
    }
  };
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))) {
    add(id, roleIds(r.Properties?.Roles), r.Properties?.PolicyDocument);
  }
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))) {
    add(id, roleIds(r.Properties?.Roles), r.Properties?.PolicyDocument);
  }
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::Role'))) {
    for (const p of asArray(r.Properties?.Policies as any[])) add(id, [id], p.PolicyDocument);
  }
  return out;
}

/** Logical ID of the role a Lambda function runs as. */
export function functionRoleId(template: Template, functionId: string): string {
  const fn = template.toJSON().Resources[functionId];
  const role = fn?.Properties?.Role;
  if (!role?.['Fn::GetAtt']) throw new Error(`function ${functionId} has no role reference`);
  return role['Fn::GetAtt'][0];
}

/** The subset of a template's resources whose type is in `types`, serialized for byte comparison. */
export function serializeResources(template: Template, types: string[]): string {
  const all = template.toJSON().Resources as Resources;
  const picked = Object.keys(all).sort().filter((k) => types.includes(all[k].Type)).map((k) => [k, all[k]]);
  return JSON.stringify(picked, null, 1);
}

/** The account and region the ARN of a resource is assumed to be in, for mayChangeListener. */
const ARN_ENV = { partition: 'aws', region: 'eu-west-1', account: '111111111111' };

/**
 * Whether role `roleId` may call `action` (ModifyListener or ModifyRule) on the listener or listener
 * rule `resourceId` of the template, evaluated as IAM would for the ARN the resource gets
 * (`listener/app/<lb>/<lb-id>/<id>`, `listener-rule/app/<lb>/<lb-id>/<listener-id>/<id>`, in
 * ARN_ENV, or the stack's own account and region when literal) and the tags it is created with.
 * A statement naming the resource itself (`{Ref}`) matches it. Conditions other than
 * `StringEquals` on `aws:ResourceTag/<key>` throw: the evaluation would not be sound.
 */
export function mayChangeListener(template: Template, roleId: string, action: string, resourceId: string): boolean {
  const resources = template.toJSON().Resources as Resources;
  const target = resources[resourceId];
  if (!target) throw new Error(`no resource ${resourceId}`);
  const kind = { 'AWS::ElasticLoadBalancingV2::Listener': 'listener', 'AWS::ElasticLoadBalancingV2::ListenerRule': 'listener-rule' }[target.Type];
  if (!kind) throw new Error(`${resourceId} is a ${target.Type}, not a listener or listener rule`);
  const tags = new Map<string, string>(asArray(target.Properties?.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
  const suffix = kind === 'listener' ? `lb/0123456789abcdef/${resourceId}` : `lb/0123456789abcdef/listener/${resourceId}`;
  const statements = policyStatements(template).filter((s) => s.roles.includes(roleId) && s.statement.Effect === 'Allow' && s.actions.includes(action));
  return statements.some((s) => {
    const arnMatches = s.resources.some((r) => {
      const pattern = flatten(r);
      if (pattern === `<<Ref:${resourceId}>>`) return true;
      const concrete = pattern.replace(/<<Ref:AWS::Partition>>/g, ARN_ENV.partition).replace(/<<Ref:AWS::Region>>/g, ARN_ENV.region)
        .replace(/<<Ref:AWS::AccountId>>/g, ARN_ENV.account);
      if (concrete.includes('<<')) return false; // another resource's attribute: not this one's ARN pattern
      const [, , , region, account] = concrete.split(':');
      const arn = `arn:${ARN_ENV.partition}:elasticloadbalancing:${region}:${account}:${kind}/app/${suffix}`;
      const glob = new RegExp(`^${concrete.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      return glob.test(arn);
    });
    if (!arnMatches) return false;
    const condition = s.statement.Condition as Record<string, Record<string, string>> | undefined;
    for (const [operator, entries] of Object.entries(condition ?? {})) {
      for (const [key, value] of Object.entries(entries)) {
        const tag = /^aws:ResourceTag\/(.+)$/.exec(key);
        if (operator !== 'StringEquals' || !tag || typeof value !== 'string') throw new Error(`unsupported condition ${operator} ${key}`);
        if (tags.get(tag[1]) !== value) return false;
      }
    }
    return true;
  });
}
