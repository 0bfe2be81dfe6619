/**
 * Test helpers: build requests shaped as Envoy sends them, decision contexts, and compile deps for checks,
 * without a server. Integration tests use the real gRPC server instead (test/helpers/server.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { compileClientIp, type ClientIpConfig } from '../../src/pipeline/client-ip.js';
import { buildRequest, type RequestInput } from '../../src/pipeline/build-request.js';
import type { AuthzRequest, DecisionContext } from '../../src/pipeline/types.js';
import type { CheckCompileDeps, CompileDeps, SecretRef } from '../../src/config/types.js';
import { silentLogger } from '../../src/lib/logger.js';

export interface TestRequest extends Partial<Omit<RequestInput, 'body'>> {
  body?: string | Buffer | object;
  clientIp?: ClientIpConfig;
  /** Shorthand for source.address. */
  peer?: string;
}

/** An AuthzRequest as the gRPC adapter would build it from Envoy's CheckRequest. */
export function makeRequest(t: TestRequest = {}): AuthzRequest {
  const method = t.method ?? 'GET';
  const path = t.path ?? '/';
  const headers: Record<string, string> = {
    ':method': method,
    ':path': path,
    ':authority': t.authority ?? 'api.example.com',
    ':scheme': 'https',
    'x-request-id': 'req-test-1',
    ...(Array.isArray(t.headers) ? {} : t.headers ?? {}),
  };
  let body: Buffer | undefined;
  if (typeof t.body === 'string') body = Buffer.from(t.body);
  else if (Buffer.isBuffer(t.body)) body = t.body;
  else if (t.body !== undefined) {
    body = Buffer.from(JSON.stringify(t.body));
    headers['content-type'] ??= 'application/json';
  }
  if (body && headers['x-envoy-auth-partial-body'] === undefined) headers['x-envoy-auth-partial-body'] = 'false';
  const built = buildRequest(
    { ...t, method, path, headers, body, source: t.source ?? { address: t.peer ?? '203.0.113.7', port: 40000 } },
    compileClientIp(t.clientIp),
  );
  if (!built.ok) throw new Error(`makeRequest: ${built.code}: ${built.reason}`);
  return built.req;
}

export function makeContext(over: Partial<DecisionContext> = {}): DecisionContext {
  return { route: 'test-route', pathParams: {}, deadline: Date.now() + 1000, degraded: [], dryRun: false, ...over };
}

/** Compile deps rooted at `dir` (a fresh temp folder by default), collecting warnings. */
export function makeDeps(opts: { dir?: string; shared?: Record<string, unknown>; crsDir?: string; live?: boolean } = {}): CompileDeps & { warnings: string[] } {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'portcullis-test-'));
  const warnings: string[] = [];
  const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  return {
    policyFile: join(dir, 'policy.yaml'),
    policyDir: dir,
    resolvePath,
    resolveSecret(ref: SecretRef, at: string) {
      if (typeof ref === 'string') { warnings.push(`${at}: inline secret`); return ref; }
      if ('env' in ref) { const v = process.env[ref.env]; if (v === undefined) throw new Error(`${at}: env ${ref.env} not set`); return v; }
      return readFileSync(resolvePath(ref.file), 'utf8').trim();
    },
    warn: (at, message) => warnings.push(`${at}: ${message}`),
    logger: silentLogger(),
    metrics: new Registry(),
    shared: opts.shared ?? {},
    options: { crsDir: opts.crsDir, live: opts.live ?? true },
    warnings,
  };
}

export function makeCheckDeps(opts: Parameters<typeof makeDeps>[0] & { route?: Partial<CheckCompileDeps['route']> } = {}): CheckCompileDeps & { warnings: string[] } {
  const deps = makeDeps(opts);
  return Object.assign(deps, {
    route: { name: 'test-route', index: 0, pathParams: [], maxBodyBytes: 10 * 1024 * 1024, inspectBodyBytes: 64 * 1024, ...opts.route },
    at: 'routes[0].checks[0]',
  });
}
