import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CanaryFargateService, DeploymentEngine } from '../../lib';

function dashboardBody(template: Template): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  // The body is a Fn::Join of strings and tokens: keep the strings.
  return (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[]).filter((p) => typeof p === 'string').join('');
}

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

describe('CanaryDashboard', () => {
  const stack = new Stack(new App(), 'Dash');
  const api = new CanaryFargateService(stack, 'Api', { image, dashboard: true, releaseOnDeploy: false });
  const template = Template.fromStack(stack);

  test('dashboard: true gives the service one dashboard of its own, exposed on the service', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(api.dashboard).toBeDefined();
    expect(api.deployment.dashboard).toBe(api.dashboard);
  });

  test('the dashboard shows the rollback alarm: the composite, created because the dashboard uses it', () => {
    const composites = Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composites).toHaveLength(1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain(composites[0]);
  });

  test('both target groups side by side for every signal the judge uses, and the rollback alarm', () => {
    const body = dashboardBody(template);
    for (const title of ['Rollback alarm', 'Requests per minute', '5xx rate (%)', 'p95 response time', 'p99 response time', 'Unhealthy hosts']) {
      expect(body).toContain(`"title":"${title}"`);
    }
    expect(body.match(/"label":"target group 1"/g)?.length).toBe(5);
    expect(body.match(/"label":"target group 2"/g)?.length).toBe(5);
    // The 5xx rate counts the errors the load balancer answers itself (refused or failed connections), like the alarm.
    for (const i of [1, 2]) {
      expect(body).toContain(`100 * (FILL(errors${i}, 0) + FILL(connerrors${i}, 0) + FILL(tlserrors${i}, 0)) / (FILL(requests${i}, 0) + FILL(connerrors${i}, 0) + FILL(tlserrors${i}, 0))`);
      expect(body).toContain(`"TargetConnectionErrorCount","LoadBalancer"`);
    }
    expect(body).toContain('"FinalVerdict"');
  });

  test.each([
    ['by default', { releaseOnDeploy: false }],
    ['with dashboard: false', { releaseOnDeploy: false, dashboard: false }],
    ['on the ECS engine, by default', { engine: DeploymentEngine.ECS }],
  ])('no dashboard %s (opt-in: $3 a month and 8 KB of template each)', (_, props) => {
    const s = new Stack(new App(), 'NoDash');
    const svc = new CanaryFargateService(s, 'Api', { image, ...props });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(svc.dashboard).toBeUndefined();
  });
});
