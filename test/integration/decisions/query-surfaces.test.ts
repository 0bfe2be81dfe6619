/** The CLI and the admin API over one real store: same filters, same answers, clear errors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionRoutes } from '../../../src/admin/routes/decisions.js';
import { startAdminServer, type RunningAdminServer } from '../../../src/admin/server.js';
import type { AdminContext } from '../../../src/admin/types.js';
import { UsageError } from '../../../src/cli/args.js';
import { command } from '../../../src/cli/decisions.js';
import { createDecisionRecorder, type DecisionRecorder } from '../../../src/decisions/recorder.js';
import type { DecisionRecord } from '../../../src/decisions/record.js';
import type { DecisionStats } from '../../../src/decisions/store.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { makeRecords, recTs } from './fixtures.js';
import { PG_URL } from './pg-env.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-query-'));
const policy = join(dir, 'policy.yaml');
const now = Date.now();
const records = makeRecords({ n: 3000, start: now - 2 * 86_400_000, end: now - 1000, seed: 5 });
const schema = `portcullis_cli_${process.pid}`;
let recorder: DecisionRecorder;
let admin: RunningAdminServer;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write(chunk, _e, cb) { f(String(chunk)); cb(); } });
  const code = await command.run(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {} });
  return { code, out, err };
}

beforeAll(async () => {
  writeFileSync(policy, 'decisions:\n  sqlite: ./data/decisions.db\nroutes: []\n');
  recorder = await createDecisionRecorder({ sqlite: './data/decisions.db', postgres: { url: PG_URL, schema }, query: 'sqlite' }, { policyDir: dir, logger: silentLogger(), metrics: new Registry() });
  for (const r of records) recorder.record(r);
  await recorder.flush();
  const ctx: AdminContext = { logger: silentLogger(), metrics: new Registry(), shared: () => ({}), decisionStore: () => recorder.store() };
  admin = await startAdminServer(ctx, { host: '127.0.0.1', port: 0, routes: decisionRoutes });
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await recorder?.close();
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
  rmSync(dir, { recursive: true, force: true });
});

const expectedIds = (pred: (r: DecisionRecord) => boolean, limit = 100) =>
  records.filter(pred).sort((a, b) => recTs(b) - recTs(a)).slice(0, limit).map((r) => r.id);

describe('portcullis decisions (CLI)', () => {
  it('lists with filters from the store the policy names', async () => {
    const r = await cli('--config', policy, '--verdict', 'deny', '--route', 'users', '--since', '1d', '--format', 'json');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out) as DecisionRecord[];
    expect(got.map((x) => x.id)).toEqual(expectedIds((x) => x.verdict === 'deny' && x.route === 'users' && recTs(x) >= now - 86_400_000));
  });

  it('prints a table by default and NDJSON on request', async () => {
    const t = await cli('--config', policy, '--limit', '5');
    expect(t.code).toBe(0);
    expect(t.out.split('\n')[0]).toMatch(/^TIME\s+VERDICT\s+STATUS\s+CODE\s+ROUTE/);
    expect(t.out.trimEnd().split('\n')).toHaveLength(6);
    const n = await cli('--config', policy, '--limit', '7', '--format', 'ndjson', '--ip', '10.0.0.0/16', '--type', 'check');
    const lines = n.out.trimEnd().split('\n').map((l) => JSON.parse(l) as DecisionRecord);
    expect(lines.map((x) => x.id)).toEqual(expectedIds((x) => x.type === 'check' && !x.clientIp.includes(':'), 7));
  });

  it('answers stats, as a table and as JSON', async () => {
    const j = await cli('stats', '--config', policy, '--by', 'route,code', '--since', '1d', '--format', 'json');
    expect(j.code).toBe(0);
    const s = JSON.parse(j.out) as DecisionStats;
    const inWindow = records.filter((x) => recTs(x) >= now - 86_400_000);
    expect(s.total.count).toBe(inWindow.length);
    expect(s.by).toEqual(['route', 'code']);
    const t = await cli('stats', '--config', policy, '--by', 'route', '--top', '3');
    expect(t.out).toMatch(/^window: beginning \.\. now/);
    expect(t.out).toContain(`total: ${records.length} decisions`);
    expect(t.out).toMatch(/ROUTE\s+COUNT\s+DENY\s+DENY%\s+P50 MS\s+P99 MS/);
    expect(t.out).toContain('top denied principals:');
  });

  it('gets one decision by id, and exits 1 for an unknown one', async () => {
    const r = await cli('get', records[42]!.id, '--config', policy);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(records[42]);
    const missing = await cli('get', '0190aaaa-0000-7000-8000-000000000000', '--config', policy);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no decision 0190aaaa/);
  });

  it('opens a store given directly: --sqlite FILE or --postgres URL', async () => {
    const a = await cli('--sqlite', join(dir, 'data', 'decisions.db'), '--principal', 'user-3', '--format', 'json', '--limit', '1000');
    const b = await cli('--postgres', PG_URL, '--pg-schema', schema, '--principal', 'user-3', '--format', 'json', '--limit', '1000');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const ids = expectedIds((x) => x.type === 'check' && x.principal === 'user-3', 1000);
    expect(ids.length).toBeGreaterThan(5);
    expect((JSON.parse(a.out) as DecisionRecord[]).map((x) => x.id)).toEqual(ids);
    expect((JSON.parse(b.out) as DecisionRecord[]).map((x) => x.id)).toEqual(ids);
  });

  it.each([
    [['--verdict', 'maybe'], /'verdict' must be allow or deny/],
    [['--since', 'yesterday'], /'since' must be a duration/],
    [['--ip', '10.0.0.0/33'], /'ip' must be an IPv4 or IPv6 address or CIDR/],
    [['--limit', '0'], /'limit' must be a whole number from 1 to 10000/],
    [['--by', 'route'], /--by is for 'decisions stats'/],
    [['stats', '--by', 'route,colour'], /'by' takes route, code/],
    [['--format', 'xml'], /--format takes table, json, ndjson/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown subcommand 'frobnicate'/],
  ])('refuses bad usage %j (exit 2)', async (args, message) => {
    const err = await cli('--config', policy, ...args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('exits 1 with a clear message when the policy keeps no store or the file is not one', async () => {
    const p2 = join(dir, 'nostore.yaml');
    writeFileSync(p2, 'decisions:\n  sqlite: false\nroutes: []\n');
    const r = await cli('--config', p2);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/keeps no decision store/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, not even close'.repeat(50));
    const j = await cli('--sqlite', junk);
    expect(j.code).toBe(1);
    expect(j.err).toMatch(/file is not a database/);
  });
});

describe('admin API /decisions', () => {
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${admin.port}${path}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('GET /decisions filters like the CLI', async () => {
    const r = await get('/decisions?verdict=deny&code=waf.blocked&limit=20');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { count: number; decisions: DecisionRecord[] };
    expect(body.decisions.map((x) => x.id)).toEqual(expectedIds((x) => x.type === 'check' && x.code === 'waf.blocked', 20));
    expect(body.count).toBe(20);
    const nd = await get('/decisions?format=ndjson&limit=3&request-id=req-17');
    expect(nd.type).toMatch(/application\/x-ndjson/);
    expect(nd.text.trimEnd().split('\n').map((l) => (JSON.parse(l) as DecisionRecord).id)).toEqual(expectedIds((x) => x.type === 'check' && x.requestId === 'req-17'));
  });

  it('GET /decisions/stats answers counts, deny rate, latency and top denied', async () => {
    const r = await get('/decisions/stats?by=verdict&since=1d&top=2');
    expect(r.status).toBe(200);
    const s = JSON.parse(r.text) as DecisionStats;
    const inWindow = records.filter((x) => recTs(x) >= now - 86_400_000);
    expect(s.total.count).toBe(inWindow.length);
    expect(s.groups.find((g) => g.key.verdict === 'deny')?.count).toBe(inWindow.filter((x) => x.verdict === 'deny').length);
    expect(s.total.denyRate).toBeCloseTo(inWindow.filter((x) => x.verdict === 'deny').length / inWindow.length, 3);
    expect(s.total.p50Us).toBeGreaterThan(0);
    expect(s.topDenied.principals).toHaveLength(2);
  });

  it('GET /decisions/{id} finds one record, 404 for an unknown id, 400 for a malformed one', async () => {
    const ok = await get(`/decisions/${records[7]!.id}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual(records[7]);
    expect((await get('/decisions/0190aaaa-0000-7000-8000-000000000000')).status).toBe(404);
    const bad = await get('/decisions/%E0%A4%A');
    expect(bad.status).toBe(400);
  });

  it('bad filters are a 400 naming every problem', async () => {
    const r = await get('/decisions?verdict=perhaps&ip=not-an-ip&colour=red');
    expect(r.status).toBe(400);
    const body = JSON.parse(r.text) as { error: string; errors: string[] };
    expect(body.error).toBe('decisions.bad_filter');
    expect(body.errors).toHaveLength(3);
    expect((await get('/decisions/stats?by=weather')).status).toBe(400);
    expect((await get('/decisions/stats?since=2h&until=3h')).status).toBe(400);
  });

  it('says so when no store is configured', async () => {
    const ctx: AdminContext = { logger: silentLogger(), metrics: new Registry(), shared: () => ({}), decisionStore: () => undefined };
    const other = await startAdminServer(ctx, { host: '127.0.0.1', port: 0, routes: decisionRoutes });
    try {
      const res = await fetch(`http://127.0.0.1:${other.port}/decisions`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe('decisions.no_store');
    } finally {
      await other.close();
    }
  });
});
