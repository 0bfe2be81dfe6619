/** Names shared by the rendered envoy.yaml, the compose file and the manifests. */
export const FILTER = {
  cors: 'envoy.filters.http.cors',
  buffer: 'envoy.filters.http.buffer',
  extAuthz: 'envoy.filters.http.ext_authz',
  ratelimit: 'envoy.filters.http.ratelimit',
  router: 'envoy.filters.http.router',
} as const;

export const CLUSTER = {
  authz: 'portcullis_authz',
  ratelimit: 'portcullis_ratelimit',
  httpAuthz: 'portcullis_http_authz',
} as const;

export const SERVICE = {
  authz: 'envoy.service.auth.v3.Authorization',
  ratelimit: 'envoy.service.ratelimit.v3.RateLimitService',
} as const;

/**
 * Response headers of the HTTP authorization server (src/http-authz) that Envoy turns into ext_authz dynamic
 * metadata, since that server cannot send metadata itself.
 */
export const PRINCIPAL_HEADER = 'x-portcullis-principal';
export const DECISION_ID_HEADER = 'x-portcullis-decision-id';
export const ROUTE_HEADER = 'x-portcullis-route';

export const TYPE = {
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  buffer: 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer',
  bufferPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
  extAuthz: 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  extAuthzPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
  ratelimit: 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
  ratelimitPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  stdoutLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
} as const;

export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
