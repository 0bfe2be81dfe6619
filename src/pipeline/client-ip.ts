/**
 * Resolves the client address once per request, the way Envoy's connection manager does, so every check,
 * the limiter and the record agree on it.
 */
import ipaddr from 'ipaddr.js';

export type ClientIpConfig =
  | { from: 'peer' }
  | { from: 'xff'; trustedHops: number; trustedProxies?: string[] };

// A dotted quad in canonical form (no leading zeros, each part <= 255): the common case, taken as is.
export const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Canonical text of an address, with IPv4-mapped IPv6 (`::ffff:10.0.0.1`) turned into IPv4; "" if invalid. */
export function canonicalIp(text: string): string {
  const trimmed = text.trim();
  if (CANONICAL_IPV4.test(trimmed)) return trimmed;
  if (!trimmed || !ipaddr.isValid(trimmed)) return '';
  const addr = ipaddr.parse(trimmed);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address().toString();
  }
  return addr.toString();
}

export type ClientIpResolver = (peer: string, xff: string | undefined) => string;

export function compileClientIp(config: ClientIpConfig | undefined): ClientIpResolver {
  if (!config || config.from === 'peer') return (peer) => canonicalIp(peer);
  const hops = config.trustedHops;
  const proxies = (config.trustedProxies ?? []).map((cidr) => ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`));
  const isTrustedProxy = (ip: string): boolean => {
    if (!ip || proxies.length === 0) return false;
    const addr = ipaddr.parse(ip);
    return proxies.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  };
  return (peer, xff) => {
    const peerIp = canonicalIp(peer);
    // With trusted proxies configured, XFF is believed only when the request came through one of them.
    if (proxies.length > 0 && !isTrustedProxy(peerIp)) return peerIp;
    if (!xff) return peerIp;
    const entries = xff.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
    // As Envoy's xff_num_trusted_hops: skip N entries from the right; fewer entries than that means the
    // header cannot be trusted, and the peer address is used.
    let index = entries.length - 1 - hops;
    if (index < 0) return peerIp;
    let ip = canonicalIp(entries[index]!);
    while (ip && isTrustedProxy(ip) && index > 0) {
      index--;
      ip = canonicalIp(entries[index]!);
    }
    return ip || peerIp;
  };
}
