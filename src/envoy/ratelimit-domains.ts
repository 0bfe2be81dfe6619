/**
 * The rate-limit domains of the policy (envoyproxy/ratelimit format, inline or from files), read only as far as
 * Envoy's side needs: which descriptor key chains carry a limit. Validation and fail modes come from the
 * rate-limit section's own loader (src/ratelimit/domain-config.ts), so both halves judge the same files alike.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PolicyError } from '../config/types.js';

export interface DescriptorNode {
  key: string;
  value?: string;
  /** True when this node carries a `rate_limit` (unlimited included). */
  limited: boolean;
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
    return {
      key: d.key,
      value: d.value === undefined || d.value === null ? undefined : String(d.value),
      limited: isObj(d.rate_limit),
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
