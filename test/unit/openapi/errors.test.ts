import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openapiSection } from '../../../src/openapi/section.js';
import { PolicyError } from '../../../src/config/types.js';
import { makeDeps } from '../../helpers/request.js';

function docDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-openapi-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function compileError(files: Record<string, string>): Promise<PolicyError> {
  const dir = docDir(files);
  const err = await Promise.resolve()
    .then(() => openapiSection.compile({ api: { file: 'api.yaml' } }, makeDeps({ dir })))
    .then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyError);
  expect((err as PolicyError).at).toBe('openapi.api');
  return err as PolicyError;
}

const head = 'openapi: 3.0.3\ninfo: { title: t, version: "1" }\n';

describe('invalid OpenAPI documents are policy errors with their location', () => {
  it('a missing file, YAML syntax, not OpenAPI 3', async () => {
    expect((await compileError({})).message).toMatch(/cannot read/);
    expect((await compileError({ 'api.yaml': 'openapi: [' })).message).toMatch(/api\.yaml.*cannot parse/);
    expect((await compileError({ 'api.yaml': 'swagger: "2.0"\npaths: {}\n' })).message).toMatch(/api\.yaml:1 #\/openapi: not an OpenAPI 3.0 or 3.1 document \(Swagger 2.0\)/);
  });

  it('an invalid schema, located by pointer', async () => {
    const err = await compileError({
      'api.yaml': head + 'paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: { type: strin }\n',
    });
    expect(err.message).toContain('api.yaml:9 #/paths/~1a/post/requestBody/content/application~1json/schema: ');
  });

  it('a dangling $ref, a remote $ref, and a missing referenced file', async () => {
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a:\n    get:\n      parameters: [{ $ref: "#/components/parameters/nope" }]\n' })).message).toMatch(/points to nothing/);
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a:\n    get:\n      parameters: [{ $ref: "https://example.com/p.yaml" }]\n' })).message).toMatch(/not local/);
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a:\n    $ref: "items.yaml"\n' })).message).toMatch(/items\.yaml.*cannot read/);
  });

  it('structural mistakes: path parameter not required, bad style, duplicate template', async () => {
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a/{id}:\n    get:\n      parameters: [{ name: id, in: path, schema: { type: string } }]\n' })).message).toMatch(/must be required: true/);
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a:\n    get:\n      parameters: [{ name: q, in: query, style: matrix, schema: { type: string } }]\n' })).message).toMatch(/style "matrix" is not valid in query/);
    expect((await compileError({ 'api.yaml': head + 'paths:\n  /a/{id}:\n    get: {}\n  /a/{key}:\n    get: {}\n' })).message).toMatch(/defined twice/);
  });

  it('a pattern the linear-time engine refuses', async () => {
    const err = await compileError({ 'api.yaml': head + 'paths:\n  /a:\n    get:\n      parameters: [{ name: q, in: query, schema: { type: string, pattern: "(a)\\\\1" } }]\n' });
    expect(err.message).toMatch(/linear-time/);
  });

  it('vendor extensions and unknown formats are tolerated (with a warning for the format)', async () => {
    const dir = docDir({ 'api.yaml': head + 'paths:\n  /a:\n    get:\n      x-rate: 5\n      parameters: [{ name: q, in: query, schema: { type: string, format: phone, x-hint: 1 } }]\n' });
    const deps = makeDeps({ dir });
    const reg = await openapiSection.compile({ api: { file: 'api.yaml' } }, deps);
    expect(reg.get('api')!.operationCount).toBe(1);
    expect(deps.warnings.join('\n')).toMatch(/unknown format "phone"/);
  });
});
