/**
 * Counter identities. Stores append the algorithm and window; the hash tag groups what one request touches
 * (an RLS domain; a route and client) on one Redis Cluster slot.
 */
import { createHash } from 'node:crypto';

const NEEDS_ESCAPE = /[\\|=:]/;
const ESCAPE = /[\\|=:]/g;

/** Keeps counter ids unambiguous whatever the values contain. */
export function escapePart(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE, (c) => `\\${c}`) : s;
}

// Values can be client-chosen (an Envoy request_headers action): long ones are hashed, so a counter costs
// about the same memory whatever a client sends.
const MAX_VALUE = 128;

/** A value as it appears in a counter id: escaped, or `sha256:<digest>` when longer than 128 characters. */
export function valuePart(s: string): string {
  return s.length <= MAX_VALUE ? escapePart(s) : `sha256:${createHash('sha256').update(s).digest('base64url')}`;
}

/** An RLS descriptor's counter: `rls:<domain>:<key>=<value>|<key>=<value>...` */
export function rlsCounterKey(domain: string, entries: ReadonlyArray<{ key: string; value: string }>): string {
  let k = `rls:${valuePart(domain)}:`;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (i > 0) k += '|';
    k += `${valuePart(e.key)}=${valuePart(e.value)}`;
  }
  return k;
}

export function rlsTag(domain: string): string {
  return `rls:${domain}`;
}

/** A per-route limit's counter: `route:<route>:<kind>=<value>` (kind: consumer, ip, header name, route). */
export function routeCounterKey(route: string, kind: string, value: string): string {
  return `route:${escapePart(route)}:${escapePart(kind)}=${valuePart(value)}`;
}

export function routeTag(route: string, value: string): string {
  return `route:${route}:${valuePart(value)}`;
}
