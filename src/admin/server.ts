/**
 * The admin HTTP listener (loopback by default): a small router over AdminRoute handlers, an optional bearer
 * token, bounded request bodies, and JSON answers.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import { closeHttp, listenHttp } from '../lib/http-listen.js';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from './types.js';

const MAX_BODY = 1024 * 1024;

export interface AdminServerOptions {
  host: string;
  port: number;
  routes: readonly AdminRoute[];
  /** When set, every route but /healthz and /readyz requires `Authorization: Bearer <token>`. */
  token?: string;
  tls?: HttpsOptions;
}

export interface RunningAdminServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
  // Compare digests: constant time whatever the lengths.
  return timingSafeEqual(digest(presented), digest(token));
}

function send(res: ServerResponse, r: AdminResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload: string | Buffer;
  if (typeof r.body === 'string' && r.contentType) {
    payload = r.body;
    headers['content-type'] = r.contentType;
  } else if (Buffer.isBuffer(r.body)) {
    payload = r.body;
    headers['content-type'] = r.contentType ?? 'application/octet-stream';
  } else {
    payload = r.body === undefined ? '' : JSON.stringify(r.body, null, 2) + '\n';
    headers['content-type'] = r.contentType ?? 'application/json';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startAdminServer(ctx: AdminContext, opts: AdminServerOptions): Promise<RunningAdminServer> {
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://admin.local');
      const method = req.method ?? 'GET';
      const open = url.pathname === '/healthz' || url.pathname === '/readyz';
      if (!open && !authorized(req, opts.token)) {
        send(res, { status: 401, body: { error: 'admin.unauthorized', message: 'a bearer token is required' }, headers: { 'www-authenticate': 'Bearer' } });
        return;
      }
      let pathMatched = false;
      for (const route of opts.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        const body = route.method === 'GET' ? Buffer.alloc(0) : await readBody(req);
        if (body === undefined) {
          send(res, { status: 413, body: { error: 'admin.body_too_large', message: `request bodies are limited to ${MAX_BODY} bytes` } });
          return;
        }
        const areq: AdminRequest = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body };
        send(res, await route.handle(areq, m.slice(1), ctx));
        return;
      }
      send(res, pathMatched
        ? { status: 405, body: { error: 'admin.method_not_allowed', message: `${method} is not allowed on ${url.pathname}` } }
        : { status: 404, body: { error: 'admin.not_found', message: `no admin endpoint ${url.pathname}` } });
    } catch (err) {
      ctx.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'admin request failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'admin.internal', message: 'internal error' } });
      else res.destroy();
    }
  };
  const server = opts.tls ? createHttpsServer(opts.tls, handler) : createHttpServer(handler);
  const port = await listenHttp(server, opts.host, opts.port);
  return { server, port, close: () => closeHttp(server) };
}
