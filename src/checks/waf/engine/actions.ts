/**
 * Action lists to rule properties. Every action ModSecurity defines is either implemented, accepted as
 * metadata, or accepted with no effect in an ext_authz service (audit log, environment, response); anything
 * else is an error.
 */
import type { ActionSyntax } from '../seclang/rule-syntax.js';
import { lookupTransform } from '../transforms/index.js';
import { compileMacro } from './macro.js';
import type { CompiledTransform, CtlAction, Disruptive, Macro, SetVarAction } from './types.js';

export interface ParsedActions {
  id?: number;
  phase?: number;
  msg?: Macro;
  logdata?: Macro;
  tags: string[];
  severity?: string;
  log?: boolean;
  disruptive?: Disruptive;
  allowScope?: 'phase' | 'request' | 'all';
  status?: number;
  skipAfter?: string;
  skip?: number;
  chain: boolean;
  capture: boolean;
  multiMatch: boolean;
  /** Transformations in order; `none` resets what came before (including the defaults). */
  transforms: CompiledTransform[];
  resetTransforms: boolean;
  setvars: SetVarAction[];
  ctls: CtlAction[];
  initcols: Array<{ collection: string; key: Macro }>;
}

const SEVERITIES = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];

const METADATA = new Set(['ver', 'rev', 'maturity', 'accuracy']);
// Accepted, no effect here: logging, response, environment and persistence details of a web-server module.
const NO_EFFECT = new Set([
  'auditlog', 'noauditlog', 'sanitisearg', 'sanitisematched', 'sanitisematchedbytes', 'sanitiserequestheader',
  'sanitiseresponseheader', 'setenv', 'expirevar', 'deprecatevar', 'xmlns', 'setuid', 'setsid', 'setrsc', 'pause',
]);

export const CTL_NAMES = new Set([
  'ruleremovebyid', 'ruleremovebytag', 'ruleremovebymsg', 'ruleremovetargetbyid', 'ruleremovetargetbytag',
  'ruleremovetargetbymsg', 'ruleengine', 'requestbodyprocessor', 'forcerequestbodyvariable', 'requestbodyaccess',
  'auditengine', 'auditlogparts', 'debugloglevel', 'requestbodylimit', 'responsebodyaccess', 'responsebodylimit',
  'hashengine', 'hashenforcement',
]);

function macroOrThrow(text: string): Macro {
  const m = compileMacro(text);
  if (typeof m === 'string') throw new Error(m);
  return m;
}

function parsePhase(v: string): number {
  const named: Record<string, number> = { request: 2, response: 4, logging: 5 };
  const n = named[v.toLowerCase()] ?? Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`bad phase "${v}"`);
  return n;
}

function parseSetvar(v: string): SetVarAction {
  let text = v.trim();
  let op: SetVarAction['op'] = 'set';
  if (text.startsWith('!')) { op = 'delete'; text = text.slice(1); }
  const eq = text.indexOf('=');
  let name = eq < 0 ? text : text.slice(0, eq);
  let value = eq < 0 ? '1' : text.slice(eq + 1);
  if (op !== 'delete' && eq >= 0) {
    if (value.startsWith('+')) { op = 'add'; value = value.slice(1); }
    else if (value.startsWith('-')) { op = 'sub'; value = value.slice(1); }
  }
  name = name.trim();
  const dot = name.indexOf('.');
  if (dot <= 0) throw new Error(`setvar needs collection.name, got "${v}"`);
  const collection = name.slice(0, dot).toLowerCase();
  if (!['tx', 'ip', 'global', 'session', 'user', 'resource'].includes(collection)) throw new Error(`setvar on unknown collection "${collection}"`);
  return { collection, key: macroOrThrow(name.slice(dot + 1)), op, value: macroOrThrow(value) };
}

export function parseActionList(list: ActionSyntax[]): ParsedActions {
  const out: ParsedActions = {
    tags: [], chain: false, capture: false, multiMatch: false, transforms: [], resetTransforms: false,
    setvars: [], ctls: [], initcols: [],
  };
  for (const { name: rawName, value } of list) {
    const name = rawName.toLowerCase();
    const need = (): string => {
      if (value === undefined) throw new Error(`action ${rawName} needs a value`);
      return value;
    };
    switch (name) {
      case 'id': {
        const id = Number(need());
        if (!Number.isInteger(id) || id <= 0) throw new Error(`bad id "${value}"`);
        out.id = id;
        break;
      }
      case 'phase': out.phase = parsePhase(need()); break;
      case 'msg': out.msg = macroOrThrow(need()); break;
      case 'logdata': out.logdata = macroOrThrow(need()); break;
      case 'tag': out.tags.push(need()); break;
      case 'severity': {
        const v = need();
        const sev = /^\d$/.test(v) ? SEVERITIES[Number(v)] : v.toUpperCase();
        if (!sev || !SEVERITIES.includes(sev)) throw new Error(`bad severity "${v}"`);
        out.severity = sev;
        break;
      }
      case 't': {
        const v = need();
        if (v.toLowerCase() === 'none') { out.transforms = []; out.resetTransforms = true; break; }
        const fn = lookupTransform(v);
        if (!fn) throw new Error(`unknown transformation "${v}"`);
        out.transforms.push({ name: v, fn });
        break;
      }
      case 'chain': out.chain = true; break;
      case 'capture': out.capture = true; break;
      case 'multimatch': out.multiMatch = true; break;
      case 'log': out.log = true; break;
      case 'nolog': out.log = false; break;
      case 'deny': case 'drop': case 'block': case 'pass':
        out.disruptive = name;
        break;
      case 'allow': {
        out.disruptive = 'allow';
        const v = (value ?? '').toLowerCase();
        out.allowScope = v === 'phase' ? 'phase' : v === 'request' ? 'request' : 'all';
        break;
      }
      case 'redirect': need(); out.disruptive = 'redirect'; break;
      case 'status': {
        const s = Number(need());
        if (!Number.isInteger(s) || s < 100 || s > 599) throw new Error(`bad status "${value}"`);
        out.status = s;
        break;
      }
      case 'skipafter': out.skipAfter = need(); break;
      case 'skip': {
        const n = Number(need());
        if (!Number.isInteger(n) || n < 1) throw new Error(`bad skip "${value}"`);
        out.skip = n;
        break;
      }
      case 'setvar': out.setvars.push(parseSetvar(need())); break;
      case 'ctl': {
        const v = need();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`bad ctl "${v}"`);
        const ctlName = v.slice(0, eq).trim();
        if (!CTL_NAMES.has(ctlName.toLowerCase())) throw new Error(`unknown ctl "${ctlName}"`);
        out.ctls.push({ name: ctlName.toLowerCase(), value: macroOrThrow(v.slice(eq + 1).trim()) });
        break;
      }
      case 'initcol': {
        const v = need();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`bad initcol "${v}"`);
        out.initcols.push({ collection: v.slice(0, eq).trim().toLowerCase(), key: macroOrThrow(v.slice(eq + 1)) });
        break;
      }
      default:
        if (METADATA.has(name) || NO_EFFECT.has(name)) break;
        throw new Error(`unknown or unsupported action "${rawName}"`);
    }
  }
  return out;
}
