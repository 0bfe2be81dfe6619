/**
 * grpc.health.v1 over a real grpc-js server on loopback, called with a client built from the official
 * health proto (grpc-health-check), so the wire contract is checked too.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthService, type HealthService } from '../../../src/grpc/health.js';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { officialHealth } from './envoy-defs.js';

const AUTHZ = 'envoy.service.auth.v3.Authorization';
const RLS = 'envoy.service.ratelimit.v3.RateLimitService';

let server: grpc.Server;
let health: HealthService;
let client: grpc.Client & Record<string, any>;

beforeAll(async () => {
  health = createHealthService([AUTHZ, RLS]);
  server = new grpc.Server();
  server.addService(loadGrpcDefinitions().health, health.implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(officialHealth(), 'Health');
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
});

afterAll(async () => {
  client?.close();
  health?.endWatches();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

const check = (service: string): Promise<any> =>
  new Promise((resolve, reject) => client.Check({ service }, { deadline: Date.now() + 2000 }, (err: any, res: any) => (err ? reject(err) : resolve(res))));

/** Collects Watch messages until `count` arrived. */
function watch(service: string) {
  const call = client.Watch({ service }) as grpc.ClientReadableStream<any>;
  const seen: string[] = [];
  const waiters: Array<() => void> = [];
  call.on('data', (m: any) => {
    seen.push(m.status);
    waiters.splice(0).forEach((w) => w());
  });
  call.on('error', () => {});
  const until = async (n: number): Promise<string[]> => {
    const deadline = Date.now() + 2000;
    while (seen.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${seen.length} messages: ${seen.join(',')}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
    }
    return seen;
  };
  return { call, seen, until };
}

describe('Health', () => {
  it('Check answers each known service and the overall server ("")', async () => {
    expect((await check(AUTHZ)).status).toBe('SERVING');
    expect((await check(RLS)).status).toBe('SERVING');
    expect((await check('')).status).toBe('SERVING');
  });

  it('Check on an unknown service fails with NOT_FOUND', async () => {
    await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('set and setAll change what Check reports', async () => {
    health.set(RLS, 'NOT_SERVING');
    expect((await check(RLS)).status).toBe('NOT_SERVING');
    expect((await check(AUTHZ)).status).toBe('SERVING');
    health.setAll('SERVING');
    expect((await check(RLS)).status).toBe('SERVING');
  });

  it('Watch sends the current status at once, then each change, not repeats', async () => {
    const w = watch(AUTHZ);
    expect(await w.until(1)).toEqual(['SERVING']);
    health.setAll('NOT_SERVING');
    health.setAll('NOT_SERVING');
    health.setAll('SERVING');
    expect(await w.until(3)).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.seen).toHaveLength(3);
    w.call.cancel();
  });

  it('Watch on an unknown service sends SERVICE_UNKNOWN, stays open, and reports it once known', async () => {
    const w = watch('later.Service');
    expect(await w.until(1)).toEqual(['SERVICE_UNKNOWN']);
    health.set('later.Service', 'SERVING');
    expect(await w.until(2)).toEqual(['SERVICE_UNKNOWN', 'SERVING']);
    w.call.cancel();
  });

  it('a cancelled Watch hears nothing more and does not break later changes', async () => {
    const a = watch(RLS);
    const b = watch(RLS);
    await a.until(1);
    await b.until(1);
    a.call.cancel();
    await new Promise((r) => setTimeout(r, 50));
    health.set(RLS, 'NOT_SERVING');
    expect(await b.until(2)).toEqual(['SERVING', 'NOT_SERVING']);
    expect(a.seen).toEqual(['SERVING']);
    health.set(RLS, 'SERVING');
    b.call.cancel();
  });

  it('endWatches ends open Watch calls with OK', async () => {
    const w = watch(AUTHZ);
    await w.until(1);
    const ended = new Promise<number>((resolve) => w.call.on('status', (s) => resolve(s.code)));
    health.endWatches();
    expect(await ended).toBe(grpc.status.OK);
  });

  it('List reports every service', async () => {
    const res: any = await new Promise((resolve, reject) => client.List({}, (err: any, r: any) => (err ? reject(err) : resolve(r))));
    expect(res.statuses[AUTHZ]).toEqual({ status: 'SERVING' });
    expect(res.statuses['']).toEqual({ status: 'SERVING' });
    expect(Object.keys(res.statuses)).toContain(RLS);
  });

  it('our health messages are byte-identical to the official proto\'s', () => {
    const ours = loadGrpcDefinitions().health;
    const official = officialHealth();
    const req = { service: AUTHZ };
    expect(ours.Check.requestSerialize(req).equals(official.Check.requestSerialize(req))).toBe(true);
    for (const status of ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN']) {
      expect(ours.Watch.responseSerialize({ status }).equals(official.Watch.responseSerialize({ status }))).toBe(true);
    }
    const list = { statuses: { a: { status: 'SERVING' }, b: { status: 'NOT_SERVING' } } };
    expect(ours.List.responseSerialize(list).equals(official.List.responseSerialize(list))).toBe(true);
  });
});
