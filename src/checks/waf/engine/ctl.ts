/**
 * Runtime `ctl:` actions: rule and target removal for the rest of the transaction, engine mode, body
 * processor and body variable. Logging-only controls have no effect here.
 */
import { compileTargets } from './compile.js';
import { parseTargets } from '../seclang/rule-syntax.js';
import type { Transaction } from './transaction.js';
import type { TargetExclusion } from './types.js';
import { tagId } from './rule-plan.js';

const exclusionCache = new Map<string, TargetExclusion[]>();

function exclusionsOf(text: string): TargetExclusion[] {
  let cached = exclusionCache.get(text);
  if (cached) return cached;
  const parsed = parseTargets(text);
  cached = [];
  if (typeof parsed !== 'string') {
    try {
      const { targets } = compileTargets(parsed.map((t) => ({ ...t, exclude: false })));
      cached = targets.map((t) => ({ name: t.def.name, key: t.key }));
    } catch {
      cached = [];
    }
  }
  if (exclusionCache.size < 1000) exclusionCache.set(text, cached);
  return cached;
}

export function applyCtl(tx: Transaction, name: string, value: string): void {
  switch (name) {
    case 'ruleremovebyid':
      for (const part of value.split(/[\s,]+/)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (m) tx.removedRanges.push({ lo: Number(m[1]), hi: Number(m[2] ?? m[1]) });
      }
      break;
    case 'ruleremovebytag':
      tx.removedTags.push(value);
      break;
    case 'ruleremovetargetbyid': {
      const [id, targets] = splitOnce(value);
      const n = Number(id);
      if (!Number.isInteger(n) || !targets) break;
      const list = tx.targetRemovalsById.get(n) ?? [];
      list.push(...exclusionsOf(targets));
      tx.targetRemovalsById.set(n, list);
      break;
    }
    case 'ruleremovetargetbytag': {
      const [tag, targets] = splitOnce(value);
      if (!tag || !targets) break;
      const id = tagId(tag);
      for (const exclusion of exclusionsOf(targets)) tx.targetRemovalsByTag.push({ tag, tagId: id, exclusion, alone: [exclusion] });
      break;
    }
    case 'ruleengine': {
      const v = value.toLowerCase();
      tx.engine = v === 'on' ? 'On' : v === 'off' ? 'Off' : v === 'detectiononly' ? 'DetectionOnly' : tx.engine;
      break;
    }
    case 'requestbodyprocessor':
      tx.processor = value.toUpperCase();
      break;
    case 'forcerequestbodyvariable':
      tx.forceRequestBodyVariable = value.toLowerCase() === 'on';
      break;
    case 'requestbodyaccess':
      tx.requestBodyAccess = value.toLowerCase() === 'on';
      break;
    default:
      break;
  }
}

function splitOnce(v: string): [string, string] {
  const i = v.indexOf(';');
  return i < 0 ? [v.trim(), ''] : [v.slice(0, i).trim(), v.slice(i + 1).trim()];
}
