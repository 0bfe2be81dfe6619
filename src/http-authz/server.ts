/**
 * The ext_authz HTTP-service listener (`server.httpAuthz`, default 0.0.0.0:9193): same pipeline, same
 * records, Envoy's HTTP conventions on the wire. Envoy counts a 5xx from here as an error, not a deny, so
 * only internal trouble answers 5xx, always with a code.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeHttp, listenHttp } from '../lib/http-listen.js';
import { decide } from '../pipeline/decide.js';
import { denyVerdict } from '../pipeline/run.js';
import { newDecisionId } from '../lib/ids.js';
import type { ErrorCode } from '../lib/errors.js';
import type { ServerApp } from '../grpc/server-app.js';
import { httpsServerOptions, watchHttpsCertificates, type ResolvedTls } from '../tls/listener-tls.js';
import { toHttpAnswer, toRequestInput, type HttpAnswer } from './adapter.js';

export interface HttpAuthzServerOptions {
  host: string;
  port: number;
  pathPrefix: string;
  tls?: ResolvedTls;
}

export interface RunningHttpAuthzServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function coded(code: ErrorCode, reason: string): HttpAnswer {
  return toHttpAnswer(denyVerdict({ id: newDecisionId(), requestId: '' }, code, reason));
}

function write(res: ServerResponse, a: HttpAnswer): void {
  if (res.headersSent) return;
  res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
  res.end(a.body);
}

export async function startHttpAuthzServer(app: ServerApp, opts: HttpAuthzServerOptions): Promise<RunningHttpAuthzServer> {
  let inFlight = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (inFlight >= app.maxInFlight) {
      app.metrics.shed.inc();
      req.resume();
      write(res, coded('server.overloaded', 'too many checks in flight'));
      return;
    }
    inFlight++;
    const policy = app.policy();
    const limit = policy.maxInspectBodyBytes + 64 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => {
      inFlight--;
    });
    req.on('end', () => {
      if (tooBig) {
        inFlight--;
        write(res, coded('request.body_too_large', `authorization request body over ${limit} bytes`));
        return;
      }
      const deadline = Date.now() + policy.checkTimeoutMs;
      decide(policy, toRequestInput(req, chunks.length ? Buffer.concat(chunks) : undefined, opts), { deadline }).then(
        ({ verdict, record, req }) => {
          inFlight--;
          write(res, toHttpAnswer(verdict));
          app.record(record, req);
          app.metrics.decisions.inc({ route: verdict.route, verdict: verdict.allow ? 'allow' : 'deny', code: verdict.code ?? 'ok' });
        },
        (err: unknown) => {
          inFlight--;
          app.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'http authz check failed internally');
          write(res, coded('server.internal', 'internal error'));
        },
      );
    });
  };
  const server = opts.tls ? createHttpsServer(httpsServerOptions(opts.tls), handler) : createHttpServer(handler);
  // Header counts and sizes are judged by the pipeline's limits, with a coded answer, as on the gRPC path.
  server.maxHeadersCount = 0;
  const stopWatching = opts.tls ? watchHttpsCertificates(server as import('node:tls').Server, opts.tls, app.logger) : () => {};
  const port = await listenHttp(server, opts.host, opts.port);
  return {
    server,
    port,
    close: () => {
      stopWatching();
      return closeHttp(server);
    },
  };
}
