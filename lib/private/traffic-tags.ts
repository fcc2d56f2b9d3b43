import { Aspects, IAspect, Stack, Stage, TagManager } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { invalid } from './validation';

/** The tag on the listeners and listener rules a stack's stepper and guard may change; its value is the stack's name. */
export const TRAFFIC_TAG_KEY = 'cdk-ecs-canary:traffic';

/**
 * Context key (cdk.json or `--context`): `false` gives the stepper and the guard one ARN pattern per
 * load balancer instead, for an account whose CloudFormation does not take Tags on listeners yet.
 */
export const LISTENER_TAGS_CONTEXT = 'cdk-ecs-canary:listenerTags';

/** Whether `scope`'s stack reaches its own load balancers' listeners by tag (the default), per LISTENER_TAGS_CONTEXT. */
export function listenerTagsEnabled(scope: IConstruct): boolean {
  const value: unknown = scope.node.tryGetContext(LISTENER_TAGS_CONTEXT);
  if (value === undefined || value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return invalid(scope, `context ${LISTENER_TAGS_CONTEXT}`, `is ${JSON.stringify(value)}: set it to true (the default: listeners are reached by tag) or false (one ARN pattern per load balancer, for a partition whose CloudFormation does not take Tags on ELB listeners).`);
}

const INSTANCES = new WeakMap<Stack, TrafficTags>();

/**
 * Attribute-based access to the listeners of the load balancers a stack creates for its canary
 * services. Every listener of such a load balancer, and every rule of those listeners, wherever in
 * the app it is declared, gets the tag TRAFFIC_TAG_KEY = the stack's name; the stepper and the
 * guard are granted ModifyListener and ModifyRule on Application Load Balancer listeners and rules
 * carrying that tag. One statement per role however many load balancers the stack has, so the
 * roles' policies do not grow with the services (issue 12), and still only this stack's listeners.
 *
 * AWS: ModifyListener (resource type listener/app) and ModifyRule (listener-rule/app) support the
 * aws:ResourceTag/${TagKey} condition key (Service Authorization Reference, Elastic Load Balancing
 * V2), and AWS::ElasticLoadBalancingV2::Listener and ::ListenerRule take Tags. Stack names are
 * unique per account and region, as the ARN pattern is scoped to both.
 */
export class TrafficTags implements IAspect {
  /**
   * The stack's instance, created on first use: its aspect is added to the stack's stage, and its
   * synth-time check (validate) to the stack.
   */
  public static of(stack: Stack): TrafficTags {
    const existing = INSTANCES.get(stack);
    if (existing) return existing;
    const tags = new TrafficTags(stack);
    INSTANCES.set(stack, tags);
    Aspects.of(tags.scope).add(tags);
    stack.node.addValidation({ validate: () => tags.validate() });
    return tags;
  }

  /** The stage, not the stack: a rule of one of these listeners may be declared in another stack. */
  private readonly scope: IConstruct;
  private readonly loadBalancerArns = new Set<string>();
  private readonly productionListeners = new Set<string>();
  private listeners?: Map<string, elbv2.CfnListener>;

  private constructor(private readonly stack: Stack) {
    this.scope = Stage.of(stack) ?? stack.node.root;
  }

  /**
   * Tags the listeners of `loadBalancer` and their rules; `productionListenerArn` must be one of
   * them (checked at synth). Returns the IAM condition that reaches them: the resource carries this
   * stack's tag.
   */
  public add(loadBalancer: elbv2.ApplicationLoadBalancer, productionListenerArn: string): Record<string, Record<string, string>> {
    this.loadBalancerArns.add(loadBalancer.loadBalancerArn);
    this.productionListeners.add(productionListenerArn);
    return { StringEquals: { [`aws:ResourceTag/${TRAFFIC_TAG_KEY}`]: this.stack.stackName } };
  }

  public visit(node: IConstruct): void {
    if (node instanceof elbv2.CfnListener && this.loadBalancerArns.has(node.loadBalancerArn)) this.tag(node);
    if (node instanceof elbv2.CfnListenerRule && node.listenerArn !== undefined && this.listenersOfTaggedLoadBalancers().has(node.listenerArn)) this.tag(node);
  }

  /**
   * Errors for production listeners that end up without the tag (e.g. removed with Tags.of().remove):
   * the stepper and the guard could not move their traffic.
   */
  public validate(): string[] {
    return [...this.productionListeners].flatMap((arn) => {
      const listener = this.listenersOfTaggedLoadBalancers().get(arn);
      const value = listener && TagManager.of(listener)?.tagValues()[TRAFFIC_TAG_KEY];
      if (value === this.stack.stackName) return [];
      const name = listener ? listener.node.path : this.stack.resolve(arn);
      return [`The production listener ${JSON.stringify(name)} does not carry the tag ${TRAFFIC_TAG_KEY}=${this.stack.stackName}: `
        + 'the stepper and the guard are allowed to change only listeners and rules with it, so they could not move its traffic. '
        + 'Do not remove that tag from the load balancer\'s listeners and rules.'];
    });
  }

  private tag(node: elbv2.CfnListener | elbv2.CfnListenerRule): void {
    TagManager.of(node)?.setTag(TRAFFIC_TAG_KEY, this.stack.stackName);
  }

  /** Every listener of the app on one of the load balancers, by its ARN (its Ref token). */
  private listenersOfTaggedLoadBalancers(): Map<string, elbv2.CfnListener> {
    if (!this.listeners) {
      const all = this.scope.node.findAll();
      this.listeners = new Map(all
        .filter((c): c is elbv2.CfnListener => c instanceof elbv2.CfnListener && this.loadBalancerArns.has(c.loadBalancerArn))
        .map((l) => [l.ref, l]));
    }
    return this.listeners;
  }
}
