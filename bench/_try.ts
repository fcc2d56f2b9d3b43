import { runCli } from '../src/cli/program';
import { BufferOutput } from '../src/cli/output';
(async () => {
  const args = process.argv.slice(2);
  const out = new BufferOutput();
  const t = Date.now();
  const code = await runCli(args, { out, clients: () => { throw new Error('no'); }, now: () => new Date(), sleep: async () => {} } as any);
  console.log(out.text); console.log(out.errors?.join('\n')); console.log('exit', code, Date.now() - t, 'ms');
})();
