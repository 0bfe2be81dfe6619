/**
 * A circuit breaker for the counter store: after `failures` consecutive failures spread over at least
 * `minSpanMs` it opens, and every call fails at once (no waiting on a dead Redis) for `cooldownMs`; then one
 * trial call is let through (half-open), whose success closes the breaker and whose failure opens it again.
 *
 * The span matters under concurrency: a single pause of this process (a GC, the machine busy) times out every
 * call in flight at the same instant. That is one incident, not a dead store, and must not refuse traffic for a
 * whole cooldown; a store that is really down keeps failing wave after wave.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failures: number;
  cooldownMs: number;
  /** The consecutive failures must span at least this long (default 0). */
  minSpanMs?: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private consecutive = 0;
  private firstFailureAt = 0;
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
    const now = this.now();
    if (this.consecutive === 0) this.firstFailureAt = now;
    this.consecutive++;
    const streak = this.consecutive >= this.opts.failures && now - this.firstFailureAt >= (this.opts.minSpanMs ?? 0);
    if (this.current === 'half-open' || streak) {
      this.openedAt = now;
      if (this.current !== 'open') this.set('open');
    }
  }

  private set(state: BreakerState): void {
    this.current = state;
    this.opts.onChange?.(state);
  }
}
