import { describe, expect, it } from 'vitest';
import { eventually, WaitForTimeoutError, waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('returns the first truthy result', async () => {
    let calls = 0;
    const result = await waitFor(() => (++calls >= 3 ? `ready after ${calls}` : false), { intervalMs: 1 });
    expect(result).toBe('ready after 3');
  });

  it('keeps polling while a lookup finds nothing (undefined)', async () => {
    const found: Array<string | undefined> = [undefined, undefined, 'item'];
    await expect(waitFor(() => found.shift(), { intervalMs: 1 })).resolves.toBe('item');
  });

  it('eventually: retries an assertion until it stops throwing', async () => {
    let calls = 0;
    await eventually(
      async () => {
        calls++;
        expect(calls).toBe(4);
      },
      { intervalMs: 1 },
    );
    expect(calls).toBe(4);
  });

  it('keeps polling on null, 0 and empty string', async () => {
    const values: unknown[] = [null, 0, '', 'done'];
    await expect(waitFor(() => values.shift(), { intervalMs: 1 })).resolves.toBe('done');
  });

  it('fails on timeout with the message and the last error', async () => {
    const failure = waitFor(
      () => {
        throw new Error('still 2 rows');
      },
      { timeoutMs: 60, intervalMs: 10, message: 'three rows' },
    );
    await expect(failure).rejects.toBeInstanceOf(WaitForTimeoutError);
    await expect(failure).rejects.toThrow(
      /timed out after 60 ms .*waiting for three rows; last error: still 2 rows/,
    );
  });

  it('fails on timeout when the result stays falsy', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, message: 'never' })).rejects.toThrow(
      /waiting for never$/,
    );
  });
});
