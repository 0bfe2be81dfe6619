import { describe, expect, it } from 'vitest';
import { redactedPath, toCheckRecord } from '../../../src/pipeline/record.js';
import type { AuthzRequest, Verdict } from '../../../src/pipeline/types.js';

function recordAt(time: number) {
  const req = { id: 'id', time, requestId: '', method: 'GET', host: '', rawPath: '/', rawQuery: '', clientIp: '', headers: {} } as unknown as AuthzRequest;
  const verdict = { allow: true, status: 200, checks: [], route: 'r', degraded: [] } as unknown as Verdict;
  return toCheckRecord(req, verdict, 1);
}

describe('decision record fields', () => {
  it('times read as Date.toISOString would write them', () => {
    for (const t of [0, 1, 999, 1000, 1001, 59_999, 1_764_331_200_000, 1_764_331_200_999.7, -1, -1001, 253_402_300_799_999]) {
      expect(recordAt(t).time, String(t)).toBe(new Date(t).toISOString());
    }
    // Consecutive times in one second and across a second boundary.
    for (let t = 1_764_331_200_990; t < 1_764_331_201_010; t++) expect(recordAt(t).time).toBe(new Date(t).toISOString());
  });

  it.each([
    ['/a', '/a'],
    ['/a?', '/a?'],
    ['/a?b', '/a?b'],
    ['/a?b=1&c', '/a?b=*&c'],
    ['/a?b=1&&c=2', '/a?b=*&c=*'],
    ['/a?&b=1&', '/a?b=*'],
    ['/a?b==1&c=x=y', '/a?b=*&c=*'],
    ['/a?=secret', '/a?=*'],
  ])('redacts query values: %s -> %s', (rawPath, want) => {
    const q = rawPath.indexOf('?');
    expect(redactedPath({ rawPath, rawQuery: q < 0 ? '' : rawPath.slice(q + 1) })).toBe(want);
  });
});
