/**
 * Coalesces wake-up notifications. A request is answered by a notification that starts at least
 * `delayMs` after the first request it covers and after any earlier notification finished, so a burst of
 * appends (from one or many concurrent callers) costs one notification rather than one each, and at most
 * one is in flight at a time. Every caller's promise settles after a notification that was sent after its
 * call, so whatever the caller committed before calling is visible to the listeners it wakes.
 */
export class CoalescingNotifier {
  /** the next notification, not started yet: later requests join it */
  private next: Promise<void> | undefined;
  /** the notification being sent */
  private inFlight: Promise<void> | undefined;

  /** `send` failures are ignored: readers also poll, so a lost wake-up only delays them. */
  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly delayMs: number,
  ) {}

  request(): Promise<void> {
    this.next ??= this.sendNext();
    return this.next;
  }

  private async sendNext(): Promise<void> {
    await this.inFlight;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    // From here on, new requests need a notification sent after this point: they start the next one.
    this.next = undefined;
    const sending = this.sendIgnoringFailure();
    this.inFlight = sending;
    await sending;
    if (this.inFlight === sending) this.inFlight = undefined;
  }

  private async sendIgnoringFailure(): Promise<void> {
    try {
      await this.send();
    } catch {
      // Deliberately ignored: the events are committed; a lost wake-up only delays polling readers.
    }
  }
}
