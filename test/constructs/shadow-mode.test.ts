import { Template } from 'aws-cdk-lib/assertions';
import { CanaryDeployment, CanaryDeploymentProps } from '../../lib';
import { CanaryValidationError } from '../../lib/private/validation';
import { buildExistingService, buildNetwork, ExistingService, newStack, deploymentPropsFor, validationFailure } from '../helpers/fixtures';
import { parseJoinedJson, resourcesOfType } from '../helpers/template';

function deploy(analysis: CanaryDeploymentProps['analysis']): { template: Template } {
  const stack = newStack();
  const svc: ExistingService = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, { analysis }));
  return { template: Template.fromStack(stack) };
}

/** The runtime configuration document the construct renders into its SSM parameter. */
function analysisOf(template: Template): Record<string, unknown> {
  const params = Object.values(resourcesOfType(template, 'AWS::SSM::Parameter'));
  expect(params).toHaveLength(1);
  return parseJoinedJson(params[0].Properties!.Value).analysis;
}

function failure(analysis: CanaryDeploymentProps['analysis']): CanaryValidationError {
  return validationFailure(() => deploy(analysis));
}

describe('analysis.shadow', () => {
  test('renders shadow: true into the runtime configuration the stepper reads', () => {
    const { template } = deploy({ shadow: true });
    expect(analysisOf(template)).toMatchObject({ shadow: true, maxErrorRatePercent: 1, onInconclusive: 'fail' });
  });

  test('is left out by default and when false: verdicts act', () => {
    expect(analysisOf(deploy(undefined).template)).not.toHaveProperty('shadow');
    expect(analysisOf(deploy({ shadow: false }).template)).not.toHaveProperty('shadow');
  });

  test('keeps the rollback alarms: shadow mode silences only the judge', () => {
    const { template } = deploy({ shadow: true });
    const group = Object.values(resourcesOfType(template, 'AWS::CodeDeploy::DeploymentGroup'))[0];
    expect((group.Properties as { AlarmConfiguration?: { Enabled?: boolean; Alarms?: unknown[] } }).AlarmConfiguration).toMatchObject({ Enabled: true });
  });
});

describe('analysis.confidencePercent', () => {
  test('renders the confidence the judge tests at; left out by default (the runtime default is 99 %)', () => {
    expect(analysisOf(deploy({ confidencePercent: 95 }).template)).toMatchObject({ confidencePercent: 95 });
    expect(analysisOf(deploy(undefined).template)).not.toHaveProperty('confidencePercent');
  });

  test.each([100, 40, Number.NaN])('fails when analysis.confidencePercent is %p', (c) => {
    const e = failure({ confidencePercent: c });
    expect(e.prop).toBe('analysis.confidencePercent');
    expect(e.message).toContain(`analysis.confidencePercent: must be a percentage from 50 up to (not including) 100 (got ${c}); 100 would never fail anything.`);
  });
});
