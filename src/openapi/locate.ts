/**
 * Maps a JSON pointer in a schema or OpenAPI file to its line, for error messages only (the file is read
 * again on the error path; nothing is kept for this when the policy is valid).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isNode, LineCounter, parseDocument } from 'yaml';

export async function lineOf(url: string, pointer: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(fileURLToPath(url), 'utf8');
  } catch {
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  // The deepest existing node on the way: an error about a missing key points at its parent.
  for (let n = tokens.length; n >= 0; n--) {
    const node = doc.getIn(tokens.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    if (n === 0 && doc.contents?.range) return lines.linePos(doc.contents.range[0]).line;
  }
  return undefined;
}
