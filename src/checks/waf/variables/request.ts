/** Request line and header variables, from the request as received. */
import type { VariableDef } from '../engine/types.js';
import { collection, names, requestScalar, scalar } from './define.js';
import { percentDecode } from '../engine/request-parse.js';

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

export const requestVariables: VariableDef[] = [
  requestScalar('REQUEST_METHOD', (tx) => tx.input.method),
  requestScalar('REQUEST_PROTOCOL', (tx) => tx.input.protocol),
  requestScalar('REQUEST_URI', (tx) => tx.uri),
  requestScalar('REQUEST_URI_RAW', (tx) => tx.input.uri),
  // The path percent-decoded (as the web server maps it to a file); REQUEST_URI stays raw.
  requestScalar('REQUEST_FILENAME', (tx) => percentDecode(tx.path)),
  requestScalar('REQUEST_BASENAME', (tx) => basename(percentDecode(tx.path))),
  scalar('PATH_INFO', () => ''),
  requestScalar('QUERY_STRING', (tx) => tx.queryString),
  requestScalar('REQUEST_LINE', (tx) => `${tx.input.method} ${tx.input.uri} ${tx.input.protocol}`),
  requestScalar('REMOTE_ADDR', (tx) => tx.input.remoteAddr),
  requestScalar('REMOTE_HOST', (tx) => tx.input.remoteAddr),
  requestScalar('REMOTE_PORT', (tx) => tx.input.remotePort),
  scalar('REMOTE_USER', () => ''),
  requestScalar('SERVER_ADDR', (tx) => tx.input.serverAddr),
  requestScalar('SERVER_PORT', (tx) => tx.input.serverPort),
  requestScalar('SERVER_NAME', (tx) => (tx.header('host') ?? '').replace(/:\d+$/, '')),
  requestScalar('UNIQUE_ID', (tx) => tx.input.uniqueId),
  scalar('AUTH_TYPE', () => ''),
  requestScalar('FULL_REQUEST_LENGTH', (tx) => {
    let n = tx.input.method.length + tx.input.uri.length + tx.input.protocol.length + 4;
    for (const h of tx.headers) n += h.key.length + h.value.length + 4;
    return n + 2 + (tx.input.body?.length ?? 0);
  }),
  requestScalar('FULL_REQUEST', (tx) => {
    const head = [`${tx.input.method} ${tx.input.uri} ${tx.input.protocol}`, ...tx.headers.map((h) => `${h.key}: ${h.value}`)].join('\r\n');
    return `${head}\r\n\r\n${tx.input.body ?? ''}`;
  }),
  collection('REQUEST_HEADERS', (tx) => tx.headers),
  names('REQUEST_HEADERS_NAMES', (tx) => tx.headers),
  collection('REQUEST_COOKIES', (tx) => tx.cookies),
  names('REQUEST_COOKIES_NAMES', (tx) => tx.cookies),
  scalar('TIME', () => new Date().toTimeString().slice(0, 8)),
  scalar('TIME_EPOCH', () => Math.floor(Date.now() / 1000)),
  scalar('DURATION', () => 0),
];
