/**
 * `portcullis counters get|reset`: read or reset rate-limit counters through the admin API of a running
 * server (memory counters live in that process; Redis ones are shared, and the server knows the key layout).
 */
import { loadPolicy } from '../config/load.js';
import { resolveSecretValue } from '../config/secrets.js';
import type { SecretRef } from '../config/types.js';
import { configOption, parse, UsageError } from './args.js';
import type { CliCommand, CliIo } from './types.js';

const options = {
  ...configOption,
  admin: { type: 'string' },
  token: { type: 'string' },
  domain: { type: 'string' },
  entry: { type: 'string', multiple: true },
  route: { type: 'string' },
  by: { type: 'string' },
  value: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const usage = `portcullis counters get   (--domain D --entry KEY=VALUE [--entry ...] | --route R --by B [--value V]) [target]
portcullis counters reset (the same)                                                          [target]

An RLS descriptor: --domain edge --entry remote_address=10.0.0.1   (entries in the order Envoy sends them)
A per-route limit: --route user-routes --by consumer|ip|route|header:<name> --value alice

Target (the admin API of the running server):
  --admin URL        e.g. http://127.0.0.1:9192; else derived from --config (server.admin), else PORTCULLIS_ADMIN,
                     else http://127.0.0.1:9192
  --token T          bearer token; else PORTCULLIS_ADMIN_TOKEN, else server.adminToken from --config
  --json             print the API's JSON answer

Exit status: 0 done, 1 the server refused or could not be reached, 2 bad usage.`;

async function target(values: Record<string, unknown>, io: CliIo): Promise<{ base: string; token?: string }> {
  let base = (values.admin as string | undefined) ?? undefined;
  let token = (values.token as string | undefined) ?? io.env.PORTCULLIS_ADMIN_TOKEN;
  const file = (values.config as string | undefined) ?? io.env.PORTCULLIS_CONFIG;
  if ((!base || !token) && file) {
    const loaded = await loadPolicy(file);
    if (!loaded.ok) throw new Unreachable(`${loaded.errors.join('\n')}\nthe policy is invalid`);
    const server = loaded.policy.spec.server ?? {};
    if (!base) {
      const addr = server.admin ?? '127.0.0.1:9192';
      // A wildcard bind address is reached on loopback.
      const hostPort = addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
      base = `${server.tls?.admin ? 'https' : 'http'}://${hostPort}`;
    }
    if (!token && server.adminToken !== undefined) token = resolveSecretValue(server.adminToken as SecretRef, loaded.policy.dir);
  }
  base ??= io.env.PORTCULLIS_ADMIN ?? 'http://127.0.0.1:9192';
  if (!/^https?:\/\//.test(base)) base = `http://${base}`;
  return token ? { base: base.replace(/\/+$/, ''), token } : { base: base.replace(/\/+$/, '') };
}

class Unreachable extends Error {}

function queryOf(values: Record<string, unknown>): URLSearchParams {
  const q = new URLSearchParams();
  const domain = values.domain as string | undefined;
  const route = values.route as string | undefined;
  if (domain && route) throw new UsageError('give --domain (an RLS descriptor) or --route (a per-route limit), not both');
  if (domain) {
    const entries = (values.entry as string[] | undefined) ?? [];
    if (entries.length === 0) throw new UsageError('--domain needs at least one --entry KEY=VALUE');
    q.set('domain', domain);
    for (const e of entries) {
      if (!e.includes('=') || e.startsWith('=')) throw new UsageError(`--entry takes KEY=VALUE, not '${e}'`);
      q.append('entry', e);
    }
    return q;
  }
  if (route) {
    const by = (values.by as string | undefined) ?? 'consumer';
    q.set('route', route);
    q.set('by', by);
    if (by !== 'route') {
      const value = values.value as string | undefined;
      if (!value) throw new UsageError(`--by ${by} needs --value`);
      q.set('value', value);
    }
    return q;
  }
  throw new UsageError('give --domain with --entry, or --route with --by and --value');
}

export const command: CliCommand = {
  name: 'counters',
  summary: 'read or reset rate-limit counters (through the admin API)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, true);
    const [sub, ...rest] = positionals;
    if (sub !== 'get' && sub !== 'reset') throw new UsageError(sub ? `unknown subcommand '${sub}' (get, reset)` : 'give a subcommand: get or reset');
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    const query = queryOf(values);
    let t: { base: string; token?: string };
    try {
      t = await target(values, io);
    } catch (err) {
      if (err instanceof Unreachable) {
        io.stderr.write(`portcullis counters: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const url = sub === 'get' ? `${t.base}/counters?${query}` : `${t.base}/counters/reset?${query}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (t.token) headers.authorization = `Bearer ${t.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method: sub === 'get' ? 'GET' : 'POST', headers, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      io.stderr.write(`portcullis counters: cannot reach the admin API at ${t.base} (${cause}); is the server running? (--admin URL)\n`);
      return 1;
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { message: text.slice(0, 500) };
    }
    if (!res.ok) {
      io.stderr.write(`portcullis counters: ${res.status} ${String(body.error ?? '')} ${String(body.message ?? '')}`.trimEnd() + '\n');
      return 1;
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    if (sub === 'reset') {
      io.stdout.write(`reset ${String(body.key)}: ${String(body.removed)} counter(s) removed (${String(body.store)} store)\n`);
      return 0;
    }
    const counters = (body.counters as Array<{ algorithm: string; window: string; count: number; resetSeconds: number }>) ?? [];
    io.stdout.write(`${String(body.key)} (${String(body.store)} store)\n`);
    if (counters.length === 0) io.stdout.write('  no live counters\n');
    for (const c of counters) {
      const count = c.algorithm === 'gcra' ? `${Math.round(c.count * 100)}% full` : String(c.count);
      io.stdout.write(`  ${c.window.padEnd(7)} ${c.algorithm.padEnd(15)} ${count.padStart(10)}   resets in ${c.resetSeconds}s\n`);
    }
    return 0;
  },
};
