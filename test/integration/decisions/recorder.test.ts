import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecisionRecorder, type DecisionRecorder } from '../../../src/decisions/recorder.js';
import type { DecisionRecord } from '../../../src/decisions/record.js';
import type { SqlDecisionStore } from '../../../src/decisions/sql/sql-store.js';
import { openSqliteStore } from '../../../src/decisions/open-store.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { toCheckRecord } from '../../../src/pipeline/record.js';
import type { Verdict } from '../../../src/pipeline/types.js';
import { makeRequest } from '../../helpers/request.js';
import { makeRecords } from './fixtures.js';
import { PG_URL } from './pg-env.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'portcullis-recorder-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const quiet = { logger: silentLogger() };
const sample = (n: number) => makeRecords({ n, start: Date.now() - 3_600_000, end: Date.now(), seed: 11 });

async function counter(reg: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await reg.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('decision recorder', () => {
  it('writes everything queued when closed (SIGTERM), even before the batch timer fires', async () => {
    const dir = tempDir();
    const rec = await createDecisionRecorder({ sqlite: './data/d.db', queue: { max: 100_000, batch: 50_000, flushMs: 60_000 } }, { policyDir: dir, metrics: new Registry(), ...quiet });
    const recs = sample(1234);
    for (const r of recs) rec.record(r);
    expect(rec.stats().queued).toBe(1234);
    await rec.close();
    expect(rec.stats()).toMatchObject({ queued: 0, written: 1234, dropped: 0 });
    const store = await openSqliteStore(join(dir, 'data', 'd.db'), { readonly: true });
    expect((await store.query({ limit: 10_000 })).length).toBe(1234);
    await store.close();
  });

  it('drops what does not fit in the queue and counts it, without blocking', async () => {
    const dir = tempDir();
    const metrics = new Registry();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db'), queue: { max: 100, batch: 100, flushMs: 60_000 } }, { policyDir: dir, metrics, ...quiet });
    const recs = sample(150);
    const t0 = performance.now();
    for (const r of recs) rec.record(r);
    // Loose bound: 150 pushes take well under a millisecond, but a loaded CI box can pause any process.
    expect(performance.now() - t0).toBeLessThan(500);
    expect(rec.stats()).toMatchObject({ queued: 100, dropped: 50, droppedBy: { queue_full: 50 } });
    expect(await counter(metrics, 'portcullis_decision_records_dropped_total', { reason: 'queue_full' })).toBe(50);
    await rec.flush();
    expect(rec.stats()).toMatchObject({ queued: 0, written: 100 });
    expect(await counter(metrics, 'portcullis_decision_records_written_total', { sink: 'sqlite' })).toBe(100);
    await rec.close();
    rec.record(recs[0]!);
    expect(rec.stats().droppedBy.closed).toBe(1);
  });

  it('drops a malformed or unserializable record without losing the rest of its batch', async () => {
    const dir = tempDir();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db') }, { policyDir: dir, metrics: new Registry(), ...quiet });
    const good = sample(3);
    rec.record({ ...good[0]!, id: '' } as DecisionRecord);
    rec.record({ ...good[1]!, verdict: 'maybe' } as unknown as DecisionRecord);
    rec.record({ ...good[2]!, ratelimit: { n: 10n } } as unknown as DecisionRecord);
    for (const r of good) rec.record(r);
    await rec.flush();
    expect(rec.stats()).toMatchObject({ written: 3, droppedBy: { invalid: 2, encode_error: 1 } });
    expect((await rec.store()!.query({ limit: 10 })).map((r) => r.id).sort()).toEqual(good.map((r) => r.id).sort());
    await rec.close();
  });

  it('flushes on its own: a full batch at once, a partial one after flushMs', async () => {
    const dir = tempDir();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db'), queue: { max: 1000, batch: 10, flushMs: 30 } }, { policyDir: dir, metrics: new Registry(), ...quiet });
    const recs = sample(13);
    for (const r of recs) rec.record(r);
    await new Promise((r) => setTimeout(r, 300));
    expect(rec.stats()).toMatchObject({ queued: 0, written: 13 });
    expect((await rec.store()!.query({ limit: 100 })).length).toBe(13);
    await rec.close();
  });

  it('streams records into an open SQLite transaction that other readers see only once it commits', async () => {
    const dir = tempDir();
    const file = join(dir, 'd.db');
    const rec = await createDecisionRecorder({ sqlite: file, queue: { max: 1000, batch: 1000, flushMs: 60_000 } }, { policyDir: dir, metrics: new Registry(), ...quiet });
    for (const r of sample(10)) rec.record(r);
    // Within 50 ms the records are encoded and appended; the commit waits for the batch or the timer.
    await new Promise((r) => setTimeout(r, 100));
    await (rec.store() as SqlDecisionStore).query({ limit: 1 });
    expect(rec.stats()).toMatchObject({ queued: 10, written: 0 });
    const reader = new Database(file, { readonly: true });
    const count = () => (reader.prepare('SELECT COUNT(*) AS n FROM decisions').get() as { n: number }).n;
    expect(count()).toBe(0);
    await rec.flush();
    expect(rec.stats()).toMatchObject({ queued: 0, written: 10 });
    expect(count()).toBe(10);
    reader.close();
    await rec.close();
  });

  it('writes NDJSON to stdout, one record per line, and nothing else', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b) => (text += b));
    const rec = await createDecisionRecorder({ sqlite: false, stdout: true }, { policyDir: tempDir(), metrics: new Registry(), stdout: out, ...quiet });
    const recs = sample(25);
    for (const r of recs) rec.record(r);
    await rec.close();
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(25);
    expect(lines.map((l) => (JSON.parse(l) as DecisionRecord).id)).toEqual(recs.map((r) => r.id));
    expect(rec.store()).toBeUndefined();
  });

  it('still scrubs request secrets when too many request bodies are queued to hold them all', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b) => (text += b));
    const rec = await createDecisionRecorder({ sqlite: false, stdout: true, queue: { max: 1000, batch: 1000, flushMs: 60_000 } }, { policyDir: tempDir(), metrics: new Registry(), stdout: out, ...quiet });
    const pad = 'x'.repeat(200 * 1024);
    const pw = (i: number) => `pw-${i}-Qz8vLk2`;
    for (let i = 0; i < 200; i++) {
      const req = makeRequest({ method: 'POST', path: '/login', body: { password: pw(i), pad } });
      const verdict: Verdict = {
        allow: false, status: 400, code: 'schema.body_invalid', setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {}, metadata: {}, route: 'login', degraded: [],
        checks: [{ name: 's', kind: 'request-schema', result: 'deny', ms: 1, reason: `value ${pw(i)} is too short` }],
      };
      rec.record(toCheckRecord(req, verdict, 10), req);
    }
    await rec.close();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    for (let i = 0; i < 200; i++) expect(text).not.toContain(pw(i));
    expect(lines[199]).toContain('value [redacted] is too short');
  });

  it('keeps retention running: rows beyond maxRows go away without being asked', async () => {
    const dir = tempDir();
    const metrics = new Registry();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db'), retention: { maxRows: 100, every: 50 } }, { policyDir: dir, metrics, ...quiet });
    for (const r of sample(400)) rec.record(r);
    await rec.flush();
    const deadline = Date.now() + 5000;
    let left = Infinity;
    while (Date.now() < deadline) {
      left = (await rec.store()!.query({ limit: 10_000 })).length;
      if (left <= 100 && (await counter(metrics, 'portcullis_decision_retention_deleted_total', { store: 'sqlite' })) === 300) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(100);
    expect(await counter(metrics, 'portcullis_decision_retention_deleted_total', { store: 'sqlite' })).toBe(300);
    await rec.close();
  });

  it('keeps the SQLite file under retention.maxSize without being asked, and refuses a cap it cannot meet', async () => {
    const dir = tempDir();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db'), retention: { maxSize: '2MiB', every: 50 } }, { policyDir: dir, metrics: new Registry(), ...quiet });
    for (const r of sample(8000)) rec.record(r);
    await rec.flush();
    const store = rec.store() as SqlDecisionStore;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await store.usedBytes())! > 2 * 1024 * 1024) await new Promise((r) => setTimeout(r, 50));
    expect(await store.usedBytes()).toBeLessThanOrEqual(2 * 1024 * 1024);
    const left = (await store.query({ limit: 10_000 })).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(8000);
    await rec.close();

    await expect(createDecisionRecorder({ sqlite: join(dir, 'e.db'), retention: { maxSize: '100KiB' } }, { policyDir: dir, metrics: new Registry(), ...quiet })).rejects.toThrow(
      'decisions.retention.maxSize: at least 1MiB (1048576 bytes), not 102400',
    );
    await expect(createDecisionRecorder({ sqlite: false, stdout: true, retention: { maxSize: '1GB' } }, { policyDir: dir, metrics: new Registry(), ...quiet })).rejects.toThrow(
      'decisions.retention.maxSize: caps the SQLite file, and sqlite is off',
    );
  });

  it('reports a failing store in readiness and counts the lost records', async () => {
    const dir = tempDir();
    const metrics = new Registry();
    const rec = await createDecisionRecorder({ sqlite: join(dir, 'd.db') }, { policyDir: dir, metrics, ...quiet });
    expect(rec.readiness()).toEqual([]);
    await (rec.store() as SqlDecisionStore).close();
    for (const r of sample(5)) rec.record(r);
    await rec.flush();
    expect(rec.readiness()).toEqual([expect.stringMatching(/^decisions: sqlite sink failing: .*closed/)]);
    expect(rec.stats().droppedBy.sink_error).toBe(5);
    expect(await counter(metrics, 'portcullis_decision_sink_errors_total', { sink: 'sqlite' })).toBe(1);
    await rec.close();
  });
});

describe('decision store at startup', () => {
  it('refuses a corrupt database file with a clear error and leaves it untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'd.db');
    const junk = Buffer.from('this is not a database, but the operator may want it back\n'.repeat(200));
    writeFileSync(file, junk);
    await expect(createDecisionRecorder({ sqlite: file }, { policyDir: dir, metrics: new Registry(), ...quiet })).rejects.toThrow(/decisions\.sqlite: cannot open .*d\.db: file is not a database.*left untouched/);
    expect(readFileSync(file).equals(junk)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a database another process holds locked', async () => {
    const dir = tempDir();
    const file = join(dir, 'd.db');
    const other = new Database(file);
    other.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    try {
      await expect(createDecisionRecorder({ sqlite: file }, { policyDir: dir, metrics: new Registry(), ...quiet })).rejects.toThrow(/decisions\.sqlite: .*locked.*another process holds a lock/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }, 10_000);

  it('refuses a database with tables it did not create', async () => {
    const dir = tempDir();
    const file = join(dir, 'd.db');
    const other = new Database(file);
    other.exec('CREATE TABLE decisions (something_else TEXT)');
    other.close();
    await expect(createDecisionRecorder({ sqlite: file }, { policyDir: dir, metrics: new Registry(), ...quiet })).rejects.toThrow(/did not create/);
  });

  it('refuses to open read-only a file that is not a store', async () => {
    const dir = tempDir();
    const file = join(dir, 'd.db');
    new Database(file).close();
    await expect(openSqliteStore(file, { readonly: true })).rejects.toThrow(/not a portcullis decision store/);
    await expect(openSqliteStore(join(dir, 'missing.db'), { readonly: true })).rejects.toThrow(/cannot open/);
  });

  it('reports an unreachable PostgreSQL without echoing its password', async () => {
    const url = 'postgres://someone:s3cret-pw-123@127.0.0.1:1/test';
    const err = await createDecisionRecorder({ sqlite: false, postgres: { url } }, { policyDir: tempDir(), metrics: new Registry(), ...quiet }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^decisions\.postgres: cannot connect/);
    expect((err as Error).message).not.toContain('s3cret-pw-123');
  });
});

describe('redaction end to end', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldC1ieXRlcw';
  const COOKIE = 'sess-Zm9vYmFyYmF6cXV4';
  const APIKEY = 'ak_live_7Hq2LmN9pQrS';
  const QPW = 'query-pass-8812';
  const BODYPW = 'body-hunter2-xyz';
  const secrets = [JWT, COOKIE, APIKEY, QPW, BODYPW];
  const schema = `portcullis_redact_${process.pid}`;

  afterAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('no secret of a request reaches SQLite, PostgreSQL, stdout or the log', async () => {
    const dir = tempDir();
    const out = new PassThrough();
    let stdoutText = '';
    out.on('data', (b) => (stdoutText += b));
    const logStream = new PassThrough();
    let logText = '';
    logStream.on('data', (b) => (logText += b));
    const logger = pino({ level: 'trace' }, logStream);
    const rec = await createDecisionRecorder(
      { sqlite: join(dir, 'd.db'), stdout: true, postgres: { url: PG_URL, schema }, redact: { bodyFields: ['card'] } },
      { policyDir: dir, metrics: new Registry(), logger, stdout: out },
    );
    const req = makeRequest({
      method: 'POST',
      path: `/login?user=alice&password=${QPW}&page=2`,
      headers: { authorization: `Bearer ${JWT}`, cookie: `theme=dark; session=${COOKIE}`, 'x-api-key': APIKEY, 'content-type': 'application/json' },
      body: { user: 'alice', password: BODYPW, card: '4111111111111111' },
    });
    const verdict: Verdict = {
      allow: false, status: 403, code: 'waf.blocked', setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {}, metadata: {},
      route: 'login', principal: 'alice', degraded: [],
      checks: [
        { name: 'jwt', kind: 'jwt-auth', result: 'pass', ms: 0.2, notes: { token: JWT, header: `authorization: Bearer ${JWT}` } },
        { name: 'key', kind: 'api-key', result: 'pass', ms: 0.1, reason: `key ${APIKEY} matched consumer mobile` },
        {
          name: 'waf', kind: 'waf', result: 'deny', code: 'waf.blocked', ms: 1.5,
          reason: `Matched Data: ${BODYPW} found within ARGS:password`,
          notes: {
            waf: { ruleIds: ['942100'], matched: [{ id: 942100, var: 'ARGS_POST:password', data: BODYPW }, { id: 920100, var: 'REQUEST_COOKIES:session', value: COOKIE }] },
            excerpt: `{"user":"alice","password":"${BODYPW}","card":"4111111111111111"}`,
            query: `password=${QPW}&page=2`,
          },
        },
      ],
    };
    rec.record(toCheckRecord(req, verdict, 1234), req);
    await rec.flush();
    const stored = await rec.store()!.query({ limit: 10 });
    expect(stored).toHaveLength(1);
    const r = stored[0]!;
    expect(r.type === 'check' && r.path).toBe('/login?user=*&password=*&page=*');
    expect(r.type === 'check' && r.ruleIds).toEqual(['942100']);
    await rec.close();

    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const pgText = (await c.query(`SELECT record::text AS t FROM "${schema}".decisions`)).rows.map((x) => x.t).join('\n');
    await c.end();
    const sqliteBytes = Buffer.concat([readFileSync(join(dir, 'd.db')), existsSync(join(dir, 'd.db-wal')) ? readFileSync(join(dir, 'd.db-wal')) : Buffer.alloc(0)]).toString('latin1');
    expect(pgText).toContain('942100');
    expect(stdoutText).toContain('942100');
    expect(sqliteBytes).toContain('942100');
    for (const s of [...secrets, '4111111111111111']) {
      expect(stdoutText).not.toContain(s);
      expect(pgText).not.toContain(s);
      expect(sqliteBytes).not.toContain(s);
      expect(logText).not.toContain(s);
    }
  });
});
