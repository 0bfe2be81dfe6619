import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { runCli, startServeProcess } from '../../helpers/process.js';
import { envoyCheckRequest } from '../../helpers/server.js';

const policy = `
decisions: { stdout: true }
default: { action: deny, status: 404 }
routes:
  - name: api
    match: { path: { prefix: /api } }
    checks:
      - headers: { require: { x-request-id: true } }
`;

function writePolicy(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-proc-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

describe('portcullis as a process', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/serve\s+run the ext_authz/);
    expect(r.stdout).toMatch(/check-config/);
  });

  it('check-config: errors with file:line (exit 1) or a summary (exit 0)', async () => {
    const good = await runCli(['check-config', '--config', writePolicy(policy)]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/OK \(1 routes/);
    const bad = await runCli(['check-config', '--config', writePolicy(policy.replace('prefix: /api', 'prefix: api'))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('policy.yaml:6 routes[0].match.path.prefix: must start with /');
    const viaEnv = await runCli(['check-config'], { env: { PORTCULLIS_CONFIG: writePolicy(policy) } });
    expect(viaEnv.code).toBe(0);
    const none = await runCli(['check-config'], { env: { PORTCULLIS_CONFIG: '' } });
    expect(none.code).toBe(2);
  });

  it('refuses to start on a broken policy, exiting non-zero', async () => {
    const r = await runCli(['serve', '--config', writePolicy('routes: [ {'), '--grpc', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--http-authz', 'off']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policy is invalid/);
  });

  it('serves, writes decision records to stdout only, and drains on SIGTERM with exit 0', async () => {
    const p = await startServeProcess(['--config', writePolicy(policy), '--grpc', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--http-authz', 'off']);
    const defs = loadGrpcDefinitions();
    const Client = grpc.makeGenericClientConstructor(defs.authorization, 'a');
    const client = new Client(`127.0.0.1:${p.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const res = await new Promise<any>((resolve, reject) =>
      client.Check(envoyCheckRequest({ path: '/api/x', headers: { authorization: 'Bearer s3cr3t-token-value' } }), (e: Error | null, r: any) => (e ? reject(e) : resolve(r))),
    );
    expect(res.status.code).toBe(0);
    client.close();
    const exited = new Promise<number | null>((resolve) => p.child.on('exit', (code) => resolve(code)));
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = p.stdout().trim().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((l) => JSON.parse(l).route === 'api')).toBe(true);
    expect(p.stdout() + p.stderr()).not.toContain('s3cr3t-token-value');
    expect(p.stderr()).toMatch(/"msg":"draining"/);
  }, 30_000);
});
