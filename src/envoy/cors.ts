/** The policy's CORS settings as Envoy's CorsPolicy (per virtual host, in typed_per_filter_config). */
import { PolicyError } from '../config/types.js';
import { durationMs } from './format.js';
import { TYPE } from './names.js';
import type { CorsSpec } from './spec.js';

export function corsPolicy(cors: CorsSpec): Record<string, unknown> {
  if (cors.origins.includes('*') && cors.credentials) {
    // Envoy would echo any Origin back with credentials allowed: every site could read users' responses.
    throw new PolicyError('envoy.cors.origins', 'origin "*" cannot be combined with credentials: true');
  }
  const out: Record<string, unknown> = {
    '@type': TYPE.corsPolicy,
    allow_origin_string_match: cors.origins.map((o) => (o === '*' ? { safe_regex: { regex: '.*' } } : { exact: o })),
  };
  if (cors.methods?.length) out.allow_methods = cors.methods.join(', ');
  if (cors.headers?.length) out.allow_headers = cors.headers.join(', ');
  if (cors.exposeHeaders?.length) out.expose_headers = cors.exposeHeaders.join(', ');
  if (cors.maxAge !== undefined) {
    const seconds = typeof cors.maxAge === 'number' ? cors.maxAge : durationMs(cors.maxAge, 'envoy.cors.maxAge') / 1000;
    out.max_age = String(Math.floor(seconds));
  }
  if (cors.credentials !== undefined) out.allow_credentials = cors.credentials;
  // Preflights from other origins are answered by Envoy, not passed on to authorization and the upstream.
  out.forward_not_matching_preflights = false;
  return out;
}
