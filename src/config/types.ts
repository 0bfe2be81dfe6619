/**
 * Contracts between the policy compiler and the parts it compiles: checks (per route) and sections (top-level
 * blocks such as `providers`, `waf`, `ratelimit`, compiled once and shared by routes).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Check } from '../pipeline/types.js';

/** A JSON Schema object as ajv takes it. */
export type JsonSchema = Record<string, unknown>;

/** Where a secret comes from: `{ env: NAME }`, `{ file: PATH }`, or inline (allowed, with a warning). */
export type SecretRef = string | { env: string } | { file: string };

/** Facts about the route a check is compiled for. */
export interface RouteInfo {
  readonly name: string;
  readonly index: number;
  /** Names of `{param}` segments of the route's path template, in order. */
  readonly pathParams: readonly string[];
  readonly maxBodyBytes: number;
  readonly inspectBodyBytes: number;
}

/** Everything a check or section may use while compiling. Compile-time only: never kept for per-request I/O. */
export interface CompileDeps {
  /** Absolute path of the policy file, and its folder (relative paths in the policy resolve against it). */
  readonly policyFile: string;
  readonly policyDir: string;
  resolvePath(p: string): string;
  /** Reads a secret; `at` is the key path, for error messages and the inline-secret warning. */
  resolveSecret(ref: SecretRef, at: string): string;
  /** Records a non-fatal finding for check-config and the startup log. */
  warn(at: string, message: string): void;
  readonly logger: Logger;
  /** Metrics registry of the running process; register metrics once (use `getSingleMetric` before creating). */
  readonly metrics: Registry;
  /** Compiled top-level sections, by section key (`providers`, `waf`, `ratelimit`, ...). */
  readonly shared: Readonly<Record<string, unknown>>;
  /** Command-line and environment overrides (e.g. the CRS directory). */
  readonly options: CompileOptions;
}

export interface CompileOptions {
  /** `--crs-dir`, else `PORTCULLIS_CRS_DIR`; the policy's own setting is the fallback. */
  crsDir?: string;
  /** Start background work (JWKS refresh, Redis connections). False for check-config and render-envoy. */
  live: boolean;
}

/** What a route check is compiled with: the deps plus the route it belongs to. */
export interface CheckCompileDeps extends CompileDeps {
  readonly route: RouteInfo;
  /** The key path of this check in the policy, e.g. `routes[2].checks[1].jwt-auth`. */
  readonly at: string;
}

/**
 * A kind of check. `schema` describes its spec (an object schema; the common keys `name`, `shadow` and
 * `onError` are added by the loader and removed before `compile`).
 */
export interface CheckFactory<Spec = any> {
  readonly kind: string;
  readonly schema: JsonSchema;
  /** Prefix of this check's error codes (`jwt` for jwt-auth): `<prefix>.error` answers internal trouble. */
  readonly codePrefix: string;
  /** True when the check reads the request body, so Envoy must send the inspection window on this route. */
  readsBody?(spec: Spec): boolean;
  /** Request headers this check may set; `check-config` warns when they are not declared identity headers. */
  setsHeaders?(spec: Spec): string[];
  compile(spec: Spec, deps: CheckCompileDeps): Check | Promise<Check>;
}

/** A top-level policy block compiled once per policy (keys, rule sets, stores). */
export interface PolicySection<Spec = any, Resource = unknown> {
  readonly key: string;
  readonly schema: JsonSchema;
  compile(spec: Spec | undefined, deps: CompileDeps): Resource | Promise<Resource>;
  /** Release what compile acquired (timers, connections) when a newer policy replaces this one. */
  dispose?(resource: Resource): void | Promise<void>;
  /** Readiness reasons this resource currently has (empty when ready), for `/readyz`. */
  readiness?(resource: Resource): string[];
}

/** A policy error at a key path; the loader turns the path into `file:line`. */
export class PolicyError extends Error {
  constructor(readonly at: string, message: string) {
    super(`${at}: ${message}`);
    this.name = 'PolicyError';
  }
}
