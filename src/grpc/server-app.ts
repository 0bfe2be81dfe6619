/** What the transport adapters (gRPC, HTTP authz, admin) need from the running process. */
import type { Logger } from 'pino';
import type { CompiledPolicy } from '../config/compile.js';
import type { DecisionRecord } from '../decisions/record.js';
import type { AuthzRequest } from '../pipeline/types.js';
import type { CoreMetrics } from '../lib/metrics.js';

export interface ServerApp {
  /** The policy serving now (swapped atomically on reload). */
  policy(): CompiledPolicy;
  /** Hands a decision record to the recorder; never blocks. The request, when given, lets redaction scrub its secrets. */
  record(rec: DecisionRecord, req?: AuthzRequest): void;
  readonly metrics: CoreMetrics;
  readonly logger: Logger;
  readonly maxInFlight: number;
}
