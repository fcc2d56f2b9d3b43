/**
 * The stepper's Tick gets the previous output (its `carry`: state and configuration) from the state
 * machine, so an ordinary tick reads neither DynamoDB nor SSM. The Tick's Parameters are played
 * against the real handler: Step Functions substitutes `previous.$: '$'` with the Wait's input,
 * which is the previous Start/Tick output.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { CanaryDeployment } from '../../lib';
import { buildExistingService, buildNetwork, deploymentPropsFor, newStack } from '../helpers/fixtures';
import { parseJoinedJson, resourcesOfType } from '../helpers/template';
import { FakeAws } from '../lambda/stepper/fake-aws';
import { ids, stepperHandler } from '../lambda/stepper/state-machine';

function tickParameters(): Record<string, unknown> {
  const stack = newStack();
  const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc));
  const sm = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::StepFunctions::StateMachine'))[0];
  return (parseJoinedJson(sm.Properties!.DefinitionString) as { States: Record<string, { Parameters: Record<string, unknown> }> }).States.Tick.Parameters;
}

/** Step Functions' Parameters substitution for the paths used here ('$' and '$.field'). */
function substitute(parameters: Record<string, unknown>, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (!key.endsWith('.$')) { out[key] = value; continue; }
    const path = String(value);
    out[key.slice(0, -2)] = path === '$' ? input : input[path.replace(/^\$\./, '')];
  }
  return out;
}

test('the Tick passes the previous output on, and a tick made from it reads neither DynamoDB nor SSM', async () => {
  const parameters = tickParameters();
  expect(parameters).toMatchObject({ action: 'tick', 'previous.$': '$' });

  const fake = new FakeAws().install();
  const handler = stepperHandler(fake);
  const started = await handler({ action: 'start', ...ids });
  expect(started.carry).toBeDefined();

  fake.advance(started.waitSeconds);
  const before = { ...fake.calls };
  const ticked = await handler(substitute(parameters, started as unknown as Record<string, unknown>));

  expect(ticked).toMatchObject({ done: false, stepIndex: 0 });
  const during = Object.fromEntries(Object.entries(fake.calls).map(([op, n]) => [op, n! - (before[op as keyof typeof before] ?? 0)]).filter(([, n]) => n));
  // The first verdict is recorded (a change), with the state, in one write.
  expect(during).toEqual({ GetMetricData: 1, BatchWriteItem: 1 });
});
