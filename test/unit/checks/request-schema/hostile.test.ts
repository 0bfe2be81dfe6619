import { describe, expect, it } from 'vitest';
import { requestSchemaCheck } from '../../../../src/checks/request-schema/index.js';
import { scanJson } from '../../../../src/checks/request-schema/json-scan.js';
import type { DenyOutcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeRequest } from '../../../helpers/request.js';

const schema = { type: 'object', additionalProperties: false, properties: { email: { type: 'string' }, password: { type: 'string' } } };
const json = (body: string) => makeRequest({ method: 'POST', path: '/', body, headers: { 'content-type': 'application/json' } });

describe('request-schema against hostile bodies', () => {
  it('100k keys are refused quickly, before parsing', async () => {
    const check = await requestSchemaCheck.compile({ body: schema }, makeCheckDeps());
    const body = '{' + Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',') + '}';
    const req = json(body);
    const t0 = performance.now();
    const o = (await check.run(req, makeContext())) as DenyOutcome;
    const ms = performance.now() - t0;
    expect(o.pass).toBe(false);
    expect(o.code).toBe('schema.body_invalid');
    expect(o.details).toEqual({ errors: [{ location: 'body', message: 'must not have more than 10000 values' }] });
    expect(ms).toBeLessThan(250);
  });

  it('10k levels of nesting are refused quickly without a stack overflow', async () => {
    const check = await requestSchemaCheck.compile({ body: schema }, makeCheckDeps());
    for (const body of ['['.repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), '['.repeat(10_000)]) {
      const t0 = performance.now();
      const o = (await check.run(json(body), makeContext())) as DenyOutcome;
      expect(performance.now() - t0).toBeLessThan(100);
      expect(o.code).toBe('schema.body_invalid');
      expect(o.details).toEqual({ errors: [{ location: 'body', message: 'must not have nesting deeper than 64' }] });
    }
  });

  it('a recursive schema validates 1000 levels; depth limits are capped at 1000, so 10k levels never reach ajv', async () => {
    const recursive = { $ref: '#/definitions/node', definitions: { node: { type: 'array', items: { $ref: '#/definitions/node' } } } };
    const check = await requestSchemaCheck.compile({ body: recursive, jsonLimits: { maxDepth: 1_000_000, maxMembers: 100_000 } }, makeCheckDeps());
    expect(await check.run(json('['.repeat(1000) + ']'.repeat(1000)), makeContext())).toEqual({ pass: true });
    const o = (await check.run(json('['.repeat(10_000) + ']'.repeat(10_000)), makeContext())) as DenyOutcome;
    expect(o.code).toBe('schema.body_invalid');
    expect(o.details).toEqual({ errors: [{ location: 'body', message: 'must not have nesting deeper than 1000' }] });
  });

  it('the pre-scan ignores brackets and commas inside strings', () => {
    const limits = { maxDepth: 2, maxMembers: 3 };
    expect(scanJson(Buffer.from('{"a":"[[[[,,,,,,\\"[[["}'), limits)).toBeUndefined();
    expect(scanJson(Buffer.from('[[[1]]]'), limits)).toBe('nesting deeper than 2');
    expect(scanJson(Buffer.from('[1,2,3,4]'), limits)).toBe('more than 3 values');
  });

  it('many errors on a large body stay bounded by maxErrors', async () => {
    const check = await requestSchemaCheck.compile({ body: { type: 'array', items: { type: 'string' } }, maxErrors: 5 }, makeCheckDeps());
    const body = '[' + Array.from({ length: 9000 }, (_, i) => i).join(',') + ']';
    const t0 = performance.now();
    const o = (await check.run(json(body), makeContext())) as DenyOutcome;
    expect(performance.now() - t0).toBeLessThan(200);
    expect((o.details as { errors: unknown[] }).errors).toHaveLength(5);
  });
});
