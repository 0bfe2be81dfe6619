/** The counters admin API on a real admin HTTP server, and the `portcullis counters` CLI calling it. */
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterRoutes } from '../../../src/admin/routes/counters.js';
import { startAdminServer, type RunningAdminServer } from '../../../src/admin/server.js';
import { rateLimitCheck } from '../../../src/checks/rate-limit/index.js';
import { command } from '../../../src/cli/counters.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { compileRateLimit, type RateLimitResource } from '../../../src/ratelimit/section.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest } from '../../helpers/request.js';

const TOKEN = 'counters-test-token';
let admin: RunningAdminServer;
let resource: RateLimitResource;
let base: string;

beforeAll(async () => {
  resource = compileRateLimit(
    { domains: [{ domain: 'edge', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'minute', requests_per_unit: 10 } }] }] },
    makeDeps({ live: false }),
  );
  admin = await startAdminServer(
    { logger: silentLogger(), metrics: new Registry(), shared: () => ({ ratelimit: resource }), decisionStore: () => undefined },
    { host: '127.0.0.1', port: 0, routes: counterRoutes, token: TOKEN },
  );
  base = `http://127.0.0.1:${admin.port}`;
});

afterAll(async () => {
  await admin?.close();
  await resource?.dispose();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write(c, _e, cb) { f(String(c)); cb(); } });
  const code = await command.run(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {} });
  return { code, out, err };
}

describe('counters admin API', () => {
  it('reads and resets an RLS descriptor counter', async () => {
    for (let i = 0; i < 4; i++) await resource.shouldRateLimit({ domain: 'edge', hitsAddend: 0, descriptors: [{ entries: [{ key: 'remote_address', value: '10.1.1.1' }] }] });
    const got = await fetch(`${base}/counters?domain=edge&entry=remote_address=10.1.1.1`, { headers: auth });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { store: string; key: string; counters: Array<{ window: string; count: number }> };
    expect(body.store).toBe('memory');
    expect(body.counters).toEqual([expect.objectContaining({ window: 'MINUTE', count: 4, algorithm: 'fixed-window' })]);

    const reset = await fetch(`${base}/counters/reset?domain=edge&entry=remote_address=10.1.1.1`, { method: 'POST', headers: auth });
    expect(await reset.json()).toMatchObject({ removed: 1 });
    const after = (await (await fetch(`${base}/counters?domain=edge&entry=remote_address=10.1.1.1`, { headers: auth })).json()) as { counters: unknown[] };
    expect(after.counters).toEqual([]);
  });

  it('reads a per-route counter, resets it with DELETE and a JSON body', async () => {
    const deps = makeCheckDeps({ shared: { ratelimit: resource }, route: { name: 'user-routes' } });
    const check = await rateLimitCheck.compile({ limits: { minute: 5, hour: 100 } }, deps);
    const ctx = () => makeContext({ identity: { principal: 'alice', source: 'jwt' } });
    for (let i = 0; i < 3; i++) await check.run(makeRequest(), ctx());
    const body = (await (await fetch(`${base}/counters?route=user-routes&by=consumer&value=alice`, { headers: auth })).json()) as { counters: Array<{ window: string; count: number }> };
    expect(body.counters.map((c) => [c.window, c.count]).sort()).toEqual([['HOUR', 3], ['MINUTE', 3]]);
    const del = await fetch(`${base}/counters`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ route: 'user-routes', by: 'consumer', value: 'alice' }) });
    expect(await del.json()).toMatchObject({ removed: 2 });
    const out = (await check.run(makeRequest(), ctx())) as { headers?: { response?: Record<string, string> } };
    expect(out.headers?.response?.['x-ratelimit-remaining-minute']).toBe('4');
  });

  it('refuses bad queries and missing tokens with coded answers', async () => {
    const noToken = await fetch(`${base}/counters?domain=edge&entry=a=b`);
    expect(noToken.status).toBe(401);
    for (const q of ['', 'domain=edge', 'route=r&by=nonsense&value=x', 'route=r&by=ip', `domain=${'x'.repeat(5000)}&entry=a=b`]) {
      const r = await fetch(`${base}/counters?${q}`, { headers: auth });
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { error: string }).error).toBe('counters.bad_query');
    }
    const badJson = await fetch(`${base}/counters/reset`, { method: 'POST', headers: auth, body: '{nope' });
    expect(badJson.status).toBe(400);
  });
});

describe('portcullis counters', () => {
  it('gets and resets through the admin API', async () => {
    for (let i = 0; i < 2; i++) await resource.shouldRateLimit({ domain: 'edge', hitsAddend: 0, descriptors: [{ entries: [{ key: 'remote_address', value: '10.2.2.2' }] }] });
    const got = await cli('get', '--domain', 'edge', '--entry', 'remote_address=10.2.2.2', '--admin', base, '--token', TOKEN);
    expect(got.code).toBe(0);
    expect(got.out).toMatch(/rls:edge:remote_address=10\.2\.2\.2 \(memory store\)\n\s+MINUTE\s+fixed-window\s+2\s+resets in \d+s/);
    const json = await cli('get', '--domain', 'edge', '--entry', 'remote_address=10.2.2.2', '--admin', base, '--token', TOKEN, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ counters: [{ count: 2 }] });
    const reset = await cli('reset', '--domain', 'edge', '--entry', 'remote_address=10.2.2.2', '--admin', base, '--token', TOKEN);
    expect(reset).toMatchObject({ code: 0 });
    expect(reset.out).toMatch(/1 counter\(s\) removed/);
  });

  it('reports a refused token, an unreachable server and bad usage', async () => {
    const refused = await cli('get', '--domain', 'edge', '--entry', 'a=b', '--admin', base, '--token', 'wrong');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/401 admin\.unauthorized/);
    const down = await cli('get', '--domain', 'edge', '--entry', 'a=b', '--admin', 'http://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot reach the admin API/);
    await expect(cli('get', '--domain', 'edge', '--admin', base)).rejects.toThrow(/--entry/);
    await expect(cli('frobnicate')).rejects.toThrow(/unknown subcommand/);
  });
});
