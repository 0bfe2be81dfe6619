/** `@ipMatch` and `@ipMatchFromFile`: addresses and CIDR ranges, IPv4 and IPv6. */
import ipaddr from 'ipaddr.js';
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

function matcher(ranges: Range[]): OperatorFn {
  return (_tx, input) => {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(input.trim());
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
