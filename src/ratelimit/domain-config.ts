/**
 * Domain configs in the envoyproxy/ratelimit YAML format, validated as strictly as envoyproxy/ratelimit does
 * (unknown keys, empty keys, duplicate composite keys, bad units, unlimited with a unit, bad replaces are
 * errors), compiled into a lookup tree, and matched the way it matches: exact `key_value`, then values ending
 * in `*` as prefixes (in config order), then the bare `key`; a limit applies only when the descriptor's last
 * entry lands on a node with a `rate_limit`.
 *
 * Two keys beyond the format, both optional and inherited by nested descriptors: `fail_mode` (open|closed) and
 * `algorithm` (fixed-window|sliding-window|gcra), on the domain or on a descriptor. envoyproxy/ratelimit itself
 * rejects unknown keys, so a file shared with it should set these on its `domains` entry instead.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolicyError } from '../config/types.js';
import { ALGORITHMS, type Algorithm } from './algorithms.js';
import type { RateLimitUnit, RlsDescriptor } from './rls-types.js';
import { parseUnit } from './units.js';

export type FailMode = 'open' | 'closed';

export interface CompiledLimit {
  requestsPerUnit: number;
  unit: RateLimitUnit;
  name?: string;
  unlimited: boolean;
  shadow: boolean;
  replaces: readonly string[];
  detailedMetric: boolean;
  failMode: FailMode;
  algorithm: Algorithm;
  /** `domain.key_value.key2`: the config path of the limit, as envoyproxy/ratelimit names its stats. */
  fullKey: string;
}

export interface DescriptorNode {
  readonly children: Map<string, DescriptorNode>;
  /** Composite keys ending in `*`, without the `*`, in config order. */
  readonly wildcards: Array<{ prefix: string; node: DescriptorNode }>;
  limit?: CompiledLimit;
}

export interface CompiledDomain {
  readonly name: string;
  readonly root: DescriptorNode;
  /** Where it came from, for messages: `inline` or the file. */
  readonly source: string;
  /** True when any limit of the domain fails closed. */
  readonly anyClosed: boolean;
  /** Every limit of the domain, for check-config and the counters API. */
  readonly limits: readonly CompiledLimit[];
}

export interface DomainDefaults {
  failMode: FailMode;
  algorithm: Algorithm;
}

const ROOT_KEYS = new Set(['domain', 'descriptors', 'fail_mode', 'algorithm']);
const DESCRIPTOR_KEYS = new Set(['key', 'value', 'rate_limit', 'descriptors', 'shadow_mode', 'detailed_metric', 'value_to_metric', 'fail_mode', 'algorithm']);
const RATE_LIMIT_KEYS = new Set(['unit', 'requests_per_unit', 'unlimited', 'name', 'replaces']);
const UINT32_MAX = 0xffffffff;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: Set<string>, at: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k)) throw new PolicyError(at, `unknown key '${k}' (allowed: ${[...allowed].join(', ')})`);
  }
}

function optionalBool(obj: Record<string, unknown>, key: string, at: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new PolicyError(`${at}.${key}`, 'must be true or false');
  return v;
}

function scalarString(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  // YAML reads `value: 10` as a number; envoyproxy/ratelimit (Go yaml into a string field) takes it as text.
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new PolicyError(at, 'must be a string');
}

function parseFailMode(v: unknown, at: string, inherited: FailMode): FailMode {
  if (v === undefined) return inherited;
  if (v !== 'open' && v !== 'closed') throw new PolicyError(at, "must be 'open' or 'closed'");
  return v;
}

function parseAlgorithm(v: unknown, at: string, inherited: Algorithm): Algorithm {
  if (v === undefined) return inherited;
  if (typeof v !== 'string' || !(ALGORITHMS as readonly string[]).includes(v)) throw new PolicyError(at, `must be one of ${ALGORITHMS.join(', ')}`);
  return v as Algorithm;
}

function newNode(): DescriptorNode {
  return { children: new Map(), wildcards: [] };
}

interface Ctx {
  limits: CompiledLimit[];
  anyClosed: boolean;
}

function loadDescriptors(node: DescriptorNode, list: unknown, at: string, parentKey: string, inherited: DomainDefaults, ctx: Ctx): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new PolicyError(at, 'must be a list of descriptors');
  list.forEach((raw, i) => {
    const here = `${at}[${i}]`;
    if (!isObject(raw)) throw new PolicyError(here, 'must be a map with key, value, rate_limit, descriptors');
    checkKeys(raw, DESCRIPTOR_KEYS, here);
    const key = scalarString(raw.key, `${here}.key`);
    if (key === '') throw new PolicyError(`${here}.key`, 'descriptor has empty key');
    const value = scalarString(raw.value, `${here}.value`);
    const finalKey = value === '' ? key : `${key}_${value}`;
    const fullKey = `${parentKey}${finalKey}`;
    if (node.children.has(finalKey)) throw new PolicyError(here, `duplicate descriptor composite key '${fullKey}'`);
    const defaults: DomainDefaults = {
      failMode: parseFailMode(raw.fail_mode, `${here}.fail_mode`, inherited.failMode),
      algorithm: parseAlgorithm(raw.algorithm, `${here}.algorithm`, inherited.algorithm),
    };
    const shadow = optionalBool(raw, 'shadow_mode', here);
    const detailedMetric = optionalBool(raw, 'detailed_metric', here);
    optionalBool(raw, 'value_to_metric', here);
    const child = newNode();
    if (raw.rate_limit !== undefined && raw.rate_limit !== null) {
      child.limit = parseRateLimit(raw.rate_limit, `${here}.rate_limit`, { fullKey, shadow, detailedMetric, ...defaults });
      ctx.limits.push(child.limit);
      if (child.limit.failMode === 'closed' && !child.limit.unlimited && !child.limit.shadow) ctx.anyClosed = true;
    }
    loadDescriptors(child, raw.descriptors, `${here}.descriptors`, `${fullKey}.`, defaults, ctx);
    node.children.set(finalKey, child);
    if (finalKey.endsWith('*')) node.wildcards.push({ prefix: finalKey.slice(0, -1), node: child });
  });
}

function parseRateLimit(
  raw: unknown,
  at: string,
  extra: { fullKey: string; shadow: boolean; detailedMetric: boolean; failMode: FailMode; algorithm: Algorithm },
): CompiledLimit {
  if (!isObject(raw)) throw new PolicyError(at, 'must be a map with unit and requests_per_unit');
  checkKeys(raw, RATE_LIMIT_KEYS, at);
  const unlimited = optionalBool(raw, 'unlimited', at);
  const unit = parseUnit(raw.unit);
  if (unlimited) {
    if (unit) throw new PolicyError(`${at}.unit`, 'should not specify rate limit unit when unlimited');
  } else if (!unit) {
    throw new PolicyError(`${at}.unit`, `invalid rate limit unit '${String(raw.unit ?? '')}' (second, minute, hour, day, week, month, year)`);
  }
  const rpu = raw.requests_per_unit ?? 0;
  if (typeof rpu !== 'number' || !Number.isInteger(rpu) || rpu < 0 || rpu > UINT32_MAX) {
    throw new PolicyError(`${at}.requests_per_unit`, 'must be a whole number from 0 to 4294967295');
  }
  const name = scalarString(raw.name, `${at}.name`);
  const replaces: string[] = [];
  if (raw.replaces !== undefined && raw.replaces !== null) {
    if (!Array.isArray(raw.replaces)) throw new PolicyError(`${at}.replaces`, 'must be a list of { name }');
    raw.replaces.forEach((r, i) => {
      const rat = `${at}.replaces[${i}]`;
      if (!isObject(r)) throw new PolicyError(rat, 'must be a map with name');
      checkKeys(r, new Set(['name']), rat);
      const n = scalarString(r.name, `${rat}.name`);
      if (n === '') throw new PolicyError(rat, 'should not have an empty replaces entry');
      if (n === name) throw new PolicyError(rat, 'replaces should not contain name of same descriptor');
      replaces.push(n);
    });
  }
  const limit: CompiledLimit = {
    requestsPerUnit: rpu,
    unit: unit ?? 'SECOND',
    unlimited,
    shadow: extra.shadow,
    replaces,
    detailedMetric: extra.detailedMetric,
    failMode: extra.failMode,
    algorithm: extra.algorithm,
    fullKey: extra.fullKey,
  };
  if (name !== '') limit.name = name;
  return limit;
}

/** Compiles one domain config (the parsed YAML root). `at` locates it for errors. */
export function compileDomain(raw: unknown, at: string, source: string, defaults: DomainDefaults): CompiledDomain {
  if (!isObject(raw)) throw new PolicyError(at, 'a domain config must be a map with domain and descriptors');
  checkKeys(raw, ROOT_KEYS, at);
  const name = scalarString(raw.domain, `${at}.domain`);
  if (name === '') throw new PolicyError(`${at}.domain`, 'config file cannot have empty domain');
  const inherited: DomainDefaults = {
    failMode: parseFailMode(raw.fail_mode, `${at}.fail_mode`, defaults.failMode),
    algorithm: parseAlgorithm(raw.algorithm, `${at}.algorithm`, defaults.algorithm),
  };
  const root = newNode();
  const ctx: Ctx = { limits: [], anyClosed: false };
  loadDescriptors(root, raw.descriptors, `${at}.descriptors`, `${name}.`, inherited, ctx);
  return { name, root, source, anyClosed: ctx.anyClosed, limits: ctx.limits };
}

/** A `domains` entry: an inline domain config, or `{ file }` / `{ dir }` with optional defaults. */
export interface DomainSourceSpec {
  file?: string;
  dir?: string;
  failMode?: FailMode;
  algorithm?: Algorithm;
  [key: string]: unknown;
}

/**
 * Loads every `domains` entry. Files are read here, at compile time; a directory contributes its `.yaml` and
 * `.yml` files in name order. A domain defined twice is an error.
 */
export function loadDomains(
  entries: readonly unknown[],
  at: string,
  defaults: DomainDefaults,
  resolvePath: (p: string) => string,
): Map<string, CompiledDomain> {
  const out = new Map<string, CompiledDomain>();
  const add = (d: CompiledDomain, where: string) => {
    const prior = out.get(d.name);
    if (prior) throw new PolicyError(where, `duplicate domain '${d.name}' (also in ${prior.source})`);
    out.set(d.name, d);
  };
  entries.forEach((entry, i) => {
    const here = `${at}[${i}]`;
    if (!isObject(entry)) throw new PolicyError(here, 'must be a domain config or { file } / { dir }');
    if (entry.file === undefined && entry.dir === undefined) {
      add(compileDomain(entry, here, 'inline', defaults), here);
      return;
    }
    checkKeys(entry, new Set(['file', 'dir', 'failMode', 'algorithm']), here);
    if (entry.file !== undefined && entry.dir !== undefined) throw new PolicyError(here, 'set file or dir, not both');
    const entryDefaults: DomainDefaults = {
      failMode: parseFailMode(entry.failMode, `${here}.failMode`, defaults.failMode),
      algorithm: parseAlgorithm(entry.algorithm, `${here}.algorithm`, defaults.algorithm),
    };
    const files: string[] = [];
    if (typeof entry.file === 'string') files.push(resolvePath(entry.file));
    else if (typeof entry.dir === 'string') {
      const dir = resolvePath(entry.dir);
      let names: string[];
      try {
        if (!statSync(dir).isDirectory()) throw new Error('not a directory');
        names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
      } catch (err) {
        throw new PolicyError(`${here}.dir`, `cannot read directory ${entry.dir}: ${(err as Error).message}`);
      }
      for (const n of names) files.push(join(dir, n));
    } else throw new PolicyError(here, 'file and dir must be strings');
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new PolicyError(here, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      let doc: unknown;
      try {
        doc = parseYaml(text);
      } catch (err) {
        throw new PolicyError(here, `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
      }
      try {
        add(compileDomain(doc, '', file, entryDefaults), here);
      } catch (err) {
        if (err instanceof PolicyError) throw new PolicyError(here, `${file}: ${err.at ? `${err.at.replace(/^\./, '')}: ` : ''}${err.message.slice(err.at.length + 2)}`);
        throw err;
      }
    }
  });
  return out;
}

/**
 * The limit of one descriptor in `domain`, walking the tree as envoyproxy/ratelimit does. Returns undefined
 * when no rule matches.
 */
export function matchLimit(domain: CompiledDomain, descriptor: RlsDescriptor): CompiledLimit | undefined {
  let node = domain.root;
  const entries = descriptor.entries;
  let found: CompiledLimit | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const composite = `${e.key}_${e.value}`;
    let next = node.children.get(composite);
    if (next === undefined && node.wildcards.length > 0) {
      for (const w of node.wildcards) {
        if (composite.startsWith(w.prefix)) {
          next = w.node;
          break;
        }
      }
    }
    if (next === undefined) next = node.children.get(e.key);
    if (next === undefined) return undefined;
    if (next.limit && i === entries.length - 1) found = next.limit;
    if (next.children.size === 0) break;
    node = next;
  }
  return found;
}
