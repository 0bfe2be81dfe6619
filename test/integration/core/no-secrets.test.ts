import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { startServeProcess } from '../../helpers/process.js';
import { envoyCheckRequest } from '../../helpers/server.js';

// Secrets a client sends in every place a secret travels; none may reach stdout, stderr or the store.
const SECRETS = {
  bearer: 'eyJhbGciOiJub25lIn0.c2VjcmV0LWJlYXJlci12YWx1ZQ.sig-SECRET-1',
  cookie: 'sessionid=SECRET-COOKIE-2',
  apiKey: 'SECRET-API-KEY-3',
  queryToken: 'SECRET-QUERY-4',
  password: 'SECRET-PASSWORD-5',
};

const policy = `
decisions: { sqlite: decisions.db, stdout: true, queue: { flushMs: 20 } }
waf:
  rulesets:
    custom:
      inline: |
        SecRule ARGS "@rx <script" "id:1001,phase:2,deny,status:403,t:urlDecodeUni,t:lowercase,msg:'XSS',logdata:'%{MATCHED_VAR}'"
        SecRule ARGS "@rx secret-password" "id:1002,phase:2,deny,status:403,t:lowercase,msg:'probe',logdata:'Matched %{MATCHED_VAR_NAME}=%{MATCHED_VAR}'"
default: { action: deny, status: 404 }
routes:
  - name: api
    match: { path: { prefix: /api } }
    checks:
      - headers: { forbid: [x-never] }
      - waf: { ruleset: custom }
`;

describe('secrets never reach a record or a log line', () => {
  it('keeps credentials out of stdout, stderr (debug level) and the SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-secrets-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policy);
    const p = await startServeProcess(['--config', file, '--grpc', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--http-authz', 'off'], { PORTCULLIS_LOG_LEVEL: 'debug' });
    const Client = grpc.makeGenericClientConstructor(loadGrpcDefinitions().authorization, 'a');
    const client = new Client(`127.0.0.1:${p.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const check = (req: object) => new Promise<any>((resolve, reject) => client.Check(req, (e: Error | null, r: any) => (e ? reject(e) : resolve(r))));
    const headers = { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie, 'x-api-key': SECRETS.apiKey };
    const allow = await check(envoyCheckRequest({ path: `/api/x?token=${SECRETS.queryToken}&page=1`, headers }));
    expect(allow.status.code).toBe(0);
    const deny = await check(
      envoyCheckRequest({
        method: 'POST',
        path: `/api/login?access_token=${SECRETS.queryToken}`,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: `user=bob&password=${SECRETS.password}`,
      }),
    );
    expect(deny.denied_response.status.code).toBe('Forbidden');
    const malformed = await check(envoyCheckRequest({ path: '/api%2Fx', headers }));
    expect(malformed.denied_response.status.code).toBe('BadRequest');
    client.close();
    const exited = new Promise<number | null>((resolve) => p.child.on('exit', (code) => resolve(code)));
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const stdout = p.stdout();
    const records = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.filter((r) => r.type === 'check')).toHaveLength(3);
    expect(records.some((r) => r.code === 'waf.blocked')).toBe(true);
    const store = readdirSync(dir).filter((f) => f.startsWith('decisions.db')).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
    expect(store.length).toBeGreaterThan(0);
    expect(store).toContain('waf.blocked');
    for (const [name, secret] of Object.entries(SECRETS)) {
      const needle = secret.split('=').pop()!;
      expect(stdout, `${name} in stdout`).not.toContain(needle);
      expect(p.stderr(), `${name} in logs`).not.toContain(needle);
      expect(store, `${name} in the store`).not.toContain(needle);
    }
  }, 40_000);
});
