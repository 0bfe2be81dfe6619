/**
 * A circuit breaker for the counter store: after `failures` consecutive failures it opens and every call
 * fails at once (no waiting on a dead Redis) for `cooldownMs`; then one trial call is let through (half-open),
 * whose success closes the breaker and whose failure opens it again.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failures: number;
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private consecutive = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = 'closed';
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** True when a call may go to the store now; a true in half-open state reserves the single trial. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.opts.cooldownMs) return false;
      this.set('half-open');
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.trialInFlight = false;
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.trialInFlight = false;
    this.consecutive++;
    if (this.current === 'half-open' || this.consecutive >= this.opts.failures) {
      this.openedAt = this.now();
      if (this.current !== 'open') this.set('open');
    }
  }

  private set(state: BreakerState): void {
    this.current = state;
    this.opts.onChange?.(state);
  }
}
