import { Annotations, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Limits a stack meets at deploy time, not at synth time (aws-facts.md, "Limits a stack meets
 * before deploy"; CloudFormation and IAM quotas pages). None of them is adjustable.
 */
export const STACK_LIMITS = {
  /** Resources in one CloudFormation stack. */
  resources: 500,
  /** Bytes of a template uploaded through S3 (what `cdk deploy` does). */
  templateBytes: 1_000_000,
  /** Characters of all inline policies of one IAM role together, whitespace not counted. */
  roleInlinePolicyChars: 10_240,
} as const;

/** Warn from this share of a limit on, so there is room to split the stack before a deploy fails. */
export const LIMIT_WARNING_SHARE = 0.8;

/**
 * Below this many resources a template cannot come near 1 MB (it would take over 3 KB per
 * resource), so the template is only rendered for measuring once the stack is this large.
 */
const TEMPLATE_CHECK_FROM_RESOURCES = 250;

export interface StackUsage {
  readonly resources: number;
  /** Undefined when the stack is too small to be measured (see TEMPLATE_CHECK_FROM_RESOURCES). */
  readonly templateBytes?: number;
  /** Inline policy characters (whitespace not counted) per role construct path. */
  readonly roleInlinePolicyChars: Map<string, number>;
}

function cfnResourcesOf(stack: Stack): CfnResource[] {
  return stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
}

/** JSON length without whitespace outside strings: what IAM counts against its size quotas. */
function policyChars(stack: Stack, doc: unknown): number {
  return JSON.stringify(stack.resolve(doc)).length;
}

/** Adds `n` characters to the role with logical id `roleLogicalId`, if it is one of the stack's. */
type AddPolicyChars = (roleLogicalId: string, n: number) => void;

/** Inline policy characters per role, each policy resolved from the construct tree. */
export function policyCharsFromTree(stack: Stack, resources: CfnResource[], add: AddPolicyChars): void {
  for (const r of resources) {
    if (r instanceof iam.CfnRole) {
      const inline = stack.resolve(r.policies) as { PolicyDocument?: unknown; policyDocument?: unknown }[] | undefined;
      for (const p of inline ?? []) add(stack.resolve(r.logicalId), JSON.stringify(p.policyDocument ?? p.PolicyDocument ?? {}).length);
    } else if (r instanceof iam.CfnPolicy) {
      const n = policyChars(stack, r.policyDocument);
      for (const ref of (stack.resolve(r.roles) ?? []) as { Ref?: string }[]) if (ref?.Ref) add(ref.Ref, n);
    }
  }
}

interface RenderedResource { Type?: string; Properties?: { Policies?: { PolicyDocument?: unknown }[]; PolicyDocument?: unknown; Roles?: { Ref?: string }[] } }

/**
 * policyCharsFromTree, read from a rendered template instead: the same resolved documents (the
 * render resolves every resource), without resolving each policy a second time.
 */
export function policyCharsFromTemplate(stack: Stack, resources: CfnResource[], rendered: Record<string, RenderedResource>, add: AddPolicyChars): void {
  for (const r of resources) {
    if (!(r instanceof iam.CfnRole) && !(r instanceof iam.CfnPolicy)) continue;
    const props = rendered[stack.resolve(r.logicalId)]?.Properties;
    if (r instanceof iam.CfnRole) {
      for (const p of props?.Policies ?? []) add(stack.resolve(r.logicalId), JSON.stringify(p.PolicyDocument ?? {}).length);
    } else if (props?.PolicyDocument !== undefined) {
      const n = JSON.stringify(props.PolicyDocument).length;
      for (const ref of props.Roles ?? []) if (ref?.Ref) add(ref.Ref, n);
    }
  }
}

/** Measures what the three limits count, from the construct tree (no template is written). */
export function measureStack(stack: Stack): StackUsage {
  const resources = cfnResourcesOf(stack);
  const roles = new Map<string, iam.CfnRole>();
  for (const r of resources) if (r instanceof iam.CfnRole) roles.set(stack.resolve(r.logicalId), r);
  const chars = new Map<string, number>();
  const add = (roleLogicalId: string, n: number) => {
    const role = roles.get(roleLogicalId);
    if (!role) return; // an imported role: its own account's policies are not ours to count
    const key = role.node.path;
    chars.set(key, (chars.get(key) ?? 0) + n);
  };
  let templateBytes: number | undefined;
  if (resources.length >= TEMPLATE_CHECK_FROM_RESOURCES) {
    // Internal but stable API: the same rendering `synth` writes to the template file. It is the
    // check's main cost (a whole template resolved, at synth), so the policies are read from it.
    const render = (stack as unknown as { _toCloudFormation(): { Resources?: Record<string, RenderedResource> } })._toCloudFormation();
    templateBytes = Buffer.byteLength(JSON.stringify(render, undefined, 1));
    policyCharsFromTemplate(stack, resources, render.Resources ?? {}, add);
  } else {
    policyCharsFromTree(stack, resources, add);
  }
  return { resources: resources.length, templateBytes, roleInlinePolicyChars: chars };
}

/** The findings for one measured stack: [level, message] pairs. */
export function limitFindings(usage: StackUsage): { level: 'warning' | 'error'; message: string }[] {
  const out: { level: 'warning' | 'error'; message: string }[] = [];
  const check = (what: string, used: number, limit: number, unit: string, fix: string) => {
    const share = used / limit;
    if (share < LIMIT_WARNING_SHARE) return;
    const level = share > 1 ? 'error' : 'warning';
    const state = share > 1 ? 'is over' : `is at ${Math.round(share * 100)} % of`;
    out.push({ level, message: `${what}: ${used} ${unit} ${state} the limit of ${limit}${share > 1 ? ': the deploy would fail' : ''}. ${fix}` });
  };
  check('CloudFormation resources in this stack', usage.resources, STACK_LIMITS.resources, 'resources',
    'Put some canary services in another stack (each stack gets its own shared hooks), or leave out per-service extras (dashboard: false).');
  if (usage.templateBytes !== undefined) {
    check('CloudFormation template size', usage.templateBytes, STACK_LIMITS.templateBytes, 'bytes',
      'Split the stack, or set dashboard: false on services that do not need their own dashboard.');
  }
  for (const [role, chars] of usage.roleInlinePolicyChars) {
    check(`IAM inline policies of role ${role}`, chars, STACK_LIMITS.roleInlinePolicyChars, 'characters',
      'Split the stack: IAM refuses a role whose inline policies exceed the limit.');
  }
  return out;
}

/** Adds the stack-limit check to `stack` once (the check reads the whole tree at synth time). */
export function checkStackLimits(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const marker = Symbol.for('cdk-ecs-canary:stack-limits');
  const s = stack as unknown as Record<symbol, boolean>;
  if (s[marker]) return;
  s[marker] = true;
  stack.node.addValidation({
    validate: () => {
      for (const f of limitFindings(measureStack(stack))) {
        if (f.level === 'error') Annotations.of(stack).addError(f.message);
        else Annotations.of(stack).addWarningV2('cdk-ecs-canary:stack-limits', f.message);
      }
      return [];
    },
  });
}
