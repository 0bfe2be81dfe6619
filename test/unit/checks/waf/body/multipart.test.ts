import { describe, expect, it } from 'vitest';
import { parseMultipart, parseBoundary } from '../../../../../src/checks/waf/body/multipart.js';

const CT = 'multipart/form-data; boundary=XyZ';
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
const setFlags = (f: Record<string, boolean>): string[] => Object.keys(f).filter((k) => f[k]);

describe('parseMultipart', () => {
  it('reads fields, files and part headers of a well-formed body', () => {
    const body = crlf(
      '--XyZ\nContent-Disposition: form-data; name="user"\n\nalice\nsmith\n' +
        '--XyZ\nContent-Disposition: form-data; name="doc"; filename="cv.pdf"\nContent-Type: application/pdf\n\n%PDF-1.4\n' +
        '--XyZ--\n',
    );
    const r = parseMultipart(body, CT);
    expect(r.error).toBeUndefined();
    expect(r.strictError).toBe(false);
    expect(setFlags(r.flags)).toEqual([]);
    expect(r.args).toEqual([['user', 'alice\r\nsmith']]);
    expect(r.files).toEqual([{ field: 'doc', filename: 'cv.pdf', size: 8 }]);
    expect(r.partHeaders).toEqual([
      ['user', 'Content-Disposition: form-data; name="user"'],
      ['doc', 'Content-Disposition: form-data; name="doc"; filename="cv.pdf"'],
      ['doc', 'Content-Type: application/pdf'],
    ]);
  });

  it('handles escaped quotes and keeps other backslashes in quoted values', () => {
    const body = crlf('--XyZ\nContent-Disposition: form-data; name="a\\"b"; filename="C:\\dir\\1.j\\s\\p"\n\nx\n--XyZ--\n');
    const r = parseMultipart(body, CT);
    expect(r.files).toEqual([{ field: 'a"b', filename: 'C:\\dir\\1.j\\s\\p', size: 1 }]);
  });

  it('keeps empty content and content without a trailing newline', () => {
    const r = parseMultipart(crlf('--XyZ\nContent-Disposition: form-data; name="e"\n\n\n--XyZ\nContent-Disposition: form-data; name="f"\n\n--XyZ--'), CT);
    expect(r.error).toBeUndefined();
    expect(r.args).toEqual([
      ['e', ''],
      ['f', ''],
    ]);
  });

  it('flags bare LF lines (MULTIPART_LF_LINE) as a strict error', () => {
    const r = parseMultipart('--XyZ\nContent-Disposition: form-data; name="a"\n\nv\n--XyZ--\n', CT);
    expect(r.args).toEqual([['a', 'v']]);
    expect(r.flags.MULTIPART_LF_LINE).toBe(true);
    expect(r.strictError).toBe(true);
    expect(r.error).toBeUndefined();
  });

  it('flags data before the first and after the last boundary', () => {
    const r = parseMultipart(crlf('junk\n--XyZ\nContent-Disposition: form-data; name="a"\n\nv\n--XyZ--\nmore\n'), CT);
    expect(r.flags.MULTIPART_DATA_BEFORE).toBe(true);
    expect(r.flags.MULTIPART_DATA_AFTER).toBe(true);
    expect(r.strictError).toBe(true);
  });

  it('reports control characters in a part header name and still exposes the raw header line', () => {
    const body = crlf('--b\n\x0eContent-Disposition: form-data; name="file"; filename="1.php"\nContent-Disposition: form-data; name="post"\n\n<?php\n--b--\n');
    const r = parseMultipart(body, 'multipart/form-data; boundary=b');
    expect(r.error).toBe('Multipart: Invalid part header (contains invalid character)');
    expect(r.strictError).toBe(true);
    expect(r.partHeaders).toContainEqual(['post', '\x0eContent-Disposition: form-data; name="file"; filename="1.php"']);
    expect(r.args).toEqual([['post', '<?php']]);
  });

  it('accepts any printable character in a header name', () => {
    const r = parseMultipart(crlf('--b\nContent~Disposition: x\nContent-Disposition: form-data; name="p"\n\nv\n--b--\n'), 'multipart/form-data; boundary=b');
    expect(r.error).toBeUndefined();
    expect(r.partHeaders.map(([, v]) => v)).toEqual(['Content~Disposition: x', 'Content-Disposition: form-data; name="p"']);
  });

  it.each([
    ['--XyZ\nContent-Disposition: form-data; name="a"\n\nv\n', /Final boundary missing/],
    ['no boundary here', /No boundaries found/],
    ['--XyZ\nContent-Type: text/plain\n\nv\n--XyZ--\n', /missing Content-Disposition/],
    ['--XyZ\nContent-Disposition: attachment; name="a"\n\nv\n--XyZ--\n', /Invalid Content-Disposition/],
    ['--XyZ\nContent-Disposition: form-data; filename="a"\n\nv\n--XyZ--\n', /missing name/],
    ['--XyZ\nContent-Disposition: form-data; name="a"; name="b"\n\nv\n--XyZ--\n', /Duplicate Content-Disposition name/],
    ['--XyZ\nContent-Disposition: form-data; name="a"; filename*=UTF-8\'\'x.php\n\nv\n--XyZ--\n', /unknown parameter/],
    ['--XyZ\nContent-Disposition: form-data; name="a"\nContent-Disposition: form-data; name="b"\n\nv\n--XyZ--\n', /Duplicate part header/],
    ['--XyZ\nbroken header\n\nv\n--XyZ--\n', /colon missing/],
    ['--XyZ\nContent-Disposition: form-data; name="a"\n--XyZ--\n', /headers not terminated/],
    ['--XyZ\nContent-Disposition: form-data; name="a\n\nv\n--XyZ--\n', /unterminated quote/],
  ])('reports a malformed body as an error: %j', (raw, re) => {
    const r = parseMultipart(crlf(raw), CT);
    expect(r.error).toMatch(re);
    expect(r.strictError).toBe(true);
  });

  it('flags folding and invalid quoting', () => {
    const r = parseMultipart(crlf("--XyZ\nContent-Disposition: form-data;\n name='a'\n\nv\n--XyZ--\n"), CT);
    expect(r.flags.MULTIPART_HEADER_FOLDING).toBe(true);
    expect(r.flags.MULTIPART_INVALID_QUOTING).toBe(true);
    expect(r.args).toEqual([["'a'", 'v']]);
    const bad = parseMultipart(crlf('--XyZ\n folded-first\nContent-Disposition: form-data; name="a"\n\nv\n--XyZ--\n'), CT);
    expect(bad.flags.MULTIPART_INVALID_HEADER_FOLDING).toBe(true);
  });

  it('flags a line that extends our boundary (MULTIPART_UNMATCHED_BOUNDARY) without making it strict', () => {
    const r = parseMultipart(crlf('--XyZ\nContent-Disposition: form-data; name="a"\n\n--XyZW\n--XyZ--\n'), CT);
    expect(r.flags.MULTIPART_UNMATCHED_BOUNDARY).toBe(true);
    expect(r.args).toEqual([['a', '--XyZW']]);
    expect(r.strictError).toBe(false);
  });

  it('limits files (MULTIPART_FILE_LIMIT_EXCEEDED) and parts', () => {
    const part = '--XyZ\nContent-Disposition: form-data; name="f"; filename="x"\n\nv\n';
    const r = parseMultipart(crlf(part.repeat(5) + '--XyZ--\n'), CT, { fileLimit: 3 });
    expect(r.files).toHaveLength(3);
    expect(r.flags.MULTIPART_FILE_LIMIT_EXCEEDED).toBe(true);
    const many = parseMultipart(crlf(part.repeat(20) + '--XyZ--\n'), CT, { maxParts: 10 });
    expect(many.error).toMatch(/too many parts/);
  });

  it('is linear on a large hostile body', () => {
    const bodies = [
      '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + '\n'.repeat(500_000) + '--XyZ--',
      '--XyZ\r\n' + 'H: v\r\n'.repeat(200_000),
      '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + '--XyZ-\r\n'.repeat(100_000),
    ];
    for (const b of bodies) {
      parseMultipart(b, CT); // warm-up
      const t0 = performance.now();
      parseMultipart(b, CT);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

describe('parseBoundary', () => {
  const flags = (): Record<string, boolean> => ({});
  it('reads plain, quoted and spaced boundaries, raising their flags', () => {
    expect(parseBoundary('multipart/form-data; boundary=----WebKitFormBoundary7MA4', flags())).toBe('----WebKitFormBoundary7MA4');
    expect(parseBoundary('multipart/form-data; boundary=boundary', flags())).toBe('boundary');
    const f1 = flags();
    expect(parseBoundary('multipart/form-data; boundary="a b"; charset=utf-8', f1)).toBe('a b');
    expect(f1.MULTIPART_BOUNDARY_QUOTED).toBe(true);
    const f2 = flags();
    expect(parseBoundary('multipart/form-data; boundary=  test_data_123456', f2)).toBe('test_data_123456');
    expect(f2.MULTIPART_BOUNDARY_WHITESPACE).toBe(true);
    const f3 = flags();
    expect(parseBoundary('multipart/form-data boundary=x', f3)).toBe('x');
    expect(f3.MULTIPART_MISSING_SEMICOLON).toBe(true);
  });

  it.each([
    ['multipart/form-data', /not found/],
    ['multipart/form-data; boundary=a; boundary=b', /Multiple boundary/],
    ['multipart/form-data; boundary=', /length/],
    ['multipart/form-data; boundary=' + 'a'.repeat(71), /length/],
    ['multipart/form-data; boundary=a{b}', /characters/],
    ['multipart/form-data; boundary="abc', /quote/],
    ['multipart/form-data; boundary x', /malformed/],
  ])('rejects %j', (ct, re) => {
    const r = parseBoundary(ct, flags());
    expect(typeof r === 'string' ? r : r.error).toMatch(re);
  });
});
