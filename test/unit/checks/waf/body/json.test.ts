import { describe, expect, it } from 'vitest';
import { parseJsonArgs } from '../../../../../src/checks/waf/body/json.js';

const opts = { maxDepth: 64, maxArgs: 1000 };

describe('parseJsonArgs', () => {
  it('names nested members json.a.b and array elements by index, with the array length', () => {
    const r = parseJsonArgs('{"a":{"b":1},"list":["x",{"y":"z"}],"e":[],"o":{}}', opts);
    expect(r.error).toBeUndefined();
    expect(r.args).toEqual([
      ['json.a.b', '1'],
      ['json.list.0', 'x'],
      ['json.list.1.y', 'z'],
      ['json.list', '2'],
    ]);
  });

  it('gives numbers and booleans their text and null the empty string', () => {
    expect(parseJsonArgs('{"n":-1.5e+3,"t":true,"f":false,"z":null}', opts).args).toEqual([
      ['json.n', '-1.5e+3'],
      ['json.t', 'true'],
      ['json.f', 'false'],
      ['json.z', ''],
    ]);
  });

  it('decodes escapes to UTF-8 bytes (byte strings)', () => {
    const r = parseJsonArgs('{"k\\u0041":"\\u003cscript\\u003e \\u00e9 \\ud83d\\ude00 \\n\\"\\\\\\/"}', opts);
    expect(r.args).toEqual([['json.kA', '<script> \xc3\xa9 \xf0\x9f\x98\x80 \n"\\/']]);
  });

  it('keeps raw UTF-8 bytes of the body as they are', () => {
    const body = Buffer.from('{"name":"Zoë"}', 'utf8').toString('latin1');
    expect(parseJsonArgs(body, opts).args).toEqual([['json.name', 'Zo\xc3\xab']]);
  });

  it('handles top-level arrays and scalars', () => {
    expect(parseJsonArgs('[1,[2]]', opts).args).toEqual([
      ['json.0', '1'],
      ['json.1.0', '2'],
      ['json.1', '1'],
      ['json', '2'],
    ]);
    expect(parseJsonArgs('"1 OR 1=1"', opts).args).toEqual([['json', '1 OR 1=1']]);
    expect(parseJsonArgs('  ', opts)).toEqual({ args: [] });
  });

  it.each([
    ['test', /unexpected character/],
    ['{"a":1', /unexpected end/],
    ['{"a":1}x', /after the JSON value/],
    ['{"a":01}', /after|unexpected/],
    ["{'a':1}", /object key/],
    ['{"a":"\x01"}', /control character/],
    ['{"a":"\\x"}', /invalid escape/],
    ['{"a":"\\u12"}', /\\u escape/],
    ['[1,]', /unexpected character/],
    ['{"a" 1}', /expected ':'/],
    ['"abc', /unterminated/],
    ['{"a":-}', /invalid number/],
  ])('reports malformed JSON %j as an error', (body, re) => {
    const r = parseJsonArgs(body, opts);
    expect(r.error).toMatch(re);
  });

  it('returns the arguments read before an error', () => {
    const r = parseJsonArgs('{"a":"select 1","b":', opts);
    expect(r.args).toEqual([['json.a', 'select 1']]);
    expect(r.error).toBeDefined();
  });

  it('refuses nesting beyond maxDepth without recursion, even a million deep', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const r = parseJsonArgs(deep, { maxDepth: 1000, maxArgs: 100 });
    expect(r.error).toMatch(/nesting deeper than 1000/);
    const ok = parseJsonArgs('{"a":'.repeat(50) + '1' + '}'.repeat(50), opts);
    expect(ok.error).toBeUndefined();
    expect(ok.args[0]?.[0]).toBe('json' + '.a'.repeat(50));
  });

  it('caps argument names, so long keys on a deep path cannot multiply memory', () => {
    const key = 'k'.repeat(1000);
    const deep = `{"${key}":`.repeat(10) + '[' + '1,'.repeat(999) + '1]' + '}'.repeat(10);
    const r = parseJsonArgs(deep, { maxDepth: 64, maxArgs: 10_000 });
    expect(r.error).toMatch(/argument name longer than 4096/);
    expect(r.args).toHaveLength(0);
    expect(parseJsonArgs(`{"${key}":1}`, { maxDepth: 4, maxArgs: 4, maxNameLength: 100 }).error).toMatch(/longer than 100/);
  });

  it('stops at maxArgs', () => {
    const r = parseJsonArgs(JSON.stringify(Array.from({ length: 50 }, (_, i) => i)), { maxDepth: 5, maxArgs: 10 });
    expect(r.args).toHaveLength(10);
    expect(r.error).toMatch(/too many arguments/);
  });

  it('parses a 1 MiB document quickly', () => {
    const doc = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })) });
    parseJsonArgs(doc, { maxDepth: 10, maxArgs: 1_000_000 }); // warm-up
    const t0 = performance.now();
    const r = parseJsonArgs(doc, { maxDepth: 10, maxArgs: 1_000_000 });
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r.error).toBeUndefined();
    expect(r.args).toContainEqual(['json.items.19999.name', 'item 19999']);
  });
});
