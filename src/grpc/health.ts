/**
 * grpc.health.v1.Health: Check, Watch and List over a small status table. Envoy's gRPC health checker calls
 * Check with the configured service_name; Watch streams changes (Kubernetes, grpc-js clients).
 */
import * as grpc from '@grpc/grpc-js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

type Listener = (status: ServingStatus) => void;

export interface HealthService {
  implementation: grpc.UntypedServiceImplementation;
  setAll(status: ServingStatus): void;
  /** Sets one service's status; an unknown name becomes known (and open Watch calls on it hear so). */
  set(name: string, status: ServingStatus): void;
  /** Ends every open Watch call (graceful shutdown waits for open calls; Watch calls never end by themselves). */
  endWatches(): void;
}

/**
 * Health for the overall server ("") and each named service. All start as `initial` (default SERVING, since the
 * server is only bound once the policy is compiled); call setAll('NOT_SERVING') when draining.
 */
export function createHealthService(serviceNames: string[], initial: ServingStatus = 'SERVING'): HealthService {
  const statuses = new Map<string, ServingStatus>();
  for (const name of ['', ...serviceNames]) statuses.set(name, initial);
  const listeners = new Map<string, Set<Listener>>();
  const watches = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  const notify = (name: string, status: ServingStatus): void => {
    const group = listeners.get(name);
    if (group) for (const l of [...group]) l(status);
  };

  const set = (name: string, status: ServingStatus): void => {
    const prev = statuses.get(name);
    statuses.set(name, status);
    if (prev !== status) notify(name, status);
  };

  const serviceOf = (request: unknown): string => {
    const s = (request as { service?: unknown } | null)?.service;
    return typeof s === 'string' ? s : '';
  };

  const implementation: grpc.UntypedServiceImplementation = {
    Check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const status = statuses.get(serviceOf(call.request));
      if (!status) {
        callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        return;
      }
      callback(null, { status });
    },

    Watch(call: grpc.ServerWritableStream<unknown, unknown>) {
      const name = serviceOf(call.request);
      let last: string | undefined;
      const send = (status: string): void => {
        // Per the protocol, only changes are streamed; a repeated set is not news.
        if (status === last) return;
        last = status;
        call.write({ status });
      };
      const listener: Listener = (status) => send(status);
      let group = listeners.get(name);
      if (!group) listeners.set(name, (group = new Set()));
      group.add(listener);
      watches.add(call);
      let cleaned = false;
      const cleanup = (): void => {
        if (cleaned) return;
        cleaned = true;
        watches.delete(call);
        const s = listeners.get(name);
        if (s) {
          s.delete(listener);
          if (s.size === 0) listeners.delete(name);
        }
      };
      call.on('cancelled', cleanup);
      call.on('close', cleanup);
      call.on('error', cleanup);
      call.on('finish', cleanup);
      send(statuses.get(name) ?? 'SERVICE_UNKNOWN');
    },

    List(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const out: Record<string, { status: ServingStatus }> = {};
      for (const [name, status] of statuses) out[name] = { status };
      callback(null, { statuses: out });
    },
  };

  return {
    implementation,
    setAll(status) {
      for (const name of [...statuses.keys()]) set(name, status);
    },
    set,
    endWatches() {
      for (const call of [...watches]) {
        watches.delete(call);
        call.end();
      }
    },
  };
}
