/**
 * A strict validator of Envoy bootstrap YAML against Envoy's real API definitions (the .proto files shipped by
 * @grpc/grpc-js-xds, a devDependency), standing in for `envoy --mode validate`, which cannot run here.
 *
 * Walks every key from envoy.config.bootstrap.v3.Bootstrap: unknown fields fail (snake_case and lowerCamel JSON
 * names accepted, as Envoy does), every `@type` must name a real message and its contents are validated as that
 * message, enum names are checked, durations and well-known types take their JSON forms (wrappers as plain
 * values), oneofs hold at most one member, repeated fields take lists and maps take objects. The protoc-gen-validate
 * rules Envoy enforces at load (required messages and oneofs, string lengths, list sizes, number bounds, constants)
 * are checked too, and deprecated fields and enum values are refused so the rendering stays on current API.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { parse } from 'yaml';

export interface ValidationIssue {
  /** Key path in the document, e.g. `static_resources.listeners[0].name`. */
  path: string;
  message: string;
}

const require = createRequire(import.meta.url);
const xdsDeps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDE_DIRS = [
  dirname(require.resolve('protobufjs/package.json')), // google/protobuf/descriptor.proto
  join(xdsDeps, 'envoy-api'),
  join(xdsDeps, 'googleapis'),
  join(xdsDeps, 'xds'),
  join(xdsDeps, 'protoc-gen-validate'),
];

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

let root: protobuf.Root | undefined;
const loadedDirs = new Set<string>();

function getRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (isAbsolute(target) && existsSync(target)) return target;
    for (const dir of INCLUDE_DIRS) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return null as unknown as string;
  };
  r.loadSync('envoy/config/bootstrap/v3/bootstrap.proto', { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** Finds a message by full name, loading the .proto files of its package on first use. */
function findType(fullName: string): protobuf.Type | undefined {
  const r = getRoot();
  const tryLookup = () => {
    try {
      return r.lookupType(fullName);
    } catch {
      return undefined;
    }
  };
  const found = tryLookup();
  if (found) return found;
  const segments = fullName.split('.');
  const firstUpper = segments.findIndex((s) => /^[A-Z]/.test(s));
  if (firstUpper <= 0) return undefined;
  const rel = segments.slice(0, firstUpper).join('/');
  if (loadedDirs.has(rel)) return undefined;
  loadedDirs.add(rel);
  for (const dir of INCLUDE_DIRS) {
    const abs = join(dir, rel);
    if (!existsSync(abs)) continue;
    const files = readdirSync(abs).filter((f) => f.endsWith('.proto'));
    for (const f of files) r.loadSync(`${rel}/${f}`, { keepCase: true });
  }
  r.resolveAll();
  return tryLookup();
}

const jsonName = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Walker {
  readonly issues: ValidationIssue[] = [];

  fail(path: string, message: string): void {
    this.issues.push({ path: path || '(root)', message });
  }

  message(type: protobuf.Type, value: unknown, path: string): void {
    if (this.wellKnown(type, value, path)) return;
    if (!isObj(value)) {
      this.fail(path, `expected an object for ${type.fullName.slice(1)}, got ${describe(value)}`);
      return;
    }
    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byName.set(f.name, f);
      byName.set(jsonName(f.name), f);
    }
    const seen = new Map<string, string>();
    const oneofMembers = new Map<string, string[]>();
    for (const [key, v] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      const field = byName.get(key);
      if (!field) {
        this.fail(here, `unknown field "${key}" in ${type.fullName.slice(1)}`);
        continue;
      }
      if (seen.has(field.name)) {
        this.fail(here, `field "${field.name}" given twice (as "${seen.get(field.name)}" and "${key}")`);
        continue;
      }
      seen.set(field.name, key);
      if (field.options?.deprecated === true) this.fail(here, `field "${field.name}" of ${type.fullName.slice(1)} is deprecated`);
      const oneof = field.partOf;
      if (oneof && !oneof.name.startsWith('_')) {
        const members = oneofMembers.get(oneof.name) ?? [];
        members.push(field.name);
        oneofMembers.set(oneof.name, members);
      }
      this.field(field, v, here);
    }
    for (const [name, members] of oneofMembers) {
      if (members.length > 1) this.fail(path, `oneof "${name}" of ${type.fullName.slice(1)} has several members set: ${members.join(', ')}`);
    }
    for (const oneof of type.oneofsArray) {
      if (oneof.options?.['(validate.required)'] === true && !oneofMembers.has(oneof.name)) {
        this.fail(path, `oneof "${oneof.name}" of ${type.fullName.slice(1)} is required: set one of ${oneof.oneof.join(', ')}`);
      }
    }
    for (const f of type.fieldsArray) {
      // Rules on oneof members (and proto3 `optional` fields) apply only when they are set.
      if (seen.has(f.name) || f.partOf) continue;
      this.absent(f, type, path);
    }
  }

  /** protoc-gen-validate rules that fail on an unset field. */
  absent(f: protobuf.Field, type: protobuf.Type, path: string): void {
    const o = f.options ?? {};
    const at = `${path ? `${path}.` : ''}${f.name}`;
    const owner = type.fullName.slice(1);
    if (o['(validate.rules).message.required'] === true || o['(validate.rules).duration.required'] === true || o['(validate.rules).any.required'] === true) {
      this.fail(at, `required field "${f.name}" of ${owner} is missing`);
      return;
    }
    if (f.repeated || f.map) {
      if (Number(o['(validate.rules).repeated.min_items'] ?? 0) > 0 || Number(o['(validate.rules).map.min_pairs'] ?? 0) > 0) {
        this.fail(at, `required field "${f.name}" of ${owner} is missing (needs at least one entry)`);
      }
      return;
    }
    if (f.resolvedType) return;
    const kind = f.type;
    if (kind === 'string' && Number(o['(validate.rules).string.min_len'] ?? o['(validate.rules).string.min_bytes'] ?? 0) > 0) {
      this.fail(at, `required field "${f.name}" of ${owner} is missing (must not be empty)`);
    } else if (isNumberKind(kind)) {
      const problem = numberRuleProblem(0, o, kind);
      if (problem) this.fail(at, `field "${f.name}" of ${owner} is missing and its default 0 ${problem}`);
    } else if (kind === 'bool' && o['(validate.rules).bool.const'] === true) {
      this.fail(at, `field "${f.name}" of ${owner} must be true`);
    }
  }

  field(f: protobuf.Field, v: unknown, path: string): void {
    if (v === null || v === undefined) {
      this.fail(path, `field "${f.name}" has no value (null)`);
      return;
    }
    if (f.map) {
      if (!isObj(v)) {
        this.fail(path, `field "${f.name}" is a map: expected an object, got ${describe(v)}`);
        return;
      }
      const keyType = (f as unknown as protobuf.MapField).keyType;
      for (const [k, item] of Object.entries(v)) {
        if (keyType !== 'string' && !/^-?\d+$/.test(k)) this.fail(`${path}.${k}`, `map key "${k}" is not a ${keyType}`);
        this.single(f, item, `${path}.${k}`);
      }
      return;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) {
        this.fail(path, `field "${f.name}" is repeated: expected a list, got ${describe(v)}`);
        return;
      }
      const o = f.options ?? {};
      const min = Number(o['(validate.rules).repeated.min_items'] ?? 0);
      if (v.length < min) this.fail(path, `field "${f.name}" needs at least ${min} entries`);
      v.forEach((item, i) => this.single(f, item, `${path}[${i}]`));
      return;
    }
    if (Array.isArray(v)) {
      this.fail(path, `field "${f.name}" is singular: got a list`);
      return;
    }
    this.single(f, v, path);
  }

  single(f: protobuf.Field, v: unknown, path: string): void {
    if (v === null) {
      this.fail(path, `null value for "${f.name}"`);
      return;
    }
    const resolved = f.resolvedType;
    const o = f.options ?? {};
    if (resolved instanceof protobuf.Enum) {
      this.enumValue(resolved, v, path);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, v, path);
      const wrapped = WRAPPER_KIND[resolved.fullName];
      if (wrapped && isNumberKind(wrapped) && typeof v === 'number') {
        const problem = numberRuleProblem(v, o, wrapped);
        if (problem) this.fail(path, `${v} ${problem}`);
      }
      return;
    }
    this.scalar(f.type, v, path, f.name);
    if (f.type === 'string' && typeof v === 'string') {
      const min = Number(o['(validate.rules).string.min_len'] ?? 0);
      const max = o['(validate.rules).string.max_len'];
      if ([...v].length < min) this.fail(path, `"${f.name}" must have at least ${min} characters`);
      if (max !== undefined && [...v].length > Number(max)) this.fail(path, `"${f.name}" must have at most ${max} characters`);
      const pattern = o['(validate.rules).string.pattern'];
      if (typeof pattern === 'string') {
        let re: RegExp | undefined;
        try {
          re = new RegExp(pattern, 'u');
        } catch {
          re = undefined; // an RE2-only construct: leave it to Envoy
        }
        if (re && !re.test(v)) this.fail(path, `"${f.name}" does not match ${pattern}`);
      }
    } else if (isNumberKind(f.type) && typeof v === 'number') {
      const problem = numberRuleProblem(v, o, f.type);
      if (problem) this.fail(path, `${v} ${problem}`);
    } else if (f.type === 'bool' && o['(validate.rules).bool.const'] === true && v !== true) {
      this.fail(path, `"${f.name}" must be true`);
    }
  }

  enumValue(e: protobuf.Enum, v: unknown, path: string): void {
    let name: string | undefined;
    if (typeof v === 'string') {
      if (!(v in e.values)) {
        this.fail(path, `"${v}" is not a value of ${e.fullName.slice(1)} (one of ${Object.keys(e.values).join(', ')})`);
        return;
      }
      name = v;
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      name = e.valuesById[v];
      if (name === undefined) {
        this.fail(path, `${v} is not a value of ${e.fullName.slice(1)}`);
        return;
      }
    } else {
      this.fail(path, `expected a ${e.fullName.slice(1)} name, got ${describe(v)}`);
      return;
    }
    const opts = (e.valuesOptions?.[name] ?? {}) as Obj;
    if (opts.deprecated === true || name.startsWith('DEPRECATED_AND_UNAVAILABLE')) this.fail(path, `${e.fullName.slice(1)}.${name} is deprecated`);
  }

  scalar(kind: string, v: unknown, path: string, name: string): void {
    const bad = (what: string) => this.fail(path, `"${name}" expects ${what}, got ${describe(v)}`);
    switch (kind) {
      case 'string':
        if (typeof v !== 'string') bad('a string');
        return;
      case 'bytes':
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) bad('base64 bytes');
        return;
      case 'bool':
        if (typeof v !== 'boolean') bad('true or false');
        return;
      case 'double':
      case 'float':
        if (typeof v !== 'number' && !(typeof v === 'string' && (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) || ['NaN', 'Infinity', '-Infinity'].includes(v)))) bad('a number');
        return;
      default: {
        const range = INT_RANGES[kind];
        if (!range) {
          bad(`an unknown scalar ${kind}`);
          return;
        }
        let n: bigint | undefined;
        if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
        else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
        if (n === undefined) {
          bad(`an integer (${kind})`);
          return;
        }
        if (n < range[0] || n > range[1]) this.fail(path, `"${name}" ${n} is out of range for ${kind}`);
      }
    }
  }

  /** The JSON forms protobuf gives well-known types. True when handled. */
  wellKnown(type: protobuf.Type, v: unknown, path: string): boolean {
    const name = type.fullName;
    const wrapped = WRAPPER_KIND[name];
    if (wrapped) {
      this.scalar(wrapped, v, path, name.slice(1));
      return true;
    }
    switch (name) {
      case '.google.protobuf.Duration':
        if (typeof v !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(v)) this.fail(path, `expected a duration such as "0.2s", got ${describe(v)}`);
        return true;
      case '.google.protobuf.Timestamp':
        if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) this.fail(path, `expected an RFC 3339 timestamp, got ${describe(v)}`);
        return true;
      case '.google.protobuf.FieldMask':
        if (typeof v !== 'string') this.fail(path, `expected a field mask string, got ${describe(v)}`);
        return true;
      case '.google.protobuf.Struct':
        if (!isObj(v)) this.fail(path, `expected an object (Struct), got ${describe(v)}`);
        return true;
      case '.google.protobuf.Value':
        return true;
      case '.google.protobuf.ListValue':
        if (!Array.isArray(v)) this.fail(path, `expected a list (ListValue), got ${describe(v)}`);
        return true;
      case '.google.protobuf.Empty':
        if (!isObj(v) || Object.keys(v).length > 0) this.fail(path, `expected {} (Empty), got ${describe(v)}`);
        return true;
      case '.google.protobuf.Any':
        this.any(v, path);
        return true;
      default:
        return false;
    }
  }

  any(v: unknown, path: string): void {
    if (!isObj(v)) {
      this.fail(path, `expected an object with "@type", got ${describe(v)}`);
      return;
    }
    const url = v['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
      this.fail(path, `"@type" is missing or not a type URL`);
      return;
    }
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    if (!url.startsWith(TYPE_URL_PREFIX)) this.fail(`${path}.@type`, `type URL should start with ${TYPE_URL_PREFIX}`);
    const t = findType(typeName);
    if (!t) {
      this.fail(`${path}.@type`, `"@type" ${url} names no message in Envoy's API`);
      return;
    }
    const rest: Obj = { ...v };
    delete rest['@type'];
    if (WRAPPER_KIND[t.fullName] || SPECIAL_JSON.has(t.fullName)) {
      // Types with a non-object JSON form carry it under "value".
      const keys = Object.keys(rest);
      if (keys.length !== 1 || keys[0] !== 'value') {
        this.fail(path, `an Any of ${typeName} takes exactly one key "value"`);
        return;
      }
      this.message(t, rest.value, `${path}.value`);
      return;
    }
    this.message(t, rest, path);
  }
}

const SPECIAL_JSON = new Set([
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.FieldMask',
  '.google.protobuf.Struct',
  '.google.protobuf.Value',
  '.google.protobuf.ListValue',
  '.google.protobuf.Any',
]);

const WRAPPER_KIND: Record<string, string> = {
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
};

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function isNumberKind(kind: string): boolean {
  return kind in INT_RANGES || kind === 'double' || kind === 'float';
}

/** protoc-gen-validate numeric bounds (`gt`, `gte`, `lt`, `lte`, `const`) for a field's kind. */
function numberRuleProblem(n: number, o: Obj, kind: string): string | undefined {
  const rule = (r: string) => o[`(validate.rules).${kind}.${r}`];
  const gt = rule('gt');
  const gte = rule('gte');
  const lt = rule('lt');
  const lte = rule('lte');
  const konst = rule('const');
  if (gt !== undefined && !(n > Number(gt))) return `must be greater than ${gt}`;
  if (gte !== undefined && !(n >= Number(gte))) return `must be at least ${gte}`;
  if (lt !== undefined && !(n < Number(lt))) return `must be less than ${lt}`;
  if (lte !== undefined && !(n <= Number(lte))) return `must be at most ${lte}`;
  if (konst !== undefined && n !== Number(konst)) return `must be ${konst}`;
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates a bootstrap object (envoy.yaml parsed) against Envoy's API. */
export function validateEnvoyConfig(config: unknown): ValidationIssue[] {
  const walker = new Walker();
  const bootstrap = findType(BOOTSTRAP);
  if (!bootstrap) throw new Error(`cannot load ${BOOTSTRAP}`);
  walker.message(bootstrap, config, '');
  return walker.issues;
}

export function validateEnvoyYaml(text: string): ValidationIssue[] {
  return validateEnvoyConfig(parse(text));
}

/** Whether a message exists in Envoy's API (for tests). */
export function envoyTypeExists(fullName: string): boolean {
  return findType(fullName) !== undefined;
}

/**
 * Cross-references Envoy checks at load beyond the schema: clusters named by routes and gRPC services exist,
 * per-route filter configs name filters of the chain, listener, cluster and route names are unique.
 */
export function checkEnvoyReferences(config: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObj(config) || !isObj(config.static_resources)) return [{ path: 'static_resources', message: 'missing' }];
  const sr = config.static_resources;
  const clusters = Array.isArray(sr.clusters) ? (sr.clusters as Obj[]) : [];
  const clusterNames = new Set<string>();
  clusters.forEach((c, i) => {
    const name = String(c.name);
    if (clusterNames.has(name)) issues.push({ path: `static_resources.clusters[${i}].name`, message: `duplicate cluster "${name}"` });
    clusterNames.add(name);
    const la = c.load_assignment as Obj | undefined;
    if (la && la.cluster_name !== name) issues.push({ path: `static_resources.clusters[${i}].load_assignment.cluster_name`, message: 'differs from the cluster name' });
  });
  const walk = (v: unknown, path: string, visit: (key: string, value: unknown, path: string) => void) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, visit));
    else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        visit(k, x, p);
        walk(x, p, visit);
      }
    }
  };
  const listeners = Array.isArray(sr.listeners) ? (sr.listeners as Obj[]) : [];
  listeners.forEach((l, li) => {
    walk(l, `static_resources.listeners[${li}]`, (key, value, path) => {
      if ((key === 'cluster' || key === 'cluster_name') && typeof value === 'string' && !clusterNames.has(value)) {
        issues.push({ path, message: `no cluster named "${value}"` });
      }
      if (key === 'http_filters' && Array.isArray(value)) {
        const hcmPath = path.slice(0, -'.http_filters'.length);
        const filterNames = new Set((value as Obj[]).map((f) => String(f.name)));
        if (filterNames.size !== value.length) issues.push({ path, message: 'duplicate filter names' });
        const last = (value as Obj[])[value.length - 1];
        if (last?.name !== 'envoy.filters.http.router') issues.push({ path, message: 'the router must be the last filter' });
        const hcm = pathGet(l, hcmPath.replace(`static_resources.listeners[${li}]`, ''));
        walk(hcm, hcmPath, (k2, v2, p2) => {
          if (k2 === 'typed_per_filter_config' && isObj(v2)) {
            for (const name of Object.keys(v2)) {
              if (!filterNames.has(name)) issues.push({ path: `${p2}.${name}`, message: `no http filter named "${name}"` });
            }
          }
        });
      }
    });
  });
  return issues;
}

function pathGet(v: unknown, path: string): unknown {
  let cur = v;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === undefined || cur === null) return undefined;
    cur = m[2] !== undefined ? (cur as unknown[])[Number(m[2])] : (cur as Obj)[m[1]!];
  }
  return cur;
}
