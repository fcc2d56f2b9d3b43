/**
 * The `canary` command line: commander only parses; each command is a plain function that takes
 * injected clients, clock and output (see the files next to this one), so tests drive them directly.
 */
import * as os from 'os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { logger } from '../../lambda/shared/logger';
import { abort } from './abort';
import { AwsOptions, CliClients, createCliClients } from './aws';
import type { CommandContext } from './context';
import { CliError, describeError } from './errors';
import { Output, processOutput } from './output';
import { plan } from './plan/plan';
import { promote } from './promote';
import { rehearse } from './rehearse/rehearse';
import { Scenario } from './rehearse/scenario';
import { rollback } from './rollback';
import { status } from './status';
import { DEFAULT_WATCH_INTERVAL_SECONDS, watch } from './watch';
import { nativeStatus } from './native/status';
import { nativeAbort, nativePromote, nativeWatch } from './native/steer';
import { nativeRehearse } from './native/rehearse';

export interface CliDeps {
  readonly out: Output;
  readonly clients: (options: AwsOptions) => CliClients;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Who is asking, unless --by says; default user@host. */
  readonly by?: string;
  readonly cwd?: string;
}

export function defaultDeps(): CliDeps {
  return {
    out: processOutput(),
    clients: createCliClients,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

function whoAmI(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number.');
  return n;
}

interface AwsCommandOptions extends AwsOptions {
  service?: string;
  stack?: string;
  table?: string;
  deployment?: string;
  by?: string;
  /** 'ecs' for services released by NativeCanaryDeployment (ECS's own blue/green engine). */
  engine?: string;
}

function awsOptions(cmd: Command, { deployment = true, by = false } = {}): Command {
  cmd
    .option('--service <name>', 'ECS service name or <application>/<deploymentGroup>')
    .option('--stack <name>', 'CloudFormation stack that created the canary service (with --service: narrows)')
    .option('--region <region>', 'AWS region (default: the SDK default chain, e.g. AWS_REGION)')
    .option('--profile <profile>', 'AWS profile (default: AWS_PROFILE or the default profile)')
    .option('--table <name>', 'decisions table, for stacks whose configuration does not name it')
    .addOption(new Option('--engine <engine>', 'the service\'s deployment engine').choices(['codedeploy', 'ecs']).default('codedeploy'));
  if (deployment) cmd.option('--deployment <id>', 'a specific deployment instead of the current or last one');
  if (by) cmd.option('--by <name>', 'who is asking, for the records (default: user@host)');
  return cmd;
}

/** Builds the program; `done` receives each command's exit code. */
export function buildProgram(deps: CliDeps, done: (code: number) => void): Command {
  const program = new Command('canary');
  program
    .description('See and steer stepped canary releases of ECS services on CodeDeploy (cdk-ecs-canary).')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.out.write(s),
      writeErr: (s) => deps.out.error(s.replace(/\n$/, '')),
    })
    .showHelpAfterError('(run `canary help <command>` for its options)');

  const run = (fn: () => Promise<number> | number, { json = false } = {}) => async () => {
    try {
      done(await fn());
    } catch (err) {
      // A script reading --json output gets JSON on stdout even when the command fails.
      if (json) deps.out.line(JSON.stringify({ error: describeError(err) }));
      else deps.out.error(`canary: ${describeError(err)}`);
      done(err instanceof CliError ? err.exitCode : 1);
    }
  };
  const context = (o: AwsCommandOptions): CommandContext => ({
    clients: deps.clients({ region: o.region, profile: o.profile }),
    out: deps.out,
    now: deps.now,
    sleep: deps.sleep,
    by: o.by ?? deps.by ?? whoAmI(),
  });

  awsOptions(program.command('status').description('the current or last deployment: lifecycle, step, traffic, last verdict'))
    .option('--json', 'print one JSON object')
    .action((o: AwsCommandOptions & { json?: boolean }) => run(() => (o.engine === 'ecs' ? nativeStatus(context(o), o) : status(context(o), o)), { json: o.json })());

  awsOptions(program.command('watch').description('follow the deployment until it ends; exit 0 on Succeeded, 1 on Failed or Stopped'))
    .option('--interval <seconds>', `seconds between polls (default ${DEFAULT_WATCH_INTERVAL_SECONDS})`, positive)
    .action((o: AwsCommandOptions & { interval?: number }) => run(() => (o.engine === 'ecs' ? nativeWatch(context(o), o) : watch(context(o), o)))());

  awsOptions(program.command('promote').description('skip the remaining in-hook bakes (CodeDeploy\'s own last step cannot be shortened)'), { by: true })
    .option('--full', 'also end the termination wait (ContinueDeployment TERMINATION_WAIT) once it has started')
    .option('--wait', 'with --full: wait for the termination wait to start')
    .option('--interval <seconds>', 'seconds between polls with --wait (default 15)', positive)
    .action((o: AwsCommandOptions & { full?: boolean; wait?: boolean; interval?: number }) => run(() => (o.engine === 'ecs' ? nativePromote(context(o), o) : promote(context(o), o)))());

  awsOptions(program.command('abort').description('production to the stable version now, then stop the deployment with a rollback'), { by: true })
    .action((o: AwsCommandOptions) => run(() => (o.engine === 'ecs' ? nativeAbort(context(o), o) : abort(context(o), o)))());

  awsOptions(program.command('rollback').description('release the previous task definition again through the canary path'), { deployment: false, by: true })
    .option('--fast', 'use CodeDeployDefault.ECSAllAtOnce for CodeDeploy\'s part (the hooks still run)')
    .action((o: AwsCommandOptions & { fast?: boolean }) => run(() => (o.engine === 'ecs'
      ? Promise.reject(new CliError('rollback --engine ecs: ECS rolls a failed deployment back itself; to release the previous image again, deploy it with cdk deploy'))
      : rollback(context(o), o)))());

  program.command('plan')
    .description('offline: the timeline of a release for each canary service of the synthesized app')
    .option('--app <dir>', 'cloud assembly directory', 'cdk.out')
    .option('--service <filter>', 'only services whose construct path or service name contains this')
    .action((o: { app?: string; service?: string }) => run(() => plan(deps.out, o, deps.cwd))());

  program.command('rehearse')
    .description('offline: play a release against a simulated AWS with the real stepper and judge')
    .addOption(new Option('--scenario <name>', 'what the new version does').choices([...Scenario.NAMES]).makeOptionMandatory())
    .option('--app <dir>', 'take the schedule and thresholds from this cloud assembly (default: the release-policy defaults)')
    .option('--service <name>', 'with --app: the service (construct path); without: a deployed service (AWS)')
    .option('--stack <name>', 'a deployed stack (AWS) to take the schedule and thresholds from')
    .option('--region <region>', 'AWS region, with --service/--stack')
    .option('--profile <profile>', 'AWS profile, with --service/--stack')
    .option('--rate <requests-per-minute>', 'production requests per minute (default 1000; low-traffic: 2)', positive)
    .option('--brief', 'one line per verdict, without the per-check lines')
    .option('--runs <n>', 'replay the scenario n times on random traffic and print the shares rolled back and caught', wholeNumber)
    .option('--seed <n>', 'seed of the random traffic (default 1); implies random traffic', wholeNumber)
    .option('--error-rate <percent>', 'noisy-* scenarios: the stable version\'s 5xx rate, in percent (default 0.1)', Number)
    .option('--no-alarms', 'leave the rollback alarms out: the stepper and the judge alone')
    .addOption(new Option('--engine <engine>', 'rehearse on this engine (ecs: the native hook against a modelled ECS, release-policy defaults)').choices(['codedeploy', 'ecs']).default('codedeploy'))
    .action((o: { scenario: string; app?: string; service?: string; stack?: string; region?: string; profile?: string; rate?: number; brief?: boolean; runs?: number; seed?: number; errorRate?: number; alarms?: boolean; engine?: string }) =>
      o.engine === 'ecs' ? run(() => nativeRehearse(deps.out, o))() : run(() => rehearse({ out: deps.out, cwd: deps.cwd, clients: () => deps.clients({ region: o.region, profile: o.profile }) }, o))());

  return program;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps = defaultDeps()): Promise<number> {
  // The runtime code logs JSON lines for CloudWatch; a person at a terminal wants the CLI's words.
  logger.setLogLevel('SILENT');
  let code = 0;
  const program = buildProgram(deps, (c) => { code = c; });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    deps.out.error(`canary: ${describeError(err)}`);
    return 1;
  }
  return code;
}
