/**
 * Operating characteristics of the DEFAULT policy (issue 9): how often a good version is rolled
 * back, and how often, how fast and at which step a bad one is caught, over the grid
 * traffic 200 / 1 000 / 5 000 req/min x stable 5xx 0.1 / 0.5 / 1 % x versions (good, 2x / 5x / 50x
 * errors, 1.5x / 2x p95, crash). Each cell replays the real stepper loop (with the judge inside)
 * through `canary rehearse`'s simulated AWS on seeded random traffic, so the table is reproducible.
 *
 * The rollback alarms CodeDeploy watches (src/cli/rehearse/alarms.ts, the expressions of
 * lib/alarms/rollback-alarms.ts) act too, as in a real release; --judge-only leaves them out to
 * measure the stepper and the judge alone.
 * Run: npm run bench:judge [-- --good 200 --bad 100 --seed 1 --rpm 1000 --version crash --judge-only]
 */
import { metricQueries } from '../lambda/shared/metrics';
import { DEFAULT_SOURCE } from '../src/cli/rehearse/rehearse';
import { NoisyFault, Scenario } from '../src/cli/rehearse/scenario';
import { collectSeries, quantile, SeriesStats } from '../src/cli/rehearse/series';

const TRAFFIC = [200, 1000, 5000];
const STABLE_RATES = [0.001, 0.005, 0.01];
const VERSIONS: { label: string; fault: NoisyFault }[] = [
  { label: 'good', fault: { kind: 'good' } },
  { label: '2x errors', fault: { kind: 'errors', factor: 2 } },
  { label: '5x errors', fault: { kind: 'errors', factor: 5 } },
  { label: '50x errors', fault: { kind: 'errors', factor: 50 } },
  { label: '1.5x p95', fault: { kind: 'latency', factor: 1.5 } },
  { label: '2x p95', fault: { kind: 'latency', factor: 2 } },
  { label: 'crash', fault: { kind: 'crash' } },
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

function pct(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(1)} %`;
}

function minutes(seconds: number | undefined): string {
  return seconds === undefined ? '-' : `${(seconds / 60).toFixed(0)} min`;
}

function steps(s: SeriesStats): string {
  return [...s.atPercent.entries()].sort((a, b) => a[0] - b[0]).map(([p, n]) => `${p}%:${n}`).join(' ') || '-';
}

function row(cells: string[], widths: number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
}

async function main(): Promise<void> {
  const goodRuns = arg('good', 200);
  const badRuns = arg('bad', 100);
  const seed = arg('seed', 1);
  const onlyRpm = arg('rpm', 0);
  const onlyVersion = process.argv.includes('--version') ? process.argv[process.argv.indexOf('--version') + 1] : undefined;
  const alarms = !process.argv.includes('--judge-only');
  const connErrorsQueried = metricQueries('g', 'app/x/1', 'targetgroup/x/1').some((q) => q.MetricStat?.Metric?.MetricName === 'TargetConnectionErrorCount');

  const header = ['req/min', 'stable 5xx', 'version', 'runs', 'rolled back', 'before 50 %', 'median', 'p95', '<= 3 min', 'by alarm', 'at step (% green)'];
  const widths = [7, 10, 10, 4, 11, 11, 6, 6, 8, 8, 24];
  console.log(`Default policy, ${alarms ? 'judge and rollback alarms' : 'judge only (no rollback alarms, --judge-only)'}; seed ${seed}; good versions ${goodRuns} runs per cell, bad ${badRuns}.`);
  console.log('Times: fault (the first shift) -> production back on stable. "before 50 %": caught in the 5 % or 25 % step. "by alarm": rollbacks started by the alarms.');
  if (!connErrorsQueried) console.log('NOTE: lambda/shared/metrics.ts does not query TargetConnectionErrorCount: the crash rows show a judge blind to refused connections.');
  console.log();
  console.log(row(header, widths));
  console.log(row(widths.map((w) => '-'.repeat(w)), widths));
  const started = Date.now();
  for (const rpm of TRAFFIC.filter((t) => !onlyRpm || t === onlyRpm)) {
    for (const stable of STABLE_RATES) {
      for (const v of VERSIONS.filter((x) => !onlyVersion || x.label === onlyVersion)) {
        const scenario = Scenario.noisy({ requestsPerMinute: rpm, stableErrorRate: stable, fault: v.fault });
        const runs = v.fault.kind === 'good' ? goodRuns : badRuns;
        const s = await collectSeries(DEFAULT_SOURCE, scenario, { runs, seed, alarms });
        const r = s.recoverySeconds;
        const bad = v.fault.kind !== 'good';
        console.log(row([
          String(rpm),
          `${(stable * 100).toFixed(1)} %`,
          v.label,
          String(runs),
          `${pct(s.rolledBack, runs)}`,
          bad ? pct(s.caughtBeforeFinalStep, runs) : '-',
          bad ? minutes(quantile(r, 0.5)) : '-',
          bad ? minutes(quantile(r, 0.95)) : '-',
          bad ? pct(r.filter((x) => x <= 180).length, runs) : '-',
          String(s.byAlarm),
          steps(s),
        ], widths));
      }
    }
  }
  console.log();
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
