/**
 * The baseline: a grpc-js server on the same protos that answers every Check with allow and every
 * ShouldRateLimit with OK and does nothing else. The candidate's figures are read as ratios to this one's.
 */
import * as grpc from '@grpc/grpc-js';
import { loadGrpcDefinitions } from '../../src/grpc/protos.js';

const defs = loadGrpcDefinitions();
const ALLOW = { status: { code: 0 }, ok_response: {} };

const server = new grpc.Server();
server.addService(defs.authorization, {
  Check(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
    callback(null, ALLOW);
  },
});
server.addService(defs.rateLimit, {
  ShouldRateLimit(call: grpc.ServerUnaryCall<{ descriptors?: unknown[] }, unknown>, callback: grpc.sendUnaryData<unknown>) {
    const n = call.request.descriptors?.length ?? 0;
    const statuses = new Array(n);
    for (let i = 0; i < n; i++) statuses[i] = { code: 'OK' };
    callback(null, { overall_code: 'OK', statuses });
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`baseline: ${err.message}\n`);
    process.exit(1);
  }
  process.send?.({ port });
});

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
