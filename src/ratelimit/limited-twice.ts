/**
 * `check-config` finding: a route limited twice, by its own `rate-limit` check and by the RLS domains Envoy's
 * ratelimit filter applies to every route (virtual-host `rate_limits`) unless the route sets
 * `envoy: { rateLimit: false }`. Each counts its own hits, which is rarely what was meant.
 */
import type { PolicySpec } from '../config/policy-spec.js';
import type { RateLimitResource } from './section.js';

export function limitedTwiceWarnings(spec: PolicySpec, resource: Pick<RateLimitResource, 'domains'>): string[] {
  const rendered = (spec.envoy as { ratelimit?: { domains?: string[] } } | undefined)?.ratelimit?.domains;
  const limiting = [...resource.domains.values()]
    .filter((d) => !rendered || rendered.includes(d.name))
    .filter((d) => d.limits.some((l) => !l.unlimited && !l.shadow))
    .map((d) => d.name);
  if (limiting.length === 0) return [];
  const out: string[] = [];
  (Array.isArray(spec.routes) ? spec.routes : []).forEach((route, i) => {
    const hasCheck = (route.checks ?? []).some((c) => c && typeof c === 'object' && 'rate-limit' in c);
    const optedOut = (route.envoy as { rateLimit?: boolean } | undefined)?.rateLimit === false;
    if (hasCheck && !optedOut) {
      out.push(`routes[${i}]: route '${route.name}' is limited twice: by its rate-limit check and by RLS domain(s) ${limiting.join(', ')} (Envoy applies them to every route); set envoy: { rateLimit: false } on the route, or drop one`);
    }
  });
  return out;
}
