import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { EvalInputError, explain } from '../eval/explain.js';
import { silentLogger } from '../lib/logger.js';
import { createCoreMetrics } from '../lib/metrics.js';
import { loadAndCompile } from '../runtime/policy-holder.js';
import { configOption, configPath, crsDir, parse, UsageError } from './args.js';
import type { CliCommand } from './types.js';

export const command: CliCommand = {
  name: 'eval',
  summary: 'run one request through the policy and explain the decision (nothing recorded)',
  usage: `portcullis eval --config FILE --request FILE|- [--crs-dir DIR] [--json]

The request is JSON: Envoy's CheckRequest ({ "attributes": ... }) or a simple form
{ "method": "POST", "path": "/api/users?page=1", "headers": {...}, "body": {...} | "text", "clientIp": "10.1.2.3" }.
Prints the route chosen, each check's outcome, code and timing, and the CheckResponse Envoy would get.
Exit status: 0 allow, 3 deny, 1 invalid policy, 2 bad usage or request.`,
  async run(argv, io) {
    const { values } = parse(argv, { ...configOption, request: { type: 'string', short: 'r' }, 'crs-dir': { type: 'string' }, json: { type: 'boolean' } });
    const file = configPath(values.config, io);
    if (!values.request) throw new UsageError('--request FILE is required (use - for standard input)');
    const text = values.request === '-' ? await readStdin() : await readFile(values.request, 'utf8').catch(() => {
      throw new UsageError(`cannot read ${values.request}`);
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UsageError('the request file is not JSON');
    }
    // live: JWKS and stores are reached as when serving, but the run is a dry run: no counters consumed.
    const r = await loadAndCompile(file, { crsDir: crsDir(values['crs-dir'], io), logger: silentLogger(), metrics: createCoreMetrics(new Registry(), false), live: true });
    if (!r.ok) {
      io.stderr.write(`${r.errors.join('\n')}\n`);
      return 1;
    }
    try {
      const e = await explain(r.policy, body);
      if (values.json) {
        io.stdout.write(JSON.stringify(e, null, 2) + '\n');
      } else {
        io.stdout.write(`route:    ${e.route || '(none: policy default)'}\n`);
        io.stdout.write(`verdict:  ${e.verdict} ${e.status}${e.code ? ` ${e.code}` : ''}${e.principal ? ` principal=${e.principal}` : ''}\n`);
        if (e.reason) io.stdout.write(`reason:   ${e.reason}\n`);
        for (const c of e.checks) {
          io.stdout.write(`  ${c.result.padEnd(11)} ${c.name} (${c.kind})${c.code ? ` ${c.code}` : ''} ${c.ms.toFixed(3)} ms${c.reason ? ` - ${c.reason}` : ''}\n`);
        }
        io.stdout.write(`response: ${JSON.stringify(e.response)}\n`);
      }
      return e.verdict === 'allow' ? 0 : 3;
    } catch (err) {
      if (err instanceof EvalInputError) throw new UsageError(err.message);
      throw err;
    } finally {
      await r.policy.dispose();
    }
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
