/**
 * A compiled validation plan (parameters by location, then the body by content type) and the per-request
 * runner. Everything here is lookups and precompiled validators: nothing is compiled per request.
 */
import type { ValidateFunction } from 'ajv';
import { errorInfo, type ErrorCode } from '../../lib/errors.js';
import type { AuthzRequest, DenyOutcome } from '../../pipeline/types.js';
import { describeErrors, formatErrors, type FieldError } from './errors.js';
import { scanJson, type JsonLimits } from './json-scan.js';
import { bodyKind, pickMedia, type MediaRange } from './media.js';
import type { Extractor } from './params.js';

export interface LocationPlan {
  /** Location label in errors: `query`, `path`, `headers`, `cookies`. */
  readonly label: string;
  readonly code: ErrorCode;
  readonly extract: Extractor;
  readonly validate: ValidateFunction;
}

export interface MediaPlan {
  readonly range: MediaRange;
  readonly json?: ValidateFunction;
  readonly form?: ValidateFunction;
  readonly text?: ValidateFunction;
}

export interface BodyPlan {
  required(method: string): boolean;
  /** The content-type allow-list; undefined admits any type (and validates nothing). */
  readonly media: readonly MediaPlan[] | undefined;
}

export interface RequestPlan {
  readonly locations: readonly LocationPlan[];
  readonly body?: BodyPlan;
}

export interface RunSettings {
  readonly partialBody: 'deny' | 'allow';
  readonly maxErrors: number;
  readonly jsonLimits: JsonLimits;
}

/** undefined: valid. `unvalidated`: a partial body let through by `partialBody: allow`. */
export type PlanResult = undefined | DenyOutcome | { unvalidated: string };

export function deny(code: ErrorCode, errors: FieldError[], extra?: Record<string, unknown>): DenyOutcome {
  return {
    pass: false,
    status: errorInfo(code).status,
    code,
    reason: errors.length > 0 ? describeErrors(errors) : errorInfo(code).description,
    details: { errors, ...extra },
  };
}

function contentLength(req: AuthzRequest): number {
  const v = req.headers['content-length'];
  if (v === undefined) return 0;
  const n = Number(v.split(',')[0]);
  return Number.isFinite(n) ? n : 0;
}

// V8's JSON.parse messages may quote the body ("password=..." is not valid JSON): keep only the position.
function jsonErrorMessage(error: string): string {
  const pos = /position (\d+)/.exec(error);
  return pos ? `must be valid JSON (error at position ${pos[1]})` : 'must be valid JSON';
}

function formValues(form: Readonly<Record<string, readonly string[]>>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(form)) {
    const values = form[key]!;
    out[key] = values.length === 1 ? values[0] : [...values];
  }
  return out;
}

function runBody(plan: BodyPlan, req: AuthzRequest, s: RunSettings): PlanResult {
  const hasBytes = req.body !== undefined;
  // Body bytes announced but not sent, and no sign that Envoy buffered (it adds x-envoy-auth-partial-body whenever
  // it does): buffering was skipped (an upgrade, or inspection off on the route); the body cannot be judged whole.
  const announced = !hasBytes && req.headers['x-envoy-auth-partial-body'] === undefined &&
    (contentLength(req) > 0 || req.headers['transfer-encoding'] !== undefined);
  if (!hasBytes && !announced) {
    return plan.required(req.method) ? deny('schema.body_missing', [{ location: 'body', message: 'is required' }]) : undefined;
  }
  let media: MediaPlan | undefined;
  if (plan.media) {
    media = pickMedia(plan.media, req.contentType);
    if (!media) {
      return deny('schema.unsupported_media_type', [{ location: 'headers.content-type', message: 'must be one of the accepted media types' }], {
        accepted: plan.media.map((m) => m.range.raw),
      });
    }
  }
  if (!media) return undefined;
  const kind = bodyKind(req.contentType);
  const validate = kind === 'json' ? media.json : kind === 'form' ? media.form : kind === 'text' ? media.text : undefined;
  if (!validate) return undefined;
  if (req.bodyPartial || announced) {
    if (s.partialBody === 'deny') return deny('schema.body_partial', [{ location: 'body', message: 'was sent only in part and cannot be validated' }]);
    return { unvalidated: 'partial' };
  }
  const body = req.body!;
  let value: unknown;
  if (kind === 'json') {
    const hostile = scanJson(body, s.jsonLimits);
    if (hostile) return deny('schema.body_invalid', [{ location: 'body', message: `must not have ${hostile}` }]);
    const parsed = req.jsonBody();
    if (!parsed.ok) return deny('schema.body_malformed', [{ location: 'body', message: jsonErrorMessage(parsed.error) }]);
    value = parsed.value;
  } else if (kind === 'form') {
    value = formValues(req.formBody());
  } else {
    value = body.toString('utf8');
  }
  if (validate(value)) return undefined;
  return deny('schema.body_invalid', formatErrors('body', validate.errors, s.maxErrors));
}

export function runPlan(plan: RequestPlan, req: AuthzRequest, pathParams: Readonly<Record<string, string>>, s: RunSettings): PlanResult {
  for (const loc of plan.locations) {
    const values = loc.extract(req, pathParams);
    if (!loc.validate(values)) return deny(loc.code, formatErrors(loc.label, loc.validate.errors, s.maxErrors));
  }
  return plan.body ? runBody(plan.body, req, s) : undefined;
}
