import { describe, expect, it } from 'vitest';
import { parseXml } from '../../../../../src/checks/waf/body/xml.js';

const opts = { maxDepth: 64 };

describe('parseXml', () => {
  it('collects trimmed text runs and attribute values', () => {
    const r = parseXml('<?xml version="1.0"?><root a="1"><x:el x:b=\'two\'>  hello  </x:el><e/>tail<!-- note --></root>', opts);
    expect(r.error).toBeUndefined();
    expect(r.texts).toEqual(['hello', 'tail']);
    expect(r.attributes).toEqual([
      ['a', '1'],
      ['x:b', 'two'],
    ]);
  });

  it('decodes the predefined entities and character references (to UTF-8 bytes)', () => {
    const r = parseXml('<r p="&lt;script xmlns=&quot;x&quot;&gt;&#x7B;&#233;">a &amp; b &apos;&#60;</r>', opts);
    expect(r.attributes).toEqual([['p', '<script xmlns="x">{\xc3\xa9']]);
    expect(r.texts).toEqual(["a & b '<"]);
  });

  it('reads CDATA sections as text', () => {
    expect(parseXml('<r><![CDATA[<script>alert(1)</script>]]></r>', opts).texts).toEqual(['<script>alert(1)</script>']);
  });

  it('skips a DOCTYPE without expanding or fetching its entities', () => {
    const doc = '<?xml version="1.0"?><!DOCTYPE r [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY a "]>"> ]><r>&xxe;</r>';
    const r = parseXml(doc, opts);
    expect(r.error).toBeUndefined();
    expect(r.texts).toEqual(['&xxe;']);
  });

  it('normalizes tabs and newlines in attribute values', () => {
    expect(parseXml('<r a="x\ny\tz"/>', opts).attributes).toEqual([['a', 'x y z']]);
  });

  it.each([
    ['test', /content before the root/],
    ['<a><b></a>', /does not match/],
    ['<a>', /unclosed element/],
    ['<a></a><b></b>', /more than one root/],
    ['<a x=1></a>', /not quoted/],
    ['<a x="1" x="2"></a>', /duplicate attribute/],
    ['<a>&nbsp;</a>', /undefined entity/],
    ['<a>AT&T</a>', /bare '&'/],
    ['<a><!-- never closed</a>', /unterminated comment/],
    ['<a x="1', /unterminated attribute/],
    ['', /no root element/],
    ['<a>&#0;</a>', /invalid character reference/],
    ['</a>', /unexpected end tag/],
  ])('reports malformed XML %j', (body, re) => {
    expect(parseXml(body, opts).error).toMatch(re);
  });

  it('still returns what it read from a malformed document', () => {
    const r = parseXml('<e a=\\"x\\"><b>java.lang.Runtime</b></e>', opts);
    expect(r.error).toMatch(/not quoted/);
    expect(r.texts).toEqual(['java.lang.Runtime']);
  });

  it('refuses nesting beyond maxDepth, even very deep', () => {
    const r = parseXml('<a>'.repeat(500_000), { maxDepth: 256 });
    expect(r.error).toMatch(/nesting deeper than 256/);
    expect(parseXml('<a>'.repeat(100) + 'x' + '</a>'.repeat(100), { maxDepth: 100 }).error).toBeUndefined();
  });

  it('caps the number of collected items', () => {
    const r = parseXml('<r>' + '<a v="1">t</a>'.repeat(100) + '</r>', { maxDepth: 8, maxItems: 50 });
    expect(r.error).toMatch(/too many XML nodes/);
    expect(r.texts.length + r.attributes.length).toBe(50);
  });

  it('stays linear on hostile input', () => {
    const inputs = ['<r>' + '&'.repeat(300_000) + '</r>', '<r>' + '&a'.repeat(100_000) + ';</r>', '<r a="' + '<'.repeat(300_000) + '"/>', '<!--'.repeat(100_000)];
    for (const body of inputs) {
      parseXml(body, opts); // warm-up
      const t0 = performance.now();
      const r = parseXml(body, opts);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.error).toBeDefined();
    }
  });
});
