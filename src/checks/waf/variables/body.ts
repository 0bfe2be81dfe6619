/** Request-body variables: the raw body, the processor and its errors, files, multipart parts and XML. */
import type { VariableDef } from '../engine/types.js';
import { MULTIPART_FLAGS } from '../body/multipart.js';
import { collection, EMPTY, requestScalar, scalar } from './define.js';

export const bodyVariables: VariableDef[] = [
  scalar('REQUEST_BODY', (tx) => tx.body?.requestBody),
  requestScalar('REQUEST_BODY_LENGTH', (tx) => tx.input.body?.length ?? 0),
  scalar('REQBODY_PROCESSOR', (tx) => tx.processor),
  scalar('REQBODY_ERROR', (tx) => tx.body?.error ?? 0),
  scalar('REQBODY_ERROR_MSG', (tx) => tx.body?.errorMsg ?? ''),
  scalar('REQBODY_PROCESSOR_ERROR', (tx) => tx.body?.error ?? 0),
  scalar('REQBODY_PROCESSOR_ERROR_MSG', (tx) => tx.body?.errorMsg ?? ''),
  requestScalar('INBOUND_DATA_ERROR', (tx) => (tx.input.bodyPartial ? 1 : 0)),
  collection('FILES', (tx) => tx.body?.files ?? EMPTY),
  collection('FILES_NAMES', (tx) => tx.body?.filesNames ?? EMPTY),
  collection('FILES_SIZES', (tx) => tx.body?.filesSizes ?? EMPTY),
  collection('FILES_TMPNAMES', () => EMPTY),
  collection('FILES_TMP_CONTENT', () => EMPTY),
  scalar('FILES_COMBINED_SIZE', (tx) => tx.body?.filesCombinedSize ?? 0),
  collection('MULTIPART_PART_HEADERS', (tx) => tx.body?.partHeaders ?? EMPTY),
  scalar('MULTIPART_STRICT_ERROR', (tx) => tx.body?.multipartStrictError ?? 0),
  ...MULTIPART_FLAGS.map((f) => scalar(f, (tx) => (tx.body?.multipartFlags[f] ? 1 : 0))),
  scalar('MULTIPART_FILENAME', () => ''),
  scalar('MULTIPART_NAME', () => ''),
  {
    name: 'XML',
    collection: true,
    get: (tx) => tx.body?.xmlTexts ?? EMPTY,
    getKey(tx, lkey) {
      // Only the two XPath forms CRS uses: all text nodes, and all attribute values.
      if (lkey === '/*') return tx.body?.xmlTexts ?? EMPTY;
      if (lkey === '//@*') return tx.body?.xmlAttributes ?? EMPTY;
      return EMPTY;
    },
  },
];

/** XPath expressions the XML variable understands. */
export const supportedXPaths = new Set(['/*', '//@*']);
