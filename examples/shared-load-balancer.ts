import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CanaryDeployment } from 'cdk-ecs-canary';

const app = new App();
const stack = new Stack(app, 'SharedAlb');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });

// One production and one test listener for every service; requests no rule matches get a 404.
const listener = alb.addListener('Prod', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
const testListener = alb.addListener('Test', {
  port: 9000, protocol: elbv2.ApplicationProtocol.HTTP, open: false,
  defaultAction: elbv2.ListenerAction.fixedResponse(404),
});

// A service routed by path: a rule on each listener, and a canary that shifts only its own rules.
function routedService(name: string, path: string, priority: number): CanaryDeployment {
  const targetGroup = (id: string) => new elbv2.ApplicationTargetGroup(stack, `${name}${id}`, {
    vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP,
  });
  const [blue, green] = [targetGroup('Blue'), targetGroup('Green')];
  const conditions = [elbv2.ListenerCondition.pathPatterns([path])];
  new elbv2.ApplicationListenerRule(stack, `${name}Rule`, {
    listener, priority, conditions, action: elbv2.ListenerAction.forward([blue]),
  });
  new elbv2.ApplicationListenerRule(stack, `${name}TestRule`, {
    listener: testListener, priority, conditions, action: elbv2.ListenerAction.forward([green]),
  });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, `${name}Task`);
  taskDefinition.addContainer(name, {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    portMappings: [{ containerPort: 8080 }],
  });
  const service = new ecs.FargateService(stack, `${name}Service`, {
    cluster, taskDefinition, deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
  });
  service.attachToApplicationTargetGroup(blue);
  return new CanaryDeployment(stack, `${name}Canary`, {
    service, containerName: name, containerPort: 8080,
    listener, testListener, blueTargetGroup: blue, greenTargetGroup: green,
  });
}

routedService('api', '/api/*', 10);
routedService('web', '/*', 20);
app.synth();
