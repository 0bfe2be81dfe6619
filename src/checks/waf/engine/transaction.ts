/**
 * Per-request WAF state: the request's collections (computed once, lazily), the TX collection, match state
 * (MATCHED_VAR...), runtime rule removals from `ctl`, the log of matched rules and the interruption.
 */
import type { Entry, EngineMode, Match, TargetExclusion } from './types.js';
import type { WafInput } from './input.js';
import { parseArgs, parseCookies } from './request-parse.js';
import { literalIndex } from '../regex/literal-index.js';
import type { LiteralScan } from '../regex/byte-regex.js';
import { VarCollection } from './var-collection.js';

export interface MatchLogEntry {
  id: number;
  phase: number;
  msg: string;
  data: string;
  severity?: string;
  tags: readonly string[];
  /** MATCHED_VAR_NAME and MATCHED_VAR of the last match. */
  varName: string;
  varValue: string;
  /** Whether the rule logs (`nolog` rules are kept for flow, not reported). */
  logged: boolean;
}

export interface Interruption {
  ruleId: number;
  status: number;
  action: 'deny' | 'drop' | 'redirect';
}

export interface BodyState {
  processor: string;
  error: number;
  errorMsg: string;
  argsPost: Entry[];
  files: Entry[];
  filesNames: Entry[];
  filesSizes: Entry[];
  filesCombinedSize: number;
  partHeaders: Entry[];
  multipartStrictError: number;
  multipartFlags: Record<string, boolean>;
  xmlTexts: Entry[];
  xmlAttributes: Entry[];
  /** REQUEST_BODY (populated for URLENCODED, or when forced). */
  requestBody: string;
}

export interface RemovalRange { lo: number; hi: number }

const NO_ENTRIES: readonly Entry[] = [];

export class Transaction {
  readonly input: WafInput;
  readonly tx = new VarCollection();
  readonly collections = new Map<string, VarCollection>();
  engine: EngineMode;
  processor = '';
  forceRequestBodyVariable = false;
  requestBodyAccess: boolean;
  body: BodyState | undefined;

  matchedVar = '';
  matchedVarName = '';
  /** The matches of the last rule (of a chain) that matched; MATCHED_VARS and _NAMES are built from them on use. */
  #matches: readonly Match[] = [];
  #matchedVars?: Entry[];
  #matchedVarNames?: Entry[];
  /** The rule being evaluated (for %{rule.*} macros). */
  rule: { readonly id: number; readonly phase: number; readonly msg?: { readonly text: string }; readonly severity?: string } = { id: 0, phase: 0 };

  removedRanges: RemovalRange[] = [];
  removedTags: string[] = [];
  targetRemovalsById = new Map<number, TargetExclusion[]>();
  /** `tagId` is the tag's id in rule plans (-1: no compiled rule carries it); `alone` is `[exclusion]`. */
  targetRemovalsByTag: Array<{ tag: string; tagId: number; exclusion: TargetExclusion; alone: readonly TargetExclusion[] }> = [];

  readonly log: MatchLogEntry[] = [];
  interruption: Interruption | undefined;
  /** Set by `allow`: phases at or below this number are skipped from then on. */
  allowedThroughPhase = 0;

  /** Per value, by transformation chain (rule-plan.ts slot): its transformed value (one map, not one per chain). */
  readonly finalValues = new Map<string, Array<string | undefined>>();
  /** Per multiMatch chain: value to the values tried (before and after each step). */
  readonly candidateValues = new Map<string, Array<readonly string[] | undefined>>();
  private lowerCache = new Map<string, string>();
  /** Scans by the value as given (the common repeat: one value, many regexes). */
  private scanCache = new Map<string, LiteralScan>();
  /** Scans by lower-cased text: transformation chains that differ only in case share one scan. */
  private scanByLower = new Map<string, LiteralScan>();
  /** Values of variables that depend only on the request as received, by the variable's slot. */
  readonly requestVars: Array<readonly Entry[] | undefined> = [];

  #argsGet?: Entry[];
  #cookies?: Entry[];
  #headers?: Entry[];
  #path?: string;
  #query?: string;

  /** At most this many query-string arguments are kept (the rule set's argument limit). */
  readonly argsLimit: number;

  constructor(input: WafInput, engine: EngineMode, requestBodyAccess: boolean, argsLimit = 1000) {
    this.input = input;
    this.engine = engine;
    this.requestBodyAccess = requestBodyAccess;
    this.argsLimit = argsLimit;
  }

  /** The value scanned once for every regex's required literals (cached for the transaction). */
  literals(s: string): LiteralScan {
    let r = this.scanCache.get(s);
    if (r) return r;
    const lower = this.lower(s);
    r = this.scanByLower.get(lower);
    if (!r) {
      const { found, at, size } = literalIndex.scan(lower);
      r = { lower, found, at, size };
      this.scanByLower.set(lower, r);
    }
    this.scanCache.set(s, r);
    return r;
  }

  lower(s: string): string {
    if (s.length < 64) return s.toLowerCase();
    let l = this.lowerCache.get(s);
    if (l === undefined) { l = s.toLowerCase(); this.lowerCache.set(s, l); }
    return l;
  }

  /** The request target without an absolute-form `scheme://authority` prefix. */
  get uri(): string {
    const u = this.input.uri;
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(u);
    return m ? u.slice(m[0].length) || '/' : u;
  }

  get path(): string {
    if (this.#path === undefined) this.splitUri();
    return this.#path!;
  }

  get queryString(): string {
    if (this.#query === undefined) this.splitUri();
    return this.#query!;
  }

  private splitUri(): void {
    let u = this.uri;
    const hash = u.indexOf('#');
    if (hash >= 0) u = u.slice(0, hash);
    const q = u.indexOf('?');
    this.#path = q < 0 ? u : u.slice(0, q);
    this.#query = q < 0 ? '' : u.slice(q + 1);
  }

  get argsGet(): Entry[] {
    return (this.#argsGet ??= parseArgs(this.queryString, this.argsLimit));
  }

  get argsPost(): readonly Entry[] {
    return this.body?.argsPost ?? NO_ENTRIES;
  }

  get headers(): Entry[] {
    return (this.#headers ??= this.input.headers.map(([key, value]) => ({ key, value })));
  }

  get cookies(): Entry[] {
    if (this.#cookies) return this.#cookies;
    const out: Entry[] = [];
    for (const h of this.headers) if (h.key.toLowerCase() === 'cookie') out.push(...parseCookies(h.value));
    return (this.#cookies = out);
  }

  header(lname: string): string | undefined {
    for (const h of this.headers) if (h.key.toLowerCase() === lname) return h.value;
    return undefined;
  }

  setMatches(matches: readonly Match[]): void {
    this.#matches = matches;
    this.#matchedVars = undefined;
    this.#matchedVarNames = undefined;
  }

  /** What the last setMatches set. */
  get lastMatches(): readonly Match[] {
    return this.#matches;
  }

  get matchedVars(): Entry[] {
    return (this.#matchedVars ??= this.#matches.map((m) => ({ key: m.name.slice(m.name.indexOf(':') + 1), value: m.value })));
  }

  get matchedVarNames(): Entry[] {
    return (this.#matchedVarNames ??= this.#matches.map((m) => ({ key: m.name.slice(m.name.indexOf(':') + 1), value: m.name })));
  }

  getTx(lkey: string): string | undefined {
    return this.tx.get(lkey)?.value;
  }

  setTx(key: string, value: string): void {
    this.tx.set(key, value);
  }

  deleteTx(lkey: string): void {
    this.tx.delete(lkey);
  }

  isRemoved(id: number, tags: readonly string[]): boolean {
    for (const r of this.removedRanges) if (id >= r.lo && id <= r.hi) return true;
    if (this.removedTags.length > 0) for (const t of this.removedTags) if (tags.includes(t)) return true;
    return false;
  }
}
