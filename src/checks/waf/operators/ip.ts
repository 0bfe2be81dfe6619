/** `@ipMatch` and `@ipMatchFromFile`: addresses and CIDR ranges, IPv4 and IPv6. */
import ipaddr from 'ipaddr.js';
import { CANONICAL_IPV4 } from '../../../pipeline/client-ip.js';
import type { OperatorFn } from '../engine/types.js';
import type { OperatorFactory } from './types.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseRanges(items: string[]): Range[] | string {
  const out: Range[] = [];
  for (const item of items) {
    try {
      if (item.includes('/')) out.push(ipaddr.parseCIDR(item));
      else {
        const a = ipaddr.parse(item);
        out.push([a, a.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      return `bad address or range "${item}"`;
    }
  }
  return out;
}

/**
 * A canonical dotted-quad IPv4 address (what REMOTE_ADDR holds) as an unsigned 32-bit number, or -1 for anything
 * else (left to ipaddr.js, which also reads octal, hex and short forms).
 */
function dottedQuad(s: string): number {
  if (!CANONICAL_IPV4.test(s)) return -1;
  let value = 0;
  for (const octet of s.split('.')) value = value * 256 + Number(octet);
  return value;
}

function matcher(ranges: Range[]): OperatorFn {
  // IPv4 ranges as numbers: a plain dotted-quad address (the usual input) is matched without ipaddr.js, whose
  // parser is many times the cost of the whole match.
  const v4 = ranges.filter(([net]) => net.kind() === 'ipv4').map(([net, bits]) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const b = net.toByteArray();
    return { net: (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) & mask) >>> 0, mask };
  });
  return (_tx, input) => {
    const text = input.trim();
    const quad = dottedQuad(text);
    if (quad >= 0) {
      for (const r of v4) if (((quad & r.mask) >>> 0) === r.net) return true;
      return false;
    }
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(text);
    } catch {
      return false;
    }
    for (const [net, bits] of ranges) {
      if (addr.kind() === net.kind() && addr.match(net as never, bits)) return true;
    }
    return false;
  };
}

export const ipMatch: OperatorFactory = (arg) => {
  const ranges = parseRanges(arg.split(/[,\s]+/).filter((s) => s !== ''));
  return typeof ranges === 'string' ? ranges : matcher(ranges);
};

export const ipMatchFromFile: OperatorFactory = (arg, env) => {
  let text: string;
  try {
    text = env.readData(arg.trim());
  } catch (err) {
    return `cannot read ${arg}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const ranges = parseRanges(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  return typeof ranges === 'string' ? ranges : matcher(ranges);
};
