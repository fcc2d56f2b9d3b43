/**
 * `canary rehearse --runs N --seed S`: the same scenario replayed N times on random traffic, each
 * run seeded from the series seed (runSeed), and what the shares say: how often a good version
 * was rolled back, how often and how fast a bad one was caught, and at which step.
 */
import { SERIES_TARGETS } from '../../../lib/policy/release-policy';
import { BufferOutput, duration, Output, table } from '../output';
import { mulberry32, runSeed } from './random';
import { RehearsalResult, RehearsalSource, runRehearsal } from './rehearse';
import type { Scenario } from './scenario';

/** The issue-9 targets a series is held to (release-policy.md): the exit code says whether they hold. */
export { SERIES_TARGETS };

export interface SeriesStats {
  readonly runs: number;
  readonly seed: number;
  readonly rolledBack: number;
  readonly byStepper: number;
  readonly byAlarm: number;
  /** Rollbacks by the percent of production on the new version when they started. */
  readonly atPercent: ReadonlyMap<number, number>;
  /** Rollbacks by the check that caused them (a verdict may name several). */
  readonly checks: ReadonlyMap<string, number>;
  /** Bad versions: seconds from the fault to production back on stable, one per caught run. */
  readonly recoverySeconds: readonly number[];
  /** Bad versions: caught while the new version had less than the final (CodeDeploy) step's share. */
  readonly caughtBeforeFinalStep: number;
  /** The series meets SERIES_TARGETS for its kind of scenario. */
  readonly targetMet: boolean;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function share(n: number, of: number): string {
  return `${of === 0 ? '0.0' : ((100 * n) / of).toFixed(1)} %`;
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Runs the series quietly (each run's own output is dropped); `progress` sees each result. */
export async function collectSeries(
  source: RehearsalSource,
  scenario: Scenario,
  options: { runs: number; seed: number; alarms?: boolean },
  progress?: (run: number, r: RehearsalResult) => void,
): Promise<SeriesStats> {
  const random = scenario.random ? scenario : scenario.withRandomTraffic();
  const atPercent = new Map<number, number>();
  const checks = new Map<string, number>();
  const recoverySeconds: number[] = [];
  let rolledBack = 0;
  let byStepper = 0;
  let byAlarm = 0;
  let caughtBeforeFinalStep = 0;
  const finalPercent = source.config.finalStep?.percent ?? 100;
  for (let i = 0; i < options.runs; i++) {
    const r = await runRehearsal(source, random, new BufferOutput(), { brief: true, rng: mulberry32(runSeed(options.seed, i)), alarms: options.alarms });
    progress?.(i, r);
    if (r.outcome !== 'rolled-back') continue;
    rolledBack++;
    if (r.by === 'alarm') byAlarm++;
    else byStepper++;
    if (r.rolledBackAtPercent !== undefined) increment(atPercent, r.rolledBackAtPercent);
    for (const c of r.checks ?? [r.by === 'alarm' ? 'rollback alarm' : 'stepper']) increment(checks, c);
    if (r.recoverySeconds !== undefined) recoverySeconds.push(r.recoverySeconds);
    if (r.rolledBackAtPercent !== undefined && r.rolledBackAtPercent < finalPercent) caughtBeforeFinalStep++;
  }
  recoverySeconds.sort((a, b) => a - b);
  const targetMet = scenario.isFault
    ? rolledBack / options.runs >= SERIES_TARGETS.minDetection
    : rolledBack / options.runs <= SERIES_TARGETS.maxFalseRollbacks;
  return { runs: options.runs, seed: options.seed, rolledBack, byStepper, byAlarm, atPercent, checks, recoverySeconds, caughtBeforeFinalStep, targetMet };
}

/** Runs and prints a series. */
export async function runSeries(source: RehearsalSource, scenario: Scenario, options: { runs: number; seed: number; alarms?: boolean }, out: Output): Promise<SeriesStats> {
  const random = scenario.random ? scenario : scenario.withRandomTraffic();
  // The header of one run says what is rehearsed; the runs themselves are summed up below.
  const header = new BufferOutput();
  await runRehearsal(source, random, header, { brief: true, rng: mulberry32(runSeed(options.seed, 0)), alarms: options.alarms });
  for (const line of header.lines.slice(0, 5)) out.line(line);
  out.line(`series     ${options.runs} runs, seed ${options.seed}: random errors and latencies, each run seeded from the series seed`);
  out.line();
  const s = await collectSeries(source, random, options);
  for (const line of seriesLines(s, random)) out.line(line);
  return s;
}

/** The summary table of a series. */
export function seriesLines(s: SeriesStats, scenario: Scenario): string[] {
  const rows: string[][] = [];
  const released = s.runs - s.rolledBack;
  rows.push(['result', `released ${released} (${share(released, s.runs)}), rolled back ${s.rolledBack} (${share(s.rolledBack, s.runs)}): ${s.byStepper} by the stepper, ${s.byAlarm} by the rollback alarms`]);
  if (s.rolledBack > 0) {
    const steps = [...s.atPercent.entries()].sort((a, b) => a[0] - b[0]).map(([p, n]) => `${p} %: ${n}`).join(', ');
    rows.push(['at step', `${steps} (share of production on the new version when the rollback started)`]);
    const checks = [...s.checks.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c, n]) => `${c} ${n}`).join(', ');
    rows.push(['checks', checks]);
  }
  if (scenario.isFault) {
    rows.push(['caught', `${s.rolledBack} of ${s.runs} (${share(s.rolledBack, s.runs)}); before the 50 % step: ${s.caughtBeforeFinalStep} (${share(s.caughtBeforeFinalStep, s.runs)})`]);
    const r = s.recoverySeconds;
    if (r.length > 0) {
      const within = (sec: number) => r.filter((x) => x <= sec).length;
      rows.push(['time', `fault -> production on stable: median ${duration(quantile(r, 0.5)!)}, 95th percentile ${duration(quantile(r, 0.95)!)}, max ${duration(r[r.length - 1])}; `
        + `within 3 min ${share(within(180), s.runs)}, within 5 min ${share(within(300), s.runs)} of all runs`]);
    }
    rows.push(['expected', `a bad version is caught in >= ${SERIES_TARGETS.minDetection * 100} % of runs: ${s.targetMet ? 'yes' : 'NO'}`]);
  } else {
    rows.push(['expected', `a good version is rolled back in <= ${SERIES_TARGETS.maxFalseRollbacks * 100} % of runs: ${s.targetMet ? 'yes' : 'NO'}`]);
  }
  return table(rows);
}
