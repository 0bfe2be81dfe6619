import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressText, hexToIp, ipToHex, parseFilter, parseIpRange, parseStatsQuery, parseTime } from '../../../src/decisions/query.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const p = (s: string) => parseFilter(new URLSearchParams(s), NOW);

describe('decision filters', () => {
  it('parses every filter', () => {
    const r = p('since=15m&until=2026-01-10T11:59:00Z&verdict=deny&type=check&route=users&code=jwt.expired&ip=10.0.0.0/8&principal=alice&request-id=r1&ruleId=942100&limit=50');
    expect(r).toEqual({
      ok: true,
      value: {
        since: NOW - 15 * 60_000, until: Date.parse('2026-01-10T11:59:00Z'), verdict: 'deny', type: 'check', route: 'users', code: 'jwt.expired',
        ip: { text: '10.0.0.0/8', lo: '00000000000000000000ffff0a000000', hi: '00000000000000000000ffff0affffff' },
        principal: 'alice', requestId: 'r1', ruleId: '942100', limit: 50,
      },
    });
  });

  it('defaults the limit to 100', () => {
    expect(p('')).toEqual({ ok: true, value: { limit: 100 } });
  });

  it.each([
    ['verdict=maybe', /'verdict' must be allow or deny/],
    ['type=http', /'type' must be check or ratelimit/],
    ['since=yesterday', /'since' must be a duration/],
    ['since=15x', /'since' must be a duration/],
    ['until=2026-13-45', /'until' must be a duration/],
    ['since=1h&until=2h', /'since' must be before 'until'/],
    ['since=999999999w', /'since' must be a duration/],
    ['until=1969-12-31T00:00:00Z', /'until' must be a duration/],
    ['limit=0', /'limit' must be a whole number from 1 to 10000/],
    ['limit=10001', /'limit' must be a whole number/],
    ['limit=1e3', /'limit' must be a whole number/],
    ['ip=300.1.1.1', /'ip' must be an IPv4 or IPv6/],
    ['ip=10.0.0.0/33', /'ip' must be an IPv4 or IPv6/],
    ['ip=fe80::1%25eth0', /'ip' must be an IPv4 or IPv6/],
    ['route=', /'route' must be 1-512 printable/],
    ['principal=a%0Ab', /'principal' must be 1-512 printable/],
    ['colour=red', /unknown filter 'colour'/],
    ['route=a&route=b', /'route' given more than once/],
  ])('refuses %s', (q, message) => {
    const r = p(q);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    const r = p('verdict=x&type=y&limit=-1');
    expect(r.ok === false && r.errors).toHaveLength(3);
  });

  it('parses stats dimensions and top', () => {
    expect(parseStatsQuery(new URLSearchParams('by=route,code,client-ip,route&top=3'), NOW)).toEqual({ ok: true, value: { by: ['route', 'code', 'clientIp'], top: 3, limit: 100 } });
    const bad = parseStatsQuery(new URLSearchParams('by=route,weather&top=0'), NOW);
    expect(bad.ok === false && [...bad.errors].sort()).toEqual([expect.stringMatching(/^'by' takes .*not 'weather'/), expect.stringMatching(/^'top' must be/)]);
  });
});

describe('times and addresses', () => {
  it('reads durations before now, ISO times and now', () => {
    expect(parseTime('1h', NOW)).toBe(NOW - 3_600_000);
    expect(parseTime('7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('2026-01-01', NOW)).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseTime('2026-01-01T10:00:00+02:00', NOW)).toBe(Date.parse('2026-01-01T08:00:00Z'));
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('-5m', NOW)).toBeUndefined();
  });

  it('maps IPv4 into IPv6 so one range covers both spellings', () => {
    expect(ipToHex('192.0.2.1')).toBe(ipToHex('::ffff:192.0.2.1'));
    expect(hexToIp(ipToHex('192.0.2.1')!)).toBe('192.0.2.1');
    expect(hexToIp(ipToHex('2001:db8::1')!)).toBe('2001:db8::1');
    expect(ipToHex('not-an-ip')).toBeUndefined();
    expect(ipToHex('')).toBeUndefined();
  });

  it('reads an address stored as an IPv4 integer or as hex digits', () => {
    expect(addressText(0xc0000201)).toBe('192.0.2.1');
    expect(addressText(0)).toBe('0.0.0.0');
    expect(addressText(0xffffffff)).toBe('255.255.255.255');
    expect(addressText(ipToHex('2001:db8::1')!)).toBe('2001:db8::1');
  });

  it('computes inclusive range ends for CIDRs', () => {
    const r = parseIpRange('2001:db8::/32')!;
    expect(r.lo).toBe('20010db8000000000000000000000000');
    expect(r.hi).toBe('20010db8ffffffffffffffffffffffff');
    const one = parseIpRange('10.1.2.3')!;
    expect(one.lo).toBe(one.hi);
    const odd = parseIpRange('10.1.2.3/20')!;
    expect(hexToIp(odd.lo)).toBe('10.1.0.0');
    expect(hexToIp(odd.hi)).toBe('10.1.15.255');
  });
});

describe('address parsing agrees with ipaddr.js', () => {
  it.each([
    '0.0.0.0', '255.255.255.255', '192.0.2.1', '10.20.30.40', '::', '::1', '2001:db8::1', '2001:DB8:0:0:8:800:200C:417A', 'fe80::', '::ffff:192.0.2.1',
    '1:2:3:4:5:6:7:8', '1::8', '1:2:3:4:5:6::8', '64:ff9b::198.51.100.7', '2001:db8:85a3::8a2e:370:7334',
  ])('%s', (ip) => {
    const a = ipaddr.parse(ip);
    const v6 = a.kind() === 'ipv4' ? (a as ipaddr.IPv4).toIPv4MappedAddress() : (a as ipaddr.IPv6);
    expect(ipToHex(ip)).toBe(Buffer.from(v6.toByteArray()).toString('hex'));
  });

  it('reads the deprecated IPv4-compatible form as RFC 4291 does (ipaddr.js maps it)', () => {
    expect(ipToHex('::192.0.2.1')).toBe('000000000000000000000000c0000201');
  });

  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3', 'abc', ''])('refuses %j', (ip) => {
    expect(ipToHex(ip)).toBeUndefined();
  });
});
