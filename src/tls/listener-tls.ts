/**
 * TLS and mTLS for Portcullis's own listeners (gRPC, HTTP authz, optionally admin), with certificates
 * re-read when their files change, so rotating a mounted secret needs no restart.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server as TlsServer, SecureContextOptions } from 'node:tls';
import { isAbsolute, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ListenerTlsSpec } from '../config/policy-spec.js';

export interface ResolvedTls {
  cert: string;
  key: string;
  clientCa?: string;
  requireClientCert: boolean;
  /** How often certificate files are checked for changes. */
  refreshMs: number;
}

export function resolveTls(spec: ListenerTlsSpec, policyDir: string): ResolvedTls {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(policyDir, p));
  const out: ResolvedTls = {
    cert: abs(spec.cert),
    key: abs(spec.key),
    requireClientCert: spec.requireClientCert ?? spec.clientCa !== undefined,
    refreshMs: (spec.reloadSeconds ?? 5) * 1000,
  };
  if (spec.clientCa) out.clientCa = abs(spec.clientCa);
  if (out.requireClientCert && !out.clientCa) throw new Error('server.tls.requireClientCert needs server.tls.clientCa');
  return out;
}

/**
 * gRPC server credentials that follow the files. The first read is synchronous, so a missing file fails
 * startup with a clear error and the first handshake already has certificates; later reads poll the files.
 */
class FileServerCredentials extends grpc.ServerCredentials {
  #stop: (() => void) | undefined;

  constructor(private readonly tls: ResolvedTls, private readonly logger: Logger | undefined) {
    super({ requestCert: tls.clientCa !== undefined, rejectUnauthorized: tls.requireClientCert }, readContext(tls));
  }

  override _addWatcher(watcher: Parameters<grpc.ServerCredentials['_addWatcher']>[0]): void {
    if (this.getWatcherCount() === 0) {
      this.#stop = watchFiles(this.tls, () => {
        try {
          this.updateSecureContextOptions(readContext(this.tls));
          this.logger?.info('gRPC listener certificates reloaded');
        } catch (err) {
          this.logger?.error({ err: (err as Error).message }, 'certificate reload failed; the previous certificates stay in use');
        }
      });
    }
    super._addWatcher(watcher);
  }

  override _removeWatcher(watcher: Parameters<grpc.ServerCredentials['_removeWatcher']>[0]): void {
    super._removeWatcher(watcher);
    if (this.getWatcherCount() === 0) this.#stop?.();
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export function grpcServerCredentials(tls: ResolvedTls, logger?: Logger): grpc.ServerCredentials {
  return new FileServerCredentials(tls, logger);
}

function watchFiles(tls: ResolvedTls, onChange: () => void): () => void {
  const files = [tls.cert, tls.key, ...(tls.clientCa ? [tls.clientCa] : [])];
  for (const f of files) watchFile(f, { interval: tls.refreshMs, persistent: false }, onChange);
  return () => {
    for (const f of files) unwatchFile(f, onChange);
  };
}

function readContext(tls: ResolvedTls): SecureContextOptions {
  try {
    const ctx: SecureContextOptions = { cert: readFileSync(tls.cert), key: readFileSync(tls.key), minVersion: 'TLSv1.2' };
    if (tls.clientCa) ctx.ca = readFileSync(tls.clientCa);
    return ctx;
  } catch (err) {
    throw new Error(`cannot read TLS files: ${(err as NodeJS.ErrnoException).path ?? ''} ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Options for node:https createServer. */
export function httpsServerOptions(tls: ResolvedTls) {
  return { ...readContext(tls), requestCert: tls.clientCa !== undefined, rejectUnauthorized: tls.requireClientCert };
}

/** Re-reads the files into the running HTTPS server when they change; returns a function that stops watching. */
export function watchHttpsCertificates(server: TlsServer, tls: ResolvedTls, logger: Logger): () => void {
  return watchFiles(tls, () => {
    try {
      server.setSecureContext(readContext(tls));
      logger.info('listener certificates reloaded');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'certificate reload failed; the previous certificates stay in use');
    }
  });
}
