import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { requestSchemaCheck } from '../../../src/checks/request-schema/index.js';
import type { OpenApiRegistry } from '../../../src/openapi/compiled.js';
import { openapiSection } from '../../../src/openapi/section.js';
import type { Check, DenyOutcome, Outcome } from '../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeDeps, makeRequest, type TestRequest } from '../../helpers/request.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/openapi');
let registry: OpenApiRegistry;
let check: Check;
const UUID = '123e4567-e89b-12d3-a456-426614174000';

beforeAll(async () => {
  const deps = makeDeps({ dir: fixtures });
  registry = await openapiSection.compile(
    { petstore: { file: 'petstore/openapi.yaml', prefix: '/api/' }, notes: { file: 'petstore/openapi-31.json', unknownOperation: 'allow' } },
    deps,
  );
  check = await requestSchemaCheck.compile({ openapi: 'petstore' }, makeCheckDeps({ dir: fixtures, shared: { openapi: registry } }));
});

const run = async (t: TestRequest, c: Check = check): Promise<Outcome> => c.run(makeRequest(t), makeContext());
const denied = (o: Outcome) => {
  expect(o.pass).toBe(false);
  return o as DenyOutcome;
};
const errorsOf = (o: Outcome) => (denied(o).details as { errors: Array<{ location: string; message: string }> }).errors;
const newPet = (body: unknown, extra: Partial<TestRequest> = {}): TestRequest => ({
  method: 'POST',
  path: '/api/pets',
  body: body as object,
  ...extra,
  headers: { 'x-trace': UUID, ...(extra.headers as Record<string, string> | undefined) },
});

describe('OpenAPI 3.0 document', () => {
  it('derives operations under the prefix and matches literal paths before templates', async () => {
    expect(registry.get('petstore')!.operationCount).toBe(7);
    expect(await run({ path: '/api/pets' })).toEqual({ pass: true, notes: { operation: 'listPets' } });
    expect(await run({ path: '/api/pets/mine' })).toEqual({ pass: true, notes: { operation: 'myPets' } });
    expect(await run({ path: '/api/pets/12' })).toEqual({ pass: true, notes: { operation: 'getPet' } });
    expect(await run({ method: 'HEAD', path: '/api/pets/12' })).toEqual({ pass: true, notes: { operation: 'getPet' } });
  });

  it('unknown paths get 404, unknown methods 405 with Allow', async () => {
    const nf = denied(await run({ path: '/api/cats' }));
    expect(nf.status).toBe(404);
    expect(nf.code).toBe('schema.operation_not_found');
    expect(denied(await run({ path: '/pets' })).status).toBe(404);
    expect(denied(await run({ path: '/api/pets/' })).status).toBe(404);
    const na = denied(await run({ method: 'PATCH', path: '/api/pets/12' }));
    expect(na.status).toBe(405);
    expect(na.code).toBe('schema.method_not_allowed');
    expect(na.headers).toEqual({ allow: 'GET, DELETE' });
    const lax = await requestSchemaCheck.compile({ openapi: 'petstore', unknownOperation: 'allow' }, makeCheckDeps({ shared: { openapi: registry } }));
    expect((await run({ path: '/api/cats' }, lax)).pass).toBe(true);
  });

  it('path parameters: a ref to another file, and mixed segments', async () => {
    const o = denied(await run({ path: '/api/pets/0' }));
    expect(o.code).toBe('schema.path_invalid');
    expect(errorsOf(o)).toEqual([{ location: 'path.petId', message: 'must be >= 1' }]);
    expect(errorsOf(await run({ path: '/api/pets/abc' }))).toEqual([{ location: 'path.petId', message: 'must be integer' }]);
    const photo = (p: string) => ({ method: 'PUT', path: p, body: 'PNG', headers: { 'content-type': 'image/png' } });
    expect(await run(photo('/api/pets/3/photos/me.png'))).toEqual({ pass: true, notes: { operation: 'putPhoto' } });
    expect(errorsOf(await run(photo('/api/pets/3/photos/me.gif')))).toEqual([{ location: 'path.ext', message: 'must be equal to one of the allowed values' }]);
    expect(denied(await run({ ...photo('/api/pets/3/photos/me.png'), headers: { 'content-type': 'application/json' } })).status).toBe(415);
    expect(denied(await run({ method: 'PUT', path: '/api/pets/3/photos/me.png' })).code).toBe('schema.body_missing');
  });

  it('query parameters: $ref with 3.0 exclusiveMaximum, exploded and comma arrays, deepObject', async () => {
    expect((await run({ path: '/api/pets?limit=99&tags=a&tags=b&ids=1,2,3&filter[kind]=cat&filter[minAge]=2' })).pass).toBe(true);
    expect(errorsOf(await run({ path: '/api/pets?limit=100' }))).toEqual([{ location: 'query.limit', message: 'must be < 100' }]);
    expect(errorsOf(await run({ path: '/api/pets?limit=0' }))).toEqual([{ location: 'query.limit', message: 'must be >= 1' }]);
    expect(errorsOf(await run({ path: '/api/pets?tags=a&tags=b&tags=c&tags=d' }))).toEqual([{ location: 'query.tags', message: 'must NOT have more than 3 items' }]);
    expect(errorsOf(await run({ path: '/api/pets?ids=1,x' }))).toEqual([{ location: 'query.ids[1]', message: 'must be integer' }]);
    expect(errorsOf(await run({ path: '/api/pets?filter[kind]=cow' }))).toEqual([{ location: 'query.filter.kind', message: 'must be equal to one of the allowed values' }]);
  });

  it('header and cookie parameters', async () => {
    expect((await run({ path: '/api/pets', headers: { 'x-request-budget': '0.5', cookie: 'session=abcd' } })).pass).toBe(true);
    const h = denied(await run({ path: '/api/pets', headers: { 'x-request-budget': '0' } }));
    expect(h.code).toBe('schema.headers_invalid');
    expect(errorsOf(h)).toEqual([{ location: 'headers.x-request-budget', message: 'must be > 0' }]);
    expect(errorsOf(await run({ path: '/api/pets', headers: { cookie: 'session=abc' } }))).toEqual([{ location: 'cookies.session', message: 'must NOT have fewer than 4 characters' }]);
    expect(errorsOf(await run(newPet({ name: 'Rex', kind: 'dog' }, { headers: { 'x-trace': 'nope' } })))).toEqual([{ location: 'headers.x-trace', message: 'must match format "uuid"' }]);
  });

  it('request bodies: a $ref requestBody in two content types, required', async () => {
    expect(await run(newPet({ name: 'Rex', kind: 'dog' }))).toEqual({ pass: true, notes: { operation: 'createPet' } });
    expect(errorsOf(await run(newPet({ name: 'Rex', kind: 'cow' })))).toEqual([{ location: 'body.kind', message: 'must be equal to one of the allowed values' }]);
    expect(errorsOf(await run(newPet({ kind: 'dog' })))).toEqual([{ location: 'body.name', message: "must have required property 'name'" }]);
    // required but readOnly (server-assigned): required in responses only; still checked when sent.
    expect(errorsOf(await run(newPet({ id: 'x', name: 'Rex', kind: 'dog' })))).toEqual([{ location: 'body.id', message: 'must be integer' }]);
    const form = (body: string) => newPet(body, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await run(form('name=Rex&kind=cat&age=3'))).pass).toBe(true);
    expect(errorsOf(await run(form('name=Rex&kind=cat&age=0')))).toEqual([{ location: 'body.age', message: 'must be > 0' }]);
    expect(denied(await run(newPet('name: Rex', { headers: { 'content-type': 'application/yaml' } }))).status).toBe(415);
    expect(denied(await run({ method: 'POST', path: '/api/pets', headers: { 'x-trace': UUID } })).code).toBe('schema.body_missing');
  });

  it('translates 3.0 nullable (with a type, with an enum, around allOf)', async () => {
    expect((await run(newPet({ name: 'Rex', kind: 'dog', age: null, owner: null, tag: null, 'x-weight': null }))).pass).toBe(true);
    expect(errorsOf(await run(newPet({ name: 'Rex', kind: 'dog', 'x-weight': 0 })))).toEqual([{ location: 'body.x-weight', message: 'must be > 0' }]);
    expect((await run(newPet({ name: 'Rex', kind: 'dog', owner: { email: 'a@example.com' }, tag: 'a' }))).pass).toBe(true);
    const errs = errorsOf(await run(newPet({ name: 'Rex', kind: 'dog', owner: { email: 'nope', password: 'SECRET' }, tag: 'c' })));
    expect(errs).toEqual([
      { location: 'body.owner.email', message: 'must match format "email"' },
      { location: 'body.owner.password', message: 'must NOT have fewer than 8 characters' },
      { location: 'body.tag', message: 'must be equal to one of the allowed values' },
    ]);
    expect(JSON.stringify(errs)).not.toContain('SECRET');
  });

  it('text bodies validate as strings', async () => {
    const text = (body: string) => ({ method: 'POST', path: '/api/search', body, headers: { 'content-type': 'text/plain' } });
    expect((await run(text('cats'))).pass).toBe(true);
    expect(errorsOf(await run(text('x'.repeat(21))))).toEqual([{ location: 'body', message: 'must NOT have more than 20 characters' }]);
  });
});

describe('OpenAPI 3.1 document', () => {
  it('validates 2020-12 schemas (type lists, numeric exclusiveMinimum) and a +json media type', async () => {
    const notes = await requestSchemaCheck.compile({ openapi: 'notes' }, makeCheckDeps({ shared: { openapi: registry } }));
    const patch = (body: unknown, id = UUID) => ({ method: 'PATCH', path: `/notes/${id}`, body: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json' } });
    expect((await run(patch({ text: null, score: 0.1 }), notes)).pass).toBe(true);
    expect(errorsOf(await run(patch({ score: 0 }), notes))).toEqual([{ location: 'body.score', message: 'must be > 0' }]);
    expect(errorsOf(await run(patch({ text: 'toolong' }), notes))).toEqual([{ location: 'body.text', message: 'must NOT have more than 5 characters' }]);
    expect(errorsOf(await run(patch({ extra: 1 }), notes))).toEqual([{ location: 'body.extra', message: 'must NOT have additional properties' }]);
    expect(errorsOf(await run(patch({}, 'nope'), notes))).toEqual([{ location: 'path.id', message: 'must match format "uuid"' }]);
    // unknownOperation: allow on the document
    expect((await run({ path: '/elsewhere' }, notes)).pass).toBe(true);
  });
});
