/**
 * Envoy's half against Portcullis's half, with a real Portcullis: a stand-in for Envoy, driven by the rendered
 * envoy.yaml, must pick the route Portcullis picks, send what Portcullis needs (context extensions, the body
 * window), health-check the service names Portcullis serves, and build rate-limit descriptors from the dynamic
 * metadata Portcullis returns that Portcullis's RateLimitService then counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PolicySpec } from '../../../src/config/policy-spec.js';
import { renderEnvoy } from '../../../src/envoy/render.js';
import { bearer, mint, rsaKey, type TestKey } from '../../unit/checks/jwt-auth/support.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { EnvoySim, type SimRequest } from './envoy-sim.js';

const POLICY = `
identityHeaders: [x-user-id]
providers:
  jwt:
    main: { issuer: https://auth.example.com, keys: { file: pub.pem }, algorithms: [RS256] }
ratelimit:
  store: memory
  domains:
    - domain: edge
      descriptors:
        - key: remote_address
          rate_limit: { unit: minute, requests_per_unit: 100 }
        - key: principal
          rate_limit: { unit: minute, requests_per_unit: 2 }
default: { action: deny, status: 404 }
envoy:
  listener: { tls: { cert: certs/server.crt, key: certs/server.key } }
  upstreams: { app: { address: "app:80" } }
routes:
  - name: health
    match: { path: { exact: /healthz }, methods: [GET] }
    upstream: app
  - name: users
    match: { path: { prefix: /api/users }, methods: [GET, POST] }
    upstream: app
    checks:
      - jwt-auth: { provider: main, headers: { x-user-id: sub } }
  - name: item
    match: { host: [api.example.com, "*.example.org"], path: { template: "/items/{id}" } }
    upstream: app
  - name: gold
    match: { path: { prefix: /tenant }, contextExtensions: { tier: gold } }
    upstream: app
  - name: query
    match: { path: { prefix: /api/query }, methods: [POST] }
    upstream: app
    maxBodyBytes: 1KiB
    checks:
      - request-schema: { body: { type: object, required: [q], properties: { q: { type: string } } } }
  - name: catch-api
    match: { path: { prefix: /api/ }, methods: [GET] }
    upstream: app
`;

let s: TestServer;
let sim: EnvoySim;
let key: TestKey;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  key = await rsaKey('k1');
  s = await startTestServer(POLICY, { files: { 'pub.pem': key.publicPem } });
  const { yaml } = renderEnvoy(parse(POLICY) as PolicySpec, { policyDir: s.dir });
  sim = new EnvoySim(parse(yaml));
});

afterAll(async () => {
  await s?.close();
});

/** Portcullis's chosen route: from the allow's metadata, or "" for the policy default's 404. */
async function portcullisRoute(req: SimRequest): Promise<string> {
  const res = await s.check(sim.checkRequest(req));
  if (res.status.code === 0) return res.dynamic_metadata.fields.route.stringValue;
  const body = JSON.parse(res.denied_response.body);
  if (body.error === 'route.not_found') return '';
  return `denied:${body.error}`;
}

describe('Envoy and Portcullis agree', () => {
  it('on the route of every request (first match, methods, hosts, templates, exact and prefix paths)', async () => {
    const cases: SimRequest[] = [
      { method: 'GET', path: '/healthz' },
      { method: 'POST', path: '/healthz' },
      { method: 'GET', path: '/healthz/x' },
      { method: 'GET', path: '/items/42' },
      { method: 'GET', path: '/items/42', host: 'API.example.com:8443' },
      { method: 'GET', path: '/items/42', host: 'a.b.example.org' },
      { method: 'GET', path: '/items/42', host: 'example.org' },
      { method: 'GET', path: '/items/42', host: 'evil.com' },
      { method: 'GET', path: '/items/' },
      { method: 'GET', path: '/items/1/2' },
      { method: 'GET', path: '/items/7?x=1' },
      { method: 'GET', path: '/api/other' },
      { method: 'DELETE', path: '/api/other' },
      { method: 'GET', path: '/api/queryx' },
      { method: 'GET', path: '/nothing' },
    ];
    for (const c of cases) {
      const envoyRoute = sim.route(c).name as string;
      const expected = envoyRoute === 'portcullis-default' ? '' : envoyRoute;
      expect(await portcullisRoute(c), `${c.method} ${c.host ?? ''}${c.path}`).toBe(expected);
    }
  });

  it('on context extensions: the route that needs them gets them from Envoy', async () => {
    const req = { method: 'GET', path: '/tenant/a' };
    expect(sim.route(req).name).toBe('gold');
    expect(sim.checkRequest(req).attributes.context_extensions).toEqual({ tier: 'gold' });
    expect(await portcullisRoute(req)).toBe('gold');
  });

  it('on bodies: sent where a check reads them and validated, never sent elsewhere, refused by Envoy above the limit', async () => {
    const good = { method: 'POST', path: '/api/query', body: Buffer.from('{"q":"x"}'), headers: { 'content-type': 'application/json' } };
    expect(sim.checkRequest(good).attributes.request.http.raw_body).toBeDefined();
    expect(await portcullisRoute(good)).toBe('query');
    const bad = { ...good, body: Buffer.from('{"r":1}') };
    expect(await portcullisRoute(bad)).toBe('denied:schema.body_invalid');
    expect(sim.bodyAllowed({ ...good, body: Buffer.alloc(2048, 'a') })).toBe(false);
    const elsewhere = { method: 'GET', path: '/api/other', body: Buffer.from('{"q":"x"}') };
    expect(sim.checkRequest(elsewhere).attributes.request.http.raw_body).toBeUndefined();
  });

  it('on health: every service Envoy health-checks is SERVING', async () => {
    const clusters = parse(renderEnvoy(parse(POLICY) as PolicySpec, { policyDir: s.dir }).yaml).static_resources.clusters as any[];
    const names = clusters.flatMap((c) => (c.health_checks ?? []).map((h: any) => h.grpc_health_check?.service_name)).filter(Boolean);
    expect(names.sort()).toEqual(['envoy.service.auth.v3.Authorization', 'envoy.service.ratelimit.v3.RateLimitService']);
    for (const n of names) expect((await s.health(n)).status).toBe('SERVING');
  });

  it('on rate limits: descriptors from the principal Portcullis returned are counted by its RateLimitService', async () => {
    const token = await mint(key, { claims: { sub: 'carol', iat: now(), exp: now() + 600 } });
    const req = { method: 'GET', path: '/api/users', headers: bearer(token), peer: '198.51.100.77' };
    const res = await s.check(sim.checkRequest(req));
    expect(res.status.code).toBe(0);
    const fields = res.dynamic_metadata.fields as Record<string, { stringValue?: string }>;
    const metadata = { 'envoy.filters.http.ext_authz': Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.stringValue ?? ''])) };
    const descriptors = sim.descriptors(req, metadata);
    expect(descriptors).toEqual([
      { entries: [{ key: 'remote_address', value: '198.51.100.77' }] },
      { entries: [{ key: 'principal', value: 'carol' }] },
    ]);
    const domain = sim.filter('envoy.filters.http.ratelimit')!.domain;
    const call = () => s.rls({ domain, descriptors });
    expect((await call()).overall_code).toBe('OK');
    expect((await call()).overall_code).toBe('OK');
    const third = await call();
    expect(third.overall_code).toBe('OVER_LIMIT');
    expect(third.statuses.map((x: any) => x.code)).toEqual(['OK', 'OVER_LIMIT']);
    // An anonymous request has no principal: Envoy drops that descriptor rather than sending an empty one.
    expect(sim.descriptors({ method: 'GET', path: '/api/other' }, { 'envoy.filters.http.ext_authz': {} })).toEqual([
      { entries: [{ key: 'remote_address', value: '203.0.113.9' }] },
    ]);
  });
});
