/** The check and the openapi section through the real loader, compiler and pipeline. */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { compilePolicy, PolicyCompileError, type CompiledPolicy } from '../../../../src/config/compile.js';
import { loadPolicy } from '../../../../src/config/load.js';
import { silentLogger } from '../../../../src/lib/logger.js';
import { decide } from '../../../../src/pipeline/decide.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/openapi');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function compile(policy: string): Promise<CompiledPolicy> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-schema-policy-'));
  dirs.push(dir);
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'policy.yaml'), policy);
  const loaded = await loadPolicy(join(dir, 'policy.yaml'));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return compilePolicy(loaded.policy, { logger: silentLogger(), metrics: new Registry(), live: false });
}

const policy = `
default: { action: deny, status: 404 }
openapi:
  pets: { file: petstore/openapi.yaml, prefix: /v1 }
routes:
  - name: users
    match: { path: { template: '/api/users/{id}' } }
    checks:
      - request-schema:
          body: { $ref: schemas/user.json }
          bodyRequired: [POST, PUT]
          path: { id: { type: integer, minimum: 1 } }
          query: { page: { type: integer, minimum: 1 } }
  - name: pets
    match: { path: { prefix: /v1 } }
    checks:
      - request-schema: { openapi: pets }
`;

function input(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ':method': method, ':path': path, ':authority': 'api.example.com', 'x-request-id': 'r-1', ...headers };
  if (body !== undefined) {
    h['content-type'] ??= 'application/json';
    h['x-envoy-auth-partial-body'] ??= 'false';
  }
  return { method, path, headers: h, body: body === undefined ? undefined : Buffer.from(body), source: { address: '203.0.113.9', port: 1 } };
}

describe('request-schema in a policy', () => {
  it('denies with a JSON body listing located errors, and allows valid requests', async () => {
    const p = await compile(policy);
    const ok = await decide(p, input('PUT', '/api/users/7?page=2', JSON.stringify({ email: 'a@example.com', password: 'longenough' })), { deadline: Date.now() + 1000 });
    expect(ok.verdict.allow).toBe(true);

    const bad = await decide(p, input('PUT', '/api/users/7', JSON.stringify({ email: 'nope', password: 'hunter2' })), { deadline: Date.now() + 1000 });
    expect(bad.verdict.allow).toBe(false);
    expect(bad.verdict.status).toBe(400);
    expect(JSON.parse(bad.verdict.body!)).toEqual({
      error: 'schema.body_invalid',
      message: 'Request body is invalid',
      request_id: 'r-1',
      errors: [
        { location: 'body.email', message: 'must match format "email"' },
        { location: 'body.password', message: 'must NOT have fewer than 8 characters' },
      ],
    });
    expect(bad.verdict.body).not.toContain('hunter2');
    expect(JSON.stringify(bad.record)).not.toContain('hunter2');

    const path = await decide(p, input('GET', '/api/users/0'), { deadline: Date.now() + 1000 });
    expect(path.verdict.code).toBe('schema.path_invalid');
    const page = await decide(p, input('GET', '/api/users/3?page=0'), { deadline: Date.now() + 1000 });
    expect(JSON.parse(page.verdict.body!).errors).toEqual([{ location: 'query.page', message: 'must be >= 1' }]);
  });

  it('routes under an OpenAPI prefix are validated per operation', async () => {
    const p = await compile(policy);
    const d = (m: string, path: string, body?: string, h?: Record<string, string>) => decide(p, input(m, path, body, h), { deadline: Date.now() + 1000 });
    expect((await d('GET', '/v1/pets?limit=5')).verdict.allow).toBe(true);
    expect((await d('GET', '/v1/pets?limit=500')).verdict.code).toBe('schema.query_invalid');
    expect((await d('GET', '/v1/nothing')).verdict.status).toBe(404);
    const m = await d('POST', '/v1/pets/3');
    expect(m.verdict.status).toBe(405);
    expect(m.verdict.responseHeaders).toMatchObject({ allow: 'GET, DELETE' });
  });

  it('policy errors point at the file line of the offending key', async () => {
    const bad = policy.replace('minimum: 1 } }\n          query', 'minimum: one } }\n          query');
    const err = await compile(bad).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyCompileError);
    expect((err as PolicyCompileError).errors.join('\n')).toMatch(/policy\.yaml:\d+ .*routes\[0\]\.checks\[0\]\.request-schema\.path\.id: .*minimum/);
    const badDoc = await compile(policy.replace('petstore/openapi.yaml', 'petstore/missing.yaml')).then(() => undefined, (e: unknown) => e);
    expect((badDoc as PolicyCompileError).errors.join('\n')).toMatch(/policy\.yaml:\d+ openapi\.pets: .*cannot read/);
  });
});
