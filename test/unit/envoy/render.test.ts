/** renderEnvoy on several policies: every output validated strictly against Envoy's API, then its meaning checked. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PolicySpec } from '../../../src/config/policy-spec.js';
import { PolicyError, type CheckFactory } from '../../../src/config/types.js';
import { routeReadsBody } from '../../../src/envoy/body.js';
import { DECISION_ID_HEADER, PRINCIPAL_HEADER, ROUTE_HEADER } from '../../../src/envoy/names.js';
import { HTTP_AUTHZ_HEADERS } from '../../../src/http-authz/adapter.js';
import { renderEnvoy } from '../../../src/envoy/render.js';
import { compileTemplate } from '../../../src/pipeline/route-table.js';
import { checkEnvoyReferences, validateEnvoyConfig } from '../../helpers/envoy-validate.js';

type Obj = Record<string, any>;
const FIXTURE_DIR = join(import.meta.dirname, '../../fixtures/envoy');
const gateway = (): PolicySpec => parse(readFileSync(join(FIXTURE_DIR, 'gateway.yaml'), 'utf8'));

/** Renders, proves the output valid for Envoy, and returns it parsed. */
function render(spec: PolicySpec, opts: { httpAuthz?: boolean; policyDir?: string } = {}): { cfg: Obj; warnings: string[]; yaml: string } {
  const { yaml, warnings } = renderEnvoy(spec, { policyDir: opts.policyDir ?? FIXTURE_DIR, httpAuthz: opts.httpAuthz });
  const cfg = parse(yaml) as Obj;
  expect(validateEnvoyConfig(cfg)).toEqual([]);
  expect(checkEnvoyReferences(cfg)).toEqual([]);
  return { cfg, warnings, yaml };
}

const listener = (c: Obj) => c.static_resources.listeners[0];
const hcm = (c: Obj) => listener(c).filter_chains[0].filters[0].typed_config;
const vhost = (c: Obj) => hcm(c).route_config.virtual_hosts[0];
const route = (c: Obj, name: string) => vhost(c).routes.find((r: Obj) => r.name === name);
const filter = (c: Obj, name: string) => hcm(c).http_filters.find((f: Obj) => f.name === name)?.typed_config;
const cluster = (c: Obj, name: string) => c.static_resources.clusters.find((x: Obj) => x.name === name);
const authzSettings = (c: Obj, name: string) => route(c, name).typed_per_filter_config['envoy.filters.http.ext_authz'].check_settings;

function renderError(spec: PolicySpec): PolicyError {
  try {
    renderEnvoy(spec, { policyDir: FIXTURE_DIR });
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error('expected a render error');
}

const minimal = (over: Partial<PolicySpec> = {}): PolicySpec => ({
  envoy: { upstreams: { app: { address: 'app:8080' } } },
  routes: [{ name: 'all', match: { path: { prefix: '/' } }, upstream: 'app' }],
  ...over,
});

describe('renderEnvoy: a typical gateway policy', () => {
  const { cfg, yaml } = render(gateway());

  it('terminates TLS 1.2-1.3 with the two ECDHE AES128-GCM suites, h2 and http/1.1, certificate files, a session timeout', () => {
    const tls = listener(cfg).filter_chains[0].transport_socket.typed_config;
    expect(tls['@type']).toMatch(/DownstreamTlsContext$/);
    expect(tls.common_tls_context.tls_params).toEqual({
      tls_minimum_protocol_version: 'TLSv1_2',
      tls_maximum_protocol_version: 'TLSv1_3',
      cipher_suites: ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
    });
    expect(tls.common_tls_context.alpn_protocols).toEqual(['h2', 'http/1.1']);
    expect(tls.common_tls_context.tls_certificates[0]).toEqual({
      certificate_chain: { filename: '/etc/envoy/certs/server.crt' },
      private_key: { filename: '/etc/envoy/certs/server.key' },
    });
    expect(tls.session_timeout).toBe('600s');
    expect(listener(cfg).address.socket_address.port_value).toBe(8443);
  });

  it('normalizes paths, merges slashes, rejects escaped slashes, trusts the TCP peer', () => {
    const h = hcm(cfg);
    expect(h.normalize_path).toBe(true);
    expect(h.merge_slashes).toBe(true);
    expect(h.path_with_escaped_slashes_action).toBe('REJECT_REQUEST');
    expect(h.use_remote_address).toBe(true);
    expect(h.xff_num_trusted_hops).toBeUndefined();
  });

  it('answers CORS with a CorsPolicy per virtual host, not the deprecated fields', () => {
    expect(vhost(cfg).cors).toBeUndefined();
    const cors = vhost(cfg).typed_per_filter_config['envoy.filters.http.cors'];
    expect(cors.allow_origin_string_match).toEqual([{ exact: 'https://app.example.com' }, { exact: 'https://admin.example.com' }]);
    expect(cors.allow_methods).toBe('GET, POST, PUT, DELETE, PATCH');
    expect(cors.allow_headers).toBe('Authorization, Content-Type');
    expect(cors.expose_headers).toBe('X-RateLimit-Remaining');
    expect(cors.allow_credentials).toBe(true);
    expect(cors.max_age).toBe('3600');
  });

  it('orders the filters cors, buffer, ext_authz, ratelimit, router', () => {
    expect(hcm(cfg).http_filters.map((f: Obj) => f.name)).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.buffer',
      'envoy.filters.http.ext_authz',
      'envoy.filters.http.ratelimit',
      'envoy.filters.http.router',
    ]);
  });

  it('limits bodies per route: 10 MiB default, 100 MiB upload, 1 KiB query', () => {
    const limit = (name: string) => route(cfg, name).typed_per_filter_config['envoy.filters.http.buffer'].buffer.max_request_bytes;
    expect(limit('user-routes')).toBe(10 * 1024 * 1024);
    expect(limit('user-by-id')).toBe(10 * 1024 * 1024);
    expect(limit('upload')).toBe(100 * 1024 * 1024);
    expect(limit('query')).toBe(1024);
    expect(limit('portcullis-default')).toBe(10 * 1024 * 1024);
  });

  it('calls Portcullis over gRPC, failing closed with 503 within the policy timeout', () => {
    const ext = filter(cfg, 'envoy.filters.http.ext_authz');
    expect(ext.failure_mode_allow).toBe(false);
    expect(ext.status_on_error).toEqual({ code: 'ServiceUnavailable' });
    expect(ext.grpc_service).toEqual({ envoy_grpc: { cluster_name: 'portcullis_authz' }, timeout: '0.2s' });
    expect(ext.transport_api_version).toBe('V3');
  });

  it('sends bodies only on routes whose checks read them, as a partial window packed as bytes', () => {
    expect(authzSettings(cfg, 'user-routes').with_request_body).toEqual({ max_request_bytes: 65536, allow_partial_message: true, pack_as_bytes: true });
    expect(authzSettings(cfg, 'query').with_request_body).toEqual({ max_request_bytes: 1024, allow_partial_message: true, pack_as_bytes: true });
    for (const name of ['user-by-id', 'upload', 'internal', 'portcullis-default']) {
      expect(authzSettings(cfg, name)).toMatchObject({ disable_request_body_buffering: true });
      expect(authzSettings(cfg, name).with_request_body).toBeUndefined();
    }
  });

  it('passes context extensions on the routes that use them', () => {
    expect(authzSettings(cfg, 'user-by-id').context_extensions).toEqual({ tier: 'gold' });
    expect(authzSettings(cfg, 'user-routes').context_extensions).toBeUndefined();
  });

  it('matches routes as Portcullis does: methods, hosts, templates, in policy order with a catch-all last', () => {
    expect(vhost(cfg).routes.map((r: Obj) => r.name)).toEqual(['user-routes', 'user-by-id', 'upload', 'query', 'internal', 'portcullis-default']);
    expect(route(cfg, 'user-routes').match).toEqual({
      prefix: '/api/users',
      headers: [{ name: ':method', string_match: { safe_regex: { regex: 'GET|POST' } } }],
    });
    const byId = route(cfg, 'user-by-id').match;
    const envoyRe = new RegExp(`^(?:${byId.safe_regex.regex})$`);
    const portcullisRe = compileTemplate('/users/{id}').regex;
    for (const p of ['/users/42', '/users/a.b', '/users/', '/users/1/2', '/users', '/usersx/1']) {
      expect(envoyRe.test(p), p).toBe(portcullisRe.test(p));
    }
    const hostRe = byId.headers[0].string_match.safe_regex.regex as string;
    const hostJs = new RegExp(`^(?:${hostRe.replace('(?i)', '')})$`, 'i');
    expect(['api.example.com', 'API.example.com:8443', 'x.example.org', 'a.b.example.org'].every((h) => hostJs.test(h))).toBe(true);
    expect(['example.org', 'api.example.com.evil', 'evil.com'].some((h) => hostJs.test(h))).toBe(false);
    expect(route(cfg, 'portcullis-default')).toMatchObject({ match: { prefix: '/' }, direct_response: { status: 404 } });
  });

  it('derives rate-limit actions from the domain: remote_address, principal from ext_authz metadata, named actions', () => {
    expect(vhost(cfg).rate_limits).toEqual([
      { actions: [{ remote_address: {} }] },
      { actions: [{ metadata: { descriptor_key: 'principal', metadata_key: { key: 'envoy.filters.http.ext_authz', path: [{ key: 'principal' }] }, source: 'DYNAMIC' } }] },
      {
        actions: [
          { metadata: { descriptor_key: 'principal', metadata_key: { key: 'envoy.filters.http.ext_authz', path: [{ key: 'principal' }] }, source: 'DYNAMIC' } },
          { request_headers: { header_name: ':method', descriptor_key: 'method' } },
        ],
      },
    ]);
    const rl = filter(cfg, 'envoy.filters.http.ratelimit');
    expect(rl.domain).toBe('edge');
    expect(rl.enable_x_ratelimit_headers).toBe('DRAFT_VERSION_03');
    expect(rl.timeout).toBe('0.05s');
    expect(rl.rate_limit_service.grpc_service.envoy_grpc.cluster_name).toBe('portcullis_ratelimit');
    // One limit in the domain is failMode: closed.
    expect(rl.failure_mode_deny).toBe(true);
    expect(route(cfg, 'upload').typed_per_filter_config['envoy.filters.http.ratelimit']).toMatchObject({ vh_rate_limits: 'IGNORE' });
  });

  it('re-encrypts to TLS upstreams, verified against the CA and the SAN', () => {
    expect(cluster(cfg, 'user-service').transport_socket).toBeUndefined();
    const tls = cluster(cfg, 'internal').transport_socket.typed_config;
    expect(tls['@type']).toMatch(/UpstreamTlsContext$/);
    expect(tls.sni).toBe('internal-services');
    expect(tls.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: '/etc/envoy/certs/ca.crt' },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'internal-services' } }],
    });
  });

  it('reaches Portcullis over HTTP/2 with gRPC health checks for each service', () => {
    for (const [name, service] of [
      ['portcullis_authz', 'envoy.service.auth.v3.Authorization'],
      ['portcullis_ratelimit', 'envoy.service.ratelimit.v3.RateLimitService'],
    ] as const) {
      const c = cluster(cfg, name);
      expect(c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toEqual({ http2_protocol_options: {} });
      expect(c.health_checks[0].grpc_health_check).toEqual({ service_name: service });
      expect(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'portcullis', port_value: 9191 });
    }
  });

  it('is deterministic and says how to regenerate it', () => {
    expect(renderEnvoy(gateway(), { policyDir: FIXTURE_DIR }).yaml).toBe(yaml);
    expect(yaml.split('\n')[0]).toMatch(/^# Rendered from the Portcullis policy by `portcullis render-envoy`/);
    const named = renderEnvoy(gateway(), { policyDir: FIXTURE_DIR, source: 'policies/gw.yaml' }).yaml;
    expect(named.split('\n')[1]).toBe('# Regenerate: portcullis render-envoy --config policies/gw.yaml --out <this file>');
  });
});

describe('renderEnvoy: client address handling', () => {
  it('renders xff with trustedHops as xff_num_trusted_hops without use_remote_address', () => {
    const { cfg } = render(minimal({ clientIp: { from: 'xff', trustedHops: 2 } }));
    expect(hcm(cfg).use_remote_address).toBe(false);
    expect(hcm(cfg).xff_num_trusted_hops).toBe(2);
  });

  it('refuses trustedProxies, which Envoy cannot express', () => {
    const err = renderError(minimal({ clientIp: { from: 'xff', trustedHops: 1, trustedProxies: ['10.0.0.0/8'] } }));
    expect(err.at).toBe('clientIp.trustedProxies');
    expect(err.message).toMatch(/Envoy cannot/);
  });

  it('treats an absent clientIp as the peer', () => {
    expect(hcm(render(minimal()).cfg).use_remote_address).toBe(true);
  });
});

describe('renderEnvoy: bodies, limits and options', () => {
  it('without body-reading checks, switches buffering off everywhere and sets no filter-level window', () => {
    const { cfg } = render(minimal());
    expect(filter(cfg, 'envoy.filters.http.ext_authz').with_request_body).toBeUndefined();
    expect(authzSettings(cfg, 'all')).toEqual({ disable_request_body_buffering: true });
  });

  it('asks registered factories whether a check reads the body, and counts unregistered waf and request-schema as reading', () => {
    const factories = [
      { kind: 'reader', schema: {}, codePrefix: 'r', readsBody: (s: { body?: boolean }) => s.body === true, compile: () => { throw new Error('unused'); } },
      { kind: 'never', schema: {}, codePrefix: 'n', compile: () => { throw new Error('unused'); } },
    ] as CheckFactory[];
    const r = (checks: Array<Record<string, Record<string, unknown> | null>>) => routeReadsBody({ name: 'r', match: {}, checks }, factories);
    expect(r([{ reader: { body: true } }])).toBe(true);
    expect(r([{ reader: { body: false } }])).toBe(false);
    expect(r([{ never: {} }])).toBe(false);
    expect(r([{ waf: null }])).toBe(true);
    expect(r([{ 'request-schema': {} }])).toBe(true);
    expect(r([{ 'ip-policy': {} }])).toBe(false);
  });

  it('keeps the inspection window within the body limit', () => {
    const spec = minimal();
    spec.routes[0] = { ...spec.routes[0]!, maxBodyBytes: '2KiB', inspectBodyBytes: '1MiB', checks: [{ waf: {} }] };
    expect(authzSettings(render(spec).cfg, 'all').with_request_body.max_request_bytes).toBe(2048);
  });

  it('refuses body limits Envoy cannot hold', () => {
    const spec = minimal();
    spec.routes[0] = { ...spec.routes[0]!, maxBodyBytes: '5GiB' };
    expect(renderError(spec).at).toBe('routes[0].maxBodyBytes');
  });

  it('refuses a route without an upstream, or naming an unknown one', () => {
    const spec = minimal();
    spec.routes.push({ name: 'lost', match: { path: { prefix: '/x' } } });
    expect(renderError(spec).at).toBe('routes[1].upstream');
    spec.routes[1]!.upstream = 'nowhere';
    expect(renderError(spec).message).toMatch(/no upstream "nowhere"/);
  });

  it('refuses duplicate route names and the catch-all route\'s name', () => {
    const spec = minimal();
    spec.routes.push({ name: 'all', match: {}, upstream: 'app' });
    expect(renderError(spec).message).toMatch(/duplicate route name "all"/);
    spec.routes[1]!.name = 'portcullis-default';
    expect(renderError(spec).at).toBe('routes[1].name');
  });

  it('uses the header names the HTTP authorization server sends', () => {
    expect([PRINCIPAL_HEADER, DECISION_ID_HEADER, ROUTE_HEADER]).toEqual([HTTP_AUTHZ_HEADERS.principal, HTTP_AUTHZ_HEADERS.decisionId, HTTP_AUTHZ_HEADERS.route]);
  });

  it('refuses CORS with any origin and credentials', () => {
    const err = renderError(minimal({ envoy: { upstreams: { app: { address: 'app:1' } }, cors: { origins: ['*'], credentials: true } } }));
    expect(err.at).toBe('envoy.cors.origins');
  });

  it('renders plain HTTP with a warning when the listener has no TLS, and omits the admin when told', () => {
    const { cfg, warnings } = render(minimal({ envoy: { admin: false, listener: { port: 8080 }, upstreams: { app: { address: '10.0.0.5:80' } } } }));
    expect(listener(cfg).filter_chains[0].transport_socket).toBeUndefined();
    expect(cfg.admin).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/plain HTTP/);
    expect(cluster(cfg, 'app').type).toBe('STATIC');
  });

  it('renders route timeouts, prefix rewrites, request and idle timeouts, access logs', () => {
    const spec = minimal({
      envoy: { upstreams: { app: { address: 'app:80', http2: true } }, timeouts: { route: '30s', request: '30s', idle: '5m', connect: '250ms' }, accessLog: true },
    });
    spec.routes[0]!.envoy = { timeout: '90s', prefixRewrite: '/v2/' };
    const { cfg } = render(spec);
    expect(route(cfg, 'all').route).toEqual({ cluster: 'app', timeout: '90s', prefix_rewrite: '/v2/' });
    expect(hcm(cfg).request_timeout).toBe('30s');
    expect(hcm(cfg).common_http_protocol_options.idle_timeout).toBe('300s');
    expect(cluster(cfg, 'app').connect_timeout).toBe('0.25s');
    expect(hcm(cfg).access_log[0].name).toBe('envoy.access_loggers.stdout');
  });
});

describe('renderEnvoy: rate-limit domains', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-envoy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders nothing for rate limits when there are no domains', () => {
    const { cfg } = render(minimal());
    expect(filter(cfg, 'envoy.filters.http.ratelimit')).toBeUndefined();
    expect(cluster(cfg, 'portcullis_ratelimit')).toBeUndefined();
    expect(vhost(cfg).rate_limits).toBeUndefined();
  });

  it('fails open unless a limit (or the store) fails closed', () => {
    const domains = [{ domain: 'edge', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 5 } }] }];
    expect(filter(render(minimal({ ratelimit: { domains } })).cfg, 'envoy.filters.http.ratelimit').failure_mode_deny).toBe(false);
    expect(filter(render(minimal({ ratelimit: { failMode: 'closed', domains } })).cfg, 'envoy.filters.http.ratelimit').failure_mode_deny).toBe(true);
    const overridden = [{ domain: 'edge', descriptors: [{ key: 'remote_address', fail_mode: 'open', rate_limit: { unit: 'second', requests_per_unit: 5 } }] }];
    expect(filter(render(minimal({ ratelimit: { failMode: 'closed', domains: overridden } })).cfg, 'envoy.filters.http.ratelimit').failure_mode_deny).toBe(false);
  });

  it('reads domains from files and folders, one filter and stage per domain', () => {
    mkdirSync(join(dir, 'limits'));
    writeFileSync(join(dir, 'api.yaml'), 'domain: api\ndescriptors:\n  - key: generic_key\n    value: api\n    rate_limit: { unit: minute, requests_per_unit: 10 }\n');
    writeFileSync(join(dir, 'limits', 'b.yaml'), 'domain: b\ndescriptors:\n  - key: remote_address\n    rate_limit: { unlimited: true }\n');
    const { cfg } = render(minimal({ ratelimit: { domains: [{ file: 'api.yaml' }, { dir: 'limits' }] } }), { policyDir: dir });
    expect(filter(cfg, 'envoy.filters.http.ratelimit')).toMatchObject({ domain: 'api' });
    expect(filter(cfg, 'envoy.filters.http.ratelimit.b')).toMatchObject({ domain: 'b', stage: 1 });
    expect(vhost(cfg).rate_limits).toEqual([
      { actions: [{ generic_key: { descriptor_value: 'api' } }] },
      { stage: 1, actions: [{ remote_address: {} }] },
    ]);
  });

  it('renders only the domains envoy.ratelimit.domains names', () => {
    const domains = [
      { domain: 'edge', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 5 } }] },
      { domain: 'inproc', descriptors: [{ key: 'tenant', rate_limit: { unit: 'second', requests_per_unit: 5 } }] },
    ];
    const { cfg } = render(minimal({ ratelimit: { domains }, envoy: { upstreams: { app: { address: 'app:1' } }, ratelimit: { domains: ['edge'] } } }));
    expect(hcm(cfg).http_filters.filter((f: Obj) => f.name.startsWith('envoy.filters.http.ratelimit'))).toHaveLength(1);
  });

  it('refuses a descriptor key with no action, and a missing file', () => {
    const err = renderError(minimal({ ratelimit: { domains: [{ domain: 'x', descriptors: [{ key: 'tenant', rate_limit: { unit: 'second', requests_per_unit: 1 } }] }] } }));
    expect(err.at).toBe('ratelimit.domains[0].descriptors[0].key');
    expect(err.message).toMatch(/envoy\.ratelimit\.actions\.tenant/);
    expect(renderError(minimal({ ratelimit: { domains: [{ file: 'nope.yaml' }] } })).message).toMatch(/cannot read .*ENOENT/);
  });
});

describe('renderEnvoy: TLS to Portcullis and the HTTP authorization variant', () => {
  it('puts an UpstreamTlsContext (h2, CA, client certificate) on the Portcullis clusters when server.tls is set', () => {
    const spec = minimal({
      server: { grpc: '0.0.0.0:9191', tls: { cert: 'c', key: 'k', clientCa: 'ca', requireClientCert: true } },
      envoy: {
        upstreams: { app: { address: 'app:80' } },
        portcullis: { address: 'portcullis:9191', tls: { ca: 'certs/ca.crt', cert: 'certs/envoy.crt', key: 'certs/envoy.key', san: 'portcullis' } },
      },
    });
    const { cfg } = render(spec);
    const tls = cluster(cfg, 'portcullis_authz').transport_socket.typed_config;
    expect(tls.sni).toBe('portcullis');
    expect(tls.common_tls_context.alpn_protocols).toEqual(['h2']);
    expect(tls.common_tls_context.tls_certificates[0].certificate_chain.filename).toBe('/etc/envoy/certs/envoy.crt');
    expect(tls.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([{ san_type: 'DNS', matcher: { exact: 'portcullis' } }]);
  });

  it('refuses mTLS to Portcullis without a client certificate, and TLS settings without server.tls', () => {
    const needCert = minimal({ server: { tls: { cert: 'c', key: 'k', requireClientCert: true } }, envoy: { upstreams: { app: { address: 'app:80' } }, portcullis: { tls: { ca: 'ca' } } } });
    expect(renderError(needCert).message).toMatch(/client certificate/);
    const noServerTls = minimal({ envoy: { upstreams: { app: { address: 'app:80' } }, portcullis: { tls: { ca: 'ca' } } } });
    expect(renderError(noServerTls).at).toBe('envoy.portcullis.tls');
  });

  it('defaults the Portcullis address to server.grpc, a wildcard bind meaning this host', () => {
    const { cfg } = render(minimal({ server: { grpc: '0.0.0.0:7000' } }));
    expect(cluster(cfg, 'portcullis_authz').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 7000 });
  });

  it('--http-authz: http_service to the HTTP port, identity headers allowed upstream, principal from a header', () => {
    const { cfg, warnings } = render(gateway(), { httpAuthz: true });
    const ext = filter(cfg, 'envoy.filters.http.ext_authz');
    expect(ext.grpc_service).toBeUndefined();
    expect(ext.http_service.server_uri).toEqual({ uri: 'http://portcullis:9193', cluster: 'portcullis_http_authz', timeout: '0.2s' });
    const allowed = ext.http_service.authorization_response.allowed_upstream_headers.patterns.map((p: Obj) => p.exact);
    expect(allowed).toEqual(expect.arrayContaining(['x-user-id', 'x-user-roles', 'x-authenticated']));
    expect(ext.http_service.authorization_response.dynamic_metadata_from_headers).toEqual({
      patterns: [{ exact: 'x-portcullis-principal' }, { exact: 'x-portcullis-decision-id' }, { exact: 'x-portcullis-route' }],
    });
    expect(ext.allowed_headers).toEqual({ patterns: [{ safe_regex: { regex: '.*' } }] });
    expect(JSON.stringify(vhost(cfg).rate_limits)).toContain('"path":[{"key":"x-portcullis-principal"}]');
    expect(cluster(cfg, 'portcullis_authz')).toBeUndefined();
    expect(cluster(cfg, 'portcullis_http_authz').health_checks[0].tcp_health_check).toEqual({});
    expect(authzSettings(cfg, 'user-by-id').context_extensions).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/context extensions only to a gRPC/);
  });
});
