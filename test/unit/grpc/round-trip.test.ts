/**
 * The codec behind a real grpc-js server on loopback, called by a client built from Envoy's own definitions,
 * as Envoy would call it: decode, build the normalized request, decide, encode.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckRequest, decodeRateLimitRequest, encodeCheckResponse, encodeRateLimitResponse } from '../../../src/grpc/codec.js';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { buildRequest } from '../../../src/pipeline/build-request.js';
import type { Verdict } from '../../../src/pipeline/types.js';
import { envoyServices } from './envoy-defs.js';

let server: grpc.Server;
let authz: grpc.Client & Record<string, any>;
let rls: grpc.Client & Record<string, any>;

const base: Omit<Verdict, 'allow' | 'status'> = { setHeaders: {}, appendHeaders: {}, removeHeaders: [], responseHeaders: {}, metadata: {}, route: 'r', checks: [], degraded: [] };

beforeAll(async () => {
  const defs = loadGrpcDefinitions();
  server = new grpc.Server();
  server.addService(defs.authorization, {
    Check(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const decoded = decodeCheckRequest(call.request);
      if (!decoded.ok) return cb(null, encodeCheckResponse({ ...base, allow: false, status: 400, code: decoded.code, body: decoded.reason }));
      const built = buildRequest(decoded.input, (peer) => peer);
      if (!built.ok) return cb(null, encodeCheckResponse({ ...base, allow: false, status: 400, code: built.code }));
      const req = built.req;
      const v: Verdict = req.headers['x-api-key'] === 'good'
        ? { ...base, allow: true, status: 200, setHeaders: { 'x-user-id': 'svc' }, appendHeaders: { 'x-seen': req.clientIp }, removeHeaders: ['x-api-key'], metadata: { decision_id: req.id, path: req.path, sni: req.tls.sni ?? '' } }
        : { ...base, allow: false, status: 401, code: 'apikey.invalid', responseHeaders: { 'www-authenticate': 'ApiKey' }, body: '{"error":"apikey.invalid"}' };
      cb(null, encodeCheckResponse(v, { headers: req.headers }));
    },
  });
  server.addService(defs.rateLimit, {
    ShouldRateLimit(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const decoded = decodeRateLimitRequest(call.request);
      if (!decoded.ok) return cb({ code: grpc.status.INVALID_ARGUMENT, details: decoded.reason });
      const over = decoded.req.descriptors.some((d) => d.entries.some((e) => e.value === 'hot'));
      cb(null, encodeRateLimitResponse({
        kind: 'response', overallCode: over ? 'OVER_LIMIT' : 'OK',
        statuses: decoded.req.descriptors.map((d) => ({ code: d.entries.some((e) => e.value === 'hot') ? 'OVER_LIMIT' : 'OK', currentLimit: { requestsPerUnit: 10, unit: 'WEEK' }, limitRemaining: over ? 0 : 9, durationUntilResetSeconds: 60 })),
        responseHeadersToAdd: over ? [['retry-after', '60']] : undefined,
      }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const envoy = envoyServices();
  authz = new (grpc.makeGenericClientConstructor(envoy.authorization, 'Authorization'))(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
  rls = new (grpc.makeGenericClientConstructor(envoy.rateLimit, 'RateLimitService'))(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
});

afterAll(async () => {
  authz?.close();
  rls?.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

const call = (client: any, method: string, msg: object): Promise<any> =>
  new Promise((resolve, reject) => client[method](msg, { deadline: Date.now() + 3000 }, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res))));

const checkRequest = (apiKey: string) => ({
  attributes: {
    source: { address: { socket_address: { address: '198.51.100.4', port_value: 4000 } } },
    tls_session: { sni: 'api.example.com' },
    request: { http: { method: 'GET', path: '/a/./b', headers: { ':path': '/a/./b', ':authority': 'api.example.com', 'x-api-key': apiKey, 'x-seen': 'proxy' } } },
  },
});

describe('Envoy-shaped calls through the codec', () => {
  it('allow: Envoy reads headers to set/append/remove and dynamic metadata', async () => {
    const res = await call(authz, 'Check', checkRequest('good'));
    expect(res.status.code ?? 0).toBe(0);
    expect(res.ok_response.headers.map((h: any) => [h.header.key, h.header.value, h.append.value ?? false])).toEqual([['x-user-id', 'svc', false], ['x-seen', '198.51.100.4', true]]);
    expect(res.ok_response.headers_to_remove).toEqual(['x-api-key']);
    expect(res.dynamic_metadata.fields.path.stringValue).toBe('/a/b');
    expect(res.dynamic_metadata.fields.sni.stringValue).toBe('api.example.com');
  });

  it('deny: Envoy reads a 401 with its header and body', async () => {
    const res = await call(authz, 'Check', checkRequest('bad'));
    expect(res.status.code).toBe(16);
    expect(res.denied_response.status.code).toBe('Unauthorized');
    expect(res.denied_response.headers[0].header).toEqual({ key: 'www-authenticate', value: 'ApiKey' });
    expect(res.denied_response.body).toBe('{"error":"apikey.invalid"}');
  });

  it('a CheckRequest without attributes is a coded 400 deny, not an RPC error', async () => {
    const res = await call(authz, 'Check', {});
    expect(res.status.code).toBe(3);
    expect(res.status.message).toBe('request.malformed');
    expect(res.denied_response.status.code).toBe('BadRequest');
  });

  it('rate limit: OK and OVER_LIMIT with statuses, WEEK unit unknown to older Envoy read as a number', async () => {
    const ok = await call(rls, 'ShouldRateLimit', { domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: 'cool' }] }] });
    expect(ok.overall_code).toBe('OK');
    expect(ok.statuses[0].limit_remaining).toBe(9);
    // Envoy's 2024 snapshot lacks WEEK: it decodes as the raw number 7, as older Envoys see it.
    expect(ok.statuses[0].current_limit.unit).toBe(7);
    const over = await call(rls, 'ShouldRateLimit', { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'cool' }] }, { entries: [{ key: 'k', value: 'hot' }] }] });
    expect(over.overall_code).toBe('OVER_LIMIT');
    expect(over.statuses.map((s: any) => s.code)).toEqual(['OK', 'OVER_LIMIT']);
    expect(over.response_headers_to_add).toEqual([{ key: 'retry-after', value: '60' }]);
  });

  it('an empty RateLimitRequest is refused with INVALID_ARGUMENT', async () => {
    await expect(call(rls, 'ShouldRateLimit', { domain: 'edge' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });
});
