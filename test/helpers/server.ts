/**
 * Integration helpers: a real Portcullis (in-process) on ephemeral ports with a policy written to a temp
 * folder, and real gRPC clients built from the project's protos, sending what Envoy sends.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcDefinitions } from '../../src/grpc/protos.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startPortcullis, type Portcullis } from '../../src/main.js';

export interface TestServer extends Portcullis {
  dir: string;
  policyFile: string;
  check(req: object, opts?: { deadlineMs?: number }): Promise<any>;
  rls(req: object): Promise<any>;
  health(service: string): Promise<any>;
  admin(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  policy: string,
  opts: { files?: Record<string, string>; crsDir?: string; watch?: boolean; copyFrom?: string } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-it-'));
  // A policy's relative files (keys, schemas, rules) come along when the folder is copied first.
  if (opts.copyFrom) cpSync(opts.copyFrom, dir, { recursive: true });
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policy);
  const p = await startPortcullis({ configFile: policyFile, grpc: '127.0.0.1:0', admin: '127.0.0.1:0', httpAuthz: '127.0.0.1:0', logger: silentLogger(), crsDir: opts.crsDir, watch: opts.watch ?? false });
  const defs = loadGrpcDefinitions();
  const address = `127.0.0.1:${p.grpcPort}`;
  const Ctor = (def: grpc.ServiceDefinition) => grpc.makeGenericClientConstructor(def, 'svc');
  const authz = new (Ctor(defs.authorization))(address, grpc.credentials.createInsecure()) as any;
  const rlsClient = new (Ctor(defs.rateLimit))(address, grpc.credentials.createInsecure()) as any;
  const healthClient = new (Ctor(defs.health))(address, grpc.credentials.createInsecure()) as any;
  const unary = (client: any, method: string, req: object, deadlineMs = 2000) =>
    new Promise<any>((resolve, reject) => {
      client[method](req, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: any) => (err ? reject(err) : resolve(res)));
    });
  return Object.assign(p, {
    dir,
    policyFile,
    check: (req: object, o?: { deadlineMs?: number }) => unary(authz, 'Check', req, o?.deadlineMs),
    rls: (req: object) => unary(rlsClient, 'ShouldRateLimit', req),
    health: (service: string) => unary(healthClient, 'Check', { service }),
    admin: (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${p.adminPort}${path}`, init),
    close: async () => {
      authz.close();
      rlsClient.close();
      healthClient.close();
      await p.stop();
    },
  });
}

/** A CheckRequest shaped exactly as Envoy's ext_authz filter sends it (gRPC mode, headers map). */
export function envoyCheckRequest(o: {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  partial?: boolean;
  peer?: string;
  contextExtensions?: Record<string, string>;
} = {}): object {
  const method = o.method ?? 'GET';
  const path = o.path ?? '/';
  const host = o.host ?? 'api.example.com';
  const headers: Record<string, string> = {
    ':authority': host,
    ':path': path,
    ':method': method,
    ':scheme': 'https',
    'user-agent': 'curl/8.5.0',
    accept: '*/*',
    'x-forwarded-proto': 'https',
    'x-request-id': 'c0ffee00-0000-4000-8000-000000000001',
    ...o.headers,
  };
  const http: Record<string, unknown> = { id: '1234567890', method, headers, path, host, scheme: 'https', protocol: 'HTTP/1.1' };
  if (o.body !== undefined) {
    http.raw_body = Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
    http.size = (http.raw_body as Buffer).length;
    headers['x-envoy-auth-partial-body'] = o.partial ? 'true' : 'false';
  }
  return {
    attributes: {
      source: { address: { socket_address: { address: o.peer ?? '203.0.113.9', port_value: 51234 } } },
      destination: { address: { socket_address: { address: '10.0.0.5', port_value: 8443 } } },
      request: { time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, http },
      context_extensions: o.contextExtensions ?? {},
    },
  };
}

/** Header list of an OkHttpResponse or DeniedHttpResponse as a plain map. */
export function headerMap(options: Array<{ header: { key: string; value: string } }> | undefined): Record<string, string> {
  return Object.fromEntries((options ?? []).map((h) => [h.header.key, h.header.value]));
}
