#!/usr/bin/env node
/**
 * The `canary` CLI: status, watch, promote, abort, rollback, plan, rehearse.
 *   npx canary status --service api
 *   npx canary rehearse --scenario errors-at-5
 */
import { runCli } from '../src/cli/program';

// `canary rehearse ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`canary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
