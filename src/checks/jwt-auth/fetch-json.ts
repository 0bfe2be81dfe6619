/**
 * Fetches a small JSON document (a JWKS or an OpenID configuration) with a timeout and a size cap, so a slow
 * or hostile issuer can neither hang a refresh nor fill memory.
 */

export interface FetchJsonOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export async function fetchJson(url: string, opts: FetchJsonOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'application/json' } });
  } catch (err) {
    throw new Error(timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : `request failed: ${describe(err)}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`response larger than ${opts.maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > opts.maxBytes) throw new Error(`response larger than ${opts.maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
  } catch (err) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : describe(err));
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('response is not JSON');
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
