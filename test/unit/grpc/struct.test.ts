import { describe, expect, it } from 'vitest';
import { fromStruct, toStruct, toValue } from '../../../src/grpc/struct.js';

describe('Struct conversion', () => {
  it('round-trips JSON-like values', () => {
    const obj = { s: 'x', n: -1.5, b: false, z: null, list: [1, 'two', [3], { four: 4 }], o: { deep: { er: true } }, empty: {} };
    expect(fromStruct(toStruct(obj))).toEqual(obj);
  });

  it('follows JSON: drops undefined members, non-finite numbers and undefined list items become null', () => {
    expect(fromStruct(toStruct({ u: undefined, f: () => 1, nan: NaN, inf: Infinity, l: [undefined] }))).toEqual({ nan: null, inf: null, l: [null] });
  });

  it('dates become ISO strings, buffers base64, bigints numbers', () => {
    expect(fromStruct(toStruct({ d: new Date(0), b: Buffer.from('hi'), big: 12n }))).toEqual({ d: '1970-01-01T00:00:00.000Z', b: 'aGk=', big: 12 });
  });

  it('survives cycles and hostile nesting by cutting them off as null', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    const s = toStruct(a);
    let depth = 0;
    let v: any = fromStruct(s);
    while (v && typeof v === 'object') { v = v.self; depth++; }
    expect(v).toBeNull();
    expect(depth).toBeLessThan(40);
  });

  it('reads what proto-loader gives back for empty or odd inputs', () => {
    expect(fromStruct(undefined)).toEqual({});
    expect(fromStruct({})).toEqual({});
    expect(fromStruct({ fields: { a: {}, b: { listValue: {} }, c: { structValue: {} }, d: { numberValue: 0 } } })).toEqual({ a: null, b: [], c: {}, d: 0 });
    expect(toValue(Symbol('x'))).toEqual({ nullValue: 'NULL_VALUE' });
  });
});

describe('Struct on the wire', () => {
  it('keeps a "__proto__" key as data through encoding, without touching prototypes', async () => {
    const { loadGrpcDefinitions } = await import('../../../src/grpc/protos.js');
    const check = loadGrpcDefinitions().authorization.Check;
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const struct = toStruct(metadata);
    expect(Object.keys(struct.fields!)).toEqual(['__proto__', 'a']);
    const bytes = check.responseSerialize({ status: { code: 0 }, dynamic_metadata: struct });
    expect(bytes.includes(Buffer.from('__proto__'))).toBe(true);
    const back = fromStruct((check.responseDeserialize(bytes) as { dynamic_metadata: any }).dynamic_metadata);
    expect(back.a).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(back)).toBeNull();
  });
});
