/** Media ranges of an allow-list (`application/json`, `application/*+json`, `text/*`, `*\/*`) and body kinds. */
export interface MediaRange {
  readonly raw: string;
  readonly type: string;
  readonly subtype: string;
  /** exact 3, structured suffix (`*+json`) 2, `type/*` 1, `*\/*` 0: the most specific match wins. */
  readonly specificity: number;
}

export type BodyKind = 'json' | 'form' | 'text' | 'other';

export function parseMediaRange(text: string): MediaRange | undefined {
  const raw = text.split(';')[0]!.trim().toLowerCase();
  const m = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*|\*\+[a-z0-9!#$&^_.+-]+)$/.exec(raw);
  if (!m) return undefined;
  const [, type, subtype] = m as unknown as [string, string, string];
  if (type === '*' && subtype !== '*') return undefined;
  const specificity = type === '*' ? 0 : subtype === '*' ? 1 : subtype.startsWith('*+') ? 2 : 3;
  return { raw, type, subtype, specificity };
}

export function rangeMatches(range: MediaRange, mediaType: string): boolean {
  if (range.specificity === 0) return true;
  const slash = mediaType.indexOf('/');
  if (slash < 0) return false;
  if (mediaType.slice(0, slash) !== range.type) return false;
  if (range.specificity === 1) return true;
  const subtype = mediaType.slice(slash + 1);
  if (range.specificity === 2) return subtype.endsWith(range.subtype.slice(1));
  return subtype === range.subtype;
}

/** The most specific entry whose range admits the media type. */
export function pickMedia<T extends { range: MediaRange }>(entries: readonly T[], mediaType: string): T | undefined {
  let best: T | undefined;
  for (const e of entries) {
    if (rangeMatches(e.range, mediaType) && (!best || e.range.specificity > best.range.specificity)) best = e;
  }
  return best;
}

export function bodyKind(mediaType: string): BodyKind {
  if (mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'))) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType.startsWith('text/')) return 'text';
  return 'other';
}

/** Which body kinds a range can admit, so only the validators it may need are compiled. */
export function kindsOf(range: MediaRange): Set<BodyKind> {
  if (range.specificity === 0) return new Set(['json', 'form', 'text']);
  if (range.type === 'text') return new Set(['text']);
  if (range.type !== 'application') return new Set();
  if (range.specificity === 1) return new Set(['json', 'form']);
  if (range.specificity === 2) return new Set(range.subtype === '*+json' ? ['json'] : []);
  return new Set([bodyKind(`${range.type}/${range.subtype}`)]);
}
