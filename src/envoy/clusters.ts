/** Upstream clusters (with TLS re-encryption where the policy says so) and the Portcullis clusters. */
import { PolicyError } from '../config/types.js';
import type { RenderContext } from './context.js';
import { DEFAULTS } from './context.js';
import { durationMs, envoyDuration, envoyFile, isIpAddress, socketAddress, splitHostPort, type HostPort } from './format.js';
import { CLUSTER, HTTP_PROTOCOL_OPTIONS_KEY, SERVICE, TYPE } from './names.js';
import type { UpstreamTlsSpec } from './spec.js';

type Obj = Record<string, unknown>;

function upstreamTls(ctx: RenderContext, tls: Partial<UpstreamTlsSpec>, host: string, alpn?: string[]): Obj {
  const sni = tls.sni ?? (isIpAddress(host) ? undefined : host);
  const sans = tls.san === undefined ? (sni ? [sni] : []) : Array.isArray(tls.san) ? tls.san : [tls.san];
  const common: Obj = { tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' } };
  if (alpn) common.alpn_protocols = alpn;
  if (tls.cert && tls.key) common.tls_certificates = [{ certificate_chain: envoyFile(ctx.filesDir, tls.cert), private_key: envoyFile(ctx.filesDir, tls.key) }];
  if (tls.ca) {
    const validation: Obj = { trusted_ca: envoyFile(ctx.filesDir, tls.ca) };
    // Without a name to match, any certificate the CA ever signed would be accepted.
    if (sans.length > 0) validation.match_typed_subject_alt_names = sans.map((s) => ({ san_type: isIpAddress(s) ? 'IP_ADDRESS' : 'DNS', matcher: { exact: s } }));
    common.validation_context = validation;
  }
  const config: Obj = { '@type': TYPE.upstreamTls };
  if (sni) config.sni = sni;
  config.common_tls_context = common;
  return { name: 'envoy.transport_sockets.tls', typed_config: config };
}

interface ClusterOptions {
  http2?: boolean;
  connectMs: number;
  transport?: Obj;
  healthChecks?: Obj[];
}

function cluster(name: string, endpoints: HostPort[], o: ClusterOptions): Obj {
  const c: Obj = {
    name,
    type: endpoints.every((e) => isIpAddress(e.host)) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: envoyDuration(o.connectMs),
    lb_policy: 'ROUND_ROBIN',
  };
  if (o.http2) {
    c.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': TYPE.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } },
    };
  }
  c.load_assignment = {
    cluster_name: name,
    endpoints: [{ lb_endpoints: endpoints.map((e) => ({ endpoint: { address: socketAddress(e.host, e.port) } })) }],
  };
  if (o.transport) c.transport_socket = o.transport;
  if (o.healthChecks) c.health_checks = o.healthChecks;
  return c;
}

function healthCheck(ctx: RenderContext, check: Obj): Obj {
  const h = ctx.envoy.healthCheck ?? {};
  return {
    timeout: envoyDuration(h.timeout === undefined ? DEFAULTS.healthTimeoutMs : durationMs(h.timeout, 'envoy.healthCheck.timeout')),
    interval: envoyDuration(h.interval === undefined ? DEFAULTS.healthIntervalMs : durationMs(h.interval, 'envoy.healthCheck.interval')),
    unhealthy_threshold: 3,
    healthy_threshold: 1,
    ...check,
  };
}

function portcullisClusters(ctx: RenderContext): Obj[] {
  const tls = ctx.portcullisTls;
  const grpcTransport = tls ? upstreamTls(ctx, tls, ctx.portcullis.host, ['h2']) : undefined;
  const out: Obj[] = [];
  if (ctx.httpAuthz) {
    out.push(
      cluster(CLUSTER.httpAuthz, [ctx.portcullisHttp], {
        connectMs: ctx.ms.connect,
        transport: tls ? upstreamTls(ctx, tls, ctx.portcullisHttp.host) : undefined,
        healthChecks: [healthCheck(ctx, { tcp_health_check: {} })],
      }),
    );
  } else {
    out.push(
      cluster(CLUSTER.authz, [ctx.portcullis], {
        http2: true,
        connectMs: ctx.ms.connect,
        transport: grpcTransport,
        healthChecks: [healthCheck(ctx, { grpc_health_check: { service_name: SERVICE.authz } })],
      }),
    );
  }
  if (ctx.domains.length > 0) {
    out.push(
      cluster(CLUSTER.ratelimit, [ctx.portcullis], {
        http2: true,
        connectMs: ctx.ms.connect,
        transport: grpcTransport,
        healthChecks: [healthCheck(ctx, { grpc_health_check: { service_name: SERVICE.ratelimit } })],
      }),
    );
  }
  return out;
}

export function clusters(ctx: RenderContext): Obj[] {
  const out: Obj[] = [];
  const reserved = new Set<string>(Object.values(CLUSTER));
  for (const [name, up] of Object.entries(ctx.envoy.upstreams ?? {})) {
    const at = `envoy.upstreams.${name}`;
    if (reserved.has(name)) throw new PolicyError(at, `"${name}" is the name of a Portcullis cluster`);
    const addresses = Array.isArray(up.address) ? up.address : [up.address];
    const endpoints = addresses.map((a, i) => splitHostPort(a, Array.isArray(up.address) ? `${at}.address[${i}]` : `${at}.address`));
    out.push(
      cluster(name, endpoints, {
        http2: up.http2,
        connectMs: up.connectTimeout === undefined ? ctx.ms.connect : durationMs(up.connectTimeout, `${at}.connectTimeout`),
        transport: up.tls ? upstreamTls(ctx, up.tls, endpoints[0]!.host) : undefined,
      }),
    );
  }
  out.push(...portcullisClusters(ctx));
  return out;
}
