/**
 * The Redis counter store, shared by every replica. One batch (all descriptors and windows of a request) is
 * one EVALSHA of LIMIT_SCRIPT: one round trip whatever the number of limits.
 *
 * Key layout: `<keyPrefix>{<tag>}:<counter id>:<algorithm code><window ms>[:<window start ms>]`, e.g.
 * `portcullis:{rls:edge}:remote_address=10.0.0.1:f60000:1764331200000`. Every key of a batch shares the hash
 * tag, so in Redis Cluster the script runs on one slot: RLS counters are tagged by domain, per-route counters by
 * route and client key (all windows of one client on one slot).
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { windowStart, type Algorithm, type LimitOp, type LimitResult } from './algorithms.js';
import { LIMIT_SCRIPT, READ_SCRIPT } from './redis-script.js';
import type { CounterReading, CounterStore } from './store.js';
import { UNIT_SECONDS } from './units.js';

export interface RedisStoreOptions {
  /** A single server (`redis://` or `rediss://`); or give `cluster`. */
  url?: string;
  /** Redis Cluster seed nodes (`host:port` or URLs); every batch runs on one slot thanks to the hash tags. */
  cluster?: string[];
  keyPrefix: string;
  /** The limiter's deadline in ms; commands are abandoned a little after it. */
  timeoutMs: number;
  connectTimeoutMs?: number;
  password?: string;
  username?: string;
  db?: number;
  tls?: boolean;
  /** Connect now (false for check-config: the store is built but never used). */
  live: boolean;
}

const ALGO_CODE: Record<Algorithm, string> = { 'fixed-window': 'f', 'sliding-window': 's', gcra: 'g' };

type LimitCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number[]>;

/** Braces would end or start a hash tag early; replace them so the tag is exactly what we mean. */
function safeTag(tag: string): string {
  return tag.replace(/[{}]/g, '_');
}

function clusterNode(spec: string): ClusterNode {
  if (/^rediss?:\/\//.test(spec)) {
    const u = new URL(spec);
    return { host: u.hostname, port: Number(u.port || 6379) };
  }
  const i = spec.lastIndexOf(':');
  return i < 0 ? { host: spec, port: 6379 } : { host: spec.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(spec.slice(i + 1)) };
}

export class RedisStore implements CounterStore {
  readonly kind = 'redis' as const;
  readonly client: Redis | Cluster;
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly opts: RedisStoreOptions) {
    this.prefix = opts.keyPrefix;
    const options: RedisOptions = {
      lazyConnect: !opts.live,
      // Fail fast instead of queueing while disconnected: the limiter decides what a failure means.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // The limiter enforces the real deadline; this only reclaims commands a hung server never answers.
      commandTimeout: Math.ceil(opts.timeoutMs) + 100,
      connectTimeout: opts.connectTimeoutMs ?? 1000,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      // A dead server must not hold a reconnect loop forever on a closed store.
      reconnectOnError: () => false,
    };
    if (opts.password !== undefined) options.password = opts.password;
    if (opts.username !== undefined) options.username = opts.username;
    if (opts.db !== undefined) options.db = opts.db;
    if (opts.tls) options.tls = {};
    if (opts.cluster && opts.cluster.length > 0) {
      const { lazyConnect, retryStrategy, enableOfflineQueue, enableAutoPipelining, ...nodeOptions } = options;
      this.client = new Cluster(opts.cluster.map(clusterNode), {
        lazyConnect,
        enableOfflineQueue,
        enableAutoPipelining,
        clusterRetryStrategy: retryStrategy,
        redisOptions: nodeOptions,
      });
    } else {
      this.client = new Redis(opts.url ?? 'redis://127.0.0.1:6379', options);
    }
    // Errors surface through commands and readiness; an unhandled 'error' event would crash the process.
    this.client.on('error', () => {});
    this.client.defineCommand('portcullisLimit', { lua: LIMIT_SCRIPT });
    this.client.defineCommand('portcullisRead', { lua: READ_SCRIPT });
    // A fresh or restarted Redis has no scripts: load them on connect, so the first request is one EVALSHA
    // and not EVALSHA, NOSCRIPT, EVAL (two round trips and a compile, easily past a 15 ms timeout).
    this.client.on('ready', () => {
      const targets = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
      this.scriptsLoaded = Promise.all(targets.flatMap((t) => [t.script('LOAD', LIMIT_SCRIPT), t.script('LOAD', READ_SCRIPT)])).then(
        () => undefined,
        () => undefined,
      );
    });
  }

  private scriptsLoaded: Promise<void> | undefined;

  /** Resolves once connected with the scripts loaded (or rejects after `ms`); for tests and warm-up. */
  async ready(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.client.status !== 'ready' || !this.scriptsLoaded) {
      if (Date.now() > deadline) throw new Error(`redis not ready (${this.client.status})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.scriptsLoaded;
  }

  private base(key: string, tag: string, algorithm: Algorithm, windowMs: number): string {
    return `${this.prefix}{${safeTag(tag)}}:${key}:${ALGO_CODE[algorithm]}${windowMs}`;
  }

  /** The keys the script touches for `op` at `now` (exported for tests and the admin API). */
  keysFor(op: Pick<LimitOp, 'key' | 'tag' | 'algorithm' | 'windowMs'>, now: number): [string, string] {
    const base = this.base(op.key, op.tag, op.algorithm, op.windowMs);
    if (op.algorithm === 'gcra') return [base, base];
    const ws = windowStart(now, op.windowMs);
    const k1 = `${base}:${ws}`;
    return op.algorithm === 'sliding-window' ? [k1, `${base}:${ws - op.windowMs}`] : [k1, k1];
  }

  async apply(ops: readonly LimitOp[], now: number): Promise<LimitResult[]> {
    if (ops.length === 0) return [];
    const keys: string[] = [];
    const args: Array<string | number> = [now];
    for (const op of ops) {
      const [k1, k2] = this.keysFor(op, now);
      keys.push(k1, k2);
      args.push(ALGO_CODE[op.algorithm], op.limit, op.windowMs, op.hits, op.dryRun ? 1 : 0);
    }
    const run = (this.client as unknown as { portcullisLimit: LimitCommand }).portcullisLimit;
    const reply = await run.call(this.client, keys.length, ...keys, ...args);
    const out: LimitResult[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const b = i * 5;
      out[i] = {
        allowed: reply[b] === 1,
        used: Number(reply[b + 1]),
        remaining: Number(reply[b + 2]),
        resetMs: Number(reply[b + 3]),
        retryAfterMs: Number(reply[b + 4]),
      };
    }
    return out;
  }

  private candidates(key: string, tag: string, now: number): Array<{ key: string; algorithm: Algorithm; windowMs: number }> {
    const out: Array<{ key: string; algorithm: Algorithm; windowMs: number }> = [];
    for (const algorithm of Object.keys(ALGO_CODE) as Algorithm[]) {
      for (const seconds of Object.values(UNIT_SECONDS)) {
        const windowMs = seconds * 1000;
        out.push({ key: this.keysFor({ key, tag, algorithm, windowMs }, now)[0], algorithm, windowMs });
      }
    }
    return out;
  }

  async read(key: string, tag: string, now: number): Promise<CounterReading[]> {
    const cands = this.candidates(key, tag, now);
    const run = (this.client as unknown as { portcullisRead: LimitCommand }).portcullisRead;
    const reply = await run.call(this.client, cands.length, ...cands.map((c) => c.key));
    const out: CounterReading[] = [];
    cands.forEach((c, i) => {
      const value = Number(reply[i * 2]);
      const pttl = Number(reply[i * 2 + 1]);
      if (value < 0) return;
      if (c.algorithm === 'gcra') {
        out.push({ key: c.key, algorithm: c.algorithm, windowMs: c.windowMs, count: Math.max(0, value - now) / c.windowMs, resetMs: Math.max(0, pttl) });
      } else {
        out.push({ key: c.key, algorithm: c.algorithm, windowMs: c.windowMs, count: value, resetMs: windowStart(now, c.windowMs) + c.windowMs - now });
      }
    });
    return out;
  }

  async reset(key: string, tag: string, now: number): Promise<number> {
    const keys = new Set<string>();
    for (const c of this.candidates(key, tag, now)) {
      keys.add(c.key);
      if (c.algorithm === 'sliding-window') keys.add(`${c.key.slice(0, c.key.lastIndexOf(':'))}:${windowStart(now, c.windowMs) - c.windowMs}`);
    }
    return this.client.del(...keys);
  }

  readiness(): string[] {
    if (this.closed) return [];
    return this.client.status === 'ready' ? [] : [`ratelimit: redis ${this.client.status}`];
  }

  /** Pings Redis within the timeout; used by readiness probes that want a live answer. */
  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Never connected (check-config) or already down: nothing to say goodbye to.
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  get options(): Readonly<RedisStoreOptions> {
    return this.opts;
  }
}
