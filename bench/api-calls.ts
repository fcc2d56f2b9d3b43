/**
 * AWS API calls per release-minute per service, counted from a rehearsal of the real stepper
 * against the simulated account (every call the stepper makes goes through it): the default
 * schedule, a good version, 1 000 req/min. Target <= 3 calls per minute, so one account can run
 * many releases inside GetMetricData's and ModifyListener's rate limits.
 * Run: npm run bench:api-calls
 */
import { BufferOutput } from '../src/cli/output';
import { DEFAULT_SOURCE, runRehearsal } from '../src/cli/rehearse/rehearse';
import { Scenario } from '../src/cli/rehearse/scenario';

export async function apiCallsPerMinute(): Promise<{ perMinute: number; minutes: number; calls: Record<string, number> }> {
  const result = await runRehearsal(DEFAULT_SOURCE, Scenario.good(), new BufferOutput(), { alarms: false });
  const minutes = (result.stepperReportedAtSeconds ?? 0) / 60;
  const total = Object.values(result.apiCalls).reduce((a, b) => a + b, 0);
  return { perMinute: total / minutes, minutes, calls: result.apiCalls };
}

if (require.main === module) {
  void apiCallsPerMinute().then(({ perMinute, minutes, calls }) => {
    console.log(`AWS calls of the stepper over its ${minutes.toFixed(0)} in-hook minutes (default schedule, good version)`);
    for (const [name, n] of Object.entries(calls).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(44)} ${n}`);
    console.log(`  per release-minute per service: ${perMinute.toFixed(2)} (target <= 3)`);
  });
}
