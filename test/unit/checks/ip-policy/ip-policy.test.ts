import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import { ipPolicyCheck, type IpPolicySpec } from '../../../../src/checks/ip-policy/index.js';
import { parseClientIp } from '../../../../src/checks/ip-policy/ip-ranges.js';
import { PolicyError } from '../../../../src/config/types.js';
import type { Check, DenyOutcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeRequest, type TestRequest } from '../../../helpers/request.js';

const baseline: IpPolicySpec = { allow: ['10.0.0.0/8', '172.16.0.0/12'], deny: ['10.0.0.42'] };

async function compile(spec: IpPolicySpec, dir?: string): Promise<Check> {
  return ipPolicyCheck.compile(spec, makeCheckDeps(dir ? { dir } : {}));
}

async function judge(check: Check, t: TestRequest) {
  return check.run(makeRequest(t), makeContext());
}

describe('ip-policy: the typical gateway lists', () => {
  it('allows addresses inside the allowed ranges', async () => {
    const check = await compile(baseline);
    for (const peer of ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254']) {
      expect((await judge(check, { peer })).pass, peer).toBe(true);
    }
  });

  it('refuses addresses outside the allowed ranges with ip.not_allowed 403', async () => {
    const check = await compile(baseline);
    for (const peer of ['11.0.0.1', '172.32.0.1', '172.15.255.255', '192.168.1.1', '9.255.255.255']) {
      const out = (await judge(check, { peer })) as DenyOutcome;
      expect(out.pass, peer).toBe(false);
      expect(out.code).toBe('ip.not_allowed');
      expect(out.status).toBe(403);
    }
  });

  it('deny wins over allow: 10.0.0.42 is refused, its neighbours are not', async () => {
    const check = await compile(baseline);
    const out = (await judge(check, { peer: '10.0.0.42' })) as DenyOutcome;
    expect(out).toMatchObject({ pass: false, code: 'ip.denied', status: 403 });
    expect((await judge(check, { peer: '10.0.0.41' })).pass).toBe(true);
    expect((await judge(check, { peer: '10.0.0.43' })).pass).toBe(true);
  });

  it('treats IPv4-mapped IPv6 peers as IPv4', async () => {
    const check = await compile(baseline);
    expect((await judge(check, { peer: '::ffff:10.1.2.3' })).pass).toBe(true);
    expect(await judge(check, { peer: '::ffff:10.0.0.42' })).toMatchObject({ code: 'ip.denied' });
    expect(await judge(check, { peer: '::ffff:8.8.8.8' })).toMatchObject({ code: 'ip.not_allowed' });
  });

  it('judges the client IP the core resolved, not a spoofed X-Forwarded-For', async () => {
    const check = await compile(baseline);
    // Peer mode: XFF is ignored entirely.
    expect(await judge(check, { peer: '203.0.113.9', headers: { 'x-forwarded-for': '10.0.0.1' } })).toMatchObject({ code: 'ip.not_allowed' });
    // One trusted hop: the entry our proxy appended counts, the client's forged left entries do not.
    const viaProxy = { clientIp: { from: 'xff' as const, trustedHops: 1 }, peer: '10.9.9.9' };
    expect(await judge(check, { ...viaProxy, headers: { 'x-forwarded-for': '10.0.0.1, 198.51.100.4, 10.9.9.8' } })).toMatchObject({ code: 'ip.not_allowed' });
    expect((await judge(check, { ...viaProxy, headers: { 'x-forwarded-for': '198.51.100.4, 10.2.3.4, 10.9.9.8' } })).pass).toBe(true);
    expect(await judge(check, { ...viaProxy, headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.42, 10.9.9.8' } })).toMatchObject({ code: 'ip.denied' });
    // Too few entries for the trusted hops: the peer is judged.
    expect((await judge(check, { ...viaProxy, headers: { 'x-forwarded-for': '8.8.8.8' } })).pass).toBe(true);
  });

  it('refuses an unknown client IP unless allowUnknown', async () => {
    const check = await compile(baseline);
    expect(await judge(check, { peer: 'not-an-ip' })).toMatchObject({ pass: false, code: 'ip.unknown' });
    const lenient = await compile({ ...baseline, allowUnknown: true });
    expect((await judge(lenient, { peer: '' })).pass).toBe(true);
  });
});

describe('ip-policy: IPv6, deny-only lists, options', () => {
  it('matches IPv6 CIDRs and single addresses', async () => {
    const check = await compile({ allow: ['2001:db8::/32', 'fd00::1'], deny: ['2001:db8:dead::/48'] });
    expect((await judge(check, { peer: '2001:db8::1' })).pass).toBe(true);
    expect((await judge(check, { peer: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' })).pass).toBe(true);
    expect((await judge(check, { peer: 'fd00::1' })).pass).toBe(true);
    expect(await judge(check, { peer: 'fd00::2' })).toMatchObject({ code: 'ip.not_allowed' });
    expect(await judge(check, { peer: '2001:db9::1' })).toMatchObject({ code: 'ip.not_allowed' });
    expect(await judge(check, { peer: '2001:db8:dead:beef::1' })).toMatchObject({ code: 'ip.denied' });
    // IPv4 peers never match IPv6 ranges.
    expect(await judge(check, { peer: '10.0.0.1' })).toMatchObject({ code: 'ip.not_allowed' });
  });

  it('turns mapped CIDRs in the policy into IPv4 ranges', async () => {
    const check = await compile({ deny: ['::ffff:192.0.2.0/120'] });
    expect(await judge(check, { peer: '192.0.2.77' })).toMatchObject({ code: 'ip.denied' });
    expect((await judge(check, { peer: '192.0.3.1' })).pass).toBe(true);
  });

  it('with only a deny list, lets everyone else through', async () => {
    const check = await compile({ deny: ['198.51.100.0/24', '::/0'] });
    expect((await judge(check, { peer: '198.51.101.1' })).pass).toBe(true);
    expect(await judge(check, { peer: '198.51.100.200' })).toMatchObject({ code: 'ip.denied' });
    expect(await judge(check, { peer: '::1' })).toMatchObject({ code: 'ip.denied' });
  });

  it('uses the configured status and message', async () => {
    const check = await compile({ allow: ['10.0.0.0/8'], status: 451, message: 'Not from here' });
    expect(await judge(check, { peer: '8.8.8.8' })).toMatchObject({ status: 451, message: 'Not from here' });
  });

  it('normalizes CIDRs with host bits set and merges adjacent ranges', async () => {
    const check = await compile({ allow: ['10.1.2.3/16', '10.2.0.0/16', '0.0.0.0/0'], deny: ['10.1.255.255/32'] });
    expect((await judge(check, { peer: '10.1.0.0' })).pass).toBe(true);
    expect((await judge(check, { peer: '255.255.255.255' })).pass).toBe(true);
    expect(await judge(check, { peer: '10.1.255.255' })).toMatchObject({ code: 'ip.denied' });
  });
});

describe('ip-policy: lists from files and bad entries', () => {
  it('reads entries from files with comments and blank lines', async () => {
    const deps = makeCheckDeps();
    writeFileSync(join(deps.policyDir, 'allow.txt'), '# partners\n10.0.0.0/8\n\n172.16.0.0/12  # office\r\n');
    const check = await ipPolicyCheck.compile({ allow: [{ file: 'allow.txt' }], deny: ['10.0.0.42'] }, deps);
    expect((await judge(check, { peer: '172.20.1.1' })).pass).toBe(true);
    expect(await judge(check, { peer: '10.0.0.42' })).toMatchObject({ code: 'ip.denied' });
    expect(await judge(check, { peer: '1.1.1.1' })).toMatchObject({ code: 'ip.not_allowed' });
  });

  it('names the key path of a bad inline entry', async () => {
    await expect(compile({ allow: ['10.0.0.0/8', '10.0.0.300'] })).rejects.toThrow(PolicyError);
    await expect(compile({ allow: ['10.0.0.0/8', '10.0.0.300'] })).rejects.toThrow(/routes\[0\]\.checks\[0\]\.allow\[1\]/);
    for (const bad of ['10.1', '10.0.0.0/33', '::/129', '010.0.0.1', 'fe80::1/x', '1.2.3.4/']) {
      await expect(compile({ deny: [bad] }), bad).rejects.toThrow(PolicyError);
    }
  });

  it('names the file and line of a bad file entry, and a missing file', async () => {
    const deps = makeCheckDeps();
    writeFileSync(join(deps.policyDir, 'deny.txt'), '10.0.0.1\nnonsense\n');
    await expect(ipPolicyCheck.compile({ deny: { file: 'deny.txt' } }, deps)).rejects.toThrow(/deny\.txt:2/);
    await expect(ipPolicyCheck.compile({ deny: { file: 'missing.txt' } }, makeCheckDeps())).rejects.toThrow(/cannot read missing\.txt: ENOENT/);
  });

  it('warns about an empty allow list, which refuses everyone', async () => {
    const deps = makeCheckDeps();
    writeFileSync(join(deps.policyDir, 'empty.txt'), '# nothing yet\n');
    const check = await ipPolicyCheck.compile({ allow: { file: 'empty.txt' } }, deps);
    expect(deps.warnings.join('\n')).toMatch(/allow list is empty/);
    expect(await judge(check, { peer: '10.0.0.1' })).toMatchObject({ code: 'ip.not_allowed' });
  });
});

describe('ip-policy: large lists', () => {
  it('answers 10,000-CIDR lookups in microseconds and correctly', async () => {
    const allow: string[] = [];
    // 10,000 disjoint /24s spread over 10.0.0.0/8 (every other /24) plus IPv6 /48s.
    for (let i = 0; i < 8000; i++) allow.push(`10.${(i * 2) >> 8}.${(i * 2) & 255}.0/24`);
    for (let i = 0; i < 2000; i++) allow.push(`2001:db8:${i.toString(16)}::/48`);
    const deny = Array.from({ length: 1000 }, (_, i) => `10.${(i * 2) >> 8}.${(i * 2) & 255}.7`);
    const check = await compile({ allow, deny });
    const inside = makeRequest({ peer: '10.10.20.5' }); // 10.10.20.0/24: i = 1290, even /24
    const gap = makeRequest({ peer: '10.10.21.5' });
    const denied = makeRequest({ peer: '10.0.2.7' });
    const v6 = makeRequest({ peer: '2001:db8:7cf:1::1' });
    const ctx = makeContext();
    expect(check.run(inside, ctx)).toMatchObject({ pass: true });
    expect(check.run(gap, ctx)).toMatchObject({ code: 'ip.not_allowed' });
    expect(check.run(denied, ctx)).toMatchObject({ code: 'ip.denied' });
    expect(check.run(v6, ctx)).toMatchObject({ pass: true });
    const reqs = [inside, gap, denied, v6];
    const n = 40_000;
    for (let i = 0; i < 2000; i++) check.run(reqs[i & 3]!, ctx);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) check.run(reqs[i & 3]!, ctx);
    const perLookupUs = Number(process.hrtime.bigint() - t0) / 1000 / n;
    // Generous bound for a loaded CI machine; typically well under 1 µs.
    expect(perLookupUs).toBeLessThan(20);
  });
});

describe('ip-policy: the fast request parser agrees with ipaddr.js', () => {
  it('on random IPv6 texts in compressed, full and mapped forms', () => {
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 3000; i++) {
      const parts = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(65536)));
      const addr = new ipaddr.IPv6(parts);
      const texts = [addr.toString(), addr.toNormalizedString(), addr.toRFC5952String(), `::ffff:${rnd(256)}.${rnd(256)}.0.${rnd(10)}`, `64:ff9b::${rnd(256)}.1.2.3`];
      for (const text of texts) {
        const ref = ipaddr.IPv6.parse(text);
        const p = ref.parts;
        const expected = ref.isIPv4MappedAddress()
          ? { v: 4, n: ref.toIPv4Address().octets.reduce((acc, o) => acc * 256 + o, 0) }
          : { v: 6, w: [p[0]! * 65536 + p[1]!, p[2]! * 65536 + p[3]!, p[4]! * 65536 + p[5]!, p[6]! * 65536 + p[7]!] };
        expect(parseClientIp(text), text).toEqual(expected);
      }
    }
    for (const text of ['::', '::1', '1::', '::ffff:1.2.3.4', '64:ff9b::192.0.2.1', 'fe80::1%eth0', '2001:DB8::A']) {
      expect(parseClientIp(text), text).toBeDefined();
      expect(ipaddr.isValid(text), text).toBe(true);
    }
    for (const text of [':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1:', ':1', '::1.2.3', '1.2.3.4.5', '::ffff:1.2.3.256', '', '1:2:3:4:5:6:7']) {
      expect(parseClientIp(text), text).toBeUndefined();
    }
  });
});
