/** The HTTPS listener: downstream TLS and the HTTP connection manager with path and client-address hygiene. */
import type { RenderContext } from './context.js';
import { DEFAULTS } from './context.js';
import { durationMs, envoyDuration, envoyFile, socketAddress } from './format.js';
import { httpFilters } from './http-filters.js';
import { TYPE } from './names.js';
import { virtualHost } from './virtual-host.js';

type Obj = Record<string, unknown>;

export const DEFAULT_CIPHERS = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'];
export const DEFAULT_ALPN = ['h2', 'http/1.1'];

const tlsVersion = (v: string | undefined, fallback: string) => (v === undefined ? fallback : v.startsWith('TLS') ? v : `TLSv${v.replace('.', '_')}`);

function downstreamTls(ctx: RenderContext): Obj | undefined {
  const tls = ctx.envoy.listener?.tls;
  if (!tls) return undefined;
  const config: Obj = {
    '@type': TYPE.downstreamTls,
    common_tls_context: {
      tls_params: {
        tls_minimum_protocol_version: tlsVersion(tls.minVersion, 'TLSv1_2'),
        tls_maximum_protocol_version: tlsVersion(tls.maxVersion, 'TLSv1_3'),
        cipher_suites: tls.ciphers ?? DEFAULT_CIPHERS,
      },
      alpn_protocols: tls.alpn ?? DEFAULT_ALPN,
      tls_certificates: [{ certificate_chain: envoyFile(ctx.filesDir, tls.cert), private_key: envoyFile(ctx.filesDir, tls.key) }],
    },
  };
  if (tls.sessionTimeout !== undefined) config.session_timeout = envoyDuration(durationMs(tls.sessionTimeout, 'envoy.listener.tls.sessionTimeout'));
  if (tls.sessionTickets === false) config.disable_stateless_session_resumption = true;
  return { name: 'envoy.transport_sockets.tls', typed_config: config };
}

function clientAddress(ctx: RenderContext): Obj {
  const ip = ctx.spec.clientIp;
  // Envoy's trusted client address must be the one Portcullis resolves, or limits and IP rules key on different
  // addresses: peer = the TCP peer; xff = the entry trustedHops from the right, as sent (nothing appended).
  if (!ip || ip.from === 'peer') return { use_remote_address: true };
  return { use_remote_address: false, xff_num_trusted_hops: ip.trustedHops };
}

function connectionManager(ctx: RenderContext): Obj {
  const tls = Boolean(ctx.envoy.listener?.tls);
  const hcm: Obj = {
    '@type': TYPE.hcm,
    stat_prefix: tls ? 'ingress_https' : 'ingress_http',
    codec_type: 'AUTO',
    ...clientAddress(ctx),
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
    generate_request_id: true,
    common_http_protocol_options: {
      // `x_user_id` would otherwise reach upstreams that fold it into `x-user-id`, past identity-header removal.
      headers_with_underscores_action: 'REJECT_REQUEST',
      ...(ctx.ms.idle !== undefined ? { idle_timeout: envoyDuration(ctx.ms.idle) } : {}),
    },
  };
  if (ctx.ms.request !== undefined) hcm.request_timeout = envoyDuration(ctx.ms.request);
  if (ctx.envoy.accessLog) {
    hcm.access_log = [{ name: 'envoy.access_loggers.stdout', typed_config: { '@type': TYPE.stdoutLog } }];
  }
  hcm.route_config = { name: 'portcullis_routes', virtual_hosts: [virtualHost(ctx)] };
  hcm.http_filters = httpFilters(ctx);
  return hcm;
}

export function listener(ctx: RenderContext): Obj {
  const l = ctx.envoy.listener ?? {};
  const port = l.port ?? DEFAULTS.listenerPort;
  const transport = downstreamTls(ctx);
  if (!transport) ctx.warnings.push('envoy.listener.tls is not set: the listener speaks plain HTTP');
  const chain: Obj = {};
  if (transport) chain.transport_socket = transport;
  chain.filters = [{ name: 'envoy.filters.network.http_connection_manager', typed_config: connectionManager(ctx) }];
  return {
    name: transport ? `https_${port}` : `http_${port}`,
    address: socketAddress(l.address ?? DEFAULTS.listenerAddress, port),
    filter_chains: [chain],
  };
}
