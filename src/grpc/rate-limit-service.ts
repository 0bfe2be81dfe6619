/**
 * envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit: decode at the edge, ask the policy's rate
 * limiter, encode, record. The limiter itself lives in src/ratelimit.
 */
import * as grpc from '@grpc/grpc-js';
import type { RateLimitDecisionRecord } from '../decisions/record.js';
import { newDecisionId } from '../lib/ids.js';
import type { RlsRequest, RlsResult } from '../ratelimit/rls-types.js';
import { decodeRateLimitRequest, encodeRateLimitResponse } from './codec.js';
import type { ServerApp } from './server-app.js';

/** What the `ratelimit` section's resource offers the RLS adapter. */
export interface RateLimitServiceBackend {
  shouldRateLimit(req: RlsRequest): Promise<RlsResult>;
}

export type RlsRecordBuilder = (req: RlsRequest, result: RlsResult, meta: { id: string; time: string; latencyUs: number }) => RateLimitDecisionRecord;

export function rateLimitService(app: ServerApp, buildRecord: RlsRecordBuilder | undefined): grpc.UntypedServiceImplementation {
  return {
    ShouldRateLimit(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const started = process.hrtime.bigint();
      const decoded = decodeRateLimitRequest(call.request);
      if (!decoded.ok) {
        app.metrics.rlsCalls.inc({ code: 'INVALID_ARGUMENT' });
        callback({ code: grpc.status.INVALID_ARGUMENT, details: decoded.reason });
        return;
      }
      const backend = app.policy().shared.ratelimit as RateLimitServiceBackend | undefined;
      if (!backend) {
        app.metrics.rlsCalls.inc({ code: 'UNIMPLEMENTED' });
        callback({ code: grpc.status.FAILED_PRECONDITION, details: 'the policy has no ratelimit configuration' });
        return;
      }
      backend.shouldRateLimit(decoded.req).then(
        (result) => {
          if (result.kind === 'response') {
            callback(null, encodeRateLimitResponse(result));
            app.metrics.rlsCalls.inc({ code: result.overallCode });
          } else {
            callback({ code: grpc.status[result.grpcCode], details: result.message });
            app.metrics.rlsCalls.inc({ code: result.grpcCode });
          }
          if (buildRecord) {
            const latencyUs = Number(process.hrtime.bigint() - started) / 1000;
            app.record(buildRecord(decoded.req, result, { id: newDecisionId(), time: new Date().toISOString(), latencyUs }));
          }
        },
        (err: unknown) => {
          app.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'ShouldRateLimit failed internally');
          app.metrics.rlsCalls.inc({ code: 'UNAVAILABLE' });
          callback({ code: grpc.status.UNAVAILABLE, details: 'rate limiter unavailable' });
        },
      );
    },
  };
}
