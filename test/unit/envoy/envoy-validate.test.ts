/** The strict validator itself: it must accept Envoy's documented shapes and refuse each kind of mistake. */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkEnvoyReferences, envoyTypeExists, validateEnvoyConfig, validateEnvoyYaml } from '../../helpers/envoy-validate.js';

const BASE = `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          use_remote_address: true
          normalize_path: true
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              typed_per_filter_config:
                envoy.filters.http.cors:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                  allow_origin_string_match: [ { exact: "https://app.example.com" } ]
                  allow_credentials: true
                  max_age: "3600"
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend, timeout: 15s }
                typed_per_filter_config:
                  envoy.filters.http.buffer:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                    buffer: { max_request_bytes: 1024 }
          http_filters:
          - name: envoy.filters.http.cors
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
          - name: envoy.filters.http.buffer
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
              max_request_bytes: 65536
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: backend
    type: STRICT_DNS
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: backend
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: backend, port_value: 80 } } } } ] } ]
`;

type Obj = Record<string, any>;
const base = (): Obj => parse(BASE);
const hcm = (c: Obj): Obj => c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const messages = (c: unknown) => validateEnvoyConfig(c).map((i) => `${i.path}: ${i.message}`);

describe('strict Envoy validation', () => {
  it('accepts a well-formed bootstrap', () => {
    expect(validateEnvoyYaml(BASE)).toEqual([]);
    expect(checkEnvoyReferences(parse(BASE))).toEqual([]);
  });

  it('accepts lowerCamel JSON names, as Envoy does', () => {
    const c = base();
    const h = hcm(c);
    h.useRemoteAddress = h.use_remote_address;
    delete h.use_remote_address;
    expect(messages(c)).toEqual([]);
  });

  it('refuses a misspelled field, naming its path', () => {
    const c = base();
    hcm(c).use_remote_adress = true;
    const out = messages(c);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/filter_chains\[0\]\.filters\[0\]\.typed_config\.use_remote_adress: unknown field "use_remote_adress" in .*HttpConnectionManager/);
  });

  it('refuses a misspelled field deep inside a typed_config', () => {
    const c = base();
    hcm(c).route_config.virtual_hosts[0].routes[0].typed_per_filter_config['envoy.filters.http.buffer'].buffer.max_request_byte = 1;
    expect(messages(c).join('\n')).toMatch(/unknown field "max_request_byte" in envoy\.extensions\.filters\.http\.buffer\.v3\.Buffer/);
  });

  it('refuses an @type that names no message', () => {
    const c = base();
    hcm(c).http_filters[0].typed_config['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Corz';
    expect(messages(c).join('\n')).toMatch(/@type.*names no message/);
  });

  it('refuses an @type of the wrong message for its contents', () => {
    const c = base();
    // A CorsPolicy's fields under the filter's own message type.
    hcm(c).route_config.virtual_hosts[0].typed_per_filter_config['envoy.filters.http.cors']['@type'] =
      'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
    const out = messages(c).join('\n');
    expect(out).toMatch(/unknown field "allow_origin_string_match" in envoy\.extensions\.filters\.http\.cors\.v3\.Cors/);
  });

  it('refuses a missing @type', () => {
    const c = base();
    delete hcm(c).http_filters[2].typed_config['@type'];
    expect(messages(c).join('\n')).toMatch(/"@type" is missing/);
  });

  it('refuses unknown enum names and accepts known ones', () => {
    const c = base();
    c.static_resources.clusters[0].type = 'STRICT_DSN';
    expect(messages(c).join('\n')).toMatch(/"STRICT_DSN" is not a value of envoy\.config\.cluster\.v3\.Cluster\.DiscoveryType/);
    c.static_resources.clusters[0].type = 'LOGICAL_DNS';
    expect(messages(c)).toEqual([]);
  });

  it('checks durations', () => {
    const c = base();
    c.static_resources.clusters[0].connect_timeout = '250ms';
    expect(messages(c).join('\n')).toMatch(/connect_timeout: expected a duration such as "0.2s"/);
    c.static_resources.clusters[0].connect_timeout = 0.25;
    expect(messages(c).join('\n')).toMatch(/connect_timeout: expected a duration/);
  });

  it('takes wrappers as plain values, not objects', () => {
    const c = base();
    hcm(c).normalize_path = { value: true };
    expect(messages(c).join('\n')).toMatch(/normalize_path.*expects true or false/);
    hcm(c).normalize_path = 'yes';
    expect(messages(c).join('\n')).toMatch(/normalize_path.*expects true or false/);
  });

  it('refuses two members of one oneof', () => {
    const c = base();
    const route = hcm(c).route_config.virtual_hosts[0].routes[0];
    route.match.path = '/exact';
    expect(messages(c).join('\n')).toMatch(/oneof "path_specifier" .* several members set: prefix, path/);
  });

  it('enforces required oneofs and required fields', () => {
    const c = base();
    const route = hcm(c).route_config.virtual_hosts[0].routes[0];
    delete route.route;
    expect(messages(c).join('\n')).toMatch(/oneof "action" of envoy\.config\.route\.v3\.Route is required/);
    const d = base();
    delete hcm(d).http_filters[1].typed_config.max_request_bytes;
    expect(messages(d).join('\n')).toMatch(/required field "max_request_bytes" of envoy\.extensions\.filters\.http\.buffer\.v3\.Buffer is missing/);
  });

  it('checks repeated versus singular and scalar types', () => {
    const c = base();
    hcm(c).route_config.virtual_hosts[0].domains = '*';
    expect(messages(c).join('\n')).toMatch(/domains: field "domains" is repeated: expected a list/);
    const d = base();
    d.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 70000;
    expect(messages(d).join('\n')).toMatch(/port_value.*(out of range|at most 65535)/);
    const e = base();
    e.static_resources.clusters[0].name = 42;
    expect(messages(e).join('\n')).toMatch(/"name" expects a string/);
  });

  it('refuses deprecated fields (the legacy per-virtual-host cors)', () => {
    const c = base();
    hcm(c).route_config.virtual_hosts[0].cors = { allow_credentials: true };
    expect(messages(c).join('\n')).toMatch(/field "cors" of envoy\.config\.route\.v3\.VirtualHost is deprecated/);
  });

  it('refuses a null value (a YAML key with nothing after it)', () => {
    const out = validateEnvoyYaml(stringify(base()).replace('stat_prefix: ingress', 'stat_prefix:'));
    expect(out.map((i) => i.message).join('\n')).toMatch(/has no value/);
  });

  it('checks maps', () => {
    const c = base();
    hcm(c).route_config.virtual_hosts[0].typed_per_filter_config = [];
    expect(messages(c).join('\n')).toMatch(/typed_per_filter_config.*is a map: expected an object/);
  });

  it('finds messages of packages it has not loaded yet', () => {
    expect(envoyTypeExists('envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute')).toBe(true);
    expect(envoyTypeExists('envoy.extensions.filters.http.ratelimit.v3.NoSuchThing')).toBe(false);
  });

  it('cross-checks cluster names and per-route filter names', () => {
    const c = base();
    hcm(c).route_config.virtual_hosts[0].routes[0].route.cluster = 'missing';
    hcm(c).route_config.virtual_hosts[0].routes[0].typed_per_filter_config['envoy.filters.http.bufer'] = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
      disabled: true,
    };
    const out = checkEnvoyReferences(c).map((i) => i.message);
    expect(out).toContain('no cluster named "missing"');
    expect(out).toContain('no http filter named "envoy.filters.http.bufer"');
  });
});

describe('strictness over a whole rendering', () => {
  it('notices a misspelling of any field of the committed envoy.yaml', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const rendered = parse(readFileSync(join(import.meta.dirname, '../../../envoy/envoy.yaml'), 'utf8')) as Obj;
    expect(validateEnvoyConfig(rendered)).toEqual([]);
    // Keys of these maps are names, not fields.
    const MAPS = new Set(['typed_per_filter_config', 'context_extensions', 'typed_extension_protocol_options']);
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, path: Array<string | number>) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') {
        const parentIsMap = MAPS.has(String(path[path.length - 1]));
        for (const [k, x] of Object.entries(v)) {
          if (!parentIsMap && k !== '@type') paths.push([...path, k]);
          walk(x, [...path, k]);
        }
      }
    };
    walk(rendered, []);
    expect(paths.length).toBeGreaterThan(100);
    const missed: string[] = [];
    for (const p of paths) {
      const copy = structuredClone(rendered);
      let parent: any = copy;
      for (const k of p.slice(0, -1)) parent = parent[k];
      const key = p[p.length - 1] as string;
      parent[`${key}x`] = parent[key];
      delete parent[key];
      if (validateEnvoyConfig(copy).length === 0) missed.push(p.join('.'));
    }
    expect(missed).toEqual([]);
  });
});
