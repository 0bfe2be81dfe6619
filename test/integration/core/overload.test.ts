import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, startTestServer, type TestServer } from '../../helpers/server.js';

// A JWKS endpoint that never answers: a JWT check whose keys are being fetched is a slow check.
let hang: Server;
let jwks: string;
let token: string;

beforeAll(async () => {
  hang = createServer(() => {});
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  jwks = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/jwks.json`;
  // Node loads its fetch implementation on first use, a pause a busy machine stretches; pay it here, not mid-test.
  await fetch(jwks, { signal: AbortSignal.timeout(50) }).catch(() => undefined);
  const { privateKey } = await generateKeyPair('RS256');
  token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://issuer.test').setIssuedAt().setExpirationTime('5m').sign(privateKey);
});

afterAll(() => {
  hang?.closeAllConnections();
  hang?.close();
});

/** A fresh server each time: the provider's first key fetch is the slow part. */
async function slowServer(): Promise<TestServer> {
  const s = await startTestServer(`
server: { maxInFlight: 2, drainSeconds: 0.5 }
providers:
  jwt:
    slow: { issuer: https://issuer.test, keys: { jwks: ${jwks} }, algorithms: [RS256], keyWait: 3s, keyRefresh: { timeout: 60s } }
default: { action: deny }
routes:
  - name: api
    match: { path: { prefix: /api } }
    checks:
      - jwt-auth: { provider: slow }
`);
  // Warm the gRPC connection with a fast call (no token: answered without keys).
  await s.check(envoyCheckRequest({ path: '/api/x' }));
  return s;
}

const slowReq = () => envoyCheckRequest({ path: '/api/x', headers: { authorization: `Bearer ${token}` } });
const codeOf = (res: any) => (res.denied_response ? JSON.parse(res.denied_response.body).error : 'allow');

describe('deadlines and load shedding', () => {
  it('answers server.deadline before the gRPC deadline when a check is still waiting', async () => {
    const s = await slowServer();
    try {
      const started = Date.now();
      const res = await s.check(slowReq(), { deadlineMs: 1000 });
      const took = Date.now() - started;
      expect(codeOf(res)).toBe('server.deadline');
      expect(res.denied_response.status.code).toBe('ServiceUnavailable');
      expect(took).toBeLessThan(1000);
      expect(took).toBeGreaterThan(700);
    } finally {
      await s.close();
    }
  });

  it('sheds calls beyond maxInFlight at once with server.overloaded', async () => {
    const s = await slowServer();
    try {
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => s.check(slowReq(), { deadlineMs: 1500 }).then((r) => ({ code: codeOf(r), ms: Date.now() - started }))),
      );
      const shed = results.filter((r) => r.code === 'server.overloaded');
      const slow = results.filter((r) => r.code !== 'server.overloaded');
      expect(shed.length).toBeGreaterThanOrEqual(8);
      expect(slow.length).toBeGreaterThanOrEqual(1);
      // Shed calls are answered at once, long before the slow ones come back.
      for (const r of shed) expect(r.ms).toBeLessThan(Math.min(...slow.map((x) => x.ms)) / 2);
      expect(await (await s.admin('/metrics')).text()).toMatch(/portcullis_shed_total [1-9]/);
      // Capacity comes back once the slow calls are answered.
      expect(codeOf(await s.check(envoyCheckRequest({ path: '/api/x' })))).toBe('jwt.missing');
    } finally {
      await s.close();
    }
  });

  it('costs nothing lasting when clients disconnect mid-call', async () => {
    const s = await slowServer();
    try {
      const grpc = await import('@grpc/grpc-js');
      const { loadGrpcDefinitions } = await import('../../../src/grpc/protos.js');
      const Client = grpc.makeGenericClientConstructor(loadGrpcDefinitions().authorization, 'a');
      const client = new Client(`127.0.0.1:${s.grpcPort}`, grpc.credentials.createInsecure()) as any;
      const calls = Array.from({ length: 2 }, () => client.Check(slowReq(), { deadline: Date.now() + 5000 }, () => {}));
      await new Promise((r) => setTimeout(r, 100));
      for (const c of calls) c.cancel();
      client.close();
      // The abandoned checks finish on their own; the in-flight count returns to zero and the server serves on.
      let inflight = '';
      for (let i = 0; i < 80; i++) {
        inflight = /portcullis_inflight_checks (\d+)/.exec(await (await s.admin('/metrics')).text())?.[1] ?? '';
        if (inflight === '0') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(inflight).toBe('0');
      expect(codeOf(await s.check(envoyCheckRequest({ path: '/api/x' })))).toBe('jwt.missing');
    } finally {
      await s.close();
    }
  });
});
