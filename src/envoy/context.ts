/**
 * Everything the rendering needs, resolved once from the policy: defaults applied, addresses split, timeouts
 * in milliseconds, rate-limit domains read. What Envoy cannot express is a PolicyError here.
 */
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_INSPECT_BODY_BYTES, DEFAULT_MAX_BODY_BYTES } from '../config/defaults.js';
import type { PolicySpec, RouteSpec } from '../config/policy-spec.js';
import { PolicyError } from '../config/types.js';
import { connectHost, durationMs, splitHostPort, type HostPort } from './format.js';
import { domainActions, type EnvoyAction } from './ratelimit-actions.js';
import { loadDomains, type CompiledDomain } from '../ratelimit/domain-config.js';
import { readDomains } from './ratelimit-domains.js';
import { FILTER, PRINCIPAL_HEADER } from './names.js';
import type { EnvoySpec, PortcullisEndpointSpec, UpstreamTlsSpec } from './spec.js';

export interface RenderOptions {
  /** Folder of the policy file: rate-limit `{file}`/`{dir}` entries resolve against it. */
  policyDir: string;
  /** Render the ext_authz `http_service` variant (Portcullis's HTTP authorization server). */
  httpAuthz?: boolean;
  /** The policy file as the user names it (a relative path), for the header comment. */
  source?: string;
}

export interface RenderedDomain {
  domain: string;
  stage: number;
  filterName: string;
  rateLimits: EnvoyAction[][];
  failClosed: boolean;
}

export interface RenderContext {
  spec: PolicySpec;
  /** The policy's routes ([] when absent). */
  routes: RouteSpec[];
  envoy: EnvoySpec;
  httpAuthz: boolean;
  filesDir: string;
  warnings: string[];
  ms: { extAuthz: number; rateLimit: number; connect: number; route?: number; request?: number; idle?: number };
  portcullis: HostPort;
  portcullisHttp: HostPort;
  /** TLS to Portcullis, when `server.tls` is set. */
  portcullisTls?: Partial<UpstreamTlsSpec>;
  domains: RenderedDomain[];
  /** The largest inspection window, the filter-level default for routes that read bodies. */
  defaultInspectBytes: number;
}

export const DEFAULTS = {
  filesDir: '/etc/envoy',
  listenerAddress: '0.0.0.0',
  listenerPort: 8443,
  admin: '127.0.0.1:9901',
  extAuthzMs: 200,
  /** Envoy's own default is 20 ms, tight for any networked service at p99. */
  rateLimitMs: 100,
  connectMs: 2000,
  grpc: '0.0.0.0:9191',
  httpAuthz: '0.0.0.0:9193',
  // The compiler's defaults, so Envoy's limits and the checks' expectations are the same numbers.
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  inspectBodyBytes: DEFAULT_INSPECT_BODY_BYTES,
  healthIntervalMs: 5000,
  healthTimeoutMs: 1000,
} as const;

/** Stages of Envoy's ratelimit filter run 0..10: one filter per domain. */
const MAX_DOMAINS = 11;

function portcullisEndpoint(spec: PolicySpec, envoy: EnvoySpec): { grpc: HostPort; http: HostPort; tls?: Partial<UpstreamTlsSpec> } {
  const p: PortcullisEndpointSpec = typeof envoy.portcullis === 'string' ? { address: envoy.portcullis } : envoy.portcullis ?? {};
  const fromServer = (value: string, at: string): HostPort => {
    const hp = splitHostPort(value, at);
    return { host: connectHost(hp.host), port: hp.port };
  };
  const grpc = p.address
    ? splitHostPort(p.address, 'envoy.portcullis.address')
    : fromServer(spec.server?.grpc ?? DEFAULTS.grpc, 'server.grpc');
  const httpSetting = spec.server?.httpAuthz;
  const http = p.httpAuthz
    ? splitHostPort(p.httpAuthz, 'envoy.portcullis.httpAuthz')
    : // Envoy reaches the HTTP port on the gRPC port's host unless told otherwise.
      { host: grpc.host, port: splitHostPort(typeof httpSetting === 'string' ? httpSetting : DEFAULTS.httpAuthz, 'server.httpAuthz').port };
  return { grpc, http, tls: p.tls };
}

/** The domains as the rate-limit section compiles them: the same validation errors, the same fail modes. */
function compiledDomains(ratelimit: unknown, policyDir: string): Map<string, CompiledDomain> {
  const rl = (ratelimit ?? {}) as { domains?: unknown; failMode?: 'open' | 'closed'; algorithm?: 'fixed-window' | 'sliding-window' | 'gcra' };
  if (!Array.isArray(rl.domains)) return new Map();
  return loadDomains(rl.domains, 'ratelimit.domains', { failMode: rl.failMode ?? 'open', algorithm: rl.algorithm ?? 'fixed-window' }, (p) =>
    isAbsolute(p) ? p : resolve(policyDir, p),
  );
}

export function buildContext(spec: PolicySpec, opts: RenderOptions): RenderContext {
  const envoy = (spec.envoy ?? {}) as EnvoySpec;
  const warnings: string[] = [];
  const t = envoy.timeouts ?? {};
  const optMs = (v: string | number | undefined, at: string) => (v === undefined ? undefined : durationMs(v, at));
  const ms = {
    extAuthz: optMs(t.extAuthz, 'envoy.timeouts.extAuthz') ?? DEFAULTS.extAuthzMs,
    rateLimit: optMs(t.rateLimit, 'envoy.timeouts.rateLimit') ?? DEFAULTS.rateLimitMs,
    connect: optMs(t.connect, 'envoy.timeouts.connect') ?? DEFAULTS.connectMs,
    route: optMs(t.route, 'envoy.timeouts.route'),
    request: optMs(t.request, 'envoy.timeouts.request'),
    idle: optMs(t.idle, 'envoy.timeouts.idle'),
  };
  if (ms.extAuthz <= 0) throw new PolicyError('envoy.timeouts.extAuthz', 'must be more than 0');
  if (ms.rateLimit <= 0) throw new PolicyError('envoy.timeouts.rateLimit', 'must be more than 0');

  if (spec.clientIp?.from === 'xff' && spec.clientIp.trustedProxies?.length) {
    throw new PolicyError(
      'clientIp.trustedProxies',
      'Envoy cannot trust X-Forwarded-For by proxy address; use trustedHops alone so Envoy and Portcullis agree on the client address',
    );
  }

  if (opts.httpAuthz && spec.server?.httpAuthz === false) {
    throw new PolicyError('server.httpAuthz', 'is false: Portcullis serves no HTTP authorization for --http-authz to call');
  }
  const endpoint = portcullisEndpoint(spec, envoy);
  const serverTls = spec.server?.tls;
  if (endpoint.tls && !serverTls) throw new PolicyError('envoy.portcullis.tls', 'is set but server.tls is not: Portcullis would not speak TLS');
  let portcullisTls: Partial<UpstreamTlsSpec> | undefined;
  if (serverTls) {
    portcullisTls = endpoint.tls ?? {};
    if (serverTls.requireClientCert && !portcullisTls.cert) {
      throw new PolicyError('envoy.portcullis.tls', 'server.tls.requireClientCert is set: give Envoy a client certificate (cert, key)');
    }
    if (!portcullisTls.ca) warnings.push("envoy.portcullis.tls.ca is not set: Envoy encrypts to Portcullis but does not verify its certificate");
  }

  // The HTTP authorization server cannot return dynamic metadata directly: it sends a header Envoy copies.
  const principalMetadataKey = opts.httpAuthz ? PRINCIPAL_HEADER : 'principal';
  const compiled = compiledDomains(spec.ratelimit, opts.policyDir);
  const allDomains = readDomains(spec.ratelimit, opts.policyDir);
  const wanted = envoy.ratelimit?.domains;
  for (const [i, name] of (wanted ?? []).entries()) {
    if (!allDomains.some((d) => d.domain === name)) throw new PolicyError(`envoy.ratelimit.domains[${i}]`, `no rate-limit domain named "${name}"`);
  }
  const chosen = allDomains.filter((d) => !wanted || wanted.includes(d.domain));
  if (chosen.length > MAX_DOMAINS) throw new PolicyError('envoy.ratelimit.domains', `Envoy's ratelimit filter has ${MAX_DOMAINS} stages: at most ${MAX_DOMAINS} domains`);
  const domains = chosen.map((d, i): RenderedDomain => ({
    domain: d.domain,
    stage: i,
    filterName: i === 0 ? FILTER.ratelimit : `${FILTER.ratelimit}.${d.domain}`,
    rateLimits: domainActions(d, { named: envoy.ratelimit?.actions ?? {}, principalMetadataKey }),
    failClosed: compiled.get(d.domain)?.anyClosed ?? false,
  }));
  for (const d of domains) if (d.rateLimits.length === 0) warnings.push(`rate-limit domain "${d.domain}" has no limits: Envoy sends it nothing`);

  return {
    spec,
    routes: Array.isArray(spec.routes) ? spec.routes : [],
    envoy,
    httpAuthz: opts.httpAuthz ?? false,
    filesDir: envoy.filesDir ?? DEFAULTS.filesDir,
    warnings,
    ms,
    portcullis: endpoint.grpc,
    portcullisHttp: endpoint.http,
    portcullisTls,
    domains,
    defaultInspectBytes: DEFAULTS.inspectBodyBytes,
  };
}
