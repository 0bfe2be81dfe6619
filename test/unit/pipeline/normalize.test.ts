import { describe, expect, it } from 'vitest';
import { compileClientIp } from '../../../src/pipeline/client-ip.js';
import { normalizePath, parseQueryString } from '../../../src/pipeline/normalize-path.js';

describe('normalizePath', () => {
  it.each([
    ['/api/users', '/api/users'],
    ['/api/%75sers', '/api/users'],
    ['//api///users', '/api/users'],
    ['/api/./users/', '/api/users/'],
    ['/a/b/../c', '/a/c'],
    ['/a/%2e%2e/c', '/c'],
    ['/a/%41%e9', '/a/A%E9'],
    ['/', '/'],
    ['/.well-known/jwks.json', '/.well-known/jwks.json'],
    ['/a/.b/..c/...', '/a/.b/..c/...'],
    ['/a/.', '/a/'],
    ['/a/b/..', '/a/'],
    ['/a/b//', '/a/b/'],
    ['/caf\u00e9/~x-y_z', '/caf\u00e9/~x-y_z'],
  ])('%s -> %s', (raw, want) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path: want });
  });

  it.each(['', 'api', 'a/b', '/a%2fb', '/a%5Cb', '/a%00', '/a%zz', '/a%4', '/..', '/a/../../b', '/a b', '/a\\b', '/a\u0001'])('refuses %j', (raw) => {
    expect(normalizePath(raw).ok).toBe(false);
  });
});

describe('normalizePath on paths already normal', () => {
  it('returns them unchanged, as the full normalization would', () => {
    // Built from parts the full algorithm leaves alone; dot segments, escapes and doubled slashes take the long way.
    const parts = ['a', 'users', '42', 'x.y', 'caf\u00e9', '~t', 'A-Z_'];
    for (let i = 0; i < 500; i++) {
      const n = 1 + (i % 5);
      let p = '';
      for (let k = 0; k < n; k++) p += `/${parts[(i * 7 + k * 3) % parts.length]}`;
      if (i % 3 === 0) p += '/';
      expect(normalizePath(p)).toEqual({ ok: true, path: p });
      expect(normalizePath(`${p}/./`)).toEqual({ ok: true, path: p.endsWith('/') ? p : `${p}/` });
    }
  });
});

describe('parseQueryString', () => {
  it('decodes, keeps repeats, tolerates bad escapes', () => {
    expect(parseQueryString('a=1&b=x+y&a=%33&c&d=%zz')).toEqual({ a: ['1', '3'], b: ['x y'], c: [''], d: ['%zz'] });
  });
});

describe('client IP', () => {
  it('uses the peer by default and canonicalizes mapped IPv6', () => {
    const r = compileClientIp({ from: 'peer' });
    expect(r('::ffff:10.0.0.42', '1.2.3.4')).toBe('10.0.0.42');
    expect(r('2001:db8::1', undefined)).toBe('2001:db8::1');
  });

  it('skips trusted hops from the right of x-forwarded-for; a forged left-most entry never wins', () => {
    const r = compileClientIp({ from: 'xff', trustedHops: 1 });
    expect(r('10.9.9.9', '6.6.6.6, 198.51.100.7, 10.0.0.1')).toBe('198.51.100.7');
    expect(r('10.9.9.9', '10.0.0.1')).toBe('10.9.9.9');
    const zero = compileClientIp({ from: 'xff', trustedHops: 0 });
    expect(zero('10.9.9.9', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
  });

  it('walks past trusted proxies and ignores XFF from untrusted peers', () => {
    const r = compileClientIp({ from: 'xff', trustedHops: 0, trustedProxies: ['10.0.0.0/8'] });
    expect(r('10.1.1.1', '6.6.6.6, 198.51.100.7, 10.2.2.2')).toBe('198.51.100.7');
    expect(r('203.0.113.50', '6.6.6.6')).toBe('203.0.113.50');
  });
});

describe('canonicalIp', () => {
  it('keeps canonical IPv4, canonicalizes the rest, refuses garbage', async () => {
    const { canonicalIp } = await import('../../../src/pipeline/client-ip.js');
    expect(canonicalIp(' 10.0.0.42 ')).toBe('10.0.0.42');
    expect(canonicalIp('255.255.255.255')).toBe('255.255.255.255');
    expect(canonicalIp('::ffff:10.0.0.42')).toBe('10.0.0.42');
    expect(canonicalIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(canonicalIp('256.1.1.1')).toBe('');
    expect(canonicalIp('not-an-ip')).toBe('');
    expect(canonicalIp('')).toBe('');
  });
});
