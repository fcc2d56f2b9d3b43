/**
 * Synth-time checks of a CanaryDeployment's inputs that would otherwise synthesize and break at
 * deploy or at the first release. Each error names the prop to change and how.
 */
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { invalid, known, problem, requireConcrete } from './validation';
import { DEFAULT_THRESHOLDS } from '../policy/release-policy';
import type { CanaryDeploymentProps } from '../deployment/canary-deployment';

/** The inputs these checks read: the CanaryDeploymentProps they are named by in every message. */
export type CheckedInputs = Pick<CanaryDeploymentProps, 'service' | 'containerName' | 'containerPort' | 'listener' | 'testListener'
  | 'blueTargetGroup' | 'greenTargetGroup' | 'testBaseUrl' | 'applicationName' | 'deploymentGroupName' | 'analysis' | 'alarms'>;

/** Release-policy latency defaults (RollbackAlarms' and the judge's), from the one policy module. */
const DEFAULT_P95 = Duration.millis(DEFAULT_THRESHOLDS.maxP95Ms);
const DEFAULT_P99 = Duration.millis(DEFAULT_THRESHOLDS.maxP99Ms);

/**
 * Thresholds the rollback alarms and the judge share, checked under the name the user set
 * (`analysis.maxP95`, not the alarms construct's `alarms`). Tokens are skipped, except in the
 * latencies, which are converted at synth time (seconds for the alarm, milliseconds for the judge).
 */
export function checkThresholds(scope: IConstruct, inputs: CheckedInputs): void {
  const a = inputs.analysis ?? {};
  const why = 'the alarm threshold (seconds) and the judge\'s limit (milliseconds) are both computed from it at synth time.';
  if (a.maxP95) requireConcrete(scope, 'analysis.maxP95', a.maxP95, why);
  if (a.maxP99) requireConcrete(scope, 'analysis.maxP99', a.maxP99, why);
  if (known(a.maxErrorRatePercent) && !(a.maxErrorRatePercent > 0 && a.maxErrorRatePercent < 100)) {
    invalid(scope, 'analysis.maxErrorRatePercent', `must be between 0 and 100 exclusive (got ${a.maxErrorRatePercent}).`);
  }
  for (const [prop, d] of [['analysis.maxP95', a.maxP95], ['analysis.maxP99', a.maxP99]] as const) {
    if (d && d.toMilliseconds({ integral: false }) <= 0) {
      invalid(scope, prop, `must be longer than 0 (got ${d.toHumanString()}): every request would breach it.`);
    }
  }
  const p95 = a.maxP95 ?? DEFAULT_P95;
  const p99 = a.maxP99 ?? DEFAULT_P99;
  if (p95.toMilliseconds({ integral: false }) > p99.toMilliseconds({ integral: false })) {
    if (!a.maxP95) {
      invalid(scope, 'analysis.maxP99', `(${p99.toHumanString()}) is below the default analysis.maxP95 (${DEFAULT_P95.toHumanString()}): `
        + 'a p99 can never be below the p95 of the same requests. Set analysis.maxP95 too, at most analysis.maxP99.');
    }
    if (!a.maxP99) {
      invalid(scope, 'analysis.maxP95', `(${p95.toHumanString()}) exceeds the default analysis.maxP99 (${DEFAULT_P99.toHumanString()}): `
        + 'set analysis.maxP99 too, at least analysis.maxP95.');
    }
    invalid(scope, 'analysis.maxP95', `(${p95.toHumanString()}) must not exceed analysis.maxP99 (${p99.toHumanString()}).`);
  }
  if (known(a.maxUnhealthyHosts) && (!Number.isInteger(a.maxUnhealthyHosts) || a.maxUnhealthyHosts < 0)) {
    invalid(scope, 'analysis.maxUnhealthyHosts', `must be a whole number >= 0 (got ${a.maxUnhealthyHosts}).`);
  }
  const minutes: Array<[string, number | undefined]> = [
    ['analysis.unhealthyMinutes', a.unhealthyMinutes],
    ['alarms.breachMinutes', inputs.alarms?.breachMinutes],
    ['alarms.evaluationMinutes', inputs.alarms?.evaluationMinutes],
  ];
  for (const [prop, v] of minutes) {
    if (known(v) && (!Number.isInteger(v) || v < 1)) invalid(scope, prop, `must be a whole number of minutes >= 1 (got ${v}).`);
  }
  const breach = inputs.alarms?.breachMinutes ?? 2;
  const evaluation = inputs.alarms?.evaluationMinutes ?? 3;
  if (known(breach) && known(evaluation) && breach > evaluation) {
    const which = inputs.alarms?.breachMinutes !== undefined ? 'alarms.breachMinutes' : 'alarms.evaluationMinutes';
    invalid(scope, which, `breachMinutes (${breach}) must not exceed evaluationMinutes (${evaluation}).`);
  }
}

/** `https://…` or `http://…`: the smoke-test function calls it with fetch. Tokens are skipped. */
export function checkTestBaseUrl(scope: IConstruct, url: string | undefined): void {
  if (url === undefined || Token.isUnresolved(url)) return;
  if (!/^https?:\/\/[^/\s]+/i.test(url)) {
    invalid(scope, 'testBaseUrl', `must be an absolute http:// or https:// URL (got "${url}"), e.g. "http://internal-alb.example.com:9000".`);
  }
}

function isNetworkListener(listener: elbv2.IApplicationListener): boolean {
  if ((listener as unknown) instanceof elbv2.NetworkListener) return true;
  const arn = listener.listenerArn;
  return !Token.isUnresolved(arn) && /:listener\/net\//.test(arn);
}

function isNetworkTargetGroup(tg: elbv2.IApplicationTargetGroup): boolean {
  if ((tg as unknown) instanceof elbv2.NetworkTargetGroup) return true;
  const cfn = tg.node.defaultChild;
  if (!(cfn instanceof elbv2.CfnTargetGroup)) return false;
  const protocol = Stack.of(tg).resolve(cfn.protocol);
  return typeof protocol === 'string' && ['TCP', 'UDP', 'TCP_UDP', 'TLS'].includes(protocol);
}

/** Application Load Balancer pieces only: the stepper weights ALB forward actions and the judge reads ALB metrics. */
export function checkLoadBalancerKind(scope: IConstruct, inputs: CheckedInputs): void {
  const fix = 'cdk-ecs-canary weights Application Load Balancer forward actions and judges ALB target group metrics; use an Application Load Balancer.';
  for (const [prop, l] of [['listener', inputs.listener], ['testListener', inputs.testListener]] as const) {
    if (l && isNetworkListener(l)) invalid(scope, prop, `is a Network Load Balancer listener. ${fix}`);
  }
  for (const [prop, tg] of [['blueTargetGroup', inputs.blueTargetGroup], ['greenTargetGroup', inputs.greenTargetGroup]] as const) {
    if (isNetworkTargetGroup(tg)) invalid(scope, prop, `is a Network Load Balancer target group (TCP/UDP/TLS). ${fix}`);
  }
}

/** Whether a target group is attached to a load balancer (its metrics need that dimension). */
function attached(tg: elbv2.IApplicationTargetGroup): boolean {
  try {
    // Both throw when the target group is on no listener (imported ones: without loadBalancerArns).
    return !!tg.loadBalancerArns && !!tg.metrics.requestCount();
  } catch {
    return false;
  }
}

/**
 * Green must be on a listener before the first release. Without a test listener nothing forwards
 * to it: its targets are never health-checked, AfterInstall waits for healthy targets until it
 * times out, and its metrics have no load balancer dimension.
 */
export function checkGreenIsRouted(scope: IConstruct, inputs: CheckedInputs): void {
  for (const [prop, tg] of [['blueTargetGroup', inputs.blueTargetGroup], ['greenTargetGroup', inputs.greenTargetGroup]] as const) {
    if (attached(tg)) continue;
    const fix = prop === 'greenTargetGroup' && !inputs.testListener
      ? 'Give a testListener that forwards to it, or add it to the production forward action at weight 0 '
        + '(ListenerAction.weightedForward([{ targetGroup: blue, weight: 100 }, { targetGroup: green, weight: 0 }])), as CodeDeploy leaves it after a release.'
      : 'Attach it to a listener (an imported target group needs loadBalancerArns).';
    invalid(scope, prop, `is attached to no load balancer: the load balancer never health-checks its targets, so AfterInstall would wait for healthy tasks until it times out, and its metrics cannot be read. ${fix}`);
  }
}

/**
 * The service must be in the canary's stack: the deployment group names it and the smoke-test
 * function's security group is opened on it, so two stacks would reference each other.
 */
export function checkSameStack(scope: IConstruct, service: ecs.IBaseService): void {
  const here = Stack.of(scope);
  const there = Stack.of(service);
  if (here !== there) {
    invalid(scope, 'service', `is in stack ${there.node.path}, this CanaryDeployment in stack ${here.node.path}: the two stacks would reference `
      + 'each other (deployment group and hook security groups). Create the CanaryDeployment in the service\'s stack, '
      + 'or import the service in this stack (FargateService.fromFargateServiceAttributes) with serviceSecurityGroups.');
  }
}

const CLAIMED = new WeakMap<IConstruct, string>();

/** CodeDeploy allows one deployment group per ECS service (CodeDeploy quotas). */
export function claimService(scope: IConstruct, service: ecs.IBaseService): void {
  // The same service imported twice is two objects: its cluster and service names identify it too.
  const names = [service.cluster.clusterName, service.serviceName];
  const byName = names.some((n) => Token.isUnresolved(n)) ? undefined
    : `service|${Stack.of(scope).account}/${Stack.of(scope).region}|${names.join('/')}`;
  const registry = registryOf(scope.node.root as Construct);
  const owner = CLAIMED.get(service) ?? (byName ? registry.get(byName) : undefined);
  if (byName) registry.set(byName, registry.get(byName) ?? scope.node.path);
  if (owner !== undefined) {
    invalid(scope, 'service', `already has a CanaryDeployment (${owner}); CodeDeploy allows one deployment group per ECS service. `
      + 'Use one CanaryDeployment per service.');
  }
  CLAIMED.set(service, scope.node.path);
}

/**
 * Given application/deployment group names must be unique per account and region: the CodeDeploy
 * application and the SSM parameters named after them would collide. Names CloudFormation
 * generates (the default) are unique. Environment-agnostic stacks only get a warning.
 */
export function claimNames(scope: IConstruct, applicationName?: string, deploymentGroupName?: string): void {
  if (applicationName === undefined || Token.isUnresolved(applicationName)) return;
  if (deploymentGroupName !== undefined && Token.isUnresolved(deploymentGroupName)) return;
  const stack = Stack.of(scope);
  const root = scope.node.root as Construct;
  const registry = registryOf(root);
  const env = `${stack.account}/${stack.region}`;
  const key = `${env}|${applicationName}|${deploymentGroupName ?? ''}`;
  const other = registry.get(key);
  registry.set(key, scope.node.path);
  if (other === undefined) return;
  const message = `"${applicationName}"${deploymentGroupName ? ` / "${deploymentGroupName}"` : ''} is already used by ${other}; `
    + 'the CodeDeploy application and the SSM parameters of the two canaries would collide. Give each its own applicationName '
    + 'and deploymentGroupName, or leave them out (CloudFormation then generates unique names).';
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    Annotations.of(scope).addWarningV2('cdk-ecs-canary:duplicateNames', `applicationName: ${message} (both stacks are environment-agnostic and may share an account)`);
  } else {
    invalid(scope, 'applicationName', message);
  }
}

const REGISTRIES = new WeakMap<Construct, Map<string, string>>();
function registryOf(root: Construct): Map<string, string> {
  let m = REGISTRIES.get(root);
  if (!m) REGISTRIES.set(root, (m = new Map()));
  return m;
}

/** A desired count of 0 is legitimate (a parked service) but no release can succeed while it lasts. */
export function warnOnNoTasks(scope: IConstruct, service: ecs.IBaseService): void {
  const cfn = service.node.defaultChild;
  if (!(cfn instanceof ecs.CfnService)) return;
  const count = cfn.desiredCount;
  if (typeof count === 'number' && !Token.isUnresolved(count) && count === 0) {
    Annotations.of(scope).addWarningV2('cdk-ecs-canary:desiredCountZero',
      'desiredCount: the service runs 0 tasks, so a release starts 0 new tasks and AfterInstall times out waiting for healthy ones; '
      + 'scale the service up before releasing.');
  }
}

/**
 * Checks that need the whole tree (containers, port mappings and target types can be added after
 * the canary is created), run by Node.addValidation at synth. Only for a service object whose
 * task definition is visible.
 */
export function treeProblems(inputs: CheckedInputs, directHttpChecks: boolean): string[] {
  const service = inputs.service;
  if (!(service instanceof ecs.BaseService)) return [];
  const out: string[] = [];
  const td = service.taskDefinition;
  if (!Token.isUnresolved(inputs.containerName)) {
    const container = td.findContainer(inputs.containerName);
    if (!container) {
      const names = td.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition)
        .map((c) => `"${c.containerName}"`).join(', ') || 'none';
      out.push(problem('containerName', `"${inputs.containerName}" is not a container of the service's task definition (containers: ${names}). `
        + 'Name the container the load balancer sends traffic to.'));
    } else if (known(inputs.containerPort)) {
      const ports = container.portMappings.map((p) => p.containerPort).filter((p) => !Token.isUnresolved(p));
      const hasTokens = container.portMappings.some((p) => Token.isUnresolved(p.containerPort));
      if (!hasTokens && !ports.includes(inputs.containerPort)) {
        out.push(problem('containerPort', `${inputs.containerPort} is not a port mapping of container "${inputs.containerName}" `
          + `(ports: ${ports.join(', ') || 'none'}). Give the port the container listens on, or add it with container.addPortMappings().`));
      }
    }
  }
  const awsvpc = td.networkMode === ecs.NetworkMode.AWS_VPC;
  for (const [prop, tg] of [['blueTargetGroup', inputs.blueTargetGroup], ['greenTargetGroup', inputs.greenTargetGroup]] as const) {
    const cfn = tg.node.defaultChild;
    if (!(cfn instanceof elbv2.CfnTargetGroup)) continue;
    const type = Stack.of(tg).resolve(cfn.targetType);
    if (awsvpc && type === 'instance') {
      out.push(problem(prop, 'has target type INSTANCE, but the service uses the awsvpc network mode, whose tasks register by IP. '
        + 'Create the target group with targetType: TargetType.IP.'));
    }
  }
  if (directHttpChecks && (td.networkMode === ecs.NetworkMode.BRIDGE || td.networkMode === ecs.NetworkMode.HOST)) {
    out.push(problem('smokeTests', `the HTTP smoke tests call the new tasks directly by IP on the container port, but the service uses the ${td.networkMode} `
      + 'network mode, where a target is an EC2 instance with a host port. Set testBaseUrl (e.g. the test listener\'s URL).'));
  }
  return out;
}

/** Every construction-time check of a CanaryDeployment's inputs, in the order a user would fix them. */
export function checkInputs(scope: IConstruct, inputs: CheckedInputs): void {
  checkSameStack(scope, inputs.service);
  checkLoadBalancerKind(scope, inputs);
  checkGreenIsRouted(scope, inputs);
  checkThresholds(scope, inputs);
  checkTestBaseUrl(scope, inputs.testBaseUrl);
  claimNames(scope, inputs.applicationName, inputs.deploymentGroupName);
  claimService(scope, inputs.service);
  warnOnNoTasks(scope, inputs.service);
}
