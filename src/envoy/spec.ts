/** The policy's `envoy:` block and a route's `envoy:` key, as validated data (see schema.ts). */

export type SizeValue = string | number;
export type DurationValue = string | number;

export interface DownstreamTlsSpec {
  cert: string;
  key: string;
  /** `TLSv1_2` or `TLSv1_3` (also `1.2` / `1.3`). */
  minVersion?: string;
  maxVersion?: string;
  /** Cipher suites for TLS 1.2 and below (TLS 1.3 suites are not configurable in Envoy). */
  ciphers?: string[];
  alpn?: string[];
  /** TLS session lifetime (tickets and the session cache). */
  sessionTimeout?: DurationValue;
  /** Stateless resumption with session tickets (default true). */
  sessionTickets?: boolean;
}

export interface ListenerSpec {
  address?: string;
  port?: number;
  tls?: DownstreamTlsSpec;
}

export interface UpstreamTlsSpec {
  /** CA bundle the upstream's certificate must chain to. */
  ca: string;
  /** Subject alternative names accepted (DNS); default: the SNI. */
  san?: string | string[];
  /** SNI sent upstream; default: the address's host name. */
  sni?: string;
  /** Client certificate for mTLS to the upstream. */
  cert?: string;
  key?: string;
}

export interface UpstreamSpec {
  /** `host:port`; several for load balancing. */
  address: string | string[];
  tls?: UpstreamTlsSpec;
  /** Speak HTTP/2 to the upstream (default: HTTP/1.1). */
  http2?: boolean;
  connectTimeout?: DurationValue;
}

export interface CorsSpec {
  origins: string[];
  methods?: string[];
  headers?: string[];
  exposeHeaders?: string[];
  credentials?: boolean;
  maxAge?: number | DurationValue;
}

export interface PortcullisEndpointSpec {
  /** `host:port` of Portcullis's gRPC port as Envoy reaches it. */
  address?: string;
  /** `host:port` of the HTTP authorization server (for `render-envoy --http-authz`). */
  httpAuthz?: string;
  /** TLS to Portcullis (when `server.tls` is set). */
  tls?: Partial<UpstreamTlsSpec>;
}

export interface EnvoyTimeoutsSpec {
  extAuthz?: DurationValue;
  rateLimit?: DurationValue;
  connect?: DurationValue;
  /** Upstream response timeout for every route (a route's `envoy.timeout` overrides it). */
  route?: DurationValue;
  /** Time allowed for the whole request (headers and body) from the client. */
  request?: DurationValue;
  idle?: DurationValue;
}

export interface EnvoyRateLimitSpec {
  /** Domains of `ratelimit.domains` that Envoy's ratelimit filter calls (default: all). */
  domains?: string[];
  /** Envoy rate-limit actions for descriptor keys other than remote_address and principal. */
  actions?: Record<string, Record<string, unknown>>;
}

export interface EnvoySpec {
  /** Envoy's admin interface `host:port`, or false for none. */
  admin?: string | false;
  listener?: ListenerSpec;
  /** Where Envoy finds the files named by relative paths (certificates, CAs). */
  filesDir?: string;
  portcullis?: string | PortcullisEndpointSpec;
  cors?: CorsSpec;
  upstreams?: Record<string, UpstreamSpec>;
  timeouts?: EnvoyTimeoutsSpec;
  ratelimit?: EnvoyRateLimitSpec;
  healthCheck?: { interval?: DurationValue; timeout?: DurationValue };
  accessLog?: boolean;
}

export interface RouteEnvoySpec {
  /** Upstream response timeout on this route. */
  timeout?: DurationValue;
  prefixRewrite?: string;
  /** False: this route sends no descriptors to the ratelimit filter. */
  rateLimit?: boolean;
}
