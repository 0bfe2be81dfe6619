/**
 * Explains one request against a policy without recording it or consuming counters: the route chosen,
 * each check's outcome with its code and timing, and the CheckResponse Envoy would get.
 */
import type { CompiledPolicy } from '../config/compile.js';
import { decodeCheckRequest, encodeCheckResponse } from '../grpc/codec.js';
import type { RequestInput } from '../pipeline/build-request.js';
import { decide } from '../pipeline/decide.js';

export interface Explanation {
  route: string;
  verdict: 'allow' | 'deny';
  status: number;
  code?: string;
  reason?: string;
  principal?: string;
  checks: Array<{ name: string; kind: string; result: string; code?: string; reason?: string; ms: number; notes?: unknown }>;
  /** The CheckResponse as Envoy would receive it (proto JSON shape). */
  response: object;
}

export class EvalInputError extends Error {}

/** Accepts Envoy's CheckRequest shape (`{ attributes: ... }`) or a simple `{ method, path, headers, body, clientIp }`. */
export function toRequestInput(body: unknown): RequestInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new EvalInputError('the request must be a JSON object');
  const o = body as Record<string, unknown>;
  if ('attributes' in o) {
    const http = (o.attributes as { request?: { http?: Record<string, unknown> } } | undefined)?.request?.http;
    if (http && typeof http.raw_body === 'string') http.raw_body = Buffer.from(http.raw_body, 'base64');
    const d = decodeCheckRequest(o);
    if (!d.ok) throw new EvalInputError(`${d.code}: ${d.reason}`);
    return d.input;
  }
  const method = typeof o.method === 'string' ? o.method : 'GET';
  const path = typeof o.path === 'string' ? o.path : '';
  if (!path) throw new EvalInputError("a simple request needs 'path' (and optionally method, headers, body, clientIp)");
  const headers: Record<string, string> = {};
  if (o.headers && typeof o.headers === 'object') {
    for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
  }
  let bodyBuf: Buffer | undefined;
  if (typeof o.body === 'string') bodyBuf = Buffer.from(o.body);
  else if (o.body !== undefined && o.body !== null) {
    bodyBuf = Buffer.from(JSON.stringify(o.body));
    headers['content-type'] ??= 'application/json';
  }
  if (bodyBuf) headers['x-envoy-auth-partial-body'] ??= 'false';
  headers[':method'] = method;
  headers[':path'] = path;
  headers[':authority'] ??= headers['host'] ?? (typeof o.host === 'string' ? o.host : 'localhost');
  headers[':scheme'] ??= 'https';
  const peer = typeof o.clientIp === 'string' ? o.clientIp : typeof o.peer === 'string' ? o.peer : '127.0.0.1';
  return { method, path, headers, body: bodyBuf, source: { address: peer, port: 0 } };
}

export async function explain(policy: CompiledPolicy, body: unknown): Promise<Explanation> {
  const input = toRequestInput(body);
  const { verdict, req } = await decide(policy, input, { deadline: Date.now() + 5000, dryRun: true });
  const out: Explanation = {
    route: verdict.route,
    verdict: verdict.allow ? 'allow' : 'deny',
    status: verdict.status,
    checks: verdict.checks.map((c) => ({ ...c, ms: Math.round(c.ms * 1000) / 1000 })),
    response: encodeCheckResponse(verdict, { headers: req?.headers }),
  };
  if (verdict.code) out.code = verdict.code;
  if (verdict.reason) out.reason = verdict.reason;
  if (verdict.principal) out.principal = verdict.principal;
  return out;
}
