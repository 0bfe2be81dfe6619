/**
 * The request as the WAF sees it: the raw request target, headers in arrival order and the body, all as byte
 * strings (latin1), exactly as received. Built from an AuthzRequest (never from its normalized path) or, by the
 * conformance harness, straight from raw HTTP/1 bytes.
 */
import type { AuthzRequest } from '../../../pipeline/types.js';
import { ASCII } from '../transforms/text.js';

export interface WafInput {
  readonly method: string;
  /** The raw request target (origin-form path and query, or absolute-form), undecoded. */
  readonly uri: string;
  /** "HTTP/1.1", "HTTP/2", ... */
  readonly protocol: string;
  /** Header names and values as received; names keep their case (Envoy sends them lower-cased). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | undefined;
  readonly bodyPartial: boolean;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly serverAddr: string;
  readonly serverPort: number;
  readonly uniqueId: string;
}

/** Byte string of a JS string that came from UTF-8 (Envoy hands strings over as UTF-8). */
export function toBytes(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

// Headers Envoy adds for the authorization call itself; the client never sent them.
const ENVOY_ADDED = new Set(['x-envoy-auth-partial-body', 'x-envoy-expected-rq-timeout-ms', 'x-envoy-internal']);

export function wafInputFromRequest(req: AuthzRequest): WafInput {
  const headers: Array<[string, string]> = [];
  let sawHost = false;
  let authority: string | undefined;
  for (const [name, value] of req.headerList) {
    if (name === ':authority') authority = value;
    if (name.startsWith(':') || ENVOY_ADDED.has(name)) continue;
    if (name === 'host') sawHost = true;
    headers.push([name, toBytes(value)]);
  }
  // HTTP/1 `Host` arrives as `:authority` (possibly empty); the rules expect to find it as a header.
  authority ??= req.authority || undefined;
  if (!sawHost && authority !== undefined) headers.unshift(['host', toBytes(authority)]);
  const protocol = req.protocol || 'HTTP/1.1';
  return {
    method: req.method,
    uri: toBytes(req.rawPath),
    protocol,
    headers,
    body: req.body ? req.body.toString('latin1') : undefined,
    bodyPartial: req.bodyPartial,
    remoteAddr: req.clientIp,
    remotePort: req.source?.port ?? 0,
    serverAddr: req.destination?.address ?? '',
    serverPort: req.destination?.port ?? 0,
    uniqueId: req.id,
  };
}
