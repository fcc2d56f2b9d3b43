/**
 * Scale of one stack with many canary services: resources and template bytes per extra service,
 * and the largest IAM role's inline policies, at N and N+1 services, for imported services on one
 * shared ALB (CanaryDeployment) and for CanaryFargateService on one cluster, sharing one ALB and
 * each with its own. Counts, not timings.
 * Run: npm run bench:scale   (N=30 by default: SCALE_N=...)
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment, CanaryFargateService } from '../lib';
import { limitFindings, measureStack, STACK_LIMITS } from '../lib/private/stack-limits';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const LB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/shared/50dc6c495c0c9188`;

interface Measured { resources: number; bytes: number; largestRolePolicy: number; largestRole: string; limitCheck: string }

function measure(build: (stack: Stack) => void): Measured {
  const app = new App();
  const stack = new Stack(app, 'Scale', { env: { account: ACCOUNT, region: REGION } });
  build(stack);
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: object };
  const usage = measureStack(stack);
  let largestRole = '-';
  let largestRolePolicy = 0;
  for (const [role, chars] of usage.roleInlinePolicyChars) if (chars > largestRolePolicy) { largestRolePolicy = chars; largestRole = role; }
  // The synth-time stack-limit check's verdict (lib/private/stack-limits.ts): errors fail the synth, warnings name the limit.
  const findings = limitFindings(usage);
  const limitCheck = findings.length === 0 ? 'passes' : findings.map((f) => `${f.level}: ${f.message.split(':').slice(0, 2).join(':').split('.')[0]}`).join('; ');
  return { resources: Object.keys(template.Resources).length, bytes: Buffer.byteLength(JSON.stringify(template, undefined, 1)), largestRolePolicy, largestRole, limitCheck };
}

/**
 * N imported services routed by path rules on one shared ALB listener. `targetProtocol` is what a
 * user states of imported target groups (unstated: HTTPS assumed possible, TLS errors watched).
 */
export function importedServices(n: number, options: { targetProtocol?: elbv2.ApplicationProtocol } = {}) {
  return (stack: Stack): void => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0a', 'subnet-0b'] });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0a1b2c3d4e5f60718');
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', { listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/f2f7dc8efc522ab2`, securityGroup: sg });
    const testListener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'TestListener', { listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/a2f7dc8efc522ab2`, securityGroup: sg });
    for (let i = 0; i < n; i++) {
      const tg = (color: string) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, `Tg${i}${color}`, {
        targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/svc${i}-${color}/6d0ecf831eec9f${String(i).padStart(2, '0')}`,
        loadBalancerArns: LB,
      });
      new CanaryDeployment(stack, `Canary${i}`, {
        service: ecs.FargateService.fromFargateServiceAttributes(stack, `Svc${i}`, { cluster, serviceName: `svc${i}` }),
        containerName: 'app', containerPort: 8080, listener, testListener,
        blueTargetGroup: tg('blue'), greenTargetGroup: tg('green'), targetProtocol: options.targetProtocol,
      });
    }
  };
}

/**
 * N CanaryFargateServices on one cluster. By default they share one internet-facing ALB (each
 * service adds its production and test listener on ports 8000+i / 9000+i: 40 listeners for 20
 * services, under ALB's 50 per load balancer); `ownLoadBalancers` gives each its own ALB.
 */
export function fargateServices(n: number, options: { ownLoadBalancers?: boolean } = {}) {
  return (stack: Stack): void => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const loadBalancer = options.ownLoadBalancers ? undefined : new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    for (let i = 0; i < n; i++) {
      new CanaryFargateService(stack, `Svc${i}`, {
        cluster,
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
        ...(loadBalancer ? { loadBalancer, listenerPort: 8000 + i, testListenerPort: 9000 + i } : {}),
      });
    }
  };
}

function report(label: string, build: (n: number) => (stack: Stack) => void, n: number): void {
  const one = measure(build(1));
  const two = measure(build(2));
  const many = measure(build(n));
  const perResources = (many.resources - one.resources) / (n - 1);
  const perBytes = (many.bytes - one.bytes) / (n - 1);
  console.log(`${label}`);
  console.log(`  per extra service   ${perResources.toFixed(1)} resources, ${(perBytes / 1024).toFixed(1)} KB (${perBytes.toFixed(0)} bytes)   (1 -> 2: +${two.resources - one.resources} resources)`);
  console.log(`  at N=${n}             ${many.resources}/${STACK_LIMITS.resources} resources, ${(many.bytes / 1024).toFixed(0)}/${STACK_LIMITS.templateBytes / 1000} KB`);
  console.log(`  stack-limit check    N=${n}: ${many.limitCheck}`);
  console.log(`  largest role policy  N=1: ${one.largestRolePolicy}, N=2: ${two.largestRolePolicy}, N=${n}: ${many.largestRolePolicy} of ${STACK_LIMITS.roleInlinePolicyChars} chars (${many.largestRole})`);
}

if (require.main === module) {
  const n = Number(process.env.SCALE_N ?? 30);
  process.env.CDK_VALIDATION = 'false';
  report(`CanaryDeployment on imported services, one shared ALB listener (N=${n}), target protocol unstated`, importedServices, n);
  report(`CanaryDeployment on imported services, one shared ALB listener (N=${n}), targetProtocol: HTTP`,
    (k) => importedServices(k, { targetProtocol: elbv2.ApplicationProtocol.HTTP }), n);
  // 19 resources each (4 alarms; execution role and log group shared per stack): 20 fit CloudFormation's 500
  // with the VPC and the hooks (26 each before, and 20 did not fit). The fallback stays for the record.
  try {
    report('CanaryFargateService on one cluster and one shared ALB (N=20)', (k) => fargateServices(k), 20);
  } catch (err) {
    console.log(`CanaryFargateService on one cluster and one shared ALB (N=20): does not fit: ${String((err as Error).message).split(':')[0]}`);
    report('CanaryFargateService on one cluster and one shared ALB (N=15)', (k) => fargateServices(k), 15);
  }
  // Each with its own load balancer, listeners and security groups: 20 do not fit one stack.
  report('CanaryFargateService on one cluster, each with its own ALB (N=12)', (k) => fargateServices(k, { ownLoadBalancers: true }), 12);
}
