/**
 * The project's own plain types for one authorization decision. Proto-generated shapes stay at the gRPC edge;
 * everything from normalization to the verdict works on these.
 */
import type { ErrorCode } from '../lib/errors.js';

/** A peer address as Envoy reported it. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * The normalized request. Cheap fields are plain; costly ones (query, cookies, parsed bodies) are computed on
 * first use and cached, so a request pays for them at most once and only if a check asks.
 */
export interface AuthzRequest {
  /** Decision id, generated per Check; returned to Envoy as dynamic metadata `decision_id`. */
  readonly id: string;
  /** Milliseconds since the epoch: Envoy's request time when sent, else the time we received the call. */
  readonly time: number;
  readonly method: string;
  /** `:path` exactly as Envoy sent it (raw request target, query included, nothing decoded). */
  readonly rawPath: string;
  /** The path without query, after normalization (unreserved percent-decoding, dot segments, merged slashes). */
  readonly path: string;
  /** The raw query string after `?`, without the `?` (empty if none). */
  readonly rawQuery: string;
  /** `:authority` as sent. */
  readonly authority: string;
  /** `:authority` lower-cased, without port. */
  readonly host: string;
  readonly scheme: string;
  /** "HTTP/1.1", "HTTP/2", ... as Envoy reports it (may be empty). */
  readonly protocol: string;
  /** Lower-cased header names, pseudo-headers included (`:path`, `:method`, `:authority`, `:scheme`). Duplicates joined with ",". */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers in arrival order without merging, when Envoy sent `header_map` (raw headers); else derived from `headers`. */
  readonly headerList: ReadonlyArray<readonly [string, string]>;
  /** The body window Envoy sent (`raw_body`, or `body` as UTF-8), undefined when none was sent. */
  readonly body: Buffer | undefined;
  /** True when Envoy said `x-envoy-auth-partial-body: true`: the body is only the first bytes. */
  readonly bodyPartial: boolean;
  /** The client address resolved once per `clientIp` (peer or trusted XFF hop); "" if unknown. */
  readonly clientIp: string;
  /** Envoy's downstream peer (`attributes.source.address`). */
  readonly source: PeerAddress | undefined;
  readonly destination: PeerAddress | undefined;
  /** TLS facts: peer principal (from the client certificate), SNI, URL-encoded peer certificate. */
  readonly tls: { readonly principal?: string; readonly sni?: string; readonly certificate?: string };
  /** Envoy's `x-request-id` header ("" if absent). */
  readonly requestId: string;
  readonly traceparent: string | undefined;
  readonly contextExtensions: Readonly<Record<string, string>>;
  /** Query parameters, decoded (`+` as space), repeated names kept in order. Lazily parsed. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** Cookies from the `cookie` header. Lazily parsed. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The media type of `content-type`, lower-cased, without parameters ("" if absent). */
  readonly contentType: string;
  /** The body parsed as JSON, once; `{ ok: false }` with a message when it is not JSON or absent. */
  jsonBody(): JsonBodyResult;
  /** The body parsed as `application/x-www-form-urlencoded`, once. */
  formBody(): Readonly<Record<string, readonly string[]>>;
}

export type JsonBodyResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Header changes an allowing check asks for. Names are lower-case. */
export interface HeaderMutations {
  /** Request headers to set upstream, overwriting a client-sent copy. */
  set?: Record<string, string>;
  /** Request headers to append to (comma-joined by Envoy; created when absent). */
  append?: Record<string, string>;
  /** Request headers to remove before the request goes upstream. */
  remove?: string[];
  /** Headers to add to the response Envoy returns to the client (overwrite). */
  response?: Record<string, string>;
}

export interface PassOutcome {
  pass: true;
  headers?: HeaderMutations;
  /** Merged into the dynamic metadata Envoy receives. */
  metadata?: Record<string, unknown>;
  /** Facts for the decision record (matched rules, rate-limit state, ...). Never secrets. */
  notes?: Record<string, unknown>;
}

export interface DenyOutcome {
  pass: false;
  status: number;
  code: ErrorCode;
  /** Internal reason for the decision record (may name the failing claim, rule, ...); never echoed to clients unless safe. */
  reason: string;
  /** Client-facing message for the JSON body (defaults to the catalogue's message for the code). */
  message?: string;
  /** Headers on the denial Envoy sends to the client (e.g. WWW-Authenticate, Retry-After). */
  headers?: Record<string, string>;
  /** Replaces the default JSON body: a string is sent as is, an object is serialized as JSON. */
  body?: string | Record<string, unknown>;
  /** Extra fields merged into the default JSON body (e.g. validation errors). */
  details?: Record<string, unknown>;
  notes?: Record<string, unknown>;
}

export type Outcome = PassOutcome | DenyOutcome;

/** What checks learn for each other and for the record; checks never import each other. */
export interface Identity {
  /** The principal: JWT `sub`, an API key's consumer name, ... */
  principal: string;
  source: string;
  claims?: Readonly<Record<string, unknown>>;
  attributes?: Readonly<Record<string, string>>;
}

export interface DecisionContext {
  /** The matched route's name ("" when none matched). */
  readonly route: string;
  /** Values of `{name}` segments in the route's path template. */
  readonly pathParams: Readonly<Record<string, string>>;
  /** Epoch ms by which the answer must be sent (from the gRPC deadline, less a margin). */
  readonly deadline: number;
  /** Set by an authenticating check; read by the rate limiter, headers, records. */
  identity?: Identity;
  /** Marks the decision degraded (e.g. a rate-limit store failed open). */
  degraded: string[];
  /** When true, the request is being explained (`eval`), not served: no counters should be consumed. */
  readonly dryRun: boolean;
}

/** One compiled check, ready to run. */
export interface Check {
  readonly name: string;
  readonly kind: string;
  run(req: AuthzRequest, ctx: DecisionContext): Outcome | Promise<Outcome>;
}

export type CheckMode = 'enforce' | 'shadow';

/** How a check ended, as recorded. */
export interface CheckResult {
  name: string;
  kind: string;
  /** pass | deny | error | shadow-deny | skipped */
  result: 'pass' | 'deny' | 'error' | 'shadow-deny' | 'skipped';
  code?: ErrorCode | string;
  reason?: string;
  /** Duration in milliseconds. */
  ms: number;
  notes?: Record<string, unknown>;
}

/** The pipeline's answer, before it is encoded for Envoy. */
export interface Verdict {
  allow: boolean;
  /** HTTP status: 200 on allow, the denial's status otherwise. */
  status: number;
  code?: ErrorCode | string;
  message?: string;
  reason?: string;
  /** Allow: request headers to set (overwrite) and append upstream, and to remove. */
  setHeaders: Record<string, string>;
  appendHeaders: Record<string, string>;
  removeHeaders: string[];
  /** Allow: response headers to add; deny: headers on the local reply. */
  responseHeaders: Record<string, string>;
  /** Deny: the body Envoy returns, already serialized. */
  body?: string;
  /** Dynamic metadata for Envoy (`decision_id`, `route`, `principal`, ...). */
  metadata: Record<string, unknown>;
  route: string;
  principal?: string;
  checks: CheckResult[];
  degraded: string[];
  /** Shadow-mode denials: what would have denied. */
  shadowDenied?: { check: string; code: string };
}
