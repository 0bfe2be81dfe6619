/**
 * The gRPC listener: Authorization/Check, RateLimitService/ShouldRateLimit and grpc.health.v1 on one port.
 */
import * as grpc from '@grpc/grpc-js';
import { authorizationService } from './authorization.js';
import { createHealthService, type HealthService } from './health.js';
import { loadGrpcDefinitions, SERVICE_NAMES } from './protos.js';
import { rateLimitService, type RlsRecordBuilder } from './rate-limit-service.js';
import type { ServerApp } from './server-app.js';

export interface GrpcServerOptions {
  /** host:port; port 0 picks a free one. */
  address: string;
  /** Largest message accepted; derived from the largest body window plus headers. */
  maxReceiveBytes: number;
  credentials?: grpc.ServerCredentials;
  buildRateLimitRecord?: RlsRecordBuilder;
}

export interface RunningGrpcServer {
  readonly server: grpc.Server;
  readonly port: number;
  readonly health: HealthService;
  /** Stops accepting calls and waits for in-flight ones, up to `graceMs`, then cuts the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export async function startGrpcServer(app: ServerApp, opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const defs = loadGrpcDefinitions();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxReceiveBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  const health = createHealthService([SERVICE_NAMES.authorization, SERVICE_NAMES.rateLimit]);
  server.addService(defs.authorization, authorizationService(app));
  server.addService(defs.rateLimit, rateLimitService(app, opts.buildRateLimitRecord));
  server.addService(defs.health, health.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.address, opts.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    server,
    port,
    health,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        health.setAll('NOT_SERVING');
        health.endWatches();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
