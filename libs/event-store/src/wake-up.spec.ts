import { describe, expect, it } from 'vitest';
import { CoalescingNotifier } from './wake-up.js';

/** A send whose completion the test controls, recording when each send started. */
function controllableSend() {
  const started: number[] = [];
  const finishers: Array<() => void> = [];
  let clock = 0;
  return {
    started,
    tick: () => ++clock,
    finishNext: () => finishers.shift()?.(),
    send: () =>
      new Promise<void>((resolve) => {
        started.push(clock);
        finishers.push(resolve);
      }),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('CoalescingNotifier', () => {
  it('answers a burst of requests with one notification', async () => {
    let sends = 0;
    const notifier = new CoalescingNotifier(async () => {
      sends++;
    }, 1);
    await Promise.all(Array.from({ length: 50 }, () => notifier.request()));
    expect(sends).toBe(1);
  });

  it('answers a request made while a notification is in flight with a later one, and keeps one in flight', async () => {
    const io = controllableSend();
    const notifier = new CoalescingNotifier(io.send, 0);
    let firstDone = false;
    let secondDone = false;
    void notifier.request().then(() => {
      firstDone = true;
    });
    await until(() => io.started.length === 1);
    io.tick(); // the second request comes after the first send started
    void notifier.request().then(() => {
      secondDone = true;
    });
    void notifier.request(); // joins the second
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(io.started).toEqual([0]); // never two at once
    io.finishNext();
    await until(() => io.started.length === 2);
    expect(firstDone).toBe(true);
    expect(secondDone).toBe(false);
    expect(io.started).toEqual([0, 1]); // started after the request that needed it
    io.finishNext();
    await until(() => secondDone);
    expect(io.started).toHaveLength(2);
  });

  it('ignores a failed notification (readers also poll) and keeps working', async () => {
    let calls = 0;
    const notifier = new CoalescingNotifier(async () => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
    }, 0);
    await expect(notifier.request()).resolves.toBeUndefined();
    await expect(notifier.request()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
