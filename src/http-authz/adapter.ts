/**
 * Envoy's ext_authz HTTP-service mode: Envoy forwards the original method and `path_prefix + path` with the
 * headers listed in `allowed_headers`, and reads the answer by HTTP conventions. This module maps that request
 * to the pipeline's input and a Verdict back to an HTTP answer, with no I/O of its own.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestInput } from '../pipeline/build-request.js';
import type { Verdict } from '../pipeline/types.js';

/** Response headers Envoy's `dynamic_metadata_from_headers` and `allowed_*` lists are told to pick up. */
export const HTTP_AUTHZ_HEADERS = {
  removeHeaders: 'x-envoy-auth-headers-to-remove',
  principal: 'x-portcullis-principal',
  decisionId: 'x-portcullis-decision-id',
  route: 'x-portcullis-route',
} as const;

export interface HttpAuthzOptions {
  /** The `path_prefix` configured on Envoy's http_service, stripped before matching. */
  pathPrefix: string;
}

/**
 * In this mode Envoy sends no source address. With use_remote_address, Envoy appends the downstream peer to
 * `x-forwarded-for` before filters run, so the right-most entry is the address Envoy saw: that is the "peer"
 * here (`x-envoy-external-address` is set only for peers Envoy deems external, and internal clients may send
 * their own). `clientIp: { from: xff, trustedHops: N }` applies to the header as usual. Without the header,
 * the peer is the TCP peer, which is Envoy itself.
 */
export function toRequestInput(req: IncomingMessage, body: Buffer | undefined, opts: HttpAuthzOptions): RequestInput {
  let path = req.url ?? '/';
  if (opts.pathPrefix && path.startsWith(opts.pathPrefix)) path = path.slice(opts.pathPrefix.length) || '/';
  if (!path.startsWith('/')) path = '/' + path;
  const method = req.method ?? '';
  const list: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name === 'host') continue;
    list.push([name, req.rawHeaders[i + 1]!]);
  }
  const authority = req.headers.host ?? '';
  const scheme = String(req.headers['x-forwarded-proto'] ?? 'http');
  list.unshift([':authority', authority], [':path', path], [':method', method], [':scheme', scheme]);
  const xff = req.headers['x-forwarded-for'];
  const lastHop = typeof xff === 'string' ? xff.slice(xff.lastIndexOf(',') + 1).trim() : '';
  const peer = lastHop || req.socket.remoteAddress || '';
  const input: RequestInput = {
    method,
    path,
    headers: list,
    authority,
    scheme,
    protocol: `HTTP/${req.httpVersion}`,
    source: { address: peer, port: 0 },
  };
  if (body && body.length > 0) input.body = body;
  return input;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Allow: 200 with the headers to add upstream and for the client, removals named in one header. Deny: the denial as is. */
export function toHttpAnswer(v: Verdict): HttpAnswer {
  const headers: Record<string, string> = {};
  const decisionId = v.metadata.decision_id;
  if (typeof decisionId === 'string') headers[HTTP_AUTHZ_HEADERS.decisionId] = decisionId;
  if (v.route) headers[HTTP_AUTHZ_HEADERS.route] = v.route;
  if (!v.allow) {
    Object.assign(headers, v.responseHeaders);
    return { status: v.status, headers, body: v.body ?? '' };
  }
  Object.assign(headers, v.responseHeaders, v.appendHeaders, v.setHeaders);
  if (v.principal) headers[HTTP_AUTHZ_HEADERS.principal] = v.principal;
  const set = new Set([...Object.keys(v.setHeaders), ...Object.keys(v.appendHeaders)]);
  const remove = v.removeHeaders.filter((h) => !set.has(h));
  if (remove.length > 0) headers[HTTP_AUTHZ_HEADERS.removeHeaders] = remove.join(', ');
  return { status: 200, headers, body: '' };
}
