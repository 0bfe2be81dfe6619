/**
 * SecLang directives to a compiled rule set, once: rules with resolved variables, transformation chains,
 * operators and actions, chains linked, defaults applied, removals and target updates done, markers indexed
 * per phase. Every error names the file and line of the directive.
 */
import { compileKeyMatcher } from '../regex/key-matcher.js';
import { parseActions, parseOperator, parseTargets, type TargetSyntax } from '../seclang/rule-syntax.js';
import { SecLangError, type Directive } from '../seclang/tokenize.js';
import { lookupOperator } from '../operators/index.js';
import type { OperatorEnv } from '../operators/types.js';
import { lookupVariable, supportedXPaths } from '../variables/index.js';
import { parseActionList, type ParsedActions } from './actions.js';
import { buildPlans, PlanParts } from './rule-plan.js';
import { chainLinks, foldPhases, type PhaseFold } from './fold.js';
import type { CompiledRule, CompiledTarget, DefaultActions, EngineMode, KeyMatcher, TargetExclusion } from './types.js';

export interface RuleSetSettings {
  engine: EngineMode;
  requestBodyAccess: boolean;
  jsonDepthLimit: number;
  argumentsLimit: number;
}

export interface CompiledRuleSet {
  readonly phases: ReadonlyMap<number, readonly CompiledRule[]>;
  /** Per phase: marker name (or rule id) to the index after which evaluation resumes. */
  readonly markers: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** Per phase: what the compiler worked out about the rules' outcomes (engine/fold.ts). */
  readonly folds: ReadonlyMap<number, PhaseFold>;
  readonly rulesById: ReadonlyMap<number, CompiledRule>;
  readonly settings: RuleSetSettings;
  readonly signatures: readonly string[];
  readonly ruleCount: number;
}

export interface CompileContext {
  /** Reads a data file for `@pmFromFile` relative to the directive's file. */
  readData(fromFile: string, name: string): string;
  warn(message: string): void;
}

// Directives of a web-server module that have no meaning for an ext_authz service; accepted and ignored.
const IGNORED = new Set([
  'secrequestbodylimit', 'secrequestbodynofileslimit', 'secrequestbodyinmemorylimit', 'secrequestbodylimitaction',
  'secresponsebodyaccess', 'secresponsebodymimetype', 'secresponsebodymimetypesclear', 'secresponsebodylimit',
  'secresponsebodylimitaction', 'secauditengine', 'secauditlog', 'secauditlog2', 'secauditlogparts',
  'secauditlogrelevantstatus', 'secauditlogtype', 'secauditlogformat', 'secauditlogstoragedir', 'secauditlogdirmode',
  'secauditlogfilemode', 'secdebuglog', 'secdebugloglevel', 'sectmpdir', 'secdatadir', 'secuploaddir',
  'secuploadkeepfiles', 'secuploadfilemode', 'secuploadfilelimit', 'secpcrematchlimit', 'secpcrematchlimitrecursion',
  'seccollectiontimeout', 'secunicodemapfile', 'secunicodecodepage', 'seccookieformat', 'secargumentseparator',
  'secstatusengine', 'secserversignature', 'sectmpsaveuploadedfiles', 'secxmlexternalentity', 'seccontentinjection',
  'secstreamoutbodyinspection', 'secstreaminbodyinspection', 'secconnengine', 'secwebappid', 'secsensorid',
  'sechashengine', 'sechashkey', 'sechashparam', 'sechashmethodrx', 'sechashmethodpm', 'secgeolookupdb',
  'secgsblookupdb', 'sechttpblkey', 'secinterceptonerror', 'secreadstatetimeout', 'secwritestatetimeout',
  'secrulepersrc', 'secremoterules', 'secremoterulesfailaction', 'secruleinheritance', 'seccachetransformations',
  'secdisablebackendcompression', 'secchrootdir', 'secguardianlog', 'secmarkerdebug', 'secrequestbodyjsondepthlimit_',
]);

const DEFAULT_DEFAULTS: DefaultActions = { disruptive: 'pass', log: true, transforms: [] };

interface Pending {
  starter: CompiledRule;
  last: CompiledRule;
}

function parseIdList(args: string[]): Array<{ lo: number; hi: number }> | string {
  const out: Array<{ lo: number; hi: number }> = [];
  for (const a of args.join(' ').split(/[\s,]+/).filter((x) => x !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(a);
    if (!m) return `bad rule id or range "${a}"`;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    out.push({ lo, hi });
  }
  return out;
}

export function compileKey(t: TargetSyntax): KeyMatcher | undefined | string {
  if (t.key === undefined || t.key === '') return undefined;
  if (!t.keyIsRegex) return { plain: t.key.toLowerCase() };
  try {
    // ModSecurity matches key regexes case-insensitively.
    return { regex: compileKeyMatcher(t.key) };
  } catch (err) {
    return `bad key regex /${t.key}/: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Targets and exclusions from a target list; throws with a message on unknown variables. */
export function compileTargets(list: TargetSyntax[]): { targets: CompiledTarget[]; exclusions: TargetExclusion[] } {
  const targets: CompiledTarget[] = [];
  const exclusions: TargetExclusion[] = [];
  for (const t of list) {
    const def = lookupVariable(t.name);
    if (!def) throw new Error(`unknown variable ${t.name}`);
    if (t.key !== undefined && t.key !== '' && !def.collection) throw new Error(`${t.name} is not a collection and takes no key`);
    if (t.name === 'XML' && t.key !== undefined && !t.keyIsRegex && !supportedXPaths.has(t.key)) {
      throw new Error(`unsupported XPath "${t.key}" (supported: ${[...supportedXPaths].join(', ')})`);
    }
    const key = compileKey(t);
    if (typeof key === 'string') throw new Error(key);
    const text = `${t.count ? '&' : ''}${t.name}${t.key !== undefined ? `:${t.keyIsRegex ? `/${t.key}/` : t.key}` : ''}`;
    if (t.exclude) exclusions.push({ name: t.name, key, text });
    else targets.push({ def, key, count: t.count, text });
  }
  return { targets, exclusions };
}

export function compileDirectives(directives: Directive[], ctx: CompileContext, base: Partial<RuleSetSettings> = {}): CompiledRuleSet {
  const settings: RuleSetSettings = { engine: 'On', requestBodyAccess: true, jsonDepthLimit: 1024, argumentsLimit: 1000, ...base };
  const defaults = new Map<number, DefaultActions>();
  const rules: CompiledRule[] = [];
  const order: Array<CompiledRule | { marker: string }> = [];
  const ids = new Map<number, CompiledRule>();
  const signatures: string[] = [];
  let pending: Pending | undefined;

  for (const d of directives) {
    const fail = (msg: string): never => {
      throw new SecLangError(d.file, d.line, msg);
    };
    const name = d.name.toLowerCase();
    if (pending && name !== 'secrule') fail(`${d.name} follows a rule that announced a chain; a SecRule was expected`);
    try {
      switch (name) {
        case 'secrule':
        case 'secaction': {
          const isAction = name === 'secaction';
          if (isAction ? d.args.length !== 1 : d.args.length < 2 || d.args.length > 3) {
            fail(isAction ? 'SecAction takes one argument (the actions)' : 'SecRule takes variables, an operator and optional actions');
          }
          const actionsText = isAction ? d.args[0]! : d.args[2] ?? '';
          const list = parseActions(actionsText);
          if (typeof list === 'string') fail(list);
          const acts = parseActionList(list as never);
          const rule = buildRule(d, acts, isAction, pending, defaults, ctx);
          if (pending) {
            pending.last.chain = rule;
            pending.last = rule;
            if (!acts.chain) pending = undefined;
            break;
          }
          if (rule.id === 0) fail('rule has no id');
          if (ids.has(rule.id)) fail(`duplicate rule id ${rule.id}`);
          ids.set(rule.id, rule);
          rules.push(rule);
          order.push(rule);
          if (acts.chain) pending = { starter: rule, last: rule };
          break;
        }
        case 'secmarker':
          if (d.args.length !== 1) fail('SecMarker takes one name');
          order.push({ marker: d.args[0]! });
          break;
        case 'secdefaultaction': {
          if (d.args.length !== 1) fail('SecDefaultAction takes one argument');
          const list = parseActions(d.args[0]!);
          if (typeof list === 'string') fail(list);
          const acts = parseActionList(list as never);
          if (acts.phase === undefined) fail('SecDefaultAction must name a phase');
          if (acts.disruptive === undefined) fail('SecDefaultAction must name a disruptive action');
          if (acts.id !== undefined || acts.chain || acts.skipAfter || acts.setvars.length) fail('SecDefaultAction may not carry id, chain, skipAfter or setvar');
          defaults.set(acts.phase!, {
            disruptive: acts.disruptive === 'block' ? 'pass' : acts.disruptive!,
            status: acts.status,
            log: acts.log ?? true,
            transforms: acts.transforms,
          });
          break;
        }
        case 'secruleengine': {
          const v = (d.args[0] ?? '').toLowerCase();
          const mode = v === 'on' ? 'On' : v === 'off' ? 'Off' : v === 'detectiononly' ? 'DetectionOnly' : undefined;
          if (!mode || d.args.length !== 1) fail('SecRuleEngine takes On, Off or DetectionOnly');
          settings.engine = mode!;
          break;
        }
        case 'secrequestbodyaccess': {
          const v = (d.args[0] ?? '').toLowerCase();
          if (v !== 'on' && v !== 'off') fail('SecRequestBodyAccess takes On or Off');
          settings.requestBodyAccess = v === 'on';
          break;
        }
        case 'secrequestbodyjsondepthlimit':
        case 'secargumentslimit': {
          const n = Number(d.args[0]);
          if (!Number.isInteger(n) || n < 1) fail(`${d.name} takes a positive number`);
          if (name === 'secargumentslimit') settings.argumentsLimit = n;
          else settings.jsonDepthLimit = n;
          break;
        }
        case 'secruleremovebyid': {
          const ranges = parseIdList(d.args);
          if (typeof ranges === 'string') fail(ranges);
          removeWhere(rules, order, ids, (r) => (ranges as Array<{ lo: number; hi: number }>).some((x) => r.id >= x.lo && r.id <= x.hi));
          break;
        }
        case 'secruleremovebytag': {
          if (d.args.length !== 1) fail('SecRuleRemoveByTag takes one tag');
          const tag = d.args[0]!;
          removeWhere(rules, order, ids, (r) => r.tags.includes(tag));
          break;
        }
        case 'secruleremovebymsg': {
          if (d.args.length !== 1) fail('SecRuleRemoveByMsg takes one message');
          const msg = d.args[0]!;
          removeWhere(rules, order, ids, (r) => r.msg?.text === msg);
          break;
        }
        case 'secruleupdatetargetbyid':
        case 'secruleupdatetargetbytag':
        case 'secruleupdatetargetbymsg': {
          if (d.args.length < 2 || d.args.length > 3) fail(`${d.name} takes a selector, targets and an optional replaced target`);
          const parsed = parseTargets(d.args[1]!);
          if (typeof parsed === 'string') fail(parsed);
          const { targets, exclusions } = compileTargets(parsed as TargetSyntax[]);
          let selected: CompiledRule[];
          if (name === 'secruleupdatetargetbyid') {
            const ranges = parseIdList([d.args[0]!]);
            if (typeof ranges === 'string') fail(ranges);
            selected = rules.filter((r) => (ranges as Array<{ lo: number; hi: number }>).some((x) => r.id >= x.lo && r.id <= x.hi));
            if (selected.length === 0) ctx.warn(`${d.file}:${d.line}: ${d.name} ${d.args[0]} matches no rule`);
          } else if (name === 'secruleupdatetargetbytag') {
            selected = rules.filter((r) => r.tags.includes(d.args[0]!));
          } else {
            selected = rules.filter((r) => r.msg?.text === d.args[0]);
          }
          for (const r of selected) {
            if (d.args[2] !== undefined) {
              const replaced = d.args[2].toUpperCase();
              r.targets = r.targets.filter((t) => t.text.toUpperCase() !== replaced);
            }
            r.targets.push(...targets);
            r.exclusions.push(...exclusions);
          }
          break;
        }
        case 'seccomponentsignature':
          signatures.push(d.args.join(' '));
          break;
        case 'include':
          fail('Include must be resolved by the loader');
          break;
        default:
          if (IGNORED.has(name)) break;
          fail(`unknown directive ${d.name}`);
      }
    } catch (err) {
      if (err instanceof SecLangError) throw err;
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  if (pending) {
    const last = directives[directives.length - 1];
    throw new SecLangError(last?.file ?? '?', last?.line ?? 0, `rule ${pending.starter.id} announces a chain that never comes`);
  }

  const phases = new Map<number, CompiledRule[]>();
  const markers = new Map<number, Map<string, number>>();
  for (let p = 1; p <= 5; p++) {
    const list: CompiledRule[] = [];
    const names = new Map<string, number>();
    for (const item of order) {
      if ('marker' in item && !('id' in item)) {
        names.set(item.marker, list.length);
        continue;
      }
      const rule = item as CompiledRule;
      if (rule.phase !== p) continue;
      list.push(rule);
      // skipAfter may also name a rule id: resume right after it.
      names.set(String(rule.id), list.length);
    }
    phases.set(p, list);
    markers.set(p, names);
  }
  buildPlans([...phases.values()].flatMap((list) => list.flatMap(chainLinks)), new PlanParts());
  for (const r of rules) {
    if (r.skipAfter !== undefined && !markers.get(r.phase)!.has(r.skipAfter)) {
      ctx.warn(`rule ${r.id} (${r.file}:${r.line}): skipAfter target "${r.skipAfter}" not found in phase ${r.phase}`);
    }
  }
  return { phases, markers, folds: foldPhases(phases, markers), rulesById: ids, settings, signatures, ruleCount: rules.length };
}

function removeWhere(rules: CompiledRule[], order: Array<CompiledRule | { marker: string }>, ids: Map<number, CompiledRule>, pred: (r: CompiledRule) => boolean): void {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    if (!pred(r)) continue;
    rules.splice(i, 1);
    ids.delete(r.id);
    const at = order.indexOf(r);
    if (at >= 0) order.splice(at, 1);
  }
}

function buildRule(
  d: Directive,
  acts: ParsedActions,
  isAction: boolean,
  pending: Pending | undefined,
  defaults: Map<number, DefaultActions>,
  ctx: CompileContext,
): CompiledRule {
  const starter = pending?.starter;
  if (starter) {
    if (acts.id !== undefined) throw new Error('a chained rule may not have an id');
    if (acts.phase !== undefined && acts.phase !== starter.phase) throw new Error('a chained rule may not change the phase');
    if (acts.disruptive !== undefined || acts.skipAfter !== undefined || acts.skip !== undefined) {
      throw new Error('disruptive and flow actions belong to the first rule of a chain');
    }
  }
  const phase = starter?.phase ?? acts.phase ?? 2;
  const def = defaults.get(phase) ?? DEFAULT_DEFAULTS;

  let targets: CompiledTarget[] = [];
  let exclusions: TargetExclusion[] = [];
  let operator: CompiledRule['operator'];
  if (!isAction) {
    const parsed = parseTargets(d.args[0]!);
    if (typeof parsed === 'string') throw new Error(parsed);
    ({ targets, exclusions } = compileTargets(parsed));
    const op = parseOperator(d.args[1]!);
    const factory = lookupOperator(op.name);
    if (!factory) throw new Error(`unknown operator @${op.name}`);
    const env: OperatorEnv = { readData: (name) => ctx.readData(d.file, name) };
    const fn = factory(op.arg, env);
    if (typeof fn === 'string') throw new Error(`@${op.name}: ${fn}`);
    operator = { name: op.name, arg: op.arg, negated: op.negated, fn };
  }

  const transforms = acts.resetTransforms ? acts.transforms : [...def.transforms, ...acts.transforms];
  let disruptive = acts.disruptive;
  let status = acts.status;
  if (!starter) {
    if (disruptive === undefined || disruptive === 'block') {
      disruptive = def.disruptive;
      status ??= def.status;
    }
  }
  // Every property is set here, the ones the evaluator reads for each rule first: V8 then gives all rules one
  // shape with these in the object itself (a property added later, like chain or plan, would live in a separate
  // backing store, one more cache line to fetch per rule).
  const rule: CompiledRule = {
    id: starter ? starter.id : acts.id ?? 0,
    operator,
    plan: undefined,
    chain: undefined,
    capture: acts.capture,
    multiMatch: acts.multiMatch,
    tags: acts.tags,
    disruptive: starter ? undefined : disruptive,
    skipAfter: acts.skipAfter,
    skip: acts.skip,
    setvars: acts.setvars,
    initcols: acts.initcols,
    ctls: acts.ctls,
    transforms,
    phase,
    targets,
    exclusions,
    msg: acts.msg,
    logdata: acts.logdata,
    severity: acts.severity,
    log: acts.log ?? def.log,
    allowScope: acts.allowScope,
    status,
    file: d.file,
    line: d.line,
  };
  return rule;
}
