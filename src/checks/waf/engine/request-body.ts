/**
 * Request-body processing between phases 1 and 2: the processor chosen by content type (or by
 * `ctl:requestBodyProcessor`) turns the body into ARGS_POST, FILES, MULTIPART_*, XML and REQBODY_ERROR.
 */
import { parseJsonArgs } from '../body/json.js';
import { parseMultipart } from '../body/multipart.js';
import { parseUrlEncoded } from '../body/urlencoded.js';
import { parseXml } from '../body/xml.js';
import type { RuleSetSettings } from './compile.js';
import type { BodyState, Transaction } from './transaction.js';
import type { Entry } from './types.js';

/**
 * The engine's own body-processor selection by media type (a built-in setting, not a rule): form and multipart
 * bodies, XML (`application/xml`, `text/xml`, `application/soap+xml`, `...+xml`) and JSON (`application/json`,
 * `application/...+json`).
 */
export function defaultProcessor(contentType: string | undefined): string {
  if (!contentType) return '';
  // Envoy joins repeated Content-Type headers with ","; XML and JSON win over the form types, as an engine
  // whose XML/JSON selection runs after its default selection would decide.
  const medias = contentType.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const kinds = medias.map(processorOf);
  for (const k of ['XML', 'JSON']) if (kinds.includes(k)) return k;
  return kinds[0] ?? '';
}

function processorOf(media: string): string {
  if (media === 'application/x-www-form-urlencoded') return 'URLENCODED';
  if (media === 'multipart/form-data') return 'MULTIPART';
  if (/^(?:application\/(?:soap\+)?|text\/)xml$/.test(media) || /^application\/[a-z0-9.-]+\+xml$/.test(media)) return 'XML';
  if (media === 'application/json' || /^application\/[a-z0-9.-]+\+json$/.test(media)) return 'JSON';
  return '';
}

const toEntries = (pairs: ReadonlyArray<readonly [string, string]>): Entry[] => pairs.map(([key, value]) => ({ key, value }));

export function processRequestBody(tx: Transaction, settings: RuleSetSettings): BodyState {
  const body = tx.input.body ?? '';
  const state: BodyState = {
    processor: tx.processor,
    error: 0,
    errorMsg: '',
    argsPost: [],
    files: [],
    filesNames: [],
    filesSizes: [],
    filesCombinedSize: 0,
    partHeaders: [],
    multipartStrictError: 0,
    multipartFlags: {},
    xmlTexts: [],
    xmlAttributes: [],
    requestBody: '',
  };
  if (!tx.requestBodyAccess || body === '') return state;
  let error: string | undefined;
  switch (tx.processor) {
    case 'URLENCODED': {
      const r = parseUrlEncoded(body, { maxArgs: settings.argumentsLimit });
      state.argsPost = toEntries(r.args);
      error = r.error;
      break;
    }
    case 'JSON': {
      const r = parseJsonArgs(body, { maxDepth: settings.jsonDepthLimit, maxArgs: settings.argumentsLimit });
      state.argsPost = toEntries(r.args);
      error = r.error;
      break;
    }
    case 'XML': {
      const r = parseXml(body, { maxDepth: settings.jsonDepthLimit });
      state.xmlTexts = r.texts.map((value) => ({ key: '/*', value }));
      state.xmlAttributes = r.attributes.map(([, value]) => ({ key: '//@*', value }));
      error = r.error;
      break;
    }
    case 'MULTIPART': {
      const r = parseMultipart(body, tx.header('content-type') ?? '');
      state.argsPost = toEntries(r.args);
      state.files = r.files.map((f) => ({ key: f.field, value: f.filename }));
      state.filesNames = r.files.map((f) => ({ key: f.field, value: f.field }));
      state.filesSizes = r.files.map((f) => ({ key: f.field, value: String(f.size) }));
      state.filesCombinedSize = r.files.reduce((n, f) => n + f.size, 0);
      state.partHeaders = toEntries(r.partHeaders);
      state.multipartStrictError = r.strictError ? 1 : 0;
      state.multipartFlags = r.flags;
      error = r.error;
      break;
    }
    default:
      break;
  }
  // A partial body is cut short by Envoy, not by the client: truncation is not the client's parse error.
  if (error !== undefined && !tx.input.bodyPartial) {
    state.error = 1;
    state.errorMsg = `${tx.processor} parsing error: ${error}`;
  }
  // REQUEST_BODY holds the raw body for form, JSON and unprocessed bodies (CRS matches JSON as text too, in its
  // NoSQL rules); XML and multipart bodies are inspected through their parsed parts, unless forced.
  if (tx.forceRequestBodyVariable || (tx.processor !== 'XML' && tx.processor !== 'MULTIPART')) state.requestBody = body;
  return state;
}
