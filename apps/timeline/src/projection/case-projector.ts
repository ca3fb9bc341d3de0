import type { BackgroundWorker, MessagingLogger } from '#libs/messaging';
import type { CaseProjection } from './case-projection.js';

export interface CaseProjectorOptions {
  projection: CaseProjection;
  /** the longest a marked case waits when no wake-up came (default 100 ms) */
  pollIntervalMs?: number;
  /** cases per transaction (default 50) */
  batchSize?: number;
  logger: MessagingLogger;
}

/**
 * Folds the cases the consumer marked into their views, in the background: woken by the consumer after
 * each event (a round starts a few milliseconds later, after the consumer's commit), and polling as a
 * fallback. While a round fills whole batches it goes on at once, so a backlog (a new instance reading
 * the topics from the beginning) is folded many events per case and transaction.
 */
export class CaseProjector implements BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = true;
  private wakeRequested = false;

  constructor(private readonly options: CaseProjectorOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** A case was marked: run a round soon (the marking transaction commits right after its handler). */
  wake(): void {
    if (this.round) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(2);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.round = this.run().finally(() => {
        this.round = undefined;
        const again = this.wakeRequested;
        this.wakeRequested = false;
        this.schedule(again ? 2 : (this.options.pollIntervalMs ?? 100));
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    const batch = this.options.batchSize ?? 50;
    try {
      while (!this.stopped && (await this.options.projection.projectMarked(batch)) === batch) {
        // a full batch: more are waiting
      }
    } catch (error) {
      // the cases were marked again; a lock conflict with another instance is retried by the next round
      const code = (error as { code?: string }).code;
      if (code === '40P01' || code === '40001')
        this.options.logger.warn({ code }, 'case projection round retried');
      else this.options.logger.error({ err: error }, 'case projection round failed');
      this.wakeRequested = true;
    }
  }

  /** Folds everything marked now (tests and tools). */
  async drain(): Promise<void> {
    const batch = this.options.batchSize ?? 50;
    while ((await this.options.projection.projectMarked(batch)) > 0) {
      // until nothing is marked
    }
  }
}
