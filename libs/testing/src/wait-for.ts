export interface WaitForOptions {
  /** Give up after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between two attempts. Default 50 ms. */
  readonly intervalMs?: number;
  /** What was awaited, for the error on timeout, e.g. 'all 1000 events on the topic'. */
  readonly message?: string;
}

/** Thrown by {@link waitFor} when the condition did not hold in time; `cause` is the last error, if any. */
export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';
}

/**
 * Calls `fn` until it succeeds, then returns what it returned: the condition is polled, never
 * slept on, so the test goes on as soon as it holds.
 *
 * An attempt succeeds when `fn` neither throws nor rejects and returns something other than
 * `false`, `null`, `0`, `''` or `NaN`. A callback that returns nothing (`undefined`) succeeds
 * when it does not throw, so assertions work as conditions:
 * `await waitFor(async () => expect(await count()).toBe(3))`.
 * Hence a lookup that may be `undefined` must say so: `() => list.find(f) !== undefined`.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, message = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const result = await fn();
      if (result === undefined || result) return result;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
  }
  const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new WaitForTimeoutError(
    `timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${message}${reason}`,
    {
      cause: lastError,
    },
  );
}
