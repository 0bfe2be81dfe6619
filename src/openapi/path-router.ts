/**
 * Matches request paths against OpenAPI path templates (`/pets/{petId}`, `/files/{name}.{ext}`). A segment
 * trie: literal segments win over templated ones, as OpenAPI requires; mixed segments use RE2 (linear time).
 */
import { RE2JS } from 're2js';

interface MixedEdge {
  readonly shape: string;
  readonly re: RE2JS;
  readonly groups: number;
  readonly node: Node;
}

interface Node {
  readonly literal: Map<string, Node>;
  whole?: Node;
  readonly mixed: MixedEdge[];
  terminal?: unknown;
}

const newNode = (): Node => ({ literal: new Map(), mixed: [] });
const PARAM = /\{([^{}/]+)\}/g;

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

export interface TemplateInfo {
  /** The template with parameter names blanked (`/pets/{}`): two templates with one shape are the same path. */
  shape: string;
  /** Parameter names in order of appearance. */
  names: string[];
}

export function parseTemplate(template: string): TemplateInfo {
  if (!template.startsWith('/')) throw new Error(`path "${template}" must start with "/"`);
  const names: string[] = [];
  for (const m of template.matchAll(PARAM)) names.push(m[1]!);
  const shape = template.replace(PARAM, '{}');
  if (/[{}]/.test(shape.replace(/\{\}/g, ''))) throw new Error(`path "${template}" has unbalanced braces`);
  return { shape, names };
}

export class PathRouter<T> {
  readonly #root = newNode();

  /** Adds a template; returns the value already stored for the same shape, if any, so callers can merge. */
  add(template: string, make: () => T): T {
    const { shape } = parseTemplate(template);
    let node = this.#root;
    for (const seg of shape.split('/').slice(1)) {
      if (seg === '{}') {
        node = node.whole ??= newNode();
      } else if (seg.includes('{}')) {
        let edge = node.mixed.find((e) => e.shape === seg);
        if (!edge) {
          const parts = seg.split('{}');
          const re = RE2JS.compile(`^${parts.map(escapeRe).join('([^/]+?)')}$`);
          edge = { shape: seg, re, groups: parts.length - 1, node: newNode() };
          node.mixed.push(edge);
        }
        node = edge.node;
      } else {
        let next = node.literal.get(seg);
        if (!next) node.literal.set(seg, (next = newNode()));
        node = next;
      }
    }
    return (node.terminal ??= make()) as T;
  }

  /** The value and the raw (still percent-encoded) parameter values, in template order. */
  match(path: string): { value: T; values: string[] } | undefined {
    const segs = path.split('/').slice(1);
    const values: string[] = [];
    const value = this.#walk(this.#root, segs, 0, values);
    return value === undefined ? undefined : { value: value as T, values };
  }

  #walk(node: Node, segs: string[], i: number, values: string[]): unknown {
    if (i === segs.length) return node.terminal;
    const seg = segs[i]!;
    const lit = node.literal.get(seg);
    if (lit) {
      const found = this.#walk(lit, segs, i + 1, values);
      if (found !== undefined) return found;
    }
    if (seg === '') return undefined;
    if (node.whole) {
      values.push(seg);
      const found = this.#walk(node.whole, segs, i + 1, values);
      if (found !== undefined) return found;
      values.pop();
    }
    for (const edge of node.mixed) {
      const m = edge.re.matcher(seg);
      if (!m.matches()) continue;
      for (let g = 1; g <= edge.groups; g++) values.push(m.group(g) ?? '');
      const found = this.#walk(edge.node, segs, i + 1, values);
      if (found !== undefined) return found;
      values.length -= edge.groups;
    }
    return undefined;
  }
}
