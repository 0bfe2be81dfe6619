/**
 * Composition root: compile the policy, start the decision recorder, the gRPC listener and the admin API,
 * and handle reload and shutdown. `portcullis serve` and the integration tests both start here.
 */
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { coreRoutes } from './admin/core-routes.js';
import { adminRoutes } from './admin/routes.js';
import { startAdminServer, type RunningAdminServer } from './admin/server.js';
import type { CompiledPolicy } from './config/compile.js';
import type { SecretRef } from './config/types.js';
import type { DecisionRecord } from './decisions/record.js';
import { createDecisionRecorder, type DecisionRecorder } from './decisions/recorder.js';
import type { AuthzRequest } from './pipeline/types.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc/server.js';
import { buildRateLimitRecord } from './ratelimit/record.js';
import { startHttpAuthzServer, type RunningHttpAuthzServer } from './http-authz/server.js';
import { grpcServerCredentials, httpsServerOptions, resolveTls } from './tls/listener-tls.js';
import type { ServerApp } from './grpc/server-app.js';
import { createLogger } from './lib/logger.js';
import { createCoreMetrics, type CoreMetrics } from './lib/metrics.js';
import { PolicyHolder, type ReloadResult } from './runtime/policy-holder.js';
import { resolveSecretValue } from './config/secrets.js';

export interface StartOptions {
  configFile: string;
  /** Overrides of the policy's `server.grpc` / `server.admin` (host:port; port 0 picks a free one). */
  grpc?: string;
  admin?: string;
  /** Override of `server.httpAuthz`; false disables the HTTP authz listener. */
  httpAuthz?: string | false;
  crsDir?: string;
  logger?: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (serve does; tests don't). */
  handleSignals?: boolean;
  /** Watch the policy file and reload on change (default true). */
  watch?: boolean;
}

export interface Portcullis {
  readonly grpcPort: number;
  readonly adminPort: number;
  /** Port of the ext_authz HTTP-service listener, undefined when disabled. */
  readonly httpAuthzPort: number | undefined;
  readonly metrics: CoreMetrics;
  readonly holder: PolicyHolder;
  readonly recorder: DecisionRecorder;
  readonly logger: Logger;
  reload(reason?: string): Promise<ReloadResult>;
  /** Drains: health NOT_SERVING, in-flight calls finish, records flushed, listeners closed. */
  stop(): Promise<void>;
}

export function splitHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  if (!m) throw new Error(`not host:port: ${value}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The receive limit must admit the largest body window plus generous headers, so oversize headers get a coded deny. */
function maxReceiveBytes(policy: CompiledPolicy): number {
  return policy.maxInspectBodyBytes + 4 * 1024 * 1024;
}

export async function startPortcullis(opts: StartOptions): Promise<Portcullis> {
  const logger = opts.logger ?? createLogger();
  const metrics = createCoreMetrics();
  const holder = await PolicyHolder.create({ file: opts.configFile, crsDir: opts.crsDir, logger, metrics });
  const policy = holder.current;
  const server = policy.spec.server ?? {};
  for (const w of policy.warnings) logger.warn({ warning: w }, 'policy warning');

  const recorder = await createDecisionRecorder(policy.spec.decisions, { policyDir: policy.dir, logger, metrics: metrics.registry }).catch(async (err: unknown) => {
    await holder.close();
    throw err;
  });
  let draining = false;
  const app: ServerApp = {
    policy: () => holder.current,
    record: (rec: DecisionRecord, req?: AuthzRequest) => recorder.record(rec, req),
    metrics,
    logger,
    maxInFlight: server.maxInFlight ?? 1024,
  };

  const grpcAddress = opts.grpc ?? server.grpc ?? '0.0.0.0:9191';
  let grpcServer: RunningGrpcServer | undefined;
  let admin: RunningAdminServer | undefined;
  let httpAuthz: RunningHttpAuthzServer | undefined;
  const tls = server.tls ? resolveTls(server.tls, policy.dir) : undefined;
  try {
    grpcServer = await startGrpcServer(app, { address: grpcAddress, maxReceiveBytes: maxReceiveBytes(policy), buildRateLimitRecord, credentials: tls ? grpcServerCredentials(tls, logger) : undefined });
    const httpAuthzAddress = opts.httpAuthz ?? server.httpAuthz ?? '0.0.0.0:9193';
    if (httpAuthzAddress !== false) {
      const a = splitHostPort(httpAuthzAddress);
      httpAuthz = await startHttpAuthzServer(app, { host: a.host, port: a.port, pathPrefix: server.httpAuthzPathPrefix ?? '', tls });
    }

    const adminAddress = splitHostPort(opts.admin ?? server.admin ?? '127.0.0.1:9192');
    const token = server.adminToken === undefined ? undefined : resolveSecretValue(server.adminToken as SecretRef, policy.dir);
    if (!isLoopback(adminAddress.host) && !token) {
      logger.warn({ address: `${adminAddress.host}:${adminAddress.port}` }, 'ADMIN API EXPOSED BEYOND LOOPBACK WITHOUT A TOKEN: anyone who reaches it can read decisions and reload the policy; set server.adminToken');
    }
    const readiness = (): string[] => {
      const reasons: string[] = [];
      if (draining) reasons.push('draining');
      const errors = holder.lastReloadErrors;
      if (errors) reasons.push(`last reload failed (previous policy serving): ${errors.join('; ')}`);
      reasons.push(...holder.current.readiness(), ...recorder.readiness());
      return reasons;
    };
    admin = await startAdminServer(
      { logger, metrics: metrics.registry, shared: () => holder.current.shared, decisionStore: () => recorder.store() },
      {
        host: adminAddress.host,
        port: adminAddress.port,
        tls: tls && server.tls?.admin ? httpsServerOptions(tls) : undefined,
        token,
        routes: [
          ...coreRoutes({ policy: () => holder.current, reload: (r) => holder.reload(r), readiness, readinessDetail: () => ({ decisions: recorder.stats() }) }),
          ...adminRoutes,
        ],
      },
    );
  } catch (err) {
    await grpcServer?.shutdown(0);
    await httpAuthz?.close();
    await recorder.close();
    await holder.close();
    throw err;
  }
  if (opts.watch !== false) holder.watchFile();
  logger.info({ grpc: `${grpcAddress.replace(/:\d+$/, '')}:${grpcServer.port}`, admin: admin.port, httpAuthz: httpAuthz?.port ?? null, tls: tls !== undefined, policy: opts.configFile, routes: policy.routes.length }, 'portcullis serving');

  let stopping: Promise<void> | undefined;
  const drainMs = (server.drainSeconds ?? 10) * 1000;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      logger.info('draining');
      await Promise.all([grpcServer!.shutdown(drainMs), httpAuthz?.close()]);
      await recorder.close();
      await admin!.close();
      await holder.close();
      logger.info('stopped');
    })());

  if (opts.handleSignals) {
    const onTerm = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => process.exit(1), drainMs + 5000);
      hard.unref();
      void stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => onTerm('SIGTERM'));
    process.once('SIGINT', () => onTerm('SIGINT'));
    process.on('SIGHUP', () => void holder.reload('SIGHUP'));
  }

  return {
    grpcPort: grpcServer.port,
    adminPort: admin.port,
    httpAuthzPort: httpAuthz?.port,
    metrics,
    holder,
    recorder,
    logger,
    reload: (reason = 'api') => holder.reload(reason),
    stop,
  };
}
