import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ExampleStack } from '../../bin/example-stack';
import { CanaryFargateService } from '../../lib';

function dashboardBody(template: Template): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  // The body is a Fn::Join of strings and tokens: keep the strings.
  return (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[]).filter((p) => typeof p === 'string').join('');
}

describe('CanaryDashboard', () => {
  const stack = new ExampleStack(new App(), 'Dash');
  const template = Template.fromStack(stack);

  test('one dashboard per service, exposed on the service', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(stack.api.dashboard).toBeDefined();
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

  test('dashboard: false leaves it out', () => {
    const s = new Stack(new App(), 'NoDash');
    const svc = new CanaryFargateService(s, 'Api', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      dashboard: false,
      release: false,
    });
    Template.fromStack(s).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(svc.dashboard).toBeUndefined();
  });
});
