/**
 * The policy file as validated data (before compilation). Keys owned by a part of the system are typed there
 * and appear here as `unknown`; the core keys are typed here.
 */
import type { ClientIpConfig } from '../pipeline/client-ip.js';

export interface ListenerTlsSpec {
  cert: string;
  key: string;
  clientCa?: string;
  requireClientCert?: boolean;
  /** Also serve the admin port over TLS (default false). */
  admin?: boolean;
  /** How often certificate files are re-read (default 5). */
  reloadSeconds?: number;
}

export interface ServerSpec {
  grpc?: string;
  admin?: string;
  httpAuthz?: string | false;
  /** Envoy's http_service `path_prefix`, stripped before matching. */
  httpAuthzPathPrefix?: string;
  /** Bearer token required on the admin API (a secret reference). */
  adminToken?: unknown;
  maxInFlight?: number;
  drainSeconds?: number;
  tls?: ListenerTlsSpec;
}

export interface RouteMatchSpec {
  host?: string | string[];
  path?: { exact?: string; prefix?: string; template?: string };
  methods?: string[];
  contextExtensions?: Record<string, string>;
}

/** One entry of a route's `checks` list: `{ <kind>: spec }`. */
export type CheckEntrySpec = Record<string, Record<string, unknown> | null>;

export interface RouteSpec {
  name: string;
  match: RouteMatchSpec;
  upstream?: string;
  maxBodyBytes?: string | number;
  inspectBodyBytes?: string | number;
  shadow?: boolean;
  checks?: CheckEntrySpec[];
  /** Per-route extension to the Envoy rendering (owned by src/envoy). */
  envoy?: unknown;
}

export interface PolicySpec {
  server?: ServerSpec;
  clientIp?: ClientIpConfig;
  identityHeaders?: string[];
  limits?: { maxHeaders?: number; maxHeaderBytes?: string | number; maxTotalHeaderBytes?: string | number };
  decisions?: unknown;
  ratelimit?: unknown;
  providers?: unknown;
  waf?: unknown;
  openapi?: unknown;
  envoy?: unknown;
  default?: { action: 'allow' | 'deny'; status?: number };
  routes: RouteSpec[];
  [section: string]: unknown;
}

/** A policy file read and validated, not yet compiled. */
export interface LoadedPolicy {
  file: string;
  dir: string;
  spec: PolicySpec;
  /** Source text, kept to map key paths to lines for compile errors. */
  text: string;
  warnings: string[];
}
