/**
 * Keys are reset per invocation: a warm function reuses the module-level logger, so without a
 * reset the second invocation's lines carry the first one's deployment id.
 */
import { makeGuardHandler } from '../../../lambda/guard/handler';
import { makeHandler } from '../../../lambda/stepper/handler';
import { logger, setDeploymentId, startInvocation } from '../../../lambda/shared/logger';
import { DEPLOYMENT_ID, FakeAws, TABLE } from '../stepper/fake-aws';

/** The JSON lines the logger printed while `run` ran (Powertools prints through its own Console). */
async function logLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  const target = logger as unknown as { console: Console };
  const original = target.console;
  const collect = (line: unknown) => { out.push(String(line)); };
  logger.setLogLevel('INFO'); // fake-aws silences the shared logger for the other suites
  target.console = { ...original, log: collect, info: collect, warn: collect, error: collect, debug: collect, trace: collect } as Console;
  try {
    await run().catch(() => undefined);
  } finally {
    target.console = original;
    logger.setLogLevel('SILENT');
  }
  return out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('startInvocation drops the keys of the previous invocation and sets its own', async () => {
  setDeploymentId('d-PREVIOUS1');
  logger.appendKeys({ hook: 'BeforeInstall' });
  const lines = await logLines(async () => {
    startInvocation({ hook: 'AfterInstall' });
    logger.info('hello');
  });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ message: 'hello', hook: 'AfterInstall', service: 'cdk-ecs-canary' });
  expect(lines[0]).not.toHaveProperty('deploymentId');
});

test('the guard\'s second invocation does not log with the first one\'s deployment id', async () => {
  const fake = new FakeAws().install();
  const handler = makeGuardHandler(() => ({ clients: fake.clients, table: TABLE, now: fake.now }));
  const first = await logLines(() => handler({ detail: { deploymentId: DEPLOYMENT_ID, state: 'SUCCESS' } }));
  expect(first.some((l) => l.deploymentId === DEPLOYMENT_ID)).toBe(true);

  const second = await logLines(() => handler({ detail: { state: 'SUCCESS' } }));
  expect(second.length).toBeGreaterThan(0);
  expect(second.filter((l) => 'deploymentId' in l)).toEqual([]);
});

test('the stepper\'s second invocation does not log with the first one\'s deployment id or action', async () => {
  const fake = new FakeAws().install();
  const handler = makeHandler(() => ({ clients: fake.clients, table: TABLE, now: fake.now }));
  await logLines(() => handler({ action: 'tick', deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: 'h-1' }));
  const second = await logLines(() => handler({ action: 'nonsense' }));
  expect(second.length).toBeGreaterThan(0);
  expect(second.filter((l) => 'deploymentId' in l || 'stepperAction' in l)).toEqual([]);
});

test('an error thrown to Step Functions keeps its cause, and the log line shows it', async () => {
  const fake = new FakeAws().install();
  const handler = makeHandler(() => ({ clients: fake.clients, table: TABLE, now: fake.now }));
  let thrown: unknown;
  // No state record: Tick throws a ConfigurationError, renamed for the state machine's Retry/Catch.
  const lines = await logLines(() => handler({ action: 'tick', deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: 'h-1' }).catch((e) => { thrown = e; }));
  expect((thrown as Error).name).toBe('StepperError');
  expect(((thrown as Error).cause as Error).name).toBe('ConfigurationError');
  const failed = lines.find((l) => l.message === 'stepper invocation failed');
  expect(failed?.error).toMatchObject({ name: 'StepperError', cause: { name: 'ConfigurationError' } });
});
