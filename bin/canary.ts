#!/usr/bin/env node
/**
 * The `canary` CLI: status, watch, promote, abort, rollback, plan, rehearse.
 *   npx canary status --service api
 *   npx canary rehearse --scenario errors-at-5
 */
import { runCli } from '../src/cli/program';

// The SDK prints a nine-line Node.js support notice on Node < 22 at the first client: in a CLI it
// buries our one-line answer. It is the SDK's own switch; a user who wants the notice sets it to false.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
