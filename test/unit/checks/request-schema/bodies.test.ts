import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { requestSchemaCheck } from '../../../../src/checks/request-schema/index.js';
import type { RequestSchemaSpec } from '../../../../src/checks/request-schema/spec.js';
import { PolicyError } from '../../../../src/config/types.js';
import type { Check, DenyOutcome, Outcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeRequest, type TestRequest } from '../../../helpers/request.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/openapi');
const compile = (spec: RequestSchemaSpec, route?: { pathParams: string[] }) =>
  requestSchemaCheck.compile(spec, makeCheckDeps({ dir: fixtures, route }));
const run = async (check: Check, t: TestRequest, pathParams: Record<string, string> = {}): Promise<Outcome> =>
  check.run(makeRequest(t), makeContext({ pathParams }));
const denied = (o: Outcome) => {
  expect(o.pass).toBe(false);
  return o as DenyOutcome;
};
const errorsOf = (o: Outcome) => (denied(o).details as { errors: Array<{ location: string; message: string }> }).errors;

const user = { type: 'object', required: ['password'], properties: { password: { type: 'string', minLength: 8 }, age: { type: 'integer', minimum: 18 }, tags: { type: 'array', items: { type: 'string' } } } };

describe('request-schema bodies', () => {
  it('form bodies are coerced by the schema; repeated fields become arrays', async () => {
    const check = await compile({ body: user, contentTypes: ['application/x-www-form-urlencoded', 'application/json'] });
    const form = (body: string) => ({ method: 'POST', path: '/f', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await run(check, form('password=longenough&age=21&tags=a&tags=b'))).pass).toBe(true);
    expect((await run(check, form('password=longenough&tags=a'))).pass).toBe(true);
    expect(errorsOf(await run(check, form('password=longenough&age=17')))).toEqual([{ location: 'body.age', message: 'must be >= 18' }]);
    expect(errorsOf(await run(check, form('age=20')))).toEqual([{ location: 'body.password', message: "must have required property 'password'" }]);
    // JSON bodies are not coerced: "21" is not an integer there.
    const json = denied(await run(check, { method: 'POST', path: '/f', body: { password: 'longenough', age: '21' } }));
    expect(errorsOf(json)).toEqual([{ location: 'body.age', message: 'must be integer' }]);
  });

  it('content types: json and +json by default, others 415; charset parameters ignored', async () => {
    const check = await compile({ body: user });
    const body = JSON.stringify({ password: 'longenough' });
    const withType = (ct: string) => ({ method: 'POST', path: '/x', body, headers: { 'content-type': ct } });
    expect((await run(check, withType('application/json; charset=utf-8'))).pass).toBe(true);
    expect((await run(check, withType('Application/JSON'))).pass).toBe(true);
    expect((await run(check, withType('application/merge-patch+json'))).pass).toBe(true);
    const o = denied(await run(check, withType('text/plain')));
    expect(o.status).toBe(415);
    expect(o.code).toBe('schema.unsupported_media_type');
    expect(denied(await run(check, withType('application/x-www-form-urlencoded'))).status).toBe(415);
    expect(denied(await run(check, { method: 'POST', path: '/x', body })).status).toBe(415);
  });

  it('an allow-list without a body schema only restricts types; other allowed types pass unvalidated', async () => {
    const check = await compile({ contentTypes: ['application/json', 'text/*'] });
    expect(requestSchemaCheck.readsBody!({ contentTypes: ['application/json'] })).toBe(false);
    expect((await run(check, { method: 'POST', path: '/', body: 'hello', headers: { 'content-type': 'text/csv' } })).pass).toBe(true);
    expect(denied(await run(check, { method: 'POST', path: '/', body: 'x', headers: { 'content-type': 'image/png' } })).status).toBe(415);
    expect((await run(check, { method: 'GET', path: '/' })).pass).toBe(true);
  });

  it('partial bodies: 413 by default, let through unvalidated with partialBody: allow', async () => {
    const partial = { method: 'POST', path: '/p', body: '{"password": "longen', headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'true' } };
    const strict = await compile({ body: user });
    const o = denied(await run(strict, partial));
    expect(o.status).toBe(413);
    expect(o.code).toBe('schema.body_partial');
    const lax = await compile({ body: user, partialBody: 'allow' });
    const passed = await run(lax, partial);
    expect(passed).toMatchObject({ pass: true, notes: { bodyValidated: false } });
    // Announced by content-length but not sent (buffering skipped): cannot be judged whole either.
    const announced = { method: 'POST', path: '/p', headers: { 'content-type': 'application/json', 'content-length': '20' } };
    expect(denied(await run(strict, announced)).code).toBe('schema.body_partial');
    // Buffered by Envoy (the partial-body header is there) and empty: simply no body.
    const emptyChunked = { method: 'POST', path: '/p', headers: { 'transfer-encoding': 'chunked', 'x-envoy-auth-partial-body': 'false' } };
    expect((await run(strict, emptyChunked)).pass).toBe(true);
    expect(denied(await run(strict, { method: 'POST', path: '/p', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' } })).code).toBe('schema.body_partial');
  });

  it('bodyRequired: true requires a body on every method', async () => {
    const check = await compile({ body: user, bodyRequired: true });
    expect(denied(await run(check, { method: 'GET', path: '/' })).code).toBe('schema.body_missing');
    expect(denied(await run(check, { method: 'PUT', path: '/', headers: { 'content-length': '0' } })).code).toBe('schema.body_missing');
  });

  it('file refs chain across files and dialects (2020-12 file with a ref to a sibling)', async () => {
    const check = await compile({ body: { $ref: 'schemas/address.yaml' } });
    expect((await run(check, { method: 'POST', path: '/', body: { city: 'Oslo', zip: '01234' } })).pass).toBe(true);
    expect(errorsOf(await run(check, { method: 'POST', path: '/', body: { city: 'Oslo', zip: '1234' } }))).toEqual([
      { location: 'body.zip', message: 'must match pattern "^[0-9]{5}$"' },
    ]);
  });

  it('file refs under properties named like data keywords (default, enum, x-...) resolve too', async () => {
    const check = await compile({ body: { type: 'object', properties: { default: { $ref: 'schemas/common.yaml#/$defs/zip' }, 'x-id': { $ref: 'schemas/common.yaml#/$defs/id' } } } });
    expect((await run(check, { method: 'POST', path: '/', body: { default: '12345', 'x-id': '123e4567-e89b-12d3-a456-426614174000' } })).pass).toBe(true);
    expect(errorsOf(await run(check, { method: 'POST', path: '/', body: { default: '1', 'x-id': 'no' } })).map((e) => e.location)).toEqual(['body.default', 'body.x-id']);
  });

  it('2020-12 inline schemas', async () => {
    const check = await compile({
      body: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'integer' }], items: false },
    });
    expect((await run(check, { method: 'POST', path: '/', body: [1] })).pass).toBe(true);
    expect(errorsOf(await run(check, { method: 'POST', path: '/', body: [1, 2] }))[0]!.location).toBe('body');
  });

  it('formats: uri, uuid, date-time', async () => {
    const check = await compile({
      body: { type: 'object', properties: { u: { type: 'string', format: 'uri' }, id: { type: 'string', format: 'uuid' }, at: { type: 'string', format: 'date-time' } } },
    });
    expect((await run(check, { method: 'POST', path: '/', body: { u: 'https://a.example/x', id: '123e4567-e89b-12d3-a456-426614174000', at: '2024-01-02T03:04:05Z' } })).pass).toBe(true);
    const errs = errorsOf(await run(check, { method: 'POST', path: '/', body: { u: 'not a uri', id: 'nope', at: 'yesterday' } }));
    expect(errs.map((e) => e.location).sort()).toEqual(['body.at', 'body.id', 'body.u']);
  });
});

describe('request-schema parameters', () => {
  it('path parameters from the route template', async () => {
    const check = await compile({ path: { id: { type: 'string', format: 'uuid' } } }, { pathParams: ['id'] });
    expect((await run(check, { path: '/users/123e4567-e89b-12d3-a456-426614174000' }, { id: '123e4567-e89b-12d3-a456-426614174000' })).pass).toBe(true);
    const o = denied(await run(check, { path: '/users/42' }, { id: '42' }));
    expect(o.code).toBe('schema.path_invalid');
    expect(errorsOf(o)).toEqual([{ location: 'path.id', message: 'must match format "uuid"' }]);
  });

  it('headers (case-insensitive names, required) and cookies', async () => {
    const check = await compile({
      headers: { 'X-Api-Version': { type: 'integer', enum: [1, 2], required: true } },
      cookies: { session: { type: 'string', minLength: 10 } },
    });
    expect((await run(check, { headers: { 'x-api-version': '2' } })).pass).toBe(true);
    const missing = denied(await run(check, {}));
    expect(missing.code).toBe('schema.headers_invalid');
    expect(errorsOf(missing)).toEqual([{ location: 'headers.x-api-version', message: "must have required property 'x-api-version'" }]);
    expect(errorsOf(await run(check, { headers: { 'x-api-version': '3' } }))[0]!.location).toBe('headers.x-api-version');
    expect(errorsOf(await run(check, { headers: { 'x-api-version': '1', cookie: 'session=short' } }))).toEqual([
      { location: 'cookies.session', message: 'must NOT have fewer than 10 characters' },
    ]);
  });

  it('array query parameters: repeated (form, explode) or comma-separated (explode: false)', async () => {
    const check = await compile({
      query: {
        id: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 3 },
        tag: { type: 'array', items: { type: 'string' }, explode: false },
      },
    });
    expect((await run(check, { path: '/?id=1&id=2&tag=a,b' })).pass).toBe(true);
    expect((await run(check, { path: '/?id=7' })).pass).toBe(true);
    expect(errorsOf(await run(check, { path: '/?id=1&id=0' }))).toEqual([{ location: 'query.id[1]', message: 'must be >= 1' }]);
    expect(errorsOf(await run(check, { path: '/?id=1&id=2&id=3&id=4' }))).toEqual([{ location: 'query.id', message: 'must NOT have more than 3 items' }]);
  });

  it('a whole-query object schema can refuse unknown parameters', async () => {
    const check = await compile({ query: { type: 'object', additionalProperties: false, properties: { page: { type: 'integer' } } } });
    expect((await run(check, { path: '/?page=2' })).pass).toBe(true);
    expect(errorsOf(await run(check, { path: '/?page=2&debug=1' }))).toEqual([{ location: 'query.debug', message: 'must NOT have additional properties' }]);
  });
});

describe('request-schema policy errors', () => {
  const fails = async (spec: RequestSchemaSpec, at: RegExp, msg: RegExp) => {
    const err = await Promise.resolve().then(() => compile(spec)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).at).toMatch(at);
    expect((err as PolicyError).message).toMatch(msg);
  };

  it('reports invalid schemas with their key path', async () => {
    await fails({ body: { type: 'strin' } }, /\.body$/, /type/);
    await fails({ body: { type: 'string', minLenght: 3 } }, /\.body$/, /unknown keyword/);
    await fails({ query: { page: { type: 'integer', minimum: 'one' } } }, /\.query\.page$/, /minimum/);
    await fails({ body: { $ref: 'schemas/missing.json' } }, /checks\[0\]$/, /cannot read/);
    await fails({ body: { $ref: 'https://example.com/s.json' } }, /\.body$/, /not local/);
    await fails({ contentTypes: ['json'] }, /contentTypes\[0\]$/, /not a media type/);
    await fails({ openapi: 'nope' }, /\.openapi$/, /no OpenAPI document named "nope"/);
  });

  it('strict-mode findings are warnings for check-config, union types are not', async () => {
    const deps = makeCheckDeps({ dir: fixtures });
    await requestSchemaCheck.compile({ body: { properties: { a: { type: ['string', 'null'] } } } }, deps);
    expect(deps.warnings).toHaveLength(1);
    expect(deps.warnings[0]).toMatch(/^routes\[0\]\.checks\[0\]: .*missing type "object" for keyword "properties"/);
  });

  it('refuses patterns the linear-time engine cannot run', async () => {
    await fails({ body: { type: 'string', pattern: '^(?=.*[A-Z]).{8,}$' } }, /\.body$/, /linear-time/);
  });
});
