/** Which routes need the request body sent to ext_authz: those with a check that reads it. */
import { checkFactories } from '../checks/registry.js';
import type { CheckFactory } from '../config/types.js';
import type { RouteSpec } from '../config/policy-spec.js';

/** Kinds that read bodies even before their factory is registered, so a partial build never under-sends. */
const BODY_KINDS = new Set(['waf', 'request-schema']);

export function routeReadsBody(route: RouteSpec, factories: readonly CheckFactory[] = checkFactories): boolean {
  for (const entry of route.checks ?? []) {
    for (const [kind, spec] of Object.entries(entry)) {
      const factory = factories.find((f) => f.kind === kind);
      if (!factory) {
        if (BODY_KINDS.has(kind)) return true;
        continue;
      }
      if (factory.readsBody?.(spec ?? {})) return true;
    }
  }
  return false;
}
