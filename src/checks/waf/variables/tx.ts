/** Transaction variables: TX, match state, rule metadata, persistent collections (per request here), and empties. */
import type { Entry, VariableDef } from '../engine/types.js';
import { collection, EMPTY, scalar } from './define.js';

export const txVariables: VariableDef[] = [
  {
    name: 'TX',
    collection: true,
    get: (tx) => tx.tx.entries(),
    getKey: (tx, lkey) => tx.tx.list(lkey),
  },
  scalar('MATCHED_VAR', (tx) => tx.matchedVar),
  scalar('MATCHED_VAR_NAME', (tx) => tx.matchedVarName),
  collection('MATCHED_VARS', (tx) => tx.matchedVars),
  collection('MATCHED_VARS_NAMES', (tx) => tx.matchedVarNames),
  collection('RULE', (tx) => {
    const r = tx.rule;
    const out: Entry[] = [{ key: 'id', value: String(r.id) }, { key: 'phase', value: String(r.phase) }];
    if (r.msg !== undefined) out.push({ key: 'msg', value: r.msg.text });
    if (r.severity !== undefined) out.push({ key: 'severity', value: r.severity });
    return out;
  }),
  scalar('HIGHEST_SEVERITY', () => 255),
  collection('ENV', () => EMPTY),
  collection('GEO', () => EMPTY),
  ...['IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE'].map((name) =>
    collection(name, (tx) => tx.collections.get(name.toLowerCase())?.entries() ?? EMPTY),
  ),
];

/** Response-side variables: an ext_authz service never sees the response, so they are always empty. */
export const responseVariables: VariableDef[] = [
  collection('RESPONSE_HEADERS', () => EMPTY),
  collection('RESPONSE_HEADERS_NAMES', () => EMPTY),
  scalar('RESPONSE_BODY', () => undefined),
  scalar('RESPONSE_STATUS', () => undefined),
  scalar('RESPONSE_PROTOCOL', () => undefined),
  scalar('RESPONSE_CONTENT_TYPE', () => undefined),
  scalar('RESPONSE_CONTENT_LENGTH', () => undefined),
  scalar('STATUS_LINE', () => undefined),
  scalar('OUTBOUND_DATA_ERROR', () => 0),
  collection('WEBSERVER_ERROR_LOG', () => EMPTY),
];
