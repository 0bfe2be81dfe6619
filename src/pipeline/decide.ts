/**
 * One Check decision from what Envoy sent, independent of the transport (gRPC, HTTP authz, eval):
 * normalize, run the pipeline, and shape the record.
 */
import type { CompiledPolicy } from '../config/compile.js';
import type { CheckDecisionRecord } from '../decisions/record.js';
import { newDecisionId } from '../lib/ids.js';
import { buildRequest, type RequestInput } from './build-request.js';
import { toCheckRecord } from './record.js';
import { denyVerdict, runPipeline } from './run.js';
import type { AuthzRequest, Verdict } from './types.js';

export interface Decision {
  verdict: Verdict;
  /** Undefined when the request could not be normalized (the verdict is then a coded 400 deny). */
  req: AuthzRequest | undefined;
  record: CheckDecisionRecord;
}

export async function decide(policy: CompiledPolicy, input: RequestInput, opts: { deadline: number; dryRun?: boolean }): Promise<Decision> {
  const started = process.hrtime.bigint();
  const built = buildRequest(input, policy.resolveClientIp, policy.limits);
  if (!built.ok) {
    const id = newDecisionId();
    const requestId = typeof input.headers === 'object' && !Array.isArray(input.headers) ? (input.headers['x-request-id'] ?? '') : '';
    const verdict = denyVerdict({ id, requestId: requestId.slice(0, 200) }, built.code, built.reason);
    const latencyUs = Math.round(Number(process.hrtime.bigint() - started) / 100) / 10;
    const record: CheckDecisionRecord = {
      type: 'check', id, time: new Date().toISOString(), requestId: requestId.slice(0, 200), route: '',
      method: (input.method ?? '').slice(0, 32), host: '', path: '', clientIp: '', verdict: 'deny', status: verdict.status,
      code: built.code, checks: [], latencyUs,
    };
    return { verdict, req: undefined, record };
  }
  const req = built.req;
  const verdict = await runPipeline(policy, req, opts);
  const latencyUs = Math.round(Number(process.hrtime.bigint() - started) / 100) / 10;
  return { verdict, req, record: toCheckRecord(req, verdict, latencyUs) };
}
