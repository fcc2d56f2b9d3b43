import { emitMetric } from '../../../lambda/shared/emf';
import { DEFAULT_METRICS_NAMESPACE, ENV } from '../../../lib/runtime-config';
import { captureEmf, describeEmf } from '../../helpers/emf';

let emf: ReturnType<typeof captureEmf>;
beforeEach(() => { emf = captureEmf(); });
afterEach(() => emf.restore());

test('one EMF line per metric: the namespace, exactly the given dimensions (no Powertools "service"), the value and the time', () => {
  const at = new Date('2026-11-30T10:00:00Z');
  emitMetric({ name: 'DeploymentOutcome', dimensions: { DeploymentGroup: 'app/dg', Outcome: 'Failed' }, value: 0, at });

  expect(emf.lines).toHaveLength(1);
  const [line] = emf.lines;
  expect(line._aws).toEqual({
    Timestamp: at.getTime(),
    CloudWatchMetrics: [{ Namespace: DEFAULT_METRICS_NAMESPACE, Dimensions: [['DeploymentGroup', 'Outcome']], Metrics: [{ Name: 'DeploymentOutcome', Unit: 'None' }] }],
  });
  expect(line).toMatchObject({ DeploymentGroup: 'app/dg', Outcome: 'Failed', DeploymentOutcome: 0 });
  expect(line).not.toHaveProperty('service');
  expect(describeEmf(emf.lines)).toEqual(['DeploymentOutcome DeploymentGroup=app/dg Outcome=Failed value=0']);
});

test('the namespace comes from the option, else the function\'s environment', () => {
  emitMetric({ name: 'FinalVerdict', dimensions: { DeploymentGroup: 'a/b' }, value: 1, at: new Date(), namespace: 'Explicit' });
  process.env[ENV.METRICS_NAMESPACE] = 'FromEnv';
  try {
    emitMetric({ name: 'FinalVerdict', dimensions: { DeploymentGroup: 'a/b' }, value: 1, at: new Date() });
  } finally {
    delete process.env[ENV.METRICS_NAMESPACE];
  }
  expect(emf.lines.map((l) => l._aws.CloudWatchMetrics[0].Namespace)).toEqual(['Explicit', 'FromEnv']);
});
