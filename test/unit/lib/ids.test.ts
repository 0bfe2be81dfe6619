import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../../../src/lib/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('decision ids', () => {
  it('are UUIDv7 carrying their millisecond timestamp, unique across pool refills', () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0, 123);
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newDecisionId(now + i);
      expect(id).toMatch(UUID_V7);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now + i);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('sort by time as text', () => {
    const ids = [1, 2, 1000, 1_000_000, Date.now()].map((t) => newDecisionId(t));
    expect([...ids].sort()).toEqual(ids);
  });
});
