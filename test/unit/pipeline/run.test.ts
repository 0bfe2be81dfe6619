import { describe, expect, it } from 'vitest';
import type { CompiledCheck, CompiledPolicy, CompiledRoute } from '../../../src/config/compile.js';
import { compileClientIp } from '../../../src/pipeline/client-ip.js';
import { defaultRequestLimits } from '../../../src/pipeline/build-request.js';
import { compileMatcher } from '../../../src/pipeline/route-table.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import type { Check, Outcome } from '../../../src/pipeline/types.js';
import { makeRequest } from '../../helpers/request.js';

function check(name: string, run: Check['run'], over: Partial<CompiledCheck> = {}): CompiledCheck {
  return { check: { name, kind: 'test', run }, name, kind: 'test', shadow: false, onError: 'deny', errorCode: 'headers.error', ...over };
}

function policy(checks: CompiledCheck[], over: Partial<CompiledRoute> = {}, identityHeaders: string[] = ['x-user-id', 'x-user-roles']): CompiledPolicy {
  const route: CompiledRoute = { name: 'r', index: 0, match: compileMatcher({ path: { prefix: '/' } }), checks, shadow: false, maxBodyBytes: 100, inspectBodyBytes: 64, ...over };
  return {
    file: 'p.yaml', dir: '.', spec: { routes: [] }, hash: 'h', compiledAt: '', routes: [route], defaultAction: { action: 'deny', status: 404 },
    identityHeaders, resolveClientIp: compileClientIp(undefined), limits: defaultRequestLimits, checkTimeoutMs: 1000, maxInspectBodyBytes: 64,
    shared: {}, warnings: [], readiness: () => [], dispose: async () => {},
  };
}

const pass: Outcome = { pass: true };
const deny: Outcome = { pass: false, status: 403, code: 'ip.denied', reason: 'listed' };
const deadline = () => Date.now() + 1000;

describe('runPipeline', () => {
  it('runs checks in order and stops at the first deny', async () => {
    const seen: string[] = [];
    const p = policy([
      check('a', () => (seen.push('a'), pass)),
      check('b', () => (seen.push('b'), deny)),
      check('c', () => (seen.push('c'), pass)),
    ]);
    const v = await runPipeline(p, makeRequest({ path: '/x' }), { deadline: deadline() });
    expect(seen).toEqual(['a', 'b']);
    expect(v.allow).toBe(false);
    expect(v.status).toBe(403);
    expect(JSON.parse(v.body!)).toEqual({ error: 'ip.denied', message: 'Forbidden', request_id: 'req-test-1' });
    expect(v.checks.map((c) => c.result)).toEqual(['pass', 'deny']);
  });

  it('treats a thrown error per onError: deny answers a coded 503, allow continues degraded', async () => {
    const boom = () => {
      throw new Error('key store down');
    };
    const denied = await runPipeline(policy([check('a', boom)]), makeRequest(), { deadline: deadline() });
    expect(denied.status).toBe(503);
    expect(denied.code).toBe('headers.error');
    expect(denied.body).not.toContain('key store down');
    const allowed = await runPipeline(policy([check('a', boom, { onError: 'allow' }), check('b', () => pass)]), makeRequest(), { deadline: deadline() });
    expect(allowed.allow).toBe(true);
    expect(allowed.degraded[0]).toMatch(/error, allowed by onError/);
    const rejected = await runPipeline(policy([check('a', async () => Promise.reject(new Error('x')))]), makeRequest(), { deadline: deadline() });
    expect(rejected.status).toBe(503);
  });

  it('records shadow denials and allows (per check and per route)', async () => {
    const perCheck = await runPipeline(policy([check('a', () => deny, { shadow: true })]), makeRequest(), { deadline: deadline() });
    expect(perCheck.allow).toBe(true);
    expect(perCheck.shadowDenied).toEqual({ check: 'a', code: 'ip.denied' });
    const perRoute = await runPipeline(policy([check('a', () => deny)], { shadow: true }), makeRequest(), { deadline: deadline() });
    expect(perRoute.allow).toBe(true);
    expect(perRoute.checks[0]!.result).toBe('shadow-deny');
  });

  it('removes identity headers no check set, never one it set', async () => {
    const p = policy([check('auth', () => ({ pass: true, headers: { set: { 'x-user-id': 'alice' }, remove: ['authorization', 'x-user-id'] } }))]);
    const v = await runPipeline(p, makeRequest({ headers: { 'x-user-roles': 'admin' } }), { deadline: deadline() });
    expect(v.setHeaders).toEqual({ 'x-user-id': 'alice' });
    expect(v.removeHeaders.sort()).toEqual(['authorization', 'x-user-roles']);
  });

  it('puts the principal in metadata when a check set an identity', async () => {
    const p = policy([check('auth', (_req, ctx) => ((ctx.identity = { principal: 'alice', source: 'jwt' }), pass))]);
    const v = await runPipeline(p, makeRequest(), { deadline: deadline() });
    expect(v.metadata).toMatchObject({ route: 'r', principal: 'alice' });
    expect(v.principal).toBe('alice');
  });

  it('answers server.deadline instead of starting a check after the deadline', async () => {
    const slow = check('slow', () => new Promise<Outcome>((r) => setTimeout(() => r(pass), 30)));
    const never = check('never', () => {
      throw new Error('must not run');
    });
    const v = await runPipeline(policy([slow, never]), makeRequest(), { deadline: Date.now() + 10 });
    expect(v.code).toBe('server.deadline');
    expect(v.status).toBe(503);
  });

  it('refuses a content-length above maxBodyBytes with 413', async () => {
    const v = await runPipeline(policy([]), makeRequest({ method: 'POST', headers: { 'content-length': '101' } }), { deadline: deadline() });
    expect(v.status).toBe(413);
    expect(v.code).toBe('request.body_too_large');
  });

  it('passes dryRun to checks', async () => {
    let seen: boolean | undefined;
    await runPipeline(policy([check('a', (_r, ctx) => ((seen = ctx.dryRun), pass))]), makeRequest(), { deadline: deadline(), dryRun: true });
    expect(seen).toBe(true);
  });
});
