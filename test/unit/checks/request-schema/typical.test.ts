import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { requestSchemaCheck } from '../../../../src/checks/request-schema/index.js';
import type { RequestSchemaSpec } from '../../../../src/checks/request-schema/spec.js';
import type { Check, DenyOutcome, Outcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeRequest, type TestRequest } from '../../../helpers/request.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/openapi');

// The typical gateway values: body an object, password required, email format email maxLength 255,
// password 8..128; query page an integer >= 1.
const typical: RequestSchemaSpec = {
  body: { $ref: 'schemas/user.json' },
  bodyRequired: ['POST'],
  query: { page: { type: 'integer', minimum: 1 } },
};

async function compile(spec: RequestSchemaSpec = typical): Promise<Check> {
  return requestSchemaCheck.compile(spec, makeCheckDeps({ dir: fixtures }));
}

async function run(check: Check, t: TestRequest): Promise<Outcome> {
  return check.run(makeRequest(t), makeContext());
}

function denied(o: Outcome): DenyOutcome {
  expect(o.pass).toBe(false);
  return o as DenyOutcome;
}

function errorsOf(o: Outcome): Array<{ location: string; message: string }> {
  return (denied(o).details as { errors: Array<{ location: string; message: string }> }).errors;
}

const post = (body: unknown, extra: Partial<TestRequest> = {}): TestRequest => ({ method: 'POST', path: '/api/users', body: body as object, ...extra });

describe('request-schema with the typical gateway schemas', () => {
  it('accepts a valid body and a valid page', async () => {
    const check = await compile();
    expect(await run(check, post({ email: 'ann@example.com', password: 'correct horse' }))).toEqual({ pass: true });
    expect(await run(check, { path: '/api/users?page=3' })).toEqual({ pass: true });
    expect(await run(check, { path: '/api/users' })).toEqual({ pass: true });
  });

  it('password: 8 and 128 characters pass, 7 and 129 fail', async () => {
    const check = await compile();
    expect((await run(check, post({ password: 'a'.repeat(8) }))).pass).toBe(true);
    expect((await run(check, post({ password: 'a'.repeat(128) }))).pass).toBe(true);
    const short = denied(await run(check, post({ password: 'a'.repeat(7) })));
    expect(short.status).toBe(400);
    expect(short.code).toBe('schema.body_invalid');
    expect(errorsOf(short)).toEqual([{ location: 'body.password', message: 'must NOT have fewer than 8 characters' }]);
    expect(errorsOf(await run(check, post({ password: 'a'.repeat(129) })))).toEqual([
      { location: 'body.password', message: 'must NOT have more than 128 characters' },
    ]);
  });

  it('email: format email, 255 characters pass, 256 fail', async () => {
    const check = await compile();
    const email = (length: number) => 'a'.repeat(64) + '@' + 'b'.repeat(length - 64 - 1 - 4) + '.com';
    expect(email(255)).toHaveLength(255);
    expect((await run(check, post({ email: email(255), password: 'password1' }))).pass).toBe(true);
    expect(errorsOf(await run(check, post({ email: email(256), password: 'password1' })))).toEqual([
      { location: 'body.email', message: 'must NOT have more than 255 characters' },
    ]);
    expect(errorsOf(await run(check, post({ email: 'not-an-email', password: 'password1' })))).toEqual([
      { location: 'body.email', message: 'must match format "email"' },
    ]);
  });

  it('wrong types and missing required fields', async () => {
    const check = await compile();
    expect(errorsOf(await run(check, post({ email: 42, password: 'password1' })))).toEqual([{ location: 'body.email', message: 'must be string' }]);
    expect(errorsOf(await run(check, post({ password: 12345678 })))).toEqual([{ location: 'body.password', message: 'must be string' }]);
    expect(errorsOf(await run(check, post({ email: 'ann@example.com' })))).toEqual([{ location: 'body.password', message: "must have required property 'password'" }]);
    expect(errorsOf(await run(check, post(['password1'])))).toEqual([{ location: 'body', message: 'must be object' }]);
    expect(errorsOf(await run(check, post('"password1"', { headers: { 'content-type': 'application/json' } })))).toEqual([{ location: 'body', message: 'must be object' }]);
  });

  it('page: coerced from the query string; 1 passes, 0 and non-integers fail', async () => {
    const check = await compile();
    expect((await run(check, { path: '/api/users?page=1' })).pass).toBe(true);
    const zero = denied(await run(check, { path: '/api/users?page=0' }));
    expect(zero.code).toBe('schema.query_invalid');
    expect(zero.status).toBe(400);
    expect(errorsOf(zero)).toEqual([{ location: 'query.page', message: 'must be >= 1' }]);
    expect(errorsOf(await run(check, { path: '/api/users?page=abc' }))).toEqual([{ location: 'query.page', message: 'must be integer' }]);
    expect(errorsOf(await run(check, { path: '/api/users?page=1.5' }))).toEqual([{ location: 'query.page', message: 'must be integer' }]);
    expect(errorsOf(await run(check, { path: '/api/users?page=' }))).toEqual([{ location: 'query.page', message: 'must be integer' }]);
    // A repeated scalar parameter is ambiguous (parameter pollution): refused.
    expect(errorsOf(await run(check, { path: '/api/users?page=1&page=2' }))).toEqual([{ location: 'query.page', message: 'must be integer' }]);
  });

  it('a POST without a body is refused; a GET without one is not', async () => {
    const check = await compile();
    const missing = denied(await run(check, { method: 'POST', path: '/api/users' }));
    expect(missing.code).toBe('schema.body_missing');
    expect(missing.status).toBe(400);
    expect((await run(check, { method: 'GET', path: '/api/users' })).pass).toBe(true);
  });

  it('malformed JSON gets a clear 400 that does not quote the body', async () => {
    const check = await compile();
    const o = denied(await run(check, post('{"password": "hunter2-secret"', { headers: { 'content-type': 'application/json' } })));
    expect(o.code).toBe('schema.body_malformed');
    expect(o.status).toBe(400);
    expect(errorsOf(o)[0]!.message).toMatch(/^must be valid JSON/);
    expect(JSON.stringify(o)).not.toContain('hunter2');
    const o2 = denied(await run(check, post('password=hunter2-secret', { headers: { 'content-type': 'application/json' } })));
    expect(JSON.stringify(o2)).not.toContain('hunter2');
  });

  it('never echoes a secret-looking value', async () => {
    const check = await compile({
      body: {
        type: 'object',
        properties: {
          password: { type: 'string', minLength: 8 },
          token: { type: 'string', pattern: '^[a-f0-9]+$' },
          apiKey: { enum: ['x'] },
          secret: { const: 'y' },
        },
      },
    });
    const o = denied(await run(check, post({ password: 'pw-SECRET1', token: 'tok-SECRET2', apiKey: 'key-SECRET3', secret: 'sec-SECRET4' })));
    expect(errorsOf(o).map((e) => e.location).sort()).toEqual(['body.apiKey', 'body.secret', 'body.token']);
    const text = JSON.stringify(o);
    expect(text).not.toMatch(/SECRET/);
  });

  it('lists at most maxErrors errors', async () => {
    const props = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, { type: 'integer' }]));
    const check = await compile({ body: { type: 'object', properties: props }, maxErrors: 3 });
    const body = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, 'x']));
    expect(errorsOf(await run(check, post(body)))).toHaveLength(3);
  });
});
