/**
 * The configured API keys, held only as SHA-256 digests: keys given in clear (from env or a file) are hashed
 * at compile and the clear text dropped. A lookup hashes the presented key and compares digests.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { PolicyError, type CompileDeps, type SecretRef } from '../../config/types.js';

export interface ApiKeyEntrySpec {
  consumer: string;
  /** Hex SHA-256 of the key. */
  sha256?: string;
  /** The key itself, from `{ env }` or `{ file }` (inline is allowed with a warning); hashed at compile. */
  key?: SecretRef;
  attributes?: Record<string, string>;
}

export interface Consumer {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

interface Entry {
  digest: Buffer;
  consumer: Consumer;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const UNSAFE_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export class KeyTable {
  readonly #byDigest = new Map<string, Entry>();

  get size(): number {
    return this.#byDigest.size;
  }

  add(digest: Buffer, consumer: Consumer, at: string): void {
    const hex = digest.toString('hex');
    const existing = this.#byDigest.get(hex);
    if (existing) throw new PolicyError(at, `the same key is configured twice (consumers ${existing.consumer.name} and ${consumer.name})`);
    this.#byDigest.set(hex, { digest, consumer });
  }

  /**
   * The consumer owning `key`, if any. The key is hashed first, so the map lookup and the final
   * `timingSafeEqual` only ever see digests: response time says nothing about how close a guess was.
   */
  find(key: string): Consumer | undefined {
    const digest = hash('sha256', key, 'buffer');
    const entry = this.#byDigest.get(digest.toString('hex'));
    if (!entry || !timingSafeEqual(entry.digest, digest)) return undefined;
    return entry.consumer;
  }
}

export async function loadKeyTable(entries: readonly ApiKeyEntrySpec[], keysFile: string | undefined, at: string, deps: CompileDeps): Promise<KeyTable> {
  const table = new KeyTable();
  const addEntry = (e: ApiKeyEntrySpec, entryAt: string) => {
    if (typeof e?.consumer !== 'string' || !e.consumer || UNSAFE_VALUE.test(e.consumer)) throw new PolicyError(entryAt, 'needs a consumer name without control characters');
    if ((e.sha256 === undefined) === (e.key === undefined)) throw new PolicyError(entryAt, 'set exactly one of sha256 and key');
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.attributes ?? {})) {
      if (typeof v !== 'string' || UNSAFE_VALUE.test(v) || v.length > 8192) throw new PolicyError(`${entryAt}.attributes.${k}`, 'must be a string without control characters, at most 8 KiB');
      attributes[k] = v;
    }
    let digest: Buffer;
    if (e.sha256 !== undefined) {
      if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256)) throw new PolicyError(`${entryAt}.sha256`, 'must be 64 hex digits (the SHA-256 of the key)');
      digest = Buffer.from(e.sha256, 'hex');
    } else {
      const clear = deps.resolveSecret(e.key!, `${entryAt}.key`);
      if (clear.length < 16) deps.warn(`${entryAt}.key`, 'an API key shorter than 16 characters is easy to guess');
      digest = createHash('sha256').update(clear, 'utf8').digest();
    }
    table.add(digest, Object.freeze({ name: e.consumer, attributes: Object.freeze(attributes) }), entryAt);
  };
  entries.forEach((e, i) => addEntry(e, `${at}.keys[${i}]`));
  if (keysFile !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(await readFile(deps.resolvePath(keysFile), 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new PolicyError(`${at}.keysFile`, code ? `cannot read ${keysFile}: ${code}` : `${keysFile} is not valid YAML or JSON`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new PolicyError(`${at}.keysFile`, `${keysFile} must hold a list of { consumer, sha256, attributes }`);
    list.forEach((e, i) => {
      if (e && typeof e === 'object' && 'key' in e) throw new PolicyError(`${at}.keysFile`, `${keysFile}[${i}]: keys files hold hashes only (sha256), never keys`);
      addEntry(e as ApiKeyEntrySpec, `${at}.keysFile(${keysFile}[${i}])`);
    });
  }
  if (table.size === 0) throw new PolicyError(at, 'no API keys configured');
  return table;
}
