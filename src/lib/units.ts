/** Parsing of the human units the policy uses: sizes (`64KiB`, `10MiB`) and durations (`200ms`, `30s`, `7d`). */

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB)?$/;
const SIZE_FACTORS: Record<string, number> = {
  B: 1, K: 1024, KB: 1000, KiB: 1024, M: 1024 ** 2, MB: 1000 ** 2, MiB: 1024 ** 2, G: 1024 ** 3, GB: 1000 ** 3, GiB: 1024 ** 3,
};

/** JSON Schema fragment for a size: a whole number of bytes or a string such as `64KiB`. */
export const sizeSchema = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: SIZE.source },
  ],
};

export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = SIZE.exec(value.trim());
  if (!m) throw new Error(`not a size: ${value}`);
  return Math.round(parseFloat(m[1]!) * SIZE_FACTORS[m[2] ?? 'B']!);
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const DURATION_FACTORS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** JSON Schema fragment for a duration: milliseconds as a number, or a string such as `200ms`, `30s`, `7d`. */
export const durationSchema = {
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: DURATION.source },
  ],
};

/** Duration in milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = DURATION.exec(value.trim());
  if (!m) throw new Error(`not a duration: ${value}`);
  return parseFloat(m[1]!) * DURATION_FACTORS[m[2]!]!;
}
