/**
 * A small stand-in for Envoy's data path, driven by a rendered envoy.yaml: route selection (first match on
 * path, prefix, safe_regex and header matchers, full-match regexes as Envoy's RE2 does), the CheckRequest the
 * ext_authz filter would send for the chosen route (context extensions, the body window), and the descriptors
 * the ratelimit filter would build from `rate_limits`. Only the shapes render-envoy emits are understood.
 */
type Obj = Record<string, any>;

export interface SimRequest {
  method: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  peer?: string;
}

/** RE2 full match, for the regex subset render-envoy writes (`(?i)` only as a leading flag). */
function fullMatch(regex: string, text: string): boolean {
  const insensitive = regex.startsWith('(?i)');
  return new RegExp(`^(?:${insensitive ? regex.slice(4) : regex})$`, insensitive ? 'i' : '').test(text);
}

function stringMatch(m: Obj, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.safe_regex) return fullMatch(m.safe_regex.regex, value);
  throw new Error(`unsupported string matcher ${JSON.stringify(m)}`);
}

export class EnvoySim {
  constructor(private readonly cfg: Obj) {}

  private get hcm(): Obj {
    return this.cfg.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  }

  get vhost(): Obj {
    return this.hcm.route_config.virtual_hosts[0];
  }

  filter(name: string): Obj | undefined {
    return this.hcm.http_filters.find((f: Obj) => f.name === name)?.typed_config;
  }

  route(req: SimRequest): Obj {
    const path = req.path.split('?')[0]!;
    const headers: Record<string, string> = { ':method': req.method, ':authority': req.host ?? 'api.example.com', ':path': req.path, ...req.headers };
    for (const r of this.vhost.routes as Obj[]) {
      const m = r.match;
      const pathOk =
        m.path !== undefined ? path === m.path : m.prefix !== undefined ? path.startsWith(m.prefix) : m.safe_regex ? fullMatch(m.safe_regex.regex, path) : false;
      if (!pathOk) continue;
      if ((m.headers ?? []).every((h: Obj) => stringMatch(h.string_match, headers[h.name]))) return r;
    }
    throw new Error(`no route for ${req.method} ${req.path}`);
  }

  /** The CheckRequest ext_authz sends for this request (gRPC mode, headers map, as Envoy builds it). */
  checkRequest(req: SimRequest): Obj {
    const route = this.route(req);
    const settings = route.typed_per_filter_config?.['envoy.filters.http.ext_authz']?.check_settings ?? {};
    const filterBody = this.filter('envoy.filters.http.ext_authz')?.with_request_body;
    const window = settings.disable_request_body_buffering ? undefined : settings.with_request_body ?? filterBody;
    const host = req.host ?? 'api.example.com';
    const headers: Record<string, string> = {
      ':authority': host,
      ':path': req.path,
      ':method': req.method,
      ':scheme': 'https',
      'x-forwarded-proto': 'https',
      'x-request-id': 'sim-0001',
      ...req.headers,
    };
    const http: Obj = { id: '1', method: req.method, headers, path: req.path, host, scheme: 'https', protocol: 'HTTP/1.1' };
    if (window && req.body && req.body.length > 0) {
      const partial = req.body.length > window.max_request_bytes;
      http.raw_body = partial ? req.body.subarray(0, window.max_request_bytes) : req.body;
      http.size = req.body.length;
      headers['x-envoy-auth-partial-body'] = partial ? 'true' : 'false';
    }
    return {
      attributes: {
        source: { address: { socket_address: { address: req.peer ?? '203.0.113.9', port_value: 40000 } } },
        destination: { address: { socket_address: { address: '10.0.0.5', port_value: 8443 } } },
        request: { time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, http },
        context_extensions: { ...(this.vhost.typed_per_filter_config?.['envoy.filters.http.ext_authz']?.check_settings?.context_extensions ?? {}), ...(settings.context_extensions ?? {}) },
      },
    };
  }

  /** Whether the buffer filter lets the body through on this route (else Envoy answers 413 itself). */
  bodyAllowed(req: SimRequest): boolean {
    const route = this.route(req);
    const limit = route.typed_per_filter_config?.['envoy.filters.http.buffer']?.buffer?.max_request_bytes ?? this.filter('envoy.filters.http.buffer')!.max_request_bytes;
    return (req.body?.length ?? 0) <= limit;
  }

  /**
   * The descriptors the ratelimit filter of `stage` sends: each `rate_limits` entry yields one descriptor, or
   * none when any of its actions yields nothing. `metadata` is ext_authz's dynamic metadata (namespace -> fields).
   */
  descriptors(req: SimRequest, metadata: Record<string, Record<string, string>>, stage = 0): Array<{ entries: Array<{ key: string; value: string }> }> {
    const route = this.route(req);
    const perRoute = Object.values(route.typed_per_filter_config ?? {}).find((c: any) => String(c['@type']).endsWith('RateLimitPerRoute')) as Obj | undefined;
    if (perRoute?.vh_rate_limits === 'IGNORE') return [];
    const headers: Record<string, string> = { ':method': req.method, ':path': req.path, ':authority': req.host ?? 'api.example.com', ...req.headers };
    const out: Array<{ entries: Array<{ key: string; value: string }> }> = [];
    for (const rl of (this.vhost.rate_limits ?? []) as Obj[]) {
      if ((rl.stage ?? 0) !== stage) continue;
      const entries: Array<{ key: string; value: string }> = [];
      let complete = true;
      for (const action of rl.actions as Obj[]) {
        const [kind, spec] = Object.entries(action)[0] as [string, Obj];
        let entry: { key: string; value: string } | undefined;
        if (kind === 'remote_address') entry = { key: 'remote_address', value: req.peer ?? '203.0.113.9' };
        else if (kind === 'generic_key') entry = { key: spec.descriptor_key ?? 'generic_key', value: spec.descriptor_value };
        else if (kind === 'request_headers') {
          const v = headers[spec.header_name];
          if (v !== undefined) entry = { key: spec.descriptor_key, value: v };
        } else if (kind === 'metadata') {
          const v = metadata[spec.metadata_key.key]?.[spec.metadata_key.path[0].key];
          if (v !== undefined) entry = { key: spec.descriptor_key, value: v };
        } else throw new Error(`unsupported action ${kind}`);
        if (!entry) {
          complete = false;
          break;
        }
        entries.push(entry);
      }
      if (complete) out.push({ entries });
    }
    return out;
  }
}
