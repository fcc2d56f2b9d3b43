/**
 * `rehearse --app` plays the alarm timing and thresholds the app configures (read from the
 * synthesized runtime configuration), not the release policy's defaults.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { CanaryDeployment } from '../../lib';
import { BufferOutput } from '../../src/cli/output';
import { rehearsalSource, runRehearsal } from '../../src/cli/rehearse/rehearse';
import { Scenario } from '../../src/cli/rehearse/scenario';
import { buildExistingService, buildNetwork, deploymentPropsFor } from '../helpers/fixtures';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-rehearse-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Tuned');
  const svc = buildExistingService(stack, 'Svc', { network: buildNetwork(stack) });
  new CanaryDeployment(stack, 'Canary', deploymentPropsFor(svc, {
    analysis: { maxP95: Duration.millis(800), maxP99: Duration.millis(1600) },
    alarms: { breachMinutes: 1, evaluationMinutes: 2 },
  }));
  app.synth();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('the app\'s alarm timing and thresholds are what the rehearsal simulates', async () => {
  const out = new BufferOutput();
  const source = await rehearsalSource({ scenario: 'good', app: outdir }, { out });
  expect(source.config.alarmTiming).toEqual({ breachMinutes: 1, evaluationMinutes: 2 });
  await runRehearsal(source, Scenario.named('good'), out);
  const alarms = out.lines.find((l) => l.startsWith('alarms'));
  expect(alarms).toContain('rollback alarms on both target groups, 1 of 2 minutes');
  expect(alarms).toContain('p95 > 800 ms or p99 > 1600 ms');
});
