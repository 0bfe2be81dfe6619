/**
 * Envoy's RateLimitService request and response as plain data, free of protobuf types. The gRPC adapter
 * converts to and from these; the limiter never sees protobuf.
 */
export type RateLimitUnit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface RlsDescriptor {
  entries: Array<{ key: string; value: string }>;
  /** The descriptor's `limit` override, when Envoy sent one. */
  limit?: { requestsPerUnit: number; unit: RateLimitUnit | 'UNKNOWN' };
  /** Per-descriptor hits_addend (UInt64Value), when present; overrides the request's. */
  hitsAddend?: number;
}

export interface RlsRequest {
  domain: string;
  descriptors: RlsDescriptor[];
  /** Request-level hits_addend as sent (0 means 1). */
  hitsAddend: number;
}

export interface RlsDescriptorStatus {
  code: 'OK' | 'OVER_LIMIT';
  currentLimit?: { requestsPerUnit: number; unit: RateLimitUnit; name?: string };
  limitRemaining: number;
  /** Seconds until the window resets (0 when no limit applied). */
  durationUntilResetSeconds: number;
}

/** Facts for the decision record that the wire response does not carry. */
export interface RlsInfo {
  /** Why the answer is degraded (e.g. the store failed and the limits involved fail open). */
  degraded?: string[];
  /** The fail mode applied when the store failed. */
  failMode?: 'open' | 'closed';
  /** Per descriptor: true when a shadow-mode limit was over (the status says OK). */
  shadow?: boolean[];
  /** The domain is not configured: every descriptor is OK without a limit. */
  unknownDomain?: boolean;
}

export type RlsResult =
  | {
      kind: 'response';
      overallCode: 'OK' | 'OVER_LIMIT';
      statuses: RlsDescriptorStatus[];
      responseHeadersToAdd?: Array<[string, string]>;
      requestHeadersToAdd?: Array<[string, string]>;
      info?: RlsInfo;
    }
  /** Answer the RPC with a gRPC status (UNAVAILABLE when a closed limit's store failed, INVALID_ARGUMENT for bad requests). */
  | { kind: 'error'; grpcCode: 'UNAVAILABLE' | 'INVALID_ARGUMENT'; message: string; info?: RlsInfo };
