import { CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { runCli } from '../../src/cli/program';
import { choose, rollback } from '../../src/cli/rollback';
import { appSpec, deployment, FakeCliAws, mocks, taskDef } from './fixtures';

let aws: FakeCliAws;
beforeEach(() => {
  aws = new FakeCliAws().install();
  aws.deployments = [
    deployment('d-1', 'Succeeded', 400, 4),
    deployment('d-2', 'Succeeded', 300, 5),
    // A failed release of :6 (CodeDeploy rolled it back to :5), then :6 fixed as :7.
    deployment('d-3', 'Failed', 200, 6),
    deployment('d-4', 'Succeeded', 100, 7, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(taskDef(7), 'hooks-v2') } } }),
  ];
});

test('redeploys the task definition of the last success before the serving one, with the newest hooks, through the group\'s config', async () => {
  const code = await runCli(['rollback', '--service', 'api-service', '--by', 'dave'], aws.deps());

  expect(code).toBe(0);
  const input = mocks.codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
  expect(input).toEqual({
    applicationName: 'api-app',
    deploymentGroupName: 'api-dg',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: expect.any(String) } },
    description: `cdk-ecs-canary rollback to ${taskDef(5)} (from d-2) by dave`,
  });
  expect(JSON.parse(input.revision!.appSpecContent!.content!)).toEqual({
    version: '0.0',
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: taskDef(5), LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } } } }],
    Hooks: [{ BeforeInstall: 'hooks-v2-before-install' }, { BeforeAllowTraffic: 'hooks-v2-before-allow-traffic' }],
  });
  expect(aws.out.text).toContain(`serving:      ${taskDef(7)} (d-4`);
  expect(aws.out.text).toContain(`rolling back: ${taskDef(5)} (AppSpec of d-2, hooks of d-4)`);
  expect(aws.out.text).toContain('started d-NEW with the group\'s deployment config');
});

test('--fast: CodeDeployDefault.ECSAllAtOnce, and says the hooks still run', async () => {
  expect(await rollback(aws.context(), { service: 'api-service', fast: true })).toBe(0);
  expect(mocks.codedeploy).toHaveReceivedCommandWith(CreateDeploymentCommand, { deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' });
  expect(aws.out.text).toContain('CodeDeployDefault.ECSAllAtOnce (the hooks and in-hook steps still run');
});

test('refuses while a deployment is in flight: that is abort\'s job', async () => {
  aws.deployments.push(deployment('d-5', 'InProgress', 5, 8));
  expect(await runCli(['rollback'], aws.deps())).toBe(1);
  expect(aws.out.errors).toEqual(['canary: deployment d-5 of api-app/api-dg is InProgress: use `canary abort` to roll it back (CodeDeploy returns to the stable version)']);
  expect(mocks.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
});

test('refuses a task definition ECS can no longer run, and a group with nothing to go back to', async () => {
  aws.taskDefinitionStatus = 'INACTIVE';
  await expect(rollback(aws.context(), {})).rejects.toThrow(`task definition ${taskDef(5)} is INACTIVE: ECS cannot start new tasks from it`);
  aws.deployments = [deployment('d-1', 'Succeeded', 100, 4), deployment('d-2', 'Succeeded', 50, 4)];
  await expect(rollback(aws.context(), {})).rejects.toThrow('no earlier successful deployment of api-app/api-dg with a different task definition (read 2 deployment(s))');
  expect(mocks.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
});

test('choose: serving = newest success; target = next older success with another task definition', () => {
  const list = [...aws.deployments].reverse();
  expect(choose(list)).toMatchObject({ serving: { deploymentId: 'd-4' }, target: { deploymentId: 'd-2' } });
  expect(choose(list.slice(0, 2))).toBeUndefined();
});
