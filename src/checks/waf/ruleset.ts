/**
 * A named rule set from the policy, assembled as SecLang in this order and compiled once: the engine's own
 * built-in rules, the engine mode, the CRS setup (the user's file or a built-in one with the configured
 * paranoia level, threshold and argument limits), the CRS rules, the user's rule files and inline rules, then
 * the exclusions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { compileDirectives, type CompiledRuleSet } from './engine/compile.js';
import type { EngineMode } from './engine/types.js';
import { expandGlob, loadSecLangFile, loadSecLangText } from './seclang/load.js';
import type { Directive } from './seclang/tokenize.js';
import { literalIndex } from './regex/literal-index.js';

export interface CrsSpec {
  /** CRS directory (holding `rules/`); `--crs-dir` / `PORTCULLIS_CRS_DIR` take precedence. */
  dir?: string;
  /** Blocking paranoia level 1-4 (default 1). */
  paranoia?: number;
  /** Detection paranoia level (default: the blocking level); rules above the blocking level only log. */
  detectionParanoia?: number;
  /** Inbound anomaly score threshold (default 5). */
  anomalyThreshold?: number;
  /** A crs-setup.conf of your own, replacing the built-in setup. */
  setup?: string;
  /** Further CRS settings as TX variables (e.g. `allowed_methods: "GET HEAD POST"`), set before CRS's defaults. */
  vars?: Record<string, string | number>;
}

export interface ArgLimits {
  argNameLength?: number;
  argLength?: number;
  totalArgLength?: number;
  maxArgs?: number;
}

export interface RuleSetSpec {
  rules?: string[];
  inline?: string;
  crs?: CrsSpec;
  engine?: 'On' | 'DetectionOnly';
  exclusions?: { ids?: Array<number | string>; tags?: string[] };
  partialBody?: 'inspect' | 'deny';
  limits?: ArgLimits;
  /** Nesting depth at which JSON and XML bodies stop being parsed (a body error). */
  maxBodyDepth?: number;
}

export interface WafRuleSet {
  readonly name: string;
  readonly compiled: CompiledRuleSet;
  readonly engine: EngineMode;
  readonly partialBody: 'inspect' | 'deny';
  readonly crsDir: string | undefined;
  readonly ruleCount: number;
}

const BUILTIN_FILE = '<portcullis-builtin>';

/**
 * The engine's own rules for body-processor failures, which CRS expects the engine to provide: a body that its
 * processor could not parse, and a multipart body with strict-parsing violations, are refused with 400.
 */
export const BUILTIN_RULES = `
SecRule REQBODY_ERROR "!@eq 0" "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body',logdata:'%{REQBODY_ERROR_MSG}',severity:CRITICAL,tag:'portcullis-builtin'"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" "id:200003,phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation',logdata:'%{REQBODY_ERROR_MSG}',severity:CRITICAL,tag:'portcullis-builtin'"
`;

function setupText(crs: CrsSpec, limits: ArgLimits | undefined, version: string): string {
  const pl = crs.paranoia ?? 1;
  const vars = [
    `setvar:tx.crs_setup_version=${version}`,
    `setvar:tx.blocking_paranoia_level=${pl}`,
    `setvar:tx.detection_paranoia_level=${crs.detectionParanoia ?? pl}`,
    `setvar:tx.inbound_anomaly_score_threshold=${crs.anomalyThreshold ?? 5}`,
  ];
  if (limits?.argNameLength !== undefined) vars.push(`setvar:tx.arg_name_length=${limits.argNameLength}`);
  if (limits?.argLength !== undefined) vars.push(`setvar:tx.arg_length=${limits.argLength}`);
  if (limits?.totalArgLength !== undefined) vars.push(`setvar:tx.total_arg_length=${limits.totalArgLength}`);
  if (limits?.maxArgs !== undefined) vars.push(`setvar:tx.max_num_args=${limits.maxArgs}`);
  for (const [k, v] of Object.entries(crs.vars ?? {})) {
    if (!/^[A-Za-z0-9_]+$/.test(k)) throw new Error(`crs.vars: bad variable name "${k}"`);
    vars.push(`setvar:'tx.${k}=${String(v).replace(/[\\'"]/g, '')}'`);
  }
  return [
    'SecDefaultAction "phase:1,log,auditlog,pass"',
    'SecDefaultAction "phase:2,log,auditlog,pass"',
    `SecAction "id:900990,phase:1,pass,t:none,nolog,${vars.join(',')}"`,
    '',
  ].join('\n');
}

function crsVersion(dir: string): string {
  try {
    const text = readFileSync(join(dir, 'rules', 'REQUEST-901-INITIALIZATION.conf'), 'latin1');
    const m = /SecComponentSignature\s+"OWASP_CRS\/(\d+)\.(\d+)\.(\d+)/.exec(text);
    if (m) return `${m[1]}${m[2]}${m[3]}`;
  } catch {
    // fall through: any version satisfies CRS's "setup present" check
  }
  return '400';
}

export interface BuildOptions {
  /** Resolves policy-relative paths. */
  resolvePath(p: string): string;
  /** The CRS directory from the command line or environment; beats the policy's. */
  crsDirOverride?: string;
  warn(message: string): void;
}

export function assembleDirectives(name: string, spec: RuleSetSpec, opts: BuildOptions): { directives: Directive[]; crsDir: string | undefined } {
  const directives: Directive[] = [];
  directives.push(...loadSecLangText(BUILTIN_RULES, BUILTIN_FILE));
  directives.push(...loadSecLangText(`SecRuleEngine ${spec.engine ?? 'On'}`, `<ruleset ${name}>`));
  let crsDir: string | undefined;
  if (spec.crs) {
    const dir = opts.crsDirOverride ?? (spec.crs.dir ? opts.resolvePath(spec.crs.dir) : undefined);
    if (!dir) throw new Error(`ruleset ${name}: crs needs a CRS directory (crs.dir, --crs-dir or PORTCULLIS_CRS_DIR)`);
    if (!existsSync(join(dir, 'rules'))) throw new Error(`ruleset ${name}: ${dir} is not a CRS directory (no rules/ folder)`);
    crsDir = dir;
    if (spec.crs.setup) directives.push(...loadSecLangFile(opts.resolvePath(spec.crs.setup)));
    else directives.push(...loadSecLangText(setupText(spec.crs, spec.limits, crsVersion(dir)), `<ruleset ${name} crs setup>`));
    const files = expandGlob(join(dir, 'rules', '*.conf'));
    for (const f of files) directives.push(...loadSecLangFile(f));
  }
  for (const pattern of spec.rules ?? []) {
    const abs = isAbsolute(pattern) ? pattern : resolve(opts.resolvePath(pattern));
    const files = expandGlob(abs);
    if (files.length === 0) throw new Error(`ruleset ${name}: no rule file matches ${pattern}`);
    for (const f of files) directives.push(...loadSecLangFile(f));
  }
  if (spec.inline) directives.push(...loadSecLangText(spec.inline, `<ruleset ${name} inline>`));
  const ids = (spec.exclusions?.ids ?? []).map(String);
  if (ids.length > 0) directives.push(...loadSecLangText(`SecRuleRemoveById ${ids.join(' ')}`, `<ruleset ${name} exclusions>`));
  for (const tag of spec.exclusions?.tags ?? []) {
    directives.push({ name: 'SecRuleRemoveByTag', args: [tag], file: `<ruleset ${name} exclusions>`, line: 1 });
  }
  return { directives, crsDir };
}

export function buildRuleSet(name: string, spec: RuleSetSpec, opts: BuildOptions): WafRuleSet {
  const { directives, crsDir } = assembleDirectives(name, spec, opts);
  const compiled = compileDirectives(
    directives,
    {
      readData(fromFile, dataName) {
        const base = fromFile.startsWith('<') ? opts.resolvePath('.') : resolve(fromFile, '..');
        return readFileSync(isAbsolute(dataName) ? dataName : join(base, dataName), 'latin1');
      },
      warn: opts.warn,
    },
    { jsonDepthLimit: spec.maxBodyDepth ?? 256, argumentsLimit: spec.limits?.maxArgs ?? 1000 },
  );
  literalIndex.freeze();
  return {
    name,
    compiled,
    engine: compiled.settings.engine,
    partialBody: spec.partialBody ?? 'inspect',
    crsDir,
    ruleCount: compiled.ruleCount,
  };
}
