/** envoyWarnings: Portcullis-side budgets that cannot fit under the Envoy timeout they run in, and render trouble. */
import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../../src/config/policy-spec.js';
import { envoyWarnings } from '../../../src/envoy/warnings.js';

const base = (over: Partial<PolicySpec> = {}): PolicySpec => ({
  envoy: { listener: { tls: { cert: 'c.crt', key: 'c.key' } }, upstreams: { app: { address: 'app:80' } }, timeouts: { extAuthz: '200ms', rateLimit: '20ms' } },
  routes: [{ name: 'all', match: { path: { prefix: '/' } }, upstream: 'app' }],
  ...over,
});

describe('envoyWarnings', () => {
  it('says nothing when budgets fit', () => {
    expect(envoyWarnings(base({ ratelimit: { store: { redis: { url: 'redis://x', timeout: '15ms' } } } }))).toEqual([]);
  });

  it('warns when the Redis timeout is not below the ratelimit or ext_authz timeout', () => {
    const w = envoyWarnings(base({ ratelimit: { store: { redis: { url: 'redis://x', timeout: '25ms' } } } }));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/ratelimit\.store\.redis\.timeout \(25 ms\) is not below envoy\.timeouts\.rateLimit \(20 ms\)/);
    const both = envoyWarnings(base({ ratelimit: { store: { redis: { url: 'redis://x', timeout: '1s' } } } }));
    expect(both.join('\n')).toMatch(/envoy\.timeouts\.extAuthz \(200 ms\)/);
  });

  it('warns when a JWT provider may wait for keys longer than Envoy waits for the answer', () => {
    const w = envoyWarnings(base({ providers: { jwt: { main: { issuer: 'x', keys: { jwks: 'https://x/jwks' }, keyWait: '300ms' } } } }));
    expect(w.join('\n')).toMatch(/providers\.jwt\.main\.keyWait \(300 ms\) is not below envoy\.timeouts\.extAuthz \(200 ms\)/);
    expect(envoyWarnings(base({ providers: { jwt: { main: { issuer: 'x', keyWait: '50ms' } } } }))).toEqual([]);
  });

  it('uses the rendering defaults when the policy sets no Envoy timeouts', () => {
    const spec = base({ ratelimit: { store: { redis: { url: 'redis://x', timeout: '150ms' } } } });
    (spec.envoy as { timeouts?: unknown }).timeouts = undefined;
    expect(envoyWarnings(spec).join('\n')).toMatch(/envoy\.timeouts\.rateLimit \(100 ms\)/);
  });

  it('warns about body windows beyond the gRPC message limit', () => {
    const spec = base();
    spec.routes[0]!.inspectBodyBytes = '8MiB';
    expect(envoyWarnings(spec).join('\n')).toMatch(/routes\[0\]\.inspectBodyBytes .*4 MiB/);
  });

  it('reports what render-envoy would refuse, and client-address settings Envoy cannot match even without an envoy block', () => {
    const spec = base();
    spec.routes[0]!.upstream = 'missing';
    expect(envoyWarnings(spec).join('\n')).toMatch(/render-envoy would fail: routes\[0\]\.upstream: no upstream "missing"/);
    const noEnvoy: PolicySpec = { clientIp: { from: 'xff', trustedHops: 1, trustedProxies: ['10.0.0.0/8'] }, routes: [] };
    expect(envoyWarnings(noEnvoy).join('\n')).toMatch(/Envoy cannot be configured to match: clientIp\.trustedProxies/);
  });
});

describe('odd input', () => {
  it('renders and judges a policy without routes without crashing', async () => {
    const { renderEnvoy } = await import('../../../src/envoy/render.js');
    const spec = { envoy: { listener: { tls: { cert: 'a', key: 'b' } } } } as unknown as PolicySpec;
    expect(renderEnvoy(spec, { policyDir: '.' }).yaml).toContain('portcullis-default');
    expect(envoyWarnings(spec)).toEqual([]);
  });
});

describe('the envoy schema, through the policy loader', () => {
  it('accepts the documented keys and refuses unknown ones and unknown rate-limit actions at their line', async () => {
    const { parsePolicyText } = await import('../../../src/config/load.js');
    const ok = parsePolicyText(
      [
        'envoy:',
        '  portcullis: { address: "portcullis:9191", httpAuthz: "portcullis:9193" }',
        '  listener: { port: 8443, tls: { cert: a, key: b, minVersion: "1.2", sessionTimeout: 10m, sessionTickets: false } }',
        '  ratelimit: { actions: { method: { request_headers: { header_name: ":method", descriptor_key: method } } } }',
        '  timeouts: { extAuthz: 200ms, rateLimit: 50ms }',
        'routes: [{ name: r, match: {}, upstream: u, envoy: { timeout: 5s, rateLimit: false } }]',
        '',
      ].join('\n'),
      'p.yaml',
    );
    expect(ok.ok ? [] : ok.errors).toEqual([]);
    const bad = parsePolicyText('envoy:\n  ratelimit:\n    actions:\n      method: { request_header: { header_name: ":method" } }\nroutes: []\n', 'p.yaml');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.errors.join('\n')).toMatch(/p\.yaml:4 .*envoy\.ratelimit\.actions\.method/);
    const unknown = parsePolicyText('envoy:\n  listener: { prot: 1 }\nroutes: []\n', 'p.yaml');
    expect(unknown.ok ? '' : unknown.errors.join('\n')).toMatch(/p\.yaml:2 .*prot/);
  });
});
