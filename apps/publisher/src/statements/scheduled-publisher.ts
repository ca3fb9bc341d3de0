import { Logger } from '@nestjs/common';
import type { BackgroundWorker } from '#libs/messaging';
import type { Statements } from './statements.js';

/** How often the scheduled publications are looked at: a statement goes public at most this late. */
export const SCHEDULE_INTERVAL_MS = 5_000;

/**
 * Publishes the statements scheduled for a later time once their time has come (`Statements.publishDue`),
 * every few seconds. The schedule lives in the database, so it survives restarts, and SKIP LOCKED keeps two
 * instances from publishing one statement twice.
 */
export class ScheduledPublisher implements BackgroundWorker {
  readonly #logger = new Logger('ScheduledPublisher');
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly statements: Statements,
    private readonly clock: () => Date = () => new Date(),
    private readonly intervalMs = SCHEDULE_INTERVAL_MS,
  ) {}

  async start(): Promise<void> {
    this.#timer = setInterval(() => {
      this.#running ??= this.#round().finally(() => {
        this.#running = undefined;
      });
    }, this.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async #round(): Promise<void> {
    try {
      const published = await this.statements.publishDue(this.clock());
      if (published > 0) this.#logger.log(`published ${published} scheduled statement(s)`);
    } catch (error) {
      this.#logger.warn(`scheduled publications could not be published now: ${(error as Error).message}`);
    }
  }
}
