/**
 * Compiles a validated policy into an immutable CompiledPolicy: sections first (keys, rule sets, stores),
 * then each route's checks. All expensive work happens here, once; a request only looks things up.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { checkFactories } from '../checks/registry.js';
import { envoyWarnings } from '../envoy/warnings.js';
import { limitedTwiceWarnings } from '../ratelimit/limited-twice.js';
import { defaultRequestLimits, type RequestLimits } from '../pipeline/build-request.js';
import { compileClientIp, type ClientIpResolver } from '../pipeline/client-ip.js';
import { compileMatcher, templateParams, type RouteMatcher } from '../pipeline/route-table.js';
import type { Check } from '../pipeline/types.js';
import { parseDuration, parseSize } from '../lib/units.js';
import { DEFAULT_INSPECT_BODY_BYTES, DEFAULT_MAX_BODY_BYTES } from './defaults.js';
import { locatorOf } from './load.js';
import type { LoadedPolicy, PolicySpec } from './policy-spec.js';
import { resolveSecretValue } from './secrets.js';
import { policySections } from './sections.js';
import { PolicyError, type CheckFactory, type CompileDeps, type CompileOptions, type PolicySection, type SecretRef } from './types.js';


export interface CompiledCheck {
  readonly check: Check;
  readonly name: string;
  readonly kind: string;
  readonly shadow: boolean;
  readonly onError: 'deny' | 'allow';
  /** `<prefix>.error`: the code of internal trouble in this check. */
  readonly errorCode: string;
}

export interface CompiledRoute {
  readonly name: string;
  readonly index: number;
  readonly match: RouteMatcher;
  readonly checks: readonly CompiledCheck[];
  readonly shadow: boolean;
  readonly maxBodyBytes: number;
  readonly inspectBodyBytes: number;
}

export interface CompiledPolicy {
  readonly file: string;
  readonly dir: string;
  readonly spec: PolicySpec;
  /** SHA-256 of the policy text, to tell versions apart in logs and /config. */
  readonly hash: string;
  readonly compiledAt: string;
  readonly routes: readonly CompiledRoute[];
  readonly defaultAction: { readonly action: 'allow' | 'deny'; readonly status: number };
  /** Lower-cased identity headers: removed on every allow unless a check set them. */
  readonly identityHeaders: readonly string[];
  readonly resolveClientIp: ClientIpResolver;
  readonly limits: RequestLimits;
  /** Per-call budget when the caller set no gRPC deadline. */
  readonly checkTimeoutMs: number;
  /** The largest body window any route asks Envoy to send. */
  readonly maxInspectBodyBytes: number;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly warnings: readonly string[];
  /** Reasons the policy is not ready to serve (e.g. keys not fetched yet). */
  readiness(): string[];
  /** Releases timers and connections; called after a newer policy took over. */
  dispose(): Promise<void>;
}

/** Compilation failed; `errors` are `file:line key.path: message` lines. */
export class PolicyCompileError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid policy:\n${errors.join('\n')}`);
    this.name = 'PolicyCompileError';
  }
}

export interface CompilePolicyOptions extends CompileOptions {
  logger: Logger;
  metrics: Registry;
}

export async function compilePolicy(loaded: LoadedPolicy, options: CompilePolicyOptions): Promise<CompiledPolicy> {
  const locator = locatorOf(loaded);
  const errors: string[] = [];
  const warnings: string[] = [...loaded.warnings];
  const fail = (err: unknown, fallbackAt: string) => {
    if (err instanceof PolicyError) errors.push(locator.format(err.at, err.message.slice(err.at.length + 2)));
    else errors.push(locator.format(fallbackAt, err instanceof Error ? err.message : String(err)));
  };
  const spec = loaded.spec;
  const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(loaded.dir, p));
  const shared: Record<string, unknown> = {};
  const deps: CompileDeps = {
    policyFile: loaded.file,
    policyDir: loaded.dir,
    resolvePath,
    resolveSecret: (ref: SecretRef, at: string) => resolveSecret(ref, at, loaded.dir, (w) => warnings.push(locator.format(at, w))),
    warn: (at, message) => warnings.push(locator.format(at, message)),
    logger: options.logger,
    metrics: options.metrics,
    shared,
    options: { crsDir: options.crsDir, live: options.live },
  };

  const compiledSections: Array<{ section: PolicySection; resource: unknown }> = [];
  for (const section of policySections) {
    try {
      const resource = await section.compile(spec[section.key], deps);
      shared[section.key] = resource;
      compiledSections.push({ section, resource });
    } catch (err) {
      fail(err, section.key);
    }
  }

  const factories = new Map<string, CheckFactory>(checkFactories.map((f) => [f.kind, f]));
  const routes: CompiledRoute[] = [];
  const seenNames = new Set<string>();
  let maxInspect = 0;
  for (const [index, route] of spec.routes.entries()) {
    const at = `routes[${index}]`;
    if (seenNames.has(route.name)) errors.push(locator.format(`${at}.name`, `duplicate route name '${route.name}'`));
    seenNames.add(route.name);
    let match: RouteMatcher;
    let pathParams: string[] = [];
    try {
      match = compileMatcher(route.match);
      pathParams = templateParams(route.match);
    } catch (err) {
      fail(new PolicyError(`${at}.match.path.template`, err instanceof Error ? err.message : String(err)), at);
      continue;
    }
    const maxBodyBytes = route.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : parseSize(route.maxBodyBytes);
    const inspectBodyBytes = route.inspectBodyBytes === undefined ? DEFAULT_INSPECT_BODY_BYTES : parseSize(route.inspectBodyBytes);
    const checks: CompiledCheck[] = [];
    let readsBody = false;
    for (const [ci, entry] of (route.checks ?? []).entries()) {
      const [kind, rawSpec] = Object.entries(entry)[0]!;
      const checkAt = `${at}.checks[${ci}].${kind}`;
      const factory = factories.get(kind)!;
      const { name, shadow, onError, ...checkSpec } = (rawSpec ?? {}) as { name?: string; shadow?: boolean; onError?: 'deny' | 'allow' };
      if (factory.readsBody?.(checkSpec)) readsBody = true;
      try {
        const check = await factory.compile(checkSpec, {
          ...deps,
          at: checkAt,
          route: { name: route.name, index, pathParams, maxBodyBytes, inspectBodyBytes },
        });
        checks.push({
          check,
          name: name ?? check.name ?? kind,
          kind,
          shadow: shadow === true,
          onError: onError ?? 'deny',
          errorCode: `${factory.codePrefix}.error`,
        });
      } catch (err) {
        fail(err, checkAt);
      }
    }
    if (readsBody) maxInspect = Math.max(maxInspect, inspectBodyBytes);
    routes.push({ name: route.name, index, match, checks, shadow: route.shadow === true, maxBodyBytes, inspectBodyBytes });
  }

  const identityHeaders = (spec.identityHeaders ?? []).map((h) => h.toLowerCase());
  for (const [index, route] of spec.routes.entries()) {
    for (const [ci, entry] of (route.checks ?? []).entries()) {
      const [kind, rawSpec] = Object.entries(entry)[0]!;
      for (const h of factories.get(kind)?.setsHeaders?.(rawSpec ?? {}) ?? []) {
        if (!identityHeaders.includes(h) && /^x-(user|auth|consumer|principal)/.test(h)) {
          warnings.push(locator.format(`routes[${index}].checks[${ci}].${kind}`, `sets '${h}' which is not in identityHeaders: a client could forge it on routes that do not set it`));
        }
      }
    }
  }

  // Timeouts and limits that would not hold under the Envoy the policy renders, and routes limited twice
  // (a per-route limit and an RLS domain): check-config and the startup log show them.
  warnings.push(...envoyWarnings(spec, { policyDir: loaded.dir }));
  const ratelimit = shared.ratelimit as Parameters<typeof limitedTwiceWarnings>[1] | undefined;
  if (ratelimit) warnings.push(...limitedTwiceWarnings(spec, ratelimit));

  if (errors.length > 0) {
    await Promise.allSettled(compiledSections.map(({ section, resource }) => section.dispose?.(resource)));
    throw new PolicyCompileError(errors);
  }

  const limits: RequestLimits = {
    maxHeaders: spec.limits?.maxHeaders ?? defaultRequestLimits.maxHeaders,
    maxHeaderBytes: spec.limits?.maxHeaderBytes !== undefined ? parseSize(spec.limits.maxHeaderBytes) : defaultRequestLimits.maxHeaderBytes,
    maxTotalHeaderBytes:
      spec.limits?.maxTotalHeaderBytes !== undefined ? parseSize(spec.limits.maxTotalHeaderBytes) : defaultRequestLimits.maxTotalHeaderBytes,
  };
  const checkTimeout = (spec.limits as { checkTimeout?: string | number } | undefined)?.checkTimeout;
  let disposed = false;
  return Object.freeze({
    file: loaded.file,
    dir: loaded.dir,
    spec,
    hash: createHash('sha256').update(loaded.text).digest('hex'),
    compiledAt: new Date().toISOString(),
    routes,
    defaultAction: { action: spec.default?.action ?? 'deny', status: spec.default?.status ?? 404 },
    identityHeaders,
    resolveClientIp: compileClientIp(spec.clientIp),
    limits,
    checkTimeoutMs: checkTimeout === undefined ? 1000 : parseDuration(checkTimeout),
    maxInspectBodyBytes: maxInspect,
    shared,
    warnings,
    readiness: () => compiledSections.flatMap(({ section, resource }) => section.readiness?.(resource) ?? []),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await Promise.allSettled(compiledSections.map(({ section, resource }) => section.dispose?.(resource)));
    },
  });
}

function resolveSecret(ref: SecretRef, at: string, policyDir: string, warn: (m: string) => void): string {
  if (typeof ref === 'string') warn('inline secret in the policy file; prefer { env: NAME } or { file: PATH }');
  try {
    return resolveSecretValue(ref, policyDir);
  } catch (err) {
    throw new PolicyError(at, (err as Error).message);
  }
}
