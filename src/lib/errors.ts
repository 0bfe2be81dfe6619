/**
 * The one catalogue of error codes. Decision records, metric labels, deny bodies and the README table all come
 * from here; `test/unit/lib/errors-readme.test.ts` keeps the README table in step with this list.
 *
 * Each entry: default HTTP status, the client-facing message (safe to show anyone), and what it means.
 */
export interface ErrorInfo {
  status: number;
  message: string;
  description: string;
}

const catalogue = {
  // Requests Envoy sent that we cannot judge.
  'request.malformed': { status: 400, message: 'Bad request', description: 'The CheckRequest lacks attributes, the HTTP request, or a method.' },
  'request.bad_header': { status: 400, message: 'Bad request', description: 'A header name or value is not valid (control characters, invalid UTF-8).' },
  'request.too_many_headers': { status: 431, message: 'Request header fields too large', description: 'More headers than `limits.maxHeaders`.' },
  'request.header_too_large': { status: 431, message: 'Request header fields too large', description: 'A header larger than `limits.maxHeaderBytes`, or all headers together larger than `limits.maxTotalHeaderBytes`.' },
  'request.bad_path': { status: 400, message: 'Bad request', description: 'The path has an encoded slash or backslash, a NUL, invalid percent-encoding, or does not normalize (dot segments above the root).' },
  'request.body_too_large': { status: 413, message: 'Payload too large', description: '`content-length` exceeds the route\'s `maxBodyBytes`.' },

  // Routing.
  'route.not_found': { status: 404, message: 'Not found', description: 'No route matched and the policy default denies.' },

  // The service itself.
  'server.overloaded': { status: 503, message: 'Service unavailable', description: 'More Checks in flight than `server.maxInFlight`: shed at once rather than queued.' },
  'server.deadline': { status: 503, message: 'Service unavailable', description: 'The call\'s gRPC deadline would pass before the checks finish.' },
  'server.draining': { status: 503, message: 'Service unavailable', description: 'The server is shutting down.' },
  'server.internal': { status: 503, message: 'Service unavailable', description: 'An unexpected internal error; details are in the log under the decision id.' },

  // headers check.
  'headers.missing': { status: 400, message: 'A required header is missing', description: 'A header the route requires is absent or does not match.' },
  'headers.forbidden': { status: 400, message: 'A forbidden header is present', description: 'A header the route forbids is present.' },
  'headers.error': { status: 503, message: 'Service unavailable', description: 'The headers check failed internally.' },

  // jwt-auth check.
  'jwt.missing': { status: 401, message: 'Invalid token', description: 'No token was found where the provider looks for one.' },
  'jwt.malformed': { status: 401, message: 'Invalid token', description: 'The token is not a well-formed compact JWS.' },
  'jwt.bad_algorithm': { status: 401, message: 'Invalid token', description: 'The token\'s `alg` is not in the provider\'s allow-list (`none` never is).' },
  'jwt.expired': { status: 401, message: 'Invalid token', description: '`exp` is in the past (beyond the clock skew).' },
  'jwt.not_yet_valid': { status: 401, message: 'Invalid token', description: '`nbf` (or `iat`) is in the future (beyond the clock skew).' },
  'jwt.bad_signature': { status: 401, message: 'Invalid token', description: 'The signature does not verify.' },
  'jwt.unknown_key': { status: 401, message: 'Invalid token', description: 'No key matches the token\'s `kid`, even after a JWKS refresh.' },
  'jwt.wrong_issuer': { status: 401, message: 'Invalid token', description: '`iss` is not an accepted issuer.' },
  'jwt.wrong_audience': { status: 401, message: 'Invalid token', description: '`aud` does not include an accepted audience.' },
  'jwt.invalid_claims': { status: 401, message: 'Invalid token', description: 'A required claim is missing, or the lifetime exceeds `maxLifetime`.' },
  'jwt.insufficient_scope': { status: 403, message: 'Forbidden', description: 'The token is valid but the route\'s claim requirements (roles, scopes, claims) fail.' },
  'jwt.error': { status: 503, message: 'Service unavailable', description: 'Keys could not be obtained in time, or the check failed internally.' },

  // api-key check.
  'apikey.missing': { status: 401, message: 'Invalid API key', description: 'No API key was presented.' },
  'apikey.invalid': { status: 401, message: 'Invalid API key', description: 'The API key matches no configured key.' },
  'apikey.error': { status: 503, message: 'Service unavailable', description: 'The api-key check failed internally.' },

  // ip-policy check.
  'ip.denied': { status: 403, message: 'Forbidden', description: 'The client IP is in the deny list.' },
  'ip.not_allowed': { status: 403, message: 'Forbidden', description: 'An allow list is set and the client IP is not in it.' },
  'ip.unknown': { status: 403, message: 'Forbidden', description: 'The client IP could not be resolved or parsed.' },
  'ip.error': { status: 503, message: 'Service unavailable', description: 'The ip-policy check failed internally.' },

  // request-schema check.
  'schema.body_invalid': { status: 400, message: 'Request body is invalid', description: 'The body does not satisfy the route\'s schema.' },
  'schema.body_missing': { status: 400, message: 'Request body is required', description: 'The route requires a body and none was sent.' },
  'schema.body_malformed': { status: 400, message: 'Request body is not valid JSON', description: 'The body could not be parsed for its content type.' },
  'schema.body_partial': { status: 413, message: 'Payload too large', description: 'Envoy sent only part of the body (inspection window) and the route must validate it whole.' },
  'schema.unsupported_media_type': { status: 415, message: 'Unsupported media type', description: 'The content type is not in the route\'s allow-list.' },
  'schema.query_invalid': { status: 400, message: 'Query parameters are invalid', description: 'Query parameters do not satisfy their schema.' },
  'schema.path_invalid': { status: 400, message: 'Path parameters are invalid', description: 'Path template parameters do not satisfy their schema.' },
  'schema.headers_invalid': { status: 400, message: 'Request headers are invalid', description: 'Headers do not satisfy their schema.' },
  'schema.operation_not_found': { status: 404, message: 'Not found', description: 'The OpenAPI document defines no such path.' },
  'schema.method_not_allowed': { status: 405, message: 'Method not allowed', description: 'The OpenAPI document defines the path but not this method.' },
  'schema.error': { status: 503, message: 'Service unavailable', description: 'The request-schema check failed internally.' },

  // waf check.
  'waf.blocked': { status: 403, message: 'Forbidden', description: 'A WAF rule denied the request, or the inbound anomaly score reached the threshold.' },
  'waf.body_partial': { status: 413, message: 'Payload too large', description: 'The body was partial and the rule set is configured to refuse partial bodies.' },
  'waf.error': { status: 503, message: 'Service unavailable', description: 'The WAF failed internally.' },

  // rate-limit check and RateLimitService.
  'ratelimit.over_limit': { status: 429, message: 'Too many requests', description: 'A limit of the route is exhausted for this key.' },
  'ratelimit.store_unavailable': { status: 503, message: 'Service unavailable', description: 'The counter store failed and the limit is `failMode: closed`.' },
  'ratelimit.error': { status: 503, message: 'Service unavailable', description: 'The rate-limit check failed internally.' },

  // Configuration (check-config, reload, startup).
  'config.invalid': { status: 500, message: 'Invalid configuration', description: 'The policy file failed validation or compilation.' },
  'config.reload_failed': { status: 500, message: 'Reload failed', description: 'A reload was refused; the previous policy keeps serving.' },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof catalogue;

export const errorCatalogue: Readonly<Record<ErrorCode, ErrorInfo>> = catalogue;

export function errorInfo(code: ErrorCode): ErrorInfo {
  return catalogue[code];
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(catalogue, value);
}
