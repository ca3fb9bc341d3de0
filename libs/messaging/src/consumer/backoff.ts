/** Exponential back-off between a consumer's attempts at one message. */
export interface BackoffOptions {
  /** delay after the first failed attempt (default 200 ms) */
  initialMs: number;
  /** ceiling of any delay (default 10 000 ms) */
  maxMs: number;
  /** growth per further attempt (default 2) */
  factor: number;
  /** spread as a fraction of the delay, 0..1: 0.2 draws from ±20% (default 0.2) */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 200,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.2,
});

/**
 * The delay before the next attempt, after `failedAttempts` (1-based) attempts failed.
 * Jitter keeps consumers that failed together (a database restart) from retrying in lock step.
 */
export function backoffDelay(
  failedAttempts: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponential = options.initialMs * options.factor ** Math.max(0, failedAttempts - 1);
  const base = Math.min(options.maxMs, exponential);
  const spread = base * Math.min(Math.max(options.jitter, 0), 1);
  const jittered = base - spread + random() * 2 * spread;
  return Math.round(Math.min(options.maxMs, Math.max(0, jittered)));
}
