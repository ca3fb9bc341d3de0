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
 * An attempt succeeds when `fn` neither throws nor rejects and returns a truthy value, so a
 * lookup works as it reads: `await waitFor(() => list.find(f))` returns the item once it is there.
 * For assertions (which return nothing), use {@link eventually}.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false | '' | 0>> {
  const { timeoutMs = 10_000, intervalMs = 50, message = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const result = await fn();
      if (result) return result as Exclude<T, undefined | null | false | '' | 0>;
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

/**
 * Retries an assertion until it passes: `await eventually(async () => expect(await count()).toBe(3))`.
 * On timeout the last assertion error is reported.
 */
export async function eventually(
  assertion: () => void | Promise<void>,
  options: WaitForOptions = {},
): Promise<void> {
  await waitFor(async () => {
    await assertion();
    return true;
  }, options);
}
