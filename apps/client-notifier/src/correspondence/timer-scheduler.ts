import type { DataSource } from 'typeorm';
import { transactionRetryingConflicts } from '#libs/event-store';
import type { BackgroundWorker } from '#libs/messaging';
import type { Logger } from '#libs/platform';
import type { Clock } from '../clock.js';
import type { Correspondence } from './correspondence.js';
import type { TimerStore } from './timers.js';

export interface TimerSchedulerOptions {
  readonly dataSource: DataSource;
  readonly timers: TimerStore;
  readonly correspondence: Correspondence;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollMs: number;
  /** recorded on each fired timer (`fired_by`): which instance fired it */
  readonly instanceId: string;
}

/**
 * Fires the due timers (reminders, escalations, digests). Each timer fires in its own short transaction:
 * locked with `FOR UPDATE SKIP LOCKED`, its effects (intended messages, events, the next timer) written,
 * marked fired, committed. Two instances never fire the same timer; a crash before the commit leaves it
 * due for the next round.
 */
export class TimerScheduler implements BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly options: TimerSchedulerOptions) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.runInBackground(), this.options.pollMs);
    this.timer.unref();
    this.runInBackground();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Fires every timer due now; returns how many this instance fired. */
  async tick(): Promise<number> {
    let fired = 0;
    for (;;) {
      const now = this.options.clock.now();
      const one = await transactionRetryingConflicts(this.options.dataSource, async (manager) => {
        const [due] = await this.options.timers.claimDue(manager, now, 1);
        if (!due) return false;
        await this.options.correspondence.fire(manager, due, now);
        await this.options.timers.markFired(manager, due.id, now, this.options.instanceId);
        return true;
      });
      if (!one) return fired;
      fired++;
    }
  }

  private runInBackground(): void {
    if (this.running) return;
    this.running = this.tick()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'firing timers failed; retrying'))
      .finally(() => {
        this.running = undefined;
      });
  }
}
