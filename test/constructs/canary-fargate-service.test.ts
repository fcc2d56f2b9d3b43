import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CanaryFargateService, CanaryFargateServiceProps } from '../../lib';
import { newStack, validationFailure } from '../helpers/fixtures';
import { logicalId, resourcesOfType } from '../helpers/template';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

function build(props: Partial<CanaryFargateServiceProps> = {}, before?: (stack: Stack) => Partial<CanaryFargateServiceProps>) {
  const stack = newStack();
  const extra = before ? before(stack) : {};
  const svc = new CanaryFargateService(stack, 'Api', { image, ...props, ...extra });
  return { stack, svc, template: Template.fromStack(stack) };
}

/** Ingress rules of a security group, inline or as separate resources. */
function ingressOf(template: Template, sgId: string): Array<Record<string, any>> {
  const inline = (template.toJSON().Resources[sgId].Properties.SecurityGroupIngress ?? []) as Array<Record<string, any>>;
  const separate = Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress'))
    .map((r) => r.Properties!)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [sgId, 'GroupId'] }));
  return [...inline, ...separate];
}

describe('CanaryFargateService with defaults', () => {
  let d: ReturnType<typeof build>;
  beforeAll(() => {
    d = build();
  });

  test('creates a VPC (2 AZs, one NAT, flow logs), a cluster with Container Insights and an internet-facing ALB', () => {
    d.template.resourceCountIs('AWS::EC2::VPC', 1);
    d.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    d.template.resourceCountIs('AWS::EC2::Subnet', 4);
    d.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    d.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    d.template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    d.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]),
    });
  });

  test('production listener: HTTP 80 forwarding to the blue target group through its catch-all rule, open to the internet', () => {
    d.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(d.svc.targetGroups[0]) } }],
    });
    d.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: logicalId(d.svc.listener) },
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(d.svc.targetGroups[0]) } }],
    });
    const albSg = logicalId(d.svc.loadBalancer.connections.securityGroups[0]);
    expect(ingressOf(d.template, albSg)).toContainEqual(expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 }));
  });

  test('test listener: HTTP 9000 forwarding to the green target group', () => {
    d.template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    d.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 9000,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(d.svc.targetGroups[1]) } }],
    });
  });

  test('the test listener is not open to the internet (nor to anybody by default)', () => {
    const albSg = logicalId(d.svc.loadBalancer.connections.securityGroups[0]);
    const rules = ingressOf(d.template, albSg);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.FromPort <= 9000 && r.ToPort >= 9000)).toEqual([]);
    // Nowhere in the stack: no security group opens 9000 to 0.0.0.0/0 or ::/0.
    const everyIngress = [
      ...Object.keys(resourcesOfType(d.template, 'AWS::EC2::SecurityGroup')).flatMap((id) => ingressOf(d.template, id)),
    ];
    expect(everyIngress.filter((r) => (r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0') && r.FromPort <= 9000 && r.ToPort >= 9000)).toEqual([]);
  });

  test('two IP target groups on the container port with the default health check', () => {
    d.template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    const tgs = Object.values(resourcesOfType(d.template, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    for (const tg of tgs) {
      expect(tg.Properties).toMatchObject({
        TargetType: 'ip',
        Port: 80,
        Protocol: 'HTTP',
        HealthCheckPath: '/',
        Matcher: { HttpCode: '200-399' },
        HealthCheckIntervalSeconds: 15,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        TargetGroupAttributes: expect.arrayContaining([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
      });
    }
  });

  test('the Fargate service uses the CODE_DEPLOY controller, private subnets and the blue target group', () => {
    d.template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentController: { Type: 'CODE_DEPLOY' },
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      LoadBalancers: [{ ContainerName: 'app', ContainerPort: 80, TargetGroupArn: { Ref: logicalId(d.svc.targetGroups[0]) } }],
    });
  });

  test('the load balancer reaches the tasks on the container port', () => {
    const serviceSg = logicalId(d.svc.service.connections.securityGroups[0]);
    const albSg = logicalId(d.svc.loadBalancer.connections.securityGroups[0]);
    expect(ingressOf(d.template, serviceSg)).toContainEqual(expect.objectContaining({
      FromPort: 80, ToPort: 80, SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
    }));
  });

  test('wires a canary deployment: deployment group, custom config; no composite alarm and no dashboard unless asked for', () => {
    d.template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    d.template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 1);
    // Created on first use of rollbackAlarm / opt-in with dashboard: true (issue 12: resources per service).
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    d.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(d.svc.dashboard).toBeUndefined();
    d.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      LoadBalancerInfo: {
        TargetGroupPairInfoList: [{
          TargetGroups: [
            { Name: { 'Fn::GetAtt': [logicalId(d.svc.targetGroups[0]), 'TargetGroupName'] } },
            { Name: { 'Fn::GetAtt': [logicalId(d.svc.targetGroups[1]), 'TargetGroupName'] } },
          ],
          ProdTrafficRoute: { ListenerArns: [{ Ref: logicalId(d.svc.listener) }] },
          TestTrafficRoute: { ListenerArns: [{ Ref: logicalId(d.svc.testListener) }] },
        }],
      },
    });
  });

  test('exposes service, loadBalancer, listener, testListener, targetGroups and deploymentGroup', () => {
    const { stack, svc, template } = d;
    const ref = (type: string) => Object.keys(resourcesOfType(template, type));
    expect(stack.resolve(svc.service.serviceArn)).toEqual({ Ref: ref('AWS::ECS::Service')[0] });
    expect(stack.resolve(svc.loadBalancer.loadBalancerArn)).toEqual({ Ref: ref('AWS::ElasticLoadBalancingV2::LoadBalancer')[0] });
    const listeners = ref('AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners).toContain(logicalId(svc.listener));
    expect(listeners).toContain(logicalId(svc.testListener));
    expect(logicalId(svc.listener)).not.toBe(logicalId(svc.testListener));
    expect(svc.listener.port).toBe(80);
    expect(svc.testListener.port).toBe(9000);
    expect(svc.targetGroups.map(logicalId).sort()).toEqual(ref('AWS::ElasticLoadBalancingV2::TargetGroup').sort());
    expect(stack.resolve(svc.deploymentGroup.deploymentGroupName)).toEqual({ Ref: ref('AWS::CodeDeploy::DeploymentGroup')[0] });
    expect(svc.deployment.deploymentGroup).toBe(svc.deploymentGroup);
    expect(svc.vpc).toBe(svc.cluster.vpc);
  });

  test('exposes rollbackAlarm: the composite of the 3 metric alarms, created on first use, the same on every use', () => {
    const stack = newStack();
    const svc = new CanaryFargateService(stack, 'Api', { image });
    const alarm = svc.rollbackAlarm;
    expect(svc.rollbackAlarm).toBe(alarm);
    expect(alarm).toBe(svc.deployment.rollbackAlarm);
    const template = Template.fromStack(stack);
    const composites = Object.entries(resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'));
    expect(composites).toHaveLength(1);
    expect(stack.resolve(alarm.alarmArn)).toEqual({ 'Fn::GetAtt': [composites[0][0], 'Arn'] });
    const rule = JSON.stringify(composites[0][1].Properties!.AlarmRule);
    for (const metricAlarm of svc.deployment.rollbackAlarms.alarms) expect(rule).toContain(logicalId(metricAlarm));
    expect(svc.deployment.rollbackAlarms.alarms).toHaveLength(3);
  });
});

describe('CanaryFargateService options', () => {
  test('HTTPS 443 with a certificate', () => {
    const certArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333';
    const { template } = build({}, (stack) => ({ certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', certArn) }));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certArn }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13'),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9000, Protocol: 'HTTP' });
    expect(Object.values(resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener')).map((l) => l.Properties!.Port).sort())
      .toEqual([443, 9000]);
  });

  test('testTrafficFrom opens the test listener to that peer only', () => {
    const { template, svc } = build({ testTrafficFrom: ec2.Peer.ipv4('10.20.0.0/16') });
    const rules = ingressOf(template, logicalId(svc.loadBalancer.connections.securityGroups[0]))
      .filter((r) => r.FromPort === 9000);
    expect(rules).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 9000, ToPort: 9000, IpProtocol: 'tcp' })]);
  });

  test('custom ports, container name and health check', () => {
    const { template } = build({
      containerPort: 8080,
      containerName: 'web',
      listenerPort: 8000,
      testListenerPort: 8001,
      healthCheck: { path: '/healthz' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8000 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8001 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080, HealthCheckPath: '/healthz', Matcher: { HttpCode: '200-399' },
    });
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'web', ContainerPort: 8080 })] });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'web', PortMappings: [Match.objectLike({ ContainerPort: 8080 })] })],
    });
  });

  test('an existing VPC: no VPC is created and the target groups live in it', () => {
    let vpc!: ec2.Vpc;
    const { template } = build({}, (stack) => {
      vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      return { vpc };
    });
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: { Ref: logicalId(vpc) } });
    template.resourceCountIs('AWS::ECS::Cluster', 1);
  });

  test('an existing cluster: its VPC is used and no cluster or VPC is created', () => {
    let cluster!: ecs.Cluster;
    let vpc!: ec2.Vpc;
    const { template, svc } = build({}, (stack) => {
      vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      cluster = new ecs.Cluster(stack, 'MyCluster', { vpc });
      return { cluster };
    });
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: { Ref: logicalId(cluster) } });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: { Ref: logicalId(vpc) } });
    expect(svc.cluster).toBe(cluster);
    expect(svc.vpc).toBe(vpc);
  });

  test('an existing load balancer gets both listeners; no other load balancer is created', () => {
    let alb!: elbv2.ApplicationLoadBalancer;
    const { template, svc } = build({}, (stack) => {
      const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      alb = new elbv2.ApplicationLoadBalancer(stack, 'MyAlb', { vpc, internetFacing: false });
      return { vpc, loadBalancer: alb };
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    for (const port of [80, 9000]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: port, LoadBalancerArn: { Ref: logicalId(alb) } });
    }
    expect(svc.loadBalancer).toBe(alb);
  });

  test('an imported cluster', () => {
    const { template } = build({}, (stack) => {
      const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      return { cluster: ecs.Cluster.fromClusterAttributes(stack, 'Imported', { clusterName: 'prod', vpc }) };
    });
    template.resourceCountIs('AWS::ECS::Cluster', 0);
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: 'prod', DeploymentController: { Type: 'CODE_DEPLOY' } });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { ECSServices: [Match.objectLike({ ClusterName: 'prod' })] });
  });
});

describe('CanaryFargateServices of one stack share one execution role and one log group (issue 12)', () => {
  /** n services on one cluster and one ALB, each on its own ports. */
  function many(n: number, props: (stack: Stack, i: number) => Partial<CanaryFargateServiceProps> = () => ({})) {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    const svcs = Array.from({ length: n }, (_, i) => new CanaryFargateService(stack, `Svc${i}`, {
      image, cluster, loadBalancer, listenerPort: 8000 + i, testListenerPort: 9000 + i, ...props(stack, i),
    }));
    return { stack, svcs, template: Template.fromStack(stack) };
  }
  /** The distinct roles the task definitions name as execution role. */
  const executionRoles = (t: Template) => [...new Set(Object.values(resourcesOfType(t, 'AWS::ECS::TaskDefinition'))
    .map((r) => (r.Properties!.ExecutionRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]))];
  const logOptions = (t: Template) => Object.values(resourcesOfType(t, 'AWS::ECS::TaskDefinition'))
    .map((r) => (r.Properties!.ContainerDefinitions as any[])[0].LogConfiguration);

  test('three services: one execution role and one log group, each service under its own stream prefix', () => {
    const { template, stack } = many(3);
    const roleArns = Object.values(resourcesOfType(template, 'AWS::ECS::TaskDefinition')).map((r) => r.Properties!.ExecutionRoleArn);
    expect(roleArns).toEqual(Array(3).fill({ 'Fn::GetAtt': [logicalId(stack.node.findChild('CdkEcsCanaryTaskExecutionRole')), 'Arn'] }));
    expect(executionRoles(template)).toHaveLength(1);
    expect(logOptions(template).map((l) => l.Options['awslogs-group'])).toEqual(Array(3).fill({ Ref: logicalId(stack.node.findChild('CdkEcsCanaryContainerLogs')) }));
    expect(logOptions(template).map((l) => l.Options['awslogs-stream-prefix'])).toEqual(['Svc0', 'Svc1', 'Svc2']);
    // No log group of a service's own: the VPC's flow-log group and the shared functions' groups only.
    expect(Object.keys(resourcesOfType(template, 'AWS::Logs::LogGroup')).filter((id) => id.startsWith('Svc'))).toEqual([]);
  });

  test('the execution role\'s policy does not grow with the number of services', () => {
    const policyOf = (t: Template) => {
      const [roleId] = executionRoles(t);
      return Object.values(resourcesOfType(t, 'AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties!.Roles).includes(roleId))
        .map((p) => p.Properties!.PolicyDocument);
    };
    const one = many(1).template;
    const three = many(3).template;
    expect(executionRoles(one)).toHaveLength(1);
    expect(executionRoles(three)).toHaveLength(1);
    expect(policyOf(three)).toEqual(policyOf(one));
    // It may write container logs to the shared log group only.
    expect(JSON.stringify(policyOf(three))).toContain('logs:PutLogEvents');
  });

  test('a given execution role and log group are used instead of the shared ones', () => {
    const { template, stack } = many(2, (st, i) => (i === 0 ? {
      executionRole: new iam.Role(st, 'MyExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
      logGroup: new logs.LogGroup(st, 'MyLogs'),
    } : {}));
    const [own, shared] = Object.values(resourcesOfType(template, 'AWS::ECS::TaskDefinition')).map((r) => r.Properties!);
    expect(own.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.node.findChild('MyExecutionRole')), 'Arn'] });
    expect((own.ContainerDefinitions as any[])[0].LogConfiguration.Options['awslogs-group']).toEqual({ Ref: logicalId(stack.node.findChild('MyLogs')) });
    expect(shared.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.node.findChild('CdkEcsCanaryTaskExecutionRole')), 'Arn'] });
    expect((shared.ContainerDefinitions as any[])[0].LogConfiguration.Options['awslogs-group']).toEqual({ Ref: logicalId(stack.node.findChild('CdkEcsCanaryContainerLogs')) });
  });

  test('the shared log group is kept a month and retained when removed (the old per-service groups were retained too)', () => {
    const { template, stack } = many(1);
    const id = logicalId(stack.node.findChild('CdkEcsCanaryContainerLogs'));
    expect(template.toJSON().Resources[id]).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });
});

describe('CanaryFargateService validation', () => {
  const failure = (props: Partial<CanaryFargateServiceProps>, before?: (stack: Stack) => Partial<CanaryFargateServiceProps>) => {
    const stack = newStack();
    const extra = before ? before(stack) : {};
    return validationFailure(() => new CanaryFargateService(stack, 'Api', { image, ...props, ...extra }));
  };

  test('fails when both vpc and cluster are given', () => {
    const e = failure({}, (stack) => {
      const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      return { vpc, cluster: new ecs.Cluster(stack, 'MyCluster', { vpc }) };
    });
    expect(e.message).toBe('vpc: give either vpc or cluster, not both: the cluster already has a VPC. (at TestStack/Api)');
  });

  test('fails when the production and test listener ports are the same', () => {
    expect(failure({ listenerPort: 9000 }).message).toBe(
      'testListenerPort: must differ from the production listener port (9000); the test listener serves the new version only. (at TestStack/Api)',
    );
    expect(failure({ listenerPort: 8080, testListenerPort: 8080 }).prop).toBe('testListenerPort');
  });

  test.each([
    ['containerPort', 0],
    ['listenerPort', 70000],
    ['testListenerPort', 1.5],
  ] as const)('fails when %s is %p', (prop, port) => {
    expect(failure({ [prop]: port }).message).toBe(`${prop}: must be a TCP port 1..65535 (got ${port}). (at TestStack/Api)`);
  });

  test('fails when accessLogsBucket is given with an existing load balancer', () => {
    const e = failure({}, (stack) => {
      const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
      return {
        vpc,
        loadBalancer: new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }),
        accessLogsBucket: new s3.Bucket(stack, 'Logs'),
      };
    });
    expect(e.prop).toBe('accessLogsBucket');
    expect(e.message).toContain('only applies to a load balancer this construct creates');
  });
});
