/**
 * Envoy `rate_limits` entries derived from a domain's descriptor tree: one entry per chain of keys that ends in a
 * limit, each key produced by the action that yields it (remote_address, ext_authz's `principal` metadata,
 * a generic_key's value, or an action the policy names under `envoy.ratelimit.actions`).
 */
import { PolicyError } from '../config/types.js';
import type { DescriptorNode, DomainInfo } from './ratelimit-domains.js';

export type EnvoyAction = Record<string, unknown>;

export interface ActionContext {
  /** Actions named by the policy, by descriptor key. */
  named: Record<string, EnvoyAction>;
  /** The dynamic-metadata key under `envoy.filters.http.ext_authz` holding the principal. */
  principalMetadataKey: string;
}

export const EXT_AUTHZ_NAMESPACE = 'envoy.filters.http.ext_authz';

function actionFor(node: DescriptorNode, ctx: ActionContext): EnvoyAction {
  const named = ctx.named[node.key];
  if (named) return structuredClone(named);
  switch (node.key) {
    case 'remote_address':
      return { remote_address: {} };
    case 'principal':
      return {
        metadata: {
          descriptor_key: 'principal',
          metadata_key: { key: EXT_AUTHZ_NAMESPACE, path: [{ key: ctx.principalMetadataKey }] },
          source: 'DYNAMIC',
        },
      };
    case 'generic_key':
      if (node.value === undefined) throw new PolicyError(`${node.at}.key`, 'a generic_key descriptor needs a value for Envoy to send');
      return { generic_key: { descriptor_value: node.value } };
    case 'destination_cluster':
      return { destination_cluster: {} };
    case 'source_cluster':
      return { source_cluster: {} };
    default:
      throw new PolicyError(
        `${node.at}.key`,
        `Envoy has no built-in action for descriptor key "${node.key}": name one under envoy.ratelimit.actions.${node.key}`,
      );
  }
}

/** The action lists of one domain, in tree order, without duplicates. */
export function domainActions(domain: DomainInfo, ctx: ActionContext): EnvoyAction[][] {
  const out: EnvoyAction[][] = [];
  const seen = new Set<string>();
  const walk = (nodes: DescriptorNode[], chain: EnvoyAction[]) => {
    for (const n of nodes) {
      const next = [...chain, actionFor(n, ctx)];
      if (n.limited) {
        const id = JSON.stringify(next);
        if (!seen.has(id)) {
          seen.add(id);
          out.push(next);
        }
      }
      walk(n.children, next);
    }
  };
  walk(domain.descriptors, []);
  return out;
}
