/**
 * A policy route's `match` as an Envoy RouteMatch. Envoy and Portcullis must pick the same route for a request,
 * so both match in policy order on the normalized path, with the same host, method and template rules
 * (see src/pipeline/route-table.ts).
 */
import type { RouteMatchSpec } from '../config/policy-spec.js';
import { PolicyError } from '../config/types.js';
import { escapeRegex } from './format.js';

type Obj = Record<string, unknown>;

/** `/users/{id}` -> `^/users/[^/]+$` in RE2, as route-table.ts compiles it for Portcullis. */
export function templateRegex(template: string, at: string): string {
  if (/[{}]/.test(template.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ''))) throw new PolicyError(at, 'unbalanced braces in path template');
  const parts = template.split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/);
  return parts.map((p) => (p.startsWith('{') ? '[^/]+' : escapeRegex(p))).join('');
}

/** Host patterns (exact or `*.example.com`) as one case-insensitive RE2 on `:authority`, port allowed. */
export function hostRegex(hosts: string[]): string | undefined {
  if (hosts.some((h) => h === '*')) return undefined;
  const alts = hosts.map((h) => (h.startsWith('*.') ? `.+${escapeRegex(h.slice(1).toLowerCase())}` : escapeRegex(h.toLowerCase())));
  return `(?i)(${alts.join('|')})(:[0-9]+)?`;
}

export function routeMatch(match: RouteMatchSpec, at: string): Obj {
  const out: Obj = {};
  const path = match.path;
  if (path?.exact !== undefined) out.path = path.exact;
  else if (path?.prefix !== undefined) out.prefix = path.prefix;
  else if (path?.template !== undefined) out.safe_regex = { regex: templateRegex(path.template, `${at}.path.template`) };
  else out.prefix = '/';
  const headers: Obj[] = [];
  if (match.host !== undefined) {
    const regex = hostRegex(Array.isArray(match.host) ? match.host : [match.host]);
    if (regex) headers.push({ name: ':authority', string_match: { safe_regex: { regex } } });
  }
  if (match.methods && match.methods.length > 0) {
    const methods = [...new Set(match.methods)];
    headers.push(
      methods.length === 1
        ? { name: ':method', string_match: { exact: methods[0] } }
        : { name: ':method', string_match: { safe_regex: { regex: `${methods.map(escapeRegex).join('|')}` } } },
    );
  }
  if (headers.length > 0) out.headers = headers;
  return out;
}
