/**
 * The `waf` check: runs a named rule set (compiled once by the `waf` section) over the request as received.
 * A `deny` (or CRS's anomaly-score rule) denies with the rule's status; detection-only matches are recorded.
 */
import { Counter, type Registry } from 'prom-client';
import { PolicyError, type CheckFactory } from '../../config/types.js';
import type { Outcome } from '../../pipeline/types.js';
import { wafInputFromRequest } from './engine/input.js';
import { runWaf } from './engine/waf-engine.js';
import type { MatchLogEntry } from './engine/transaction.js';
import type { WafSection } from './section.js';

export interface WafCheckSpec {
  ruleset: string;
  /** Per-route override of the rule set's engine mode. */
  engine?: 'On' | 'DetectionOnly';
}

const SECRETISH = /cookie|auth|pass|pwd|secret|token|api[-_]?key|session|credential|signature/i;
const EXCERPT = 64;

/** A short, printable excerpt of matched data; values of secret-looking variables never leave the WAF. */
export function excerpt(varName: string, data: string): string {
  if (SECRETISH.test(varName)) return '[redacted]';
  const cut = data.length > EXCERPT ? `${data.slice(0, EXCERPT)}...` : data;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A rule message, with a secret-looking variable's value taken out (messages may expand %{MATCHED_VAR}). */
function safeMessage(e: MatchLogEntry): string {
  let msg = e.msg;
  if (SECRETISH.test(e.varName) && e.varValue.length >= 4) msg = msg.split(e.varValue).join('[redacted]');
  return msg.length > 200 ? `${msg.slice(0, 200)}...` : msg;
}

export function matchedNotes(log: readonly MatchLogEntry[]): Array<{ id: number; msg: string; var: string; data: string }> {
  return log
    .filter((e) => e.logged)
    .map((e) => ({ id: e.id, msg: safeMessage(e), var: e.varName, data: excerpt(e.varName, e.data || e.varValue) }));
}

function counter(metrics: Registry): Counter<'ruleset' | 'result'> {
  const name = 'portcullis_waf_requests_total';
  return (metrics.getSingleMetric(name) as Counter<'ruleset' | 'result'> | undefined) ??
    new Counter({ name, help: 'WAF evaluations by rule set and result (pass, detected, blocked, partial_denied).', labelNames: ['ruleset', 'result'], registers: [metrics] });
}

export const wafCheck: CheckFactory<WafCheckSpec> = {
  kind: 'waf',
  codePrefix: 'waf',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['ruleset'],
    properties: {
      ruleset: { type: 'string', minLength: 1 },
      engine: { enum: ['On', 'DetectionOnly'] },
    },
  },
  readsBody: () => true,
  compile(spec, deps) {
    const section = deps.shared['waf'] as WafSection | undefined;
    const rs = section?.rulesets.get(spec.ruleset);
    if (!rs) {
      const known = section ? [...section.rulesets.keys()].join(', ') : '';
      throw new PolicyError(`${deps.at}.ruleset`, `unknown WAF rule set "${spec.ruleset}"${known ? ` (defined: ${known})` : ' (define it under waf.rulesets)'}`);
    }
    const engine = spec.engine ?? rs.engine;
    const requests = counter(deps.metrics);
    return {
      name: 'waf',
      kind: 'waf',
      run(req): Outcome {
        if (req.bodyPartial && rs.partialBody === 'deny') {
          requests.inc({ ruleset: rs.name, result: 'partial_denied' });
          return { pass: false, status: 413, code: 'waf.body_partial', reason: `rule set ${rs.name} refuses partial bodies` };
        }
        const result = runWaf(rs.compiled, wafInputFromRequest(req), engine);
        const matched = matchedNotes(result.log);
        const score = Number(result.tx.getTx('blocking_inbound_anomaly_score') ?? result.tx.getTx('anomaly_score') ?? 0) || 0;
        const notes = { waf: { ruleset: rs.name, mode: result.engine, matched, score, ruleIds: matched.map((m) => String(m.id)) } };
        const stop = result.interruption;
        if (stop) {
          requests.inc({ ruleset: rs.name, result: 'blocked' });
          const rule = matched.find((m) => m.id === stop.ruleId);
          return {
            pass: false,
            status: stop.status,
            code: 'waf.blocked',
            reason: `rule ${stop.ruleId}${rule?.msg ? `: ${rule.msg}` : ''}`,
            notes,
          };
        }
        requests.inc({ ruleset: rs.name, result: matched.length > 0 ? 'detected' : 'pass' });
        return matched.length > 0 ? { pass: true, notes } : { pass: true };
      },
    };
  },
};
