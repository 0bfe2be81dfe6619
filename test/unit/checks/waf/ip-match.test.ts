import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { ipMatch } from '../../../../src/checks/waf/operators/ip.js';
import type { Transaction } from '../../../../src/checks/waf/engine/transaction.js';

/** What @ipMatch answered before dotted quads got their own path: everything through ipaddr.js. */
function viaIpaddr(arg: string, input: string): boolean {
  const ranges = arg.split(/[,\s]+/).filter(Boolean).map((i): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
    if (i.includes('/')) return ipaddr.parseCIDR(i);
    const a = ipaddr.parse(i);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  });
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(input.trim());
  } catch {
    return false;
  }
  return ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net as never, bits));
}

describe('@ipMatch', () => {
  it('answers as ipaddr.js does, dotted quads and every other form', () => {
    const args = ['127.0.0.1,::1', '10.0.0.0/8,192.168.0.0/16,172.16.0.0/12', '0.0.0.0/0', '203.0.113.0/25,::ffff:1.2.3.4/128', '1.2.3.4/32, 2001:db8::/32'];
    const inputs = [
      '127.0.0.1', ' 127.0.0.1 ', '127.1', '0177.0.0.1', '010.0.0.1', '10.1.2.3', '192.168.255.255', '172.31.0.1', '172.32.0.1',
      '203.0.113.7', '203.0.113.200', '::1', '::ffff:1.2.3.4', '1.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '', '1..2.3', '1.2.3.',
      '0x7f.0.0.1', '2001:db8::1', 'abc', '00.0.0.0', '0.0.0.0', '255.255.255.255',
    ];
    const tx = {} as Transaction;
    for (const arg of args) {
      const fn = ipMatch(arg, { readData: () => '' });
      if (typeof fn === 'string') throw new Error(fn);
      for (const input of inputs) expect([arg, input, fn(tx, input, false)]).toEqual([arg, input, viaIpaddr(arg, input)]);
    }
  });
});
