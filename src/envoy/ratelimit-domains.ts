/**
 * The rate-limit domains of the policy (envoyproxy/ratelimit format, inline or from files), read only as far as
 * Envoy's side needs: which descriptor key chains carry a limit, and whether any limit fails closed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PolicyError } from '../config/types.js';

export interface DescriptorNode {
  key: string;
  value?: string;
  /** True when this node carries a limit (`rate_limit` or `unlimited`). */
  limited: boolean;
  failMode?: 'open' | 'closed';
  children: DescriptorNode[];
  at: string;
}

export interface DomainInfo {
  domain: string;
  descriptors: DescriptorNode[];
  at: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function readDescriptors(list: unknown, at: string): DescriptorNode[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new PolicyError(at, 'descriptors must be a list');
  return list.map((d, i) => {
    const here = `${at}[${i}]`;
    if (!isObj(d) || typeof d.key !== 'string' || d.key === '') throw new PolicyError(here, 'a descriptor needs a key');
    const limit = d.rate_limit ?? d.rateLimit;
    const fail = d.failMode ?? (isObj(limit) ? limit.failMode : undefined);
    return {
      key: d.key,
      value: d.value === undefined || d.value === null ? undefined : String(d.value),
      limited: isObj(limit) || d.unlimited === true,
      failMode: fail === 'closed' || fail === 'open' ? fail : undefined,
      children: readDescriptors(d.descriptors, `${here}.descriptors`),
      at: here,
    };
  });
}

function domainFromDoc(doc: unknown, at: string): DomainInfo {
  if (!isObj(doc) || typeof doc.domain !== 'string' || doc.domain === '') throw new PolicyError(at, 'a rate-limit domain needs a `domain` name');
  return { domain: doc.domain, descriptors: readDescriptors(doc.descriptors, `${at}.descriptors`), at };
}

function readYamlFile(path: string, at: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PolicyError(at, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Every domain of `ratelimit.domains`, files and folders read relative to the policy folder. */
export function readDomains(ratelimit: unknown, policyDir: string): DomainInfo[] {
  if (!isObj(ratelimit) || ratelimit.domains === undefined) return [];
  if (!Array.isArray(ratelimit.domains)) throw new PolicyError('ratelimit.domains', 'must be a list');
  const out: DomainInfo[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(policyDir, p));
  ratelimit.domains.forEach((entry, i) => {
    const at = `ratelimit.domains[${i}]`;
    if (isObj(entry) && typeof entry.file === 'string') {
      out.push(domainFromDoc(readYamlFile(abs(entry.file), at), at));
    } else if (isObj(entry) && typeof entry.dir === 'string') {
      const dir = abs(entry.dir);
      let names: string[];
      try {
        names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
      } catch (err) {
        throw new PolicyError(at, `cannot read folder ${entry.dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      for (const n of names) out.push(domainFromDoc(readYamlFile(join(dir, n), at), `${at} (${n})`));
    } else {
      out.push(domainFromDoc(entry, at));
    }
  });
  return out;
}

/** The store-wide fail mode (`ratelimit.failMode`, or the Redis store's), default open. */
export function storeFailMode(ratelimit: unknown): 'open' | 'closed' {
  if (!isObj(ratelimit)) return 'open';
  if (ratelimit.failMode === 'closed') return 'closed';
  const store = ratelimit.store;
  if (isObj(store) && isObj(store.redis) && store.redis.failMode === 'closed') return 'closed';
  return 'open';
}

/** True when some limit of the domain, with the store default applied, fails closed. */
export function domainFailsClosed(domain: DomainInfo, storeDefault: 'open' | 'closed'): boolean {
  const walk = (nodes: DescriptorNode[], inherited: 'open' | 'closed'): boolean =>
    nodes.some((n) => {
      const mode = n.failMode ?? inherited;
      return (n.limited && mode === 'closed') || walk(n.children, mode);
    });
  return walk(domain.descriptors, storeDefault);
}
