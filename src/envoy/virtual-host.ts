/**
 * The route table: one Envoy route per policy route, in policy order (first match wins on both sides), then a
 * catch-all. Per route: the body limit (buffer filter), the ext_authz body window or none, context extensions,
 * and the ratelimit opt-out.
 */
import type { RouteSpec } from '../config/policy-spec.js';
import { PolicyError } from '../config/types.js';
import { routeReadsBody } from './body.js';
import type { RenderContext } from './context.js';
import { DEFAULTS } from './context.js';
import { corsPolicy } from './cors.js';
import { durationMs, envoyDuration, sizeBytes } from './format.js';
import { FILTER, TYPE } from './names.js';
import { routeMatch } from './route-match.js';
import type { RouteEnvoySpec } from './spec.js';

type Obj = Record<string, unknown>;

const DEFAULT_ROUTE = 'portcullis-default';

function checkSettings(ctx: RenderContext, route: RouteSpec | undefined, at: string, maxBody: number): Obj {
  const settings: Obj = {};
  const ext = route?.match.contextExtensions;
  if (ext && Object.keys(ext).length > 0) {
    if (ctx.httpAuthz) ctx.warnings.push(`${at}.match.contextExtensions: Envoy sends context extensions only to a gRPC authorization server`);
    else settings.context_extensions = { ...ext };
  }
  if (route && routeReadsBody(route)) {
    const inspect = Math.min(
      route.inspectBodyBytes === undefined ? DEFAULTS.inspectBodyBytes : sizeBytes(route.inspectBodyBytes, `${at}.inspectBodyBytes`),
      maxBody,
    );
    settings.with_request_body = { max_request_bytes: inspect, allow_partial_message: true, pack_as_bytes: true };
  } else {
    settings.disable_request_body_buffering = true;
  }
  return { '@type': TYPE.extAuthzPerRoute, check_settings: settings };
}

function perRouteConfig(ctx: RenderContext, route: RouteSpec | undefined, at: string): Obj {
  const maxBody = route?.maxBodyBytes === undefined ? DEFAULTS.maxBodyBytes : sizeBytes(route.maxBodyBytes, `${at}.maxBodyBytes`);
  const out: Obj = {
    [FILTER.buffer]: { '@type': TYPE.bufferPerRoute, buffer: { max_request_bytes: maxBody } },
    [FILTER.extAuthz]: checkSettings(ctx, route, at, maxBody),
  };
  const envoy = (route?.envoy ?? {}) as RouteEnvoySpec;
  if (envoy.rateLimit === false) {
    for (const d of ctx.domains) out[d.filterName] = { '@type': TYPE.ratelimitPerRoute, vh_rate_limits: 'IGNORE' };
  }
  return out;
}

function routeEntry(ctx: RenderContext, route: RouteSpec, index: number): Obj {
  const at = `routes[${index}]`;
  const upstreams = ctx.envoy.upstreams ?? {};
  if (route.upstream === undefined) throw new PolicyError(`${at}.upstream`, `route "${route.name}" needs an upstream for Envoy to send it to`);
  if (!Object.prototype.hasOwnProperty.call(upstreams, route.upstream)) {
    throw new PolicyError(`${at}.upstream`, `no upstream "${route.upstream}" under envoy.upstreams`);
  }
  const envoy = (route.envoy ?? {}) as RouteEnvoySpec;
  const action: Obj = { cluster: route.upstream };
  const timeout = envoy.timeout !== undefined ? durationMs(envoy.timeout, `${at}.envoy.timeout`) : ctx.ms.route;
  if (timeout !== undefined) action.timeout = envoyDuration(timeout);
  if (envoy.prefixRewrite !== undefined) {
    if (route.match.path?.prefix === undefined) throw new PolicyError(`${at}.envoy.prefixRewrite`, 'needs a prefix path match');
    action.prefix_rewrite = envoy.prefixRewrite;
  }
  return {
    name: route.name,
    match: routeMatch(route.match, `${at}.match`),
    route: action,
    typed_per_filter_config: perRouteConfig(ctx, route, at),
  };
}

export function virtualHost(ctx: RenderContext): Obj {
  const routes = ctx.routes.map((r, i) => routeEntry(ctx, r, i));
  const names = new Set<string>();
  ctx.routes.forEach((r, i) => {
    if (r.name === DEFAULT_ROUTE) throw new PolicyError(`routes[${i}].name`, `"${DEFAULT_ROUTE}" is the name of the rendered catch-all route`);
    if (names.has(r.name)) throw new PolicyError(`routes[${i}].name`, `duplicate route name "${r.name}"`);
    names.add(r.name);
  });
  // Unmatched requests still go through authorization (the policy's default answers them); if Portcullis
  // allows one, there is nowhere to send it.
  routes.push({
    name: DEFAULT_ROUTE,
    match: { prefix: '/' },
    direct_response: { status: 404 },
    typed_per_filter_config: perRouteConfig(ctx, undefined, 'default'),
  });
  const vh: Obj = { name: 'portcullis', domains: ['*'] };
  if (ctx.envoy.cors) vh.typed_per_filter_config = { [FILTER.cors]: corsPolicy(ctx.envoy.cors) };
  const rateLimits = ctx.domains.flatMap((d) => d.rateLimits.map((actions) => (d.stage === 0 ? { actions } : { stage: d.stage, actions })));
  if (rateLimits.length > 0) vh.rate_limits = rateLimits;
  vh.routes = routes;
  return vh;
}
