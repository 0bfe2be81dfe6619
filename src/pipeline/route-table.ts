/**
 * Route matching: host (exact or `*.example.com`), path (exact, prefix, template `/users/{id}`), methods and
 * Envoy context extensions. First match wins; matching runs on the normalized path.
 */
import type { RouteMatchSpec } from '../config/policy-spec.js';
import type { AuthzRequest } from './types.js';

/** Returns the path parameters when the request matches, else null. */
export type RouteMatcher = (req: AuthzRequest) => Record<string, string> | null;

const NO_PARAMS: Record<string, string> = Object.freeze(Object.create(null));

/** `/users/{id}/posts/{postId}` -> a regex and the parameter names. Parameters match one whole segment. */
export function compileTemplate(template: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  const source = template
    .split('/')
    .map((seg) =>
      seg.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}|([^{}]+)/g, (_m, name: string | undefined, literal: string | undefined) => {
        if (name !== undefined) {
          if (params.includes(name)) throw new Error(`duplicate path parameter {${name}}`);
          params.push(name);
          return '([^/]+)';
        }
        return literal!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }),
    )
    .join('/');
  if (/[{}]/.test(template.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ''))) throw new Error('unbalanced braces in path template');
  return { regex: new RegExp(`^${source}$`), params };
}

export function templateParams(match: RouteMatchSpec): string[] {
  return match.path?.template ? compileTemplate(match.path.template).params : [];
}

function hostMatcher(patterns: string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const p of patterns.map((h) => h.toLowerCase())) {
    if (p === '*') return () => true;
    if (p.startsWith('*.')) suffixes.push(p.slice(1));
    else exact.add(p);
  }
  return (host) => exact.has(host) || suffixes.some((s) => host.length > s.length && host.endsWith(s));
}

export function compileMatcher(match: RouteMatchSpec): RouteMatcher {
  const tests: Array<(req: AuthzRequest) => boolean> = [];
  if (match.host !== undefined) {
    const hosts = hostMatcher(Array.isArray(match.host) ? match.host : [match.host]);
    tests.push((req) => hosts(req.host));
  }
  if (match.methods) {
    const methods = new Set(match.methods);
    tests.push((req) => methods.has(req.method));
  }
  if (match.contextExtensions) {
    const wanted = Object.entries(match.contextExtensions);
    tests.push((req) => wanted.every(([k, v]) => req.contextExtensions[k] === v));
  }
  const path = match.path;
  let template: { regex: RegExp; params: string[] } | undefined;
  if (path?.exact !== undefined) {
    const exact = path.exact;
    tests.push((req) => req.path === exact);
  } else if (path?.prefix !== undefined) {
    const prefix = path.prefix;
    tests.push((req) => req.path.startsWith(prefix));
  } else if (path?.template !== undefined) {
    template = compileTemplate(path.template);
  }
  return (req) => {
    for (const t of tests) if (!t(req)) return null;
    if (!template) return NO_PARAMS;
    const m = template.regex.exec(req.path);
    if (!m) return null;
    const params: Record<string, string> = Object.create(null);
    template.params.forEach((name, i) => {
      let v = m[i + 1]!;
      try {
        v = decodeURIComponent(v);
      } catch {
        // keep the raw segment; the path was already validated by normalization
      }
      params[name] = v;
    });
    return params;
  };
}
