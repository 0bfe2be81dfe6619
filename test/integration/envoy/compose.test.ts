/**
 * No Docker engine runs here, so the compose setup is checked for what can drift: every file it names exists,
 * service names, aliases and ports are the cluster addresses of envoy/envoy.yaml, the certificates the
 * development script makes are the ones Envoy and the demo upstream load (with the SAN Envoy verifies), and the
 * Dockerfile only copies what exists and serves the example policy as a non-root user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const compose = parse(read('docker-compose.yml')) as Obj;
const envoy = parse(read('envoy/envoy.yaml')) as Obj;
const policy = parse(read('envoy/portcullis.yaml')) as Obj;
const dockerfile = read('Dockerfile');
const services = compose.services as Record<string, Obj>;

/** `host:container[:ro]` volume strings of a service. */
function mounts(service: string): Array<{ source: string; target: string; bind: boolean }> {
  return (services[service]!.volumes ?? []).map((v: string) => {
    const [source, target] = v.split(':') as [string, string];
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

function endpoints(cluster: Obj): Array<{ address: string; port: number }> {
  return cluster.load_assignment.endpoints.flatMap((e: Obj) =>
    e.lb_endpoints.map((l: Obj) => ({ address: l.endpoint.address.socket_address.address, port: l.endpoint.address.socket_address.port_value })),
  );
}

/** Every `filename:` in envoy.yaml. */
function envoyFiles(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => envoyFiles(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'filename' && typeof x === 'string') out.push(x);
      else envoyFiles(x, out);
    }
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('has Envoy (pinned official image), Portcullis (built here), Redis, a demo upstream and the certificate maker', () => {
    expect(Object.keys(services).sort()).toEqual(['certs', 'demo-upstream', 'envoy', 'portcullis', 'redis']);
    expect(services.envoy!.image).toMatch(/^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    for (const s of Object.values(services)) if (s.image) expect(s.image).not.toMatch(/:latest$|^[^:]+$/);
    expect(services.portcullis!.build).toBe('.');
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
  });

  it('names only files that exist', () => {
    for (const name of Object.keys(services)) {
      for (const m of mounts(name).filter((x) => x.bind)) expect(existsSync(join(ROOT, m.source)), `${name}: ${m.source}`).toBe(true);
    }
    const named = new Set(Object.keys(compose.volumes ?? {}));
    for (const name of Object.keys(services)) {
      for (const m of mounts(name).filter((x) => !x.bind)) expect(named.has(m.source), `${name}: volume ${m.source}`).toBe(true);
    }
  });

  it('gives Envoy the rendered envoy.yaml and publishes its listener port', () => {
    const config = mounts('envoy').find((m) => m.source === './envoy/envoy.yaml');
    expect(config).toBeDefined();
    const cmd = services.envoy!.command as string[];
    expect(cmd[cmd.indexOf('-c') + 1]).toBe(config!.target);
    const port = envoy.static_resources.listeners[0].address.socket_address.port_value;
    expect(services.envoy!.ports).toContain(`${port}:${port}`);
  });

  it('resolves every Envoy cluster address to a compose service or alias, at the port it serves', () => {
    const names = new Map<string, string>();
    for (const [name, s] of Object.entries(services)) {
      names.set(name, name);
      for (const alias of s.networks?.default?.aliases ?? []) names.set(alias, name);
    }
    const nginx = read('deploy/compose/demo-upstream.conf');
    const nginxPorts = [...nginx.matchAll(/^\s*listen\s+(\d+)/gm)].map((m) => Number(m[1]));
    const grpcPort = Number(String(policy.server.grpc).split(':').pop());
    for (const cluster of envoy.static_resources.clusters as Obj[]) {
      for (const ep of endpoints(cluster)) {
        const service = names.get(ep.address);
        expect(service, `cluster ${cluster.name} -> ${ep.address}`).toBeDefined();
        if (service === 'portcullis') {
          expect(ep.port).toBe(grpcPort);
          expect(services.portcullis!.expose).toContain(String(ep.port));
        }
        if (service === 'demo-upstream') expect(nginxPorts).toContain(ep.port);
      }
    }
  });

  it('starts Envoy after the certificates exist and Portcullis is healthy', () => {
    expect(services.envoy!.depends_on.certs.condition).toBe('service_completed_successfully');
    expect(services.envoy!.depends_on.portcullis.condition).toBe('service_healthy');
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it('keeps decisions in a volume where the example policy writes them', () => {
    const sqlite = policy.decisions?.sqlite;
    expect(typeof sqlite).toBe('string');
    const target = mounts('portcullis').find((m) => m.source === 'decisions')?.target;
    expect(target).toBe(posix.dirname(posix.join('/etc/portcullis', sqlite)));
  });
});

describe('development certificates', () => {
  const out = mkdtempSync(join(tmpdir(), 'portcullis-certs-'));
  beforeAll(() => {
    execFileSync('sh', [join(ROOT, 'scripts/dev-certs.sh'), out], { stdio: 'pipe', timeout: 30_000 });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const certsTarget = () => mounts('envoy').find((m) => m.source === 'certs')!.target;

  it('makes every certificate file envoy.yaml loads, in the folder compose mounts', () => {
    const files = envoyFiles(envoy);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(dirname(f)).toBe(certsTarget());
      expect(existsSync(join(out, basename(f))), f).toBe(true);
    }
  });

  it('makes the demo upstream\'s certificate, with the SAN Envoy verifies, signed by the CA Envoy trusts', () => {
    const nginx = read('deploy/compose/demo-upstream.conf');
    for (const m of nginx.matchAll(/ssl_certificate(?:_key)?\s+\/certs\/([^;]+);/g)) expect(existsSync(join(out, m[1]!)), m[1]).toBe(true);
    const internal = (envoy.static_resources.clusters as Obj[]).find((c) => c.transport_socket);
    const tls = internal!.transport_socket.typed_config;
    const san = tls.common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher.exact;
    const cert = join(out, `${endpoints(internal!)[0]!.address}.crt`);
    const text = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(text).toContain(`DNS:${san}`);
    const ca = join(out, basename(tls.common_tls_context.validation_context.trusted_ca.filename));
    expect(execFileSync('openssl', ['verify', '-CAfile', ca, cert], { encoding: 'utf8' })).toMatch(/: OK/);
  });

  it('keeps existing certificates on a second run', () => {
    const before = readFileSync(join(out, 'server.crt'), 'utf8');
    const msg = execFileSync('sh', [join(ROOT, 'scripts/dev-certs.sh'), out], { encoding: 'utf8' });
    expect(msg).toMatch(/already/);
    expect(readFileSync(join(out, 'server.crt'), 'utf8')).toBe(before);
  });
});

describe('Dockerfile', () => {
  const lines = dockerfile.split('\n');

  it('is multi-stage, runs as a non-root user, serves the example policy', () => {
    expect(lines.filter((l) => l.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    const user = lines.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(dockerfile).toMatch(/COPY envoy\/ \/etc\/portcullis\//);
    expect(dockerfile).toContain('"--config", "/etc/portcullis/portcullis.yaml"');
  });

  it('copies only paths that exist, and the build context keeps out what it must', () => {
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const p of parts) expect(existsSync(join(ROOT, p)), p).toBe(true);
    }
    const ignore = read('.dockerignore').split('\n');
    for (const must of ['node_modules', 'dist', '.git', 'envoy/certs']) expect(ignore).toContain(must);
  });

  it('checks health on the admin port the example policy binds', () => {
    const admin = String(policy.server.admin);
    expect(dockerfile).toContain(`http://${admin}/healthz`);
  });
});
