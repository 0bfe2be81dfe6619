import { describe, expect, it } from 'vitest';
import { paramExtractor, wholeExtractor } from '../../../../src/checks/request-schema/params.js';
import type { ParamDef } from '../../../../src/openapi/types.js';
import { makeRequest } from '../../../helpers/request.js';

const def = (over: Partial<ParamDef>): ParamDef => ({
  name: 'p', in: 'query', required: false, style: 'form', explode: true, shape: 'primitive', properties: [], json: false, schema: true, ...over,
});
const plain = (o: object) => JSON.parse(JSON.stringify(o));

describe('parameter serialization styles', () => {
  it('path: simple, label and matrix for primitives, arrays and objects', () => {
    const run = (d: Partial<ParamDef>, raw: string) => plain(paramExtractor('path', [def({ in: 'path', style: 'simple', explode: false, ...d })])(makeRequest(), { p: raw }));
    expect(run({}, '5')).toEqual({ p: '5' });
    expect(run({ shape: 'array' }, '3,4,5')).toEqual({ p: ['3', '4', '5'] });
    expect(run({ shape: 'object' }, 'R,100,G,200')).toEqual({ p: { R: '100', G: '200' } });
    expect(run({ shape: 'object', explode: true }, 'R=100,G=200')).toEqual({ p: { R: '100', G: '200' } });
    expect(run({ style: 'label' }, '.5')).toEqual({ p: '5' });
    expect(run({ style: 'label', shape: 'array' }, '.3,4')).toEqual({ p: ['3', '4'] });
    expect(run({ style: 'label', shape: 'array', explode: true }, '.3.4')).toEqual({ p: ['3', '4'] });
    expect(run({ style: 'matrix' }, ';p=5')).toEqual({ p: '5' });
    expect(run({ style: 'matrix', shape: 'array' }, ';p=3,4')).toEqual({ p: ['3', '4'] });
    expect(run({ style: 'matrix', shape: 'array', explode: true }, ';p=3;p=4')).toEqual({ p: ['3', '4'] });
    expect(run({ style: 'matrix', shape: 'object', explode: true }, ';R=1;G=2')).toEqual({ p: { R: '1', G: '2' } });
  });

  it('query: form objects, delimited arrays, JSON content', () => {
    const run = (d: Partial<ParamDef>, q: string) => plain(paramExtractor('query', [def(d)])(makeRequest({ path: `/?${q}` }), {}));
    expect(run({ shape: 'object', properties: ['a', 'b'] }, 'a=1&b=2&c=3')).toEqual({ p: { a: '1', b: '2' } });
    expect(run({ shape: 'object', properties: ['a'] }, 'c=3')).toEqual({});
    expect(run({ shape: 'object', explode: false }, 'p=a,1,b,2')).toEqual({ p: { a: '1', b: '2' } });
    expect(run({ shape: 'array', style: 'spaceDelimited', explode: false }, 'p=1%202')).toEqual({ p: ['1', '2'] });
    expect(run({ shape: 'array', style: 'pipeDelimited', explode: false }, 'p=1|2')).toEqual({ p: ['1', '2'] });
    expect(run({ json: true }, 'p=%7B%22a%22%3A1%7D')).toEqual({ p: { a: 1 } });
    expect(run({ json: true }, 'p=not-json')).toEqual({ p: 'not-json' });
    expect(run({}, 'q=1')).toEqual({});
  });

  it('whole-location objects', () => {
    const req = makeRequest({ path: '/?a=1&a=2&b=3', headers: { 'x-one': '1', cookie: 's=abc; t=1' } });
    expect(plain(wholeExtractor('query')(req, {}))).toEqual({ a: ['1', '2'], b: '3' });
    expect(plain(wholeExtractor('header')(req, {}))).toMatchObject({ 'x-one': '1' });
    expect(Object.keys(wholeExtractor('header')(req, {})).some((k) => k.startsWith(':'))).toBe(false);
    expect(plain(wholeExtractor('cookie')(req, {}))).toEqual({ s: 'abc', t: '1' });
    expect(plain(wholeExtractor('path')(req, { id: '7' }))).toEqual({ id: '7' });
  });

  it('a parameter named __proto__ is an ordinary key', () => {
    const out = paramExtractor('query', [def({ name: '__proto__' })])(makeRequest({ path: '/?__proto__=x' }), {});
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
