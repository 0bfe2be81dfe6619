/**
 * The HTTP filter chain, in the order that matters: CORS answers preflights first, the buffer filter enforces
 * body limits (413) before anything reads the body, ext_authz decides, the ratelimit filter runs after it so it
 * can key on the principal ext_authz returned, and the router forwards.
 */
import { checkFactories } from '../checks/registry.js';
import { routeReadsBody } from './body.js';
import type { RenderContext } from './context.js';
import { DEFAULTS } from './context.js';
import { envoyDuration } from './format.js';
import { CLUSTER, DECISION_ID_HEADER, FILTER, PRINCIPAL_HEADER, ROUTE_HEADER, TYPE } from './names.js';

type Obj = Record<string, unknown>;

/** Request headers a check may set upstream: the policy's identity headers and what registered checks declare. */
export function upstreamHeaders(ctx: RenderContext): string[] {
  const out = new Set((ctx.spec.identityHeaders ?? []).map((h) => h.toLowerCase()));
  for (const route of ctx.routes) {
    for (const entry of route.checks ?? []) {
      for (const [kind, spec] of Object.entries(entry)) {
        const factory = checkFactories.find((f) => f.kind === kind);
        for (const h of factory?.setsHeaders?.(spec ?? {}) ?? []) out.add(h.toLowerCase());
      }
    }
  }
  return [...out].sort();
}

function extAuthzGrpc(ctx: RenderContext): Obj {
  return {
    grpc_service: { envoy_grpc: { cluster_name: CLUSTER.authz }, timeout: envoyDuration(ctx.ms.extAuthz) },
  };
}

function extAuthzHttp(ctx: RenderContext): Obj {
  const scheme = ctx.portcullisTls ? 'https' : 'http';
  const exact = (names: string[]) => ({ patterns: names.map((n) => ({ exact: n })) });
  const prefix = (ctx.spec.server as { httpAuthzPathPrefix?: string } | undefined)?.httpAuthzPathPrefix;
  return {
    http_service: {
      ...(prefix ? { path_prefix: prefix } : {}),
      server_uri: {
        uri: `${scheme}://${ctx.portcullisHttp.host}:${ctx.portcullisHttp.port}`,
        cluster: CLUSTER.httpAuthz,
        timeout: envoyDuration(ctx.ms.extAuthz),
      },
      authorization_response: {
        // Only these may reach the upstream from the authorization answer: a forged identity header from the
        // client is removed by Portcullis through x-envoy-auth-headers-to-remove.
        allowed_upstream_headers: exact(upstreamHeaders(ctx)),
        allowed_client_headers_on_success: { patterns: [{ prefix: 'x-ratelimit-' }] },
        dynamic_metadata_from_headers: exact([PRINCIPAL_HEADER, DECISION_ID_HEADER, ROUTE_HEADER]),
      },
    },
    // Checks see every request header, as over gRPC (HTTP mode otherwise sends only a handful).
    allowed_headers: { patterns: [{ safe_regex: { regex: '.*' } }] },
  };
}

function extAuthz(ctx: RenderContext): Obj {
  const config: Obj = {
    '@type': TYPE.extAuthz,
    transport_api_version: 'V3',
    failure_mode_allow: false,
    status_on_error: { code: 'ServiceUnavailable' },
    ...(ctx.httpAuthz ? extAuthzHttp(ctx) : extAuthzGrpc(ctx)),
  };
  // Buffering is switched on or off per route; this default only serves Envoys without per-route body settings.
  if (ctx.routes.some((r) => routeReadsBody(r))) {
    config.with_request_body = { max_request_bytes: DEFAULTS.inspectBodyBytes, allow_partial_message: true, pack_as_bytes: true };
  }
  return { name: FILTER.extAuthz, typed_config: config };
}

function rateLimitFilters(ctx: RenderContext): Obj[] {
  return ctx.domains.map((d) => {
    const config: Obj = {
      '@type': TYPE.ratelimit,
      domain: d.domain,
      timeout: envoyDuration(ctx.ms.rateLimit),
      failure_mode_deny: d.failClosed,
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      rate_limited_as_resource_exhausted: true,
      rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: CLUSTER.ratelimit } } },
    };
    if (d.stage !== 0) config.stage = d.stage;
    if (d.failClosed) config.status_on_error = { code: 'ServiceUnavailable' };
    return { name: d.filterName, typed_config: config };
  });
}

export function httpFilters(ctx: RenderContext): Obj[] {
  const filters: Obj[] = [];
  if (ctx.envoy.cors) filters.push({ name: FILTER.cors, typed_config: { '@type': TYPE.cors } });
  filters.push({ name: FILTER.buffer, typed_config: { '@type': TYPE.buffer, max_request_bytes: DEFAULTS.maxBodyBytes } });
  filters.push(extAuthz(ctx));
  filters.push(...rateLimitFilters(ctx));
  filters.push({ name: FILTER.router, typed_config: { '@type': TYPE.router } });
  return filters;
}
