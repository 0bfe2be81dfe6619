import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../../src/ratelimit/breaker.js';

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one trial through after the cooldown, closes on success', () => {
    let now = 0;
    const states: BreakerState[] = [];
    const b = new CircuitBreaker({ failures: 3, cooldownMs: 1000, now: () => now, onChange: (s) => states.push(s) });
    b.failure();
    b.success(); // a success in between resets the count
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    now = 999;
    expect(b.allow()).toBe(false);
    now = 1000;
    expect(b.allow()).toBe(true); // the trial
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(false); // only one trial at a time
    b.failure();
    expect(b.state).toBe('open');
    now = 2100;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});

describe('circuit breaker span', () => {
  it('one burst of simultaneous failures does not open it; failures that keep coming do', () => {
    let now = 0;
    const b = new CircuitBreaker({ failures: 5, cooldownMs: 1000, minSpanMs: 30, now: () => now });
    for (let i = 0; i < 32; i++) b.failure(); // every call in flight timed out at once
    expect(b.state).toBe('closed');
    b.success();
    now = 100;
    for (let i = 0; i < 32; i++) b.failure();
    now = 115;
    b.failure();
    expect(b.state).toBe('closed');
    now = 130;
    b.failure();
    expect(b.state).toBe('open');
  });
});
